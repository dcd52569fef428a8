"""Background mail jobs: each minute, new hand-offs go out to those who want them at once;
at 08:30 Beijing time, each digest reader gets one mail with what came since the last.

The notification rows are the outbox: a hand-off is written in the transaction of its step
and mailed afterwards, so a step never waits for a mail server and a crash in between loses
nothing. Each mail is its own job with retries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select, update

from app.auth.models import User
from app.core.models import utcnow
from app.extensions import db
from app.jobs.queue import Retry, enqueue
from app.jobs.runner import PermanentJobError
from app.notifications import mail
from app.notifications.models import EmailMode, Notification, NotificationSettings

MAIL_RETRY = Retry(max=4, intervals=(30, 120, 600, 1800))
# Older unsent notifications are not mailed any more (mail switched on later, a long outage).
MAIL_HORIZON = dt.timedelta(days=2)
BATCH = 500


def email_mode(user_id: int) -> EmailMode:
    row = db.session.get(NotificationSettings, user_id)
    return row.email_mode if row is not None else EmailMode.immediate


def _unmailed(modes: set[EmailMode]) -> dict[int, list[int]]:
    """Unsent hand-offs of users whose mode is in `modes` and who have an address."""
    mode = db.func.coalesce(NotificationSettings.email_mode, EmailMode.immediate.value)
    rows = db.session.execute(
        select(Notification.id, Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(
            Notification.mailed_at.is_(None),
            Notification.params.is_not(None),
            Notification.created_at >= utcnow() - MAIL_HORIZON,
            User.active.is_(True),
            User.email.is_not(None),
            User.email != "",
            mode.in_([m.value for m in modes]),
        )
        .order_by(Notification.id)
        .limit(BATCH)
    ).all()
    by_user: dict[int, list[int]] = defaultdict(list)
    for notification_id, user_id in rows:
        by_user[user_id].append(notification_id)
    return by_user


def _dispatch(by_user: dict[int, list[int]], *, digest: bool) -> int:
    if not by_user:
        return 0
    ids = [i for group in by_user.values() for i in group]
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(mailed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    for user_id, group in by_user.items():
        enqueue(send_mail, user_id, group, digest, track=False, retry=MAIL_RETRY)
    return len(by_user)


def send_immediate_mails() -> dict:
    if mail.delivery() is None:
        return {"mails": 0}
    return {"mails": _dispatch(_unmailed({EmailMode.immediate}), digest=False)}


def send_digests() -> dict:
    if mail.delivery() is None:
        return {"digests": 0}
    return {"digests": _dispatch(_unmailed({EmailMode.digest}), digest=True)}


def send_mail(user_id: int, notification_ids: list[int], digest: bool) -> None:
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.email:
        raise PermanentJobError("no recipient")
    notifications = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.id.in_(notification_ids), Notification.user_id == user_id)
            .order_by(Notification.id)
        )
    )
    if not notifications:
        raise PermanentJobError("nothing to send")
    mail.send(mail.compose(user, notifications, digest=digest))
