"""Hand-offs: when a step leaves the next move to someone else, the platform tells them.

A feature declares each of its hand-offs once, as transitions are declared, and announces
it where the step is taken, in the same transaction:

    register_handoff("joint.invited", text=_l("..."), recipients=..., link=..., todo=...)
    hand_off("joint.invited", participation, actor=user)

`to=` names the recipients when the declaration has none (or overrides it); the actor
never hears of their own step. The workflow's steps declare theirs on the transition
(`Transition.handoff`), so `perform` announces them; every other feature declares its own
in its `handoffs.py` (cases, transfers, joint investigations, committees, records).

A hand-off stores its event and parameters (the reference, dates, an agency's name: never
a complainant's identity, the case's content or evidence), rendered in the reader's
language when shown or mailed; a parameter made with `in_both` (an agency's Chinese and
English names) is read in that language too. A hand-off may name what it is about (a
task's title, a record's subject) with `shown=`: the text read on the notifications page,
by its signed-in recipient, who may open the object; the mail and the stored text use
`text`, which names only the case's reference, as what leaves the platform must.

With a to-do key it stays in "to do" until `mark_done(key)` — the workflow marks a case's
to-dos done when the case leaves the state they were for, whoever took the step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from sqlalchemy import select, update

from app.auth.models import Role, User, UserRole
from app.core.models import utcnow
from app.extensions import db
from app.notifications.models import Notification


def in_both(zh: str, en: str) -> dict:
    """A parameter with a Chinese and an English form (an agency's name), stored as both
    so the reader's language chooses when the notification is shown or mailed."""
    return {"zh": zh, "en": en or zh}


def agency_name(agency) -> dict:
    return in_both(agency.name_zh, agency.name_en)


def _in_locale(params: dict, locale: str) -> dict:
    return {
        key: (value.get(locale) or value.get("zh", "")) if isinstance(value, dict) else value
        for key, value in params.items()
    }


def case_link(case, anchor: str | None = None) -> dict:
    return {"endpoint": "cases.detail", "values": {"reference": case.reference}, "anchor": anchor}


def case_params(case) -> dict:
    due = case.current_due() if hasattr(case, "current_due") else None
    return {"ref": case.reference, "due": due.isoformat() if due else ""}


def case_todo(case) -> str:
    """To-dos of a case in a state end when it leaves the state (see `mark_case_done`)."""
    return f"case:{case.id}:{case.state.value}"


@dataclass(frozen=True)
class Handoff:
    event: str
    # A message with %(name)s placeholders filled from `params`; translated when shown.
    text: Any
    recipients: Callable[[Any], Iterable[User]] | None = None
    link: Callable[[Any], dict] = case_link
    params: Callable[[Any], dict] = case_params
    # The to-do key of the announced object, or None when the news asks for nothing.
    todo: Callable[[Any], str] | None = None
    kind: str = field(default="handoff")
    # The text read in the platform, naming the object (see the module's docstring).
    shown: Any = None


HANDOFFS: dict[str, Handoff] = {}


def register_handoff(
    event: str,
    *,
    text,
    recipients: Callable[[Any], Iterable[User]] | None = None,
    link: Callable[[Any], dict] = case_link,
    params: Callable[[Any], dict] = case_params,
    todo: Callable[[Any], str] | None = None,
    shown=None,
) -> Handoff:
    handoff = Handoff(event, text, recipients, link, params, todo, shown=shown)
    HANDOFFS[event] = handoff
    return handoff


def hand_off(
    event: str,
    obj,
    *,
    actor: User | None = None,
    to: Iterable[User] | None = None,
    todo: str | None = None,
    dedupe: str | None = None,
    flush: bool = True,
    **params,
) -> list[Notification]:
    """Tells everyone who must act next; returns the notifications added. The caller commits.

    `todo` overrides the declared to-do key; `dedupe` makes a re-run add nothing for a
    recipient who already has that key (daily reminders). A caller handing off many objects
    at once passes `flush=False` and flushes once after the last, so the rows go in one
    statement."""
    handoff = HANDOFFS[event]
    people = to if to is not None else (handoff.recipients(obj) if handoff.recipients else [])
    unique = {u.id: u for u in people if u is not None and u.active}
    if actor is not None:
        unique.pop(actor.id, None)
    if not unique:
        return []
    values = {**handoff.params(obj), **params}
    key = todo if todo is not None else (handoff.todo(obj) if handoff.todo else None)
    link = handoff.link(obj)
    taken: set[int] = set()
    if dedupe is not None:
        taken = set(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.user_id.in_(list(unique)), Notification.dedupe_key == dedupe
                )
            )
        )
    with force_locale("zh"):
        stored_text = str(handoff.text) % _in_locale(values, "zh")
    added = []
    for user_id in sorted(set(unique) - taken):
        row = Notification(
            user_id=user_id,
            case_id=_case_id(obj),
            kind=event,
            text=stored_text,
            params=values,
            link=link,
            todo_key=key,
            dedupe_key=dedupe,
        )
        db.session.add(row)
        added.append(row)
    if flush:
        db.session.flush()
    return added


def _case_id(obj) -> int | None:
    """The case a notification is about: the object itself, or the case it belongs to.
    Told by table name, as notifications sit below the features whose objects they name."""
    if getattr(obj, "__tablename__", None) == "cases":
        return obj.id
    return getattr(obj, "case_id", None)


def mark_done(key: str, *, prefix: bool = False, user_ids: Iterable[int] | None = None) -> int:
    """The step of this to-do was taken (by anyone): it leaves every recipient's "to do".

    `user_ids` ends it for those recipients only: their part is over (a recused member)
    while the others still have theirs to take."""
    condition = Notification.todo_key.like(f"{key}%") if prefix else Notification.todo_key == key
    if user_ids is not None:
        condition = condition & Notification.user_id.in_(list(user_ids))
    result = db.session.execute(
        update(Notification)
        .where(condition, Notification.done_at.is_(None))
        .values(done_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def mark_case_done(case) -> int:
    return mark_done(f"case:{case.id}:", prefix=True)


def render(notification: Notification, locale: str | None = None, *, shown: bool = False) -> str:
    """The notification's text in `locale` (the reader's): hand-offs are translated then.
    `shown`: on the notifications page, where a hand-off names its object; a notification
    stored before its parameters named it reads as the mail does."""
    handoff = HANDOFFS.get(notification.kind)
    if handoff is None or notification.params is None:
        return notification.text
    locale = locale or "zh"
    texts = [handoff.shown, handoff.text] if shown and handoff.shown else [handoff.text]
    params = _in_locale(notification.params, locale)
    with force_locale(locale):
        for text in texts:
            try:
                return str(text) % params
            except (KeyError, TypeError, ValueError):
                continue
    return notification.text


def users_with_role(agency_id: int, *roles: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.agency_id == agency_id, User.active.is_(True), UserRole.role.in_(roles))
            .distinct()
            .order_by(User.id)
        )
    )
