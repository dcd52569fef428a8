from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from app.core.pages import run_step
from app.extensions import db
from app.notifications import bp
from app.notifications.forms import EmailModeForm
from app.notifications.handoffs import render
from app.notifications.models import Notification
from app.notifications.permissions import get_notification_or_404
from app.notifications.services import mark_all_read, mark_read, set_email_mode


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
    return _index_page()


def _listing() -> tuple[bool, int]:
    """The list's filter and page, from the query string or from the form that posted."""
    values = request.form if request.method == "POST" else request.args
    return values.get("todo") == "1", max(values.get("page", 1, type=int) or 1, 1)


def _index_page(status: int = 200):
    todo_only, page_number = _listing()
    query = select(Notification).where(Notification.user_id == current_user.id)
    if todo_only:
        query = query.where(Notification.todo_key.is_not(None), Notification.done_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    page = db.paginate(query, page=page_number, per_page=current_app.config["PER_PAGE"])
    unread = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
    )
    locale = str(get_locale() or "zh")
    items = [
        {
            "id": n.id,
            "created_at": n.created_at,
            "text": render(n, locale, shown=True),
            "url": link_url(n.link),
            "todo": n.is_todo,
            "done": n.todo_key is not None and n.done_at is not None,
            "unread": n.read_at is None,
        }
        for n in page.items
    ]
    return render_template(
        "notifications/index.html",
        page=page,
        items=items,
        todo_only=todo_only,
        unread=unread,
    ), status


def _back() -> str:
    todo_only, page_number = _listing()
    args = {"todo": 1} if todo_only else {}
    if page_number > 1:
        args["page"] = page_number
    return url_for("notifications.index", **args)


@bp.post("/<int:notification_id>/read")
@login_required
def read_one(notification_id: int):
    """Read is the reader's own mark; a to-do stays in "to do" until its step is taken."""
    notification = get_notification_or_404(notification_id, current_user)
    return run_step(
        lambda: mark_read(current_user, notification),
        refused=lambda err: _index_page(),
        to=_back(),
        done=_l("The notification is marked as read."),
    )


@bp.post("/read")
@login_required
def read_all():
    return run_step(
        lambda: mark_all_read(current_user),
        refused=lambda err: _index_page(),
        to=_back(),
        done=lambda n: _l("Notifications marked as read: %(n)s.", n=n),
    )


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
