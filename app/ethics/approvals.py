"""The region's knowledge of ethics approvals: what one approval looks like to anyone outside
its committee (number, committee, unit, province, activity title, decision, dates, status —
never the application's material), this node's own approvals in that form, and the
approvals other nodes announced.

This node's own approvals are derived from the applications whenever asked (no copy to keep
current); other nodes' arrive as announcements (`store_announced_approval`, called by the
exchange when an envelope of the approval kind is accepted) and are kept in
`ethics_known_approvals`, the latest statement per node and number.

An approval's number is its decision letter's verification code, unique in the region
(`ETH-2026-ZJ-NODE-000123`: year, issuing node, letter id; `app.ethics.approval_numbers`).
No two approvals a node knows share a number: its own letters' codes are unique, a peer may
announce only numbers carrying its own node id, and `ethics_known_approvals.number` is
unique. An old-style number (`ETH-000123`, node-local, printed before) is still looked up:
it answers every approval of that letter id on any node, with the committee, unit and
province that tell them apart.

Status: `valid` until the next follow-up review falls due (the approval is renewed by each
follow-up report, as committees' approval letters state a period of validity); `expired`
after that day, or once the final report closed the activity; `suspended` and `terminated`
when the committee stopped the activity."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.calendar import today
from app.core.models import str_enum, utcnow
from app.core.times import to_cst
from app.ethics import approval_numbers
from app.ethics.approval_numbers import ApprovalNumber
from app.ethics.models import Application, AppState, DecisionLetter, FollowUp
from app.extensions import db

NODE_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
PROVINCE_RE = re.compile(r"[A-Z]{2,8}")
APPROVALS = ("approve", "approve_modified")
LIMITS = {"committee": 200, "unit": 200, "title": 300}
FIELDS = (
    "number",
    "committee",
    "unit",
    "province",
    "title",
    "decision",
    "decided_on",
    "valid_until",
    "status",
    "status_since",
    "as_of",
)


class ApprovalStatus(enum.StrEnum):
    valid = "valid"
    suspended = "suspended"
    terminated = "terminated"
    expired = "expired"


class KnownApproval(db.Model):
    """Another node's approval as it last announced it: one row per number (a number names
    its node). `serial` is the number's letter id, which its old-style code repeats."""

    __tablename__ = "ethics_known_approvals"
    __table_args__ = (
        CheckConstraint(
            "valid_until IS NULL OR valid_until >= decided_on", name="known_approval_validity"
        ),
        CheckConstraint("status_since >= decided_on", name="known_approval_status_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    origin_node: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64), unique=True)
    serial: Mapped[int] = mapped_column(Integer, index=True)
    committee: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    decision: Mapped[str] = mapped_column(String(24))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[ApprovalStatus] = mapped_column(str_enum(ApprovalStatus, 16))
    status_since: Mapped[dt.date] = mapped_column(Date)
    as_of: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def payload(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "committee": self.committee,
            "unit": self.unit,
            "province": self.province,
            "title": self.title,
            "decision": self.decision,
            "decided_on": self.decided_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "status": self.status.value,
            "status_since": self.status_since.isoformat(),
            "as_of": _utc(self.as_of).isoformat(),
        }


# --- this node's approvals ---------------------------------------------------------------


def is_approval(application: Application) -> bool:
    return application.state is AppState.decided and application.decision in APPROVALS


def _stop_day(application: Application, kind: str) -> dt.date | None:
    at = db.session.scalar(
        select(FollowUp.at)
        .where(FollowUp.application_id == application.id, FollowUp.kind == kind)
        .order_by(FollowUp.id.desc())
        .limit(1)
    )
    return to_cst(at).date() if at is not None else None


def own_status(application: Application, on: dt.date | None = None):
    """(status, since, valid until) of one of this node's approvals on a day."""
    on = on or today()
    decided = to_cst(application.decided_at).date()
    activity = application.activity or "active"
    stopped = {"suspended": "suspend", "terminated": "terminate", "completed": "final"}
    if activity in stopped:
        status = {
            "suspended": ApprovalStatus.suspended,
            "terminated": ApprovalStatus.terminated,
            "completed": ApprovalStatus.expired,
        }[activity]
        since = _stop_day(application, stopped[activity]) or decided
        return status, since, application.followup_due
    until = application.followup_due
    if until is not None and until < on:
        return ApprovalStatus.expired, until + dt.timedelta(days=1), until
    return ApprovalStatus.valid, decided, until


def approval_announcement(application: Application) -> dict[str, Any]:
    """What the region may know of one of this node's approvals, as of now: the body of an
    approval envelope and the look-up's answer alike. Raises ValueError for an application
    that is no approval with a numbered letter."""
    from app.ethics.letters import letter_of, signed_code

    letter = letter_of(application) if is_approval(application) else None
    if letter is None:
        raise ValueError("application: not an approval with a decision letter")
    status, since, until = own_status(application)
    return {
        "number": signed_code(letter),
        "committee": application.panel.name,
        "unit": application.unit.name,
        "province": application.unit.agency.code,
        "title": application.title,
        "decision": application.decision,
        "decided_on": to_cst(application.decided_at).date().isoformat(),
        "valid_until": until.isoformat() if until else None,
        "status": status.value,
        "status_since": since.isoformat(),
        "as_of": utcnow().isoformat(),
    }


def own_approvals(number: ApprovalNumber) -> list[Application]:
    """This node's approvals under a number: the one whose letter has it, or for an
    old-style number the one whose letter has that id (at most one either way)."""
    if number.legacy:
        matches = DecisionLetter.id == number.serial
    else:
        matches = DecisionLetter.code == str(number)
    return list(
        db.session.scalars(
            select(Application)
            .join(DecisionLetter, DecisionLetter.application_id == Application.id)
            .where(
                matches,
                Application.state == AppState.decided,
                Application.decision.in_(APPROVALS),
            )
        )
    )


def announced_approvals(number: ApprovalNumber) -> list[KnownApproval]:
    """Other nodes' approvals under a number: one at most, or for an old-style number every
    node's approval of that letter id."""
    if number.legacy:
        matches = KnownApproval.serial == number.serial
    else:
        matches = KnownApproval.number == str(number)
    return list(
        db.session.scalars(select(KnownApproval).where(matches).order_by(KnownApproval.origin_node))
    )


def effective_status(payload: dict[str, Any], on: dt.date | None = None) -> dict[str, Any]:
    """An announced approval as it stands today: one stated valid whose period has ended
    since is expired, without waiting for its node to say so."""
    on = on or today()
    until = payload.get("valid_until")
    if payload["status"] == ApprovalStatus.valid and until and dt.date.fromisoformat(until) < on:
        since = dt.date.fromisoformat(until) + dt.timedelta(days=1)
        return {
            **payload,
            "status": ApprovalStatus.expired.value,
            "status_since": since.isoformat(),
        }
    return payload


# --- other nodes' announcements ----------------------------------------------------------


def _text(payload: dict, name: str) -> str:
    value = payload[name]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name}: a non-empty string is required")
    if len(value) > LIMITS[name]:
        raise ValueError(f"{name}: at most {LIMITS[name]} characters")
    if any(ord(c) < 32 for c in value):
        raise ValueError(f"{name}: control characters are not allowed")
    return value.strip()


def _date(payload: dict, name: str, *, optional: bool = False) -> dt.date | None:
    value = payload[name]
    if value is None and optional:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{name}: a date YYYY-MM-DD is required")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: not a calendar date") from None


