"""Who must act on an integrity record: its agency's administrators approve a draft (and
its officer corrects one they returned); every other agency here decides whether to
recognise it once published, and each agency here decides on a record received from a peer;
after a review changed the decision, the administrators amend or revoke the record.

On the notifications page a record is named by its subject and case, as every list names
it (`IntegrityRecord.name`); its recipients are the roles that may see the record. The mail
names the case and the record's number only."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.agencies import case_agencies
from app.auth.models import Agency, Role, User, UserRole
from app.core.calendar import add_working_days, today
from app.extensions import db
from app.notifications.handoffs import (
    agency_name,
    hand_off,
    mark_done,
    register_handoff,
    users_with_role,
)
from app.records import policy
from app.records.models import IntegrityRecord


def record_link(record: IntegrityRecord) -> dict:
    return {"endpoint": "records.record_detail", "values": {"record_id": record.id}}


def _params(record: IntegrityRecord) -> dict:
    """A record of an agency here names it in the reader's language; a peer's record
    carries only the deciding agency's name as the peer sent it."""
    agency = agency_name(record.agency) if record.agency is not None else record.deciding_agency
    return {
        "ref": record.case_reference or "—",
        "agency": agency,
        "record": record.id,
        "subject": record.subject_name,
    }


def _approval_todo(record: IntegrityRecord) -> str:
    return f"record:{record.id}:approve"


def recognition_todo(record_id: int, agency_id: int) -> str:
    return f"record:{record_id}:recognise:{agency_id}"


def _correction_todo(record: IntegrityRecord) -> str:
    return f"record:{record.id}:correct"


def revision_todo(record: IntegrityRecord) -> str:
    """Amend or revoke after a review: either step ends it."""
    return f"record:{record.id}:revise"


def _admins(record: IntegrityRecord):
    return users_with_role(record.agency_id, Role.agency_admin)


def _officer(record: IntegrityRecord):
    """Who drafted the record corrects it; should they have left, the case's handlers."""
    drafter = record.drafted_by
    if drafter is not None and drafter.active:
        return [drafter]
    case = record.case
    return [m.user for m in case.members] if case is not None else []


register_handoff(
    "record.drafted",
    text=_l("The integrity record of case %(ref)s is drafted: check it and approve publishing."),
    shown=_l(
        "The integrity record of %(subject)s (case %(ref)s) is drafted: check it and approve "
        "publishing."
    ),
    recipients=lambda record: users_with_role(record.agency_id, Role.agency_admin),
    link=record_link,
    params=_params,
    todo=_approval_todo,
)
register_handoff(
    "record.returned",
    text=_l(
        "The integrity record of case %(ref)s (no. %(record)s) was returned to you: read the "
        "reason on the record, correct the draft and submit it again."
    ),
    shown=_l(
        "The integrity record of %(subject)s (case %(ref)s) was returned to you: read the "
        "reason on the record, correct the draft and submit it again."
    ),
    recipients=_officer,
    link=record_link,
    params=_params,
    todo=_correction_todo,
)
register_handoff(
    "record.resubmitted",
    text=_l(
        "The integrity record of case %(ref)s (no. %(record)s) was corrected and submitted "
        "again: check it and approve publishing."
    ),
    shown=_l(
        "The integrity record of %(subject)s (case %(ref)s) was corrected and submitted "
        "again: check it and approve publishing."
    ),
    recipients=_admins,
    link=record_link,
    params=_params,
    todo=_approval_todo,
)
register_handoff(
    "record.amend_due",
    text=_l(
        "The review of case %(ref)s modified the decision: amend integrity record no. "
        "%(record)s (the form is prefilled from the decision in force)."
    ),
    shown=_l(
        "The review of case %(ref)s modified the decision: amend the integrity record of "
        "%(subject)s (the form is prefilled from the decision in force)."
    ),
    recipients=_admins,
    link=record_link,
    params=_params,
    todo=revision_todo,
)
register_handoff(
    "record.revoke_due",
    text=_l(
        "The review of case %(ref)s set the decision aside for the record's respondent: "
        "revoke integrity record no. %(record)s by %(due)s."
    ),
    shown=_l(
        "The review of case %(ref)s set the decision aside for %(subject)s: revoke their "
        "integrity record by %(due)s."
    ),
    recipients=_admins,
    link=record_link,
    params=_params,
    todo=revision_todo,
)
register_handoff(
    "record.under_review",
    text=_l(
        "A review of the decision of case %(ref)s is under way: integrity record no. "
        "%(record)s is published and stays in force until the review is decided; if the "
        "review changes the decision, you will be asked to amend or revoke it."
    ),
    shown=_l(
        "A review of the decision of case %(ref)s is under way: the published integrity "
        "record of %(subject)s stays in force until the review is decided; if the review "
        "changes the decision, you will be asked to amend or revoke it."
    ),
    recipients=_admins,
    link=record_link,
    params=_params,
)
register_handoff(
    "record.received",
    text=_l(
        "An integrity record decided by %(agency)s was received (no. %(record)s): decide "
        "whether your agency recognises it."
    ),
    shown=_l(
        "An integrity record of %(subject)s (case %(ref)s) decided by %(agency)s was "
        "received: decide whether your agency recognises it."
    ),
    link=record_link,
    params=_params,
)
register_handoff(
    "record.published",
    text=_l(
        "%(agency)s published an integrity record (no. %(record)s): decide whether your "
        "agency recognises it."
    ),
    shown=_l(
        "%(agency)s published an integrity record of %(subject)s (case %(ref)s): decide "
        "whether your agency recognises it."
    ),
    link=record_link,
    params=_params,
)


