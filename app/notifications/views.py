from flask import current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.notifications import bp
from app.notifications.models import Notification


@bp.get("/")
@login_required
def index():
    query = (
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    page = db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=current_app.config["PER_PAGE"]
    )
    return render_template("notifications/index.html", page=page)
