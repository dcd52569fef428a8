"""The approval look-up (伦理审查批件查验): an integrity officer, for example on an
allegation of ethics approval fraud, asks whether an ethics approval number is known to the
region and in what status. The answer is what `app.ethics.approvals` lets the region know
of an approval — never the application's material — and every look-up is audited.

Who: the agency staff who handle cases (officers and supervisors) of any province, since an
approval may come from any committee of the region; never a research unit's people, whatever
else they hold, and no one else."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from app.auth.models import Role, User
from app.core import audit
from app.core.errors import InvalidInput, NotAllowed
from app.core.extension_points import Hook
from app.core.times import local_time
from app.ethics import approval_numbers, approvals
from app.ethics.approval_numbers import ApprovalNumber
from app.ethics.approvals import ApprovalStatus
from app.ethics.permissions import is_unit_user, nav_unit_roles

LOOKUP_ROLES = (Role.officer, Role.supervisor)
MAX_INPUT = 80  # room for spaces typed between the parts of a 64-character number
AUDIT_ACTION = "ethics.lookup"

STATUS_LABELS = {
    ApprovalStatus.valid.value: _lp("approval", "Valid"),
    ApprovalStatus.suspended.value: _lp("approval", "Suspended"),
    ApprovalStatus.terminated.value: _lp("approval", "Terminated"),
    ApprovalStatus.expired.value: _lp("approval", "Expired"),
}

# Called with the application after one of this node's approvals changed: decided, suspended,
# terminated or closed by its final report (its expiry by date needs no call: the dates say
# it). The exchange's announcement of approvals registers here.
approval_changed = Hook("ethics.approval_changed")


def announce_change(application) -> None:
    if approvals.is_approval(application):
        approval_changed(application)


def register() -> None:
    from app.core.labels import register_labels

    register_labels(
        values=[(ApprovalStatus(k), v) for k, v in STATUS_LABELS.items()],
        audit={AUDIT_ACTION: _l("Ethics approval looked up")},
    )


def may_look_up(user: User | None) -> bool:
    return _lookup_role(user) and not is_unit_user(user)


def nav_may_look_up(user: User | None) -> bool:
    """`may_look_up`, for the navigation bar (`permissions.nav_unit_roles`)."""
    return _lookup_role(user) and not nav_unit_roles(user)


def _lookup_role(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.has_role(*LOOKUP_ROLES)


def clean_number(raw: Any) -> ApprovalNumber:
    """The number as the region writes it (`ETH-2026-ZJ-NODE-000123`, or an old letter's
    `ETH-000123`), from what was typed: spaces and the letters' case do not matter, a
    full-width or long dash is a dash. Raises InvalidInput saying what is wrong."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise InvalidInput(_l("Enter the ethics approval number."), field="number")
    if len(text) > MAX_INPUT:
        raise InvalidInput(
            _l("An ethics approval number has at most %(n)s characters.", n=MAX_INPUT),
            field="number",
        )
    text = re.sub(r"\s+", "", text).upper().replace("－", "-").replace("—", "-")
    try:
        return approval_numbers.parse(text)
    except ValueError:
        raise InvalidInput(
            _l(
                "An ethics approval number is “ETH-”, the year, the issuing node and the "
                "letter's serial, as on the letter's verification (ETH-2026-ZJ-NODE-000123); "
                "letters issued before carry “ETH-” and six to nine digits (ETH-000123)."
            ),
            field="number",
        ) from None


@dataclass(frozen=True)
class Answer:
    """One approval found: what the region knows of it and where that comes from (this
    platform, or the node that announced it and when)."""

    approval: dict[str, Any]
    origin: str | None  # None: this platform's own

    @property
    def own(self) -> bool:
        return self.origin is None

    @property
    def announced_at(self) -> str:
        """When its node stated what is shown, in China Standard Time."""
        return local_time(dt.datetime.fromisoformat(self.approval["as_of"]))


def look_up(actor: User, raw_number: Any) -> tuple[str, list[Answer]]:
    """(the number, the approvals found under it), audited with who asked, the number and
    the result. A number refused as malformed is not looked up (nothing is recorded)."""
    if not may_look_up(actor):
        raise NotAllowed(_l("Only integrity officers and supervisors look up ethics approvals."))
    parsed = clean_number(raw_number)
    number = str(parsed)
    answers = [
        Answer(approvals.approval_announcement(a), None) for a in approvals.own_approvals(parsed)
    ]
    answers += [
        Answer(approvals.effective_status(row.payload()), row.origin_node)
        for row in approvals.announced_approvals(parsed)
    ]
    audit.record(
        AUDIT_ACTION,
        actor=actor,
        details={
            "number": number,
            "result": "found" if answers else "not_known",
            "style": "old" if parsed.legacy else "regional",
            "matches": [
                {"origin": a.origin or "local", "status": a.approval["status"]} for a in answers
            ],
        },
    )
    return number, answers