def announce_draft(record: IntegrityRecord, actor) -> None:
    hand_off("record.drafted", record, actor=actor)


def announce_approval_taken(record: IntegrityRecord) -> None:
    """The draft's to-do ends (published, or held until the review window closes)."""
    mark_done(_approval_todo(record))


def announce_returned(record: IntegrityRecord, actor) -> None:
    mark_done(_approval_todo(record))
    hand_off("record.returned", record, actor=actor)


def announce_resubmitted(record: IntegrityRecord, actor) -> None:
    mark_done(_correction_todo(record))
    hand_off("record.resubmitted", record, actor=actor)


def announce_withdrawn(record: IntegrityRecord) -> None:
    """A withdrawn draft is never published: every open to-do about it ends (its approval,
    its correction)."""
    mark_done(f"record:{record.id}:", prefix=True)


def announce_under_review(record: IntegrityRecord, actor) -> None:
    """The published record's decision is under review: its administrators are told (a
    notification; the to-do comes when a decided review changes the decision)."""
    hand_off("record.under_review", record, actor=actor)


def announce_revision_due(record: IntegrityRecord, revoke: bool) -> None:
    """A review changed the decision: the administrators amend the record, or revoke it
    when the respondent is cleared — within the working days a revoked decision's record
    has to leave checks (policy.REPAIR_LEAVE_DAYS); a to-do until either is published."""
    if not revoke:
        hand_off("record.amend_due", record)
        return
    due = add_working_days(today(), policy.REPAIR_LEAVE_DAYS)
    hand_off("record.revoke_due", record, due=due.isoformat())


def announce_revised(record: IntegrityRecord) -> None:
    mark_done(revision_todo(record))


def announce_published(record: IntegrityRecord) -> None:
    """The other agencies of this node are asked to recognise a record just published."""
    supervisors = _supervisors_by_agency()
    supervisors.pop(record.agency_id, None)
    _ask_to_recognise("record.published", [record], supervisors)


def announce_received(record_uids: list[str], supervisor_rows=None) -> None:
    """Each agency of this node decides on recognition: its supervisors hear of each record.
    The supervisors are read first, in one statement (or come as `supervisor_rows`, the rows
    of `supervisors_statement()` a caller's own statement returned); the records only if
    anyone is told."""
    if not record_uids:
        return
    supervisors = _supervisors_by_agency(supervisor_rows)
    if not supervisors:
        return
    records = db.session.scalars(
        select(IntegrityRecord).where(IntegrityRecord.record_uid.in_(record_uids))
    ).all()
    _ask_to_recognise("record.received", records, supervisors)


def _supervisors_by_agency(rows=None) -> dict[int, list]:
    """The active supervisors of every active agency that decides on records, by agency: one
    statement whatever the number of agencies (a received envelope pays it on every request).
    Each is a row of the user's id, agency and active flag: all a hand-off reads of them."""
    supervisors: dict[int, list] = {}
    for user in db.session.execute(supervisors_statement()) if rows is None else rows:
        supervisors.setdefault(user.agency_id, []).append(user)
    return supervisors