def _as_of(payload: dict) -> dt.datetime:
    value = payload["as_of"]
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("as_of: an ISO 8601 time with its offset is required")
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("as_of: an ISO 8601 time with its offset is required") from None
    if at.tzinfo is None:
        raise ValueError("as_of: the time needs its UTC offset")
    return at.astimezone(dt.UTC)


def _pattern(payload: dict, name: str, pattern: re.Pattern) -> str:
    value = payload[name]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{name}: not of the form {pattern.pattern}")
    return value


def _number(payload: dict) -> ApprovalNumber:
    try:
        return approval_numbers.parse(payload["number"])
    except ValueError:
        raise ValueError(
            "number: not an ethics approval number (ETH-year-node-serial, or ETH-serial)"
        ) from None


def parse_announcement(payload: Any) -> dict[str, Any]:
    """The announcement's fields, checked: exactly the fields of an approval, each of its
    type and form. Raises ValueError naming the first field at fault."""
    if not isinstance(payload, dict):
        raise ValueError("payload: a JSON object is required")
    for name in payload:
        if name not in FIELDS:
            raise ValueError(f"{name}: not a field of an approval announcement")
    for name in FIELDS:
        if name not in payload:
            raise ValueError(f"{name}: missing")
    row: dict[str, Any] = {
        "number": _number(payload),
        "committee": _text(payload, "committee"),
        "unit": _text(payload, "unit"),
        "province": _pattern(payload, "province", PROVINCE_RE),
        "title": _text(payload, "title"),
    }
    if payload["decision"] not in APPROVALS:
        raise ValueError(f"decision: one of {', '.join(APPROVALS)}")
    row["decision"] = payload["decision"]
    row["decided_on"] = _date(payload, "decided_on")
    row["valid_until"] = _date(payload, "valid_until", optional=True)
    try:
        row["status"] = ApprovalStatus(payload["status"])
    except (ValueError, TypeError):
        raise ValueError(
            f"status: unknown; one of {', '.join(s.value for s in ApprovalStatus)}"
        ) from None
    row["status_since"] = _date(payload, "status_since")
    row["as_of"] = _as_of(payload)
    if row["valid_until"] is not None and row["valid_until"] < row["decided_on"]:
        raise ValueError("valid_until: before decided_on")
    if row["status"] is ApprovalStatus.valid and row["valid_until"] is None:
        raise ValueError("valid_until: a valid approval states until when")
    if row["status_since"] < row["decided_on"]:
        raise ValueError("status_since: before decided_on")
    return row


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class NumberConflict(ValueError):
    """An announced number this node cannot keep for the sender: another node's number, or
    one naming another approval this node knows."""


