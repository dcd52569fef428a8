"""Who may do what with integrity records. "Who may see a record" has one answer here,
`visible_records`, used by the pages, the API, exports, statistics and dossiers."""

from __future__ import annotations

from sqlalchemy import or_, select

from app.auth.models import Role, User
from app.cases.models import DECIDED_STATES, Case, FindingOutcome, ReviewOutcome
from app.cases.permissions import can_handle
from app.records.models import UNPUBLISHED, IntegrityRecord, RecordStatus

VIEW_ROLES = (Role.officer, Role.supervisor, Role.auditor, Role.agency_admin)
CHECK_ROLES = (Role.officer, Role.supervisor)
RECOGNISE_ROLES = (Role.supervisor, Role.agency_admin)
# Who decides a subject's objection or repair request for the handling agency.
DECIDE_ROLES = (Role.supervisor, Role.agency_admin)


def is_admin_of(user: User, record: IntegrityRecord) -> bool:
    return user.has_role(Role.agency_admin) and record.agency_id == user.agency_id


def can_revoke(user: User, record: IntegrityRecord) -> bool:
    return (
        is_admin_of(user, record)
        and record.is_local
        and record.status in (RecordStatus.active, RecordStatus.expired)
    )


def can_amend(user: User, record: IntegrityRecord) -> bool:
    return (
        is_admin_of(user, record)
        and record.is_local
        and record.status in (RecordStatus.active, RecordStatus.expired)
        and record.case is not None
        and record.case.review_outcome == ReviewOutcome.modified
    )


def published():
    """The clause of a published record (active, expired or revoked; never a draft nor a
    withdrawn draft): what every agency of the deployment sees, and what statistics count."""
    return IntegrityRecord.status.not_in(UNPUBLISHED)


def visible_records(user: User):
    """Who may see a record, the one answer: published records are seen by every agency's
    viewing roles; drafts by their own agency's. Pages, the API, integrity checks and the
    case page all select through this."""
    if not user.has_role(*VIEW_ROLES):
        return select(IntegrityRecord).where(IntegrityRecord.id.is_(None))
    return select(IntegrityRecord).where(
        or_(published(), IntegrityRecord.agency_id == user.agency_id)
    )


def may_see_remedy(user: User, remedy) -> bool:
    """Who sees an objection or a repair request, the one answer for the pages and the API:
    the officers and deciders of the agencies that registered or handle it. The subject's
    contact and the files never leave them."""
    from app.records.models import RecordObjection

    if isinstance(remedy, RecordObjection):
        agencies = {remedy.agency_id, remedy.registered_agency_id, remedy.record.agency_id}
    else:
        agencies = {remedy.agency_id, remedy.requested_by.agency_id}
    return user.agency_id in agencies and user.has_role(*CHECK_ROLES, *DECIDE_ROLES)


def can_recognise(user: User, record: IntegrityRecord) -> bool:
    """Every agency but the deciding one decides whether it recognises a published record,
    whether a peer node sent it or another agency of this deployment published it: mutual
    recognition between the provinces does not depend on how they share a node."""
    return (
        record.agency_id != user.agency_id
        and record.status not in UNPUBLISHED
        and user.has_role(*RECOGNISE_ROLES)
    )


def can_withdraw(user: User, record: IntegrityRecord) -> bool:
    """A draft not yet published (waiting, returned or held) is withdrawn by its agency's
    administrator or by the officer who drafted it."""
    return (
        record.is_local
        and record.status == RecordStatus.draft
        and record.agency_id == user.agency_id
        and (is_admin_of(user, record) or is_drafter_of(user, record))
    )


def is_drafter_of(user: User, record: IntegrityRecord) -> bool:
    return (
        record.drafted_by_id == user.id
        and record.agency_id == user.agency_id
        and user.has_role(*CHECK_ROLES)
    )


def misconduct_found(case: Case) -> bool:
    return any(f.outcome == FindingOutcome.misconduct for f in case.findings)


def case_section_visible(user: User, case: Case) -> bool:
    """A case yields records once it is decided with a misconduct finding."""
    return case.state in DECIDED_STATES and misconduct_found(case)


def can_draft(user: User, case: Case) -> bool:
    return can_handle(user, case)