@cache
def supervisors_statement():
    """Built once, as columns rather than users (no ORM loading): the receive path runs it
    on every request."""
    agencies = case_agencies().where(Agency.is_active.is_(True)).with_only_columns(Agency.id)
    return (
        select(User.id, User.agency_id, User.active)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.agency_id.in_(agencies.scalar_subquery()),
            User.active.is_(True),
            UserRole.role == Role.supervisor,
        )
        .order_by(User.agency_id, User.id)
    )


def _ask_to_recognise(event: str, records: list[IntegrityRecord], supervisors: dict) -> None:
    for agency_id, people in supervisors.items():
        for record in records:
            hand_off(
                event, record, to=people, todo=recognition_todo(record.id, agency_id), flush=False
            )
    db.session.flush()


def announce_recognised(record: IntegrityRecord, agency_id: int) -> None:
    mark_done(recognition_todo(record.id, agency_id))


def _objection_todo(objection) -> str:
    return f"record:{objection.record_id}:objection:{objection.id}"


def _repair_todo(repair) -> str:
    return f"record:{repair.record_id}:repair:{repair.id}"


def _deciders(agency_id: int):
    return users_with_role(agency_id, Role.supervisor, Role.agency_admin)


register_handoff(
    "record.objection",
    text=_l(
        "An objection to integrity record no. %(record)s (case %(ref)s) was registered: "
        "decide it by %(due)s."
    ),
    shown=_l(
        "An objection of %(subject)s to their integrity record (case %(ref)s) was registered: "
        "decide it by %(due)s."
    ),
    link=record_link,
    params=_params,
)
register_handoff(
    "record.objection_forwarded",
    text=_l(
        "An objection to your agency's integrity record no. %(record)s (case %(ref)s) was "
        "forwarded to you: decide it by %(due)s."
    ),
    shown=_l(
        "An objection of %(subject)s to your agency's integrity record (case %(ref)s) was "
        "forwarded to you: decide it by %(due)s."
    ),
    link=record_link,
    params=_params,
)
register_handoff(
    "record.objection_decided",
    text=_l(
        "The objection to integrity record no. %(record)s (case %(ref)s) was decided: tell "
        "the subject the outcome and its reasons."
    ),
    shown=_l(
        "The objection of %(subject)s (case %(ref)s) was decided: tell the subject the outcome "
        "and its reasons."
    ),
    link=record_link,
    params=_params,
)
register_handoff(
    "record.repair",
    text=_l(
        "Credit repair of integrity record no. %(record)s (case %(ref)s) was requested: "
        "decide it by %(due)s."
    ),
    shown=_l(
        "%(subject)s asked for credit repair of their integrity record (case %(ref)s): "
        "decide it by %(due)s."
    ),
    link=record_link,
    params=_params,
)
register_handoff(
    "record.repair_decided",
    text=_l(
        "The credit repair request for integrity record no. %(record)s (case %(ref)s) was "
        "decided: tell the subject the outcome and its reasons."
    ),
    shown=_l(
        "The credit repair request of %(subject)s (case %(ref)s) was decided: tell the "
        "subject the outcome and its reasons."
    ),
    link=record_link,
    params=_params,
)


def announce_objection(objection, actor) -> None:
    """The handling agency's supervisors and administrators decide (or forward) it."""
    _to_deciders("record.objection", objection, actor)


def announce_objection_forwarded(objection, actor) -> None:
    mark_done(_objection_todo(objection))
    _to_deciders("record.objection_forwarded", objection, actor)


def _to_deciders(event: str, objection, actor) -> None:
    hand_off(
        event,
        objection.record,
        actor=actor,
        to=_deciders(objection.agency_id),
        todo=_objection_todo(objection),
        due=objection.decide_due.isoformat(),
    )


def announce_objection_decided(objection, actor) -> None:
    """Its to-do ends; the officer who registered it tells the subject."""
    mark_done(_objection_todo(objection))
    hand_off(
        "record.objection_decided", objection.record, actor=actor, to=[objection.registered_by]
    )


def announce_repair(repair, actor) -> None:
    hand_off(
        "record.repair",
        repair.record,
        actor=actor,
        to=_deciders(repair.agency_id),
        todo=_repair_todo(repair),
        due=repair.decide_due.isoformat(),
    )


def announce_repair_decided(repair) -> None:
    mark_done(_repair_todo(repair))
    hand_off("record.repair_decided", repair.record, to=[repair.requested_by])
