from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import BuildError

from app.core.pages import run_step
from app.extensions import db
from app.notifications import bp
from app.notifications.forms import EmailModeForm
from app.notifications.handoffs import render
from app.notifications.models import Notification
from app.notifications.services import set_email_mode


def link_url(link: dict | None, *, external: bool = False) -> str | None:
    if not link:
        return None
    try:
        url = url_for(link["endpoint"], _external=external, **(link.get("values") or {}))
    except (BuildError, KeyError, TypeError):
        return None
    return f"{url}#{link['anchor']}" if link.get("anchor") else url


@bp.get("/")
@login_required
def index():
    todo_only = request.args.get("todo") == "1"
    query = select(Notification).where(Notification.user_id == current_user.id)
    if todo_only:
        query = query.where(Notification.todo_key.is_not(None), Notification.done_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    page = db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=current_app.config["PER_PAGE"]
    )
    locale = str(get_locale() or "zh")
    items = [
        {
            "created_at": n.created_at,
            "text": render(n, locale),
            "url": link_url(n.link),
            "todo": n.is_todo,
            "done": n.todo_key is not None and n.done_at is not None,
        }
        for n in page.items
    ]
    return render_template("notifications/index.html", page=page, items=items, todo_only=todo_only)


def email_form() -> EmailModeForm:
    from app.notifications.tasks import email_mode

    return EmailModeForm(formdata=None, email_mode=email_mode(current_user.id).value)


def _email_page(form: EmailModeForm):
    from app.notifications.mail import delivery

    return render_template("notifications/email.html", form=form, delivery=delivery())


@bp.route("/email", methods=["GET", "POST"])
@login_required
def email_settings():
    """The choice is also offered on the account page, which posts here."""
    if request.method == "GET":
        return _email_page(email_form())
    form = EmailModeForm()
    return run_step(
        lambda: set_email_mode(current_user, form.email_mode.data or ""),
        refused=lambda err: _email_page(form),
        to=url_for("notifications.email_settings"),
        done=_l("Your choice of mail is saved."),
        form=form,
    )