def _regional_number(sender_node_id: str, row: dict[str, Any]) -> str:
    """The announced approval's region-wide number: as announced, which must carry the
    sender's node id; derived for an old-style one (from a node not yet upgraded)."""
    number: ApprovalNumber = row["number"]
    try:
        sender = approval_numbers.node_part(sender_node_id)
    except ValueError as exc:
        raise ValueError(f"sender_node_id: {exc}") from None
    if number.legacy:
        try:
            return approval_numbers.form(sender, row["decided_on"].year, number.serial)
        except ValueError as exc:
            raise ValueError(f"number: {exc}") from None
    if number.node != sender:
        raise NumberConflict(
            f"number: {number} was issued by node {number.node}, not by {sender_node_id}"
        )
    return str(number)


def _check_free(sender_node_id: str, number: str) -> None:
    """Refuses a number that names an approval of this node or another node's."""
    own = db.session.scalar(select(DecisionLetter.id).where(DecisionLetter.code == number))
    other = db.session.scalar(
        select(KnownApproval.origin_node).where(
            KnownApproval.number == number, KnownApproval.origin_node != sender_node_id
        )
    )
    if own is not None or other is not None:
        holder = "this node" if own is not None else f"node {other}"
        raise NumberConflict(f"number: {number} already names an approval of {holder}")


def store_announced_approval(sender_node_id: str, payload: dict) -> str:
    """Keeps another node's announcement of one of its approvals. The latest statement (by
    its `as_of`) wins: an older or repeated one changes nothing. Returns "created",
    "updated", "unchanged" (a repeat) or "stale" (older than what is kept). Raises
    ValueError naming the field for a malformed body, NumberConflict for a number that is
    not the sender's to announce (nothing is stored either way); flushes, the caller
    commits."""
    from app.core import node

    if not isinstance(sender_node_id, str) or not NODE_RE.fullmatch(sender_node_id):
        raise ValueError("sender_node_id: not a node id")
    if node.is_initialised() and sender_node_id.upper() == node.node_id().upper():
        raise ValueError("sender_node_id: this node's own approvals are not announced to it")
    row = parse_announcement(payload)
    row["serial"] = row["number"].serial
    row["number"] = _regional_number(sender_node_id, row)
    _check_free(sender_node_id, row["number"])
    kept = db.session.scalar(
        select(KnownApproval).where(
            KnownApproval.origin_node == sender_node_id, KnownApproval.number == row["number"]
        )
    )
    if kept is None:
        db.session.add(KnownApproval(origin_node=sender_node_id, **row))
        db.session.flush()
        return "created"
    same = all(
        (_utc(getattr(kept, k)) if k == "as_of" else getattr(kept, k)) == v for k, v in row.items()
    )
    if same:
        return "unchanged"
    if row["as_of"] <= _utc(kept.as_of):
        return "stale"
    for name, value in row.items():
        setattr(kept, name, value)
    kept.updated_at = utcnow()
    db.session.flush()
    return "updated"
