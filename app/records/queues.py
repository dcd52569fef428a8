"""The records that wait for someone: drafts for the deciding agency's administrators to
approve, and other agencies' published records (from peers, or from another agency of this
deployment) for each agency's supervisors and administrators to decide on recognition.
Queries over the records' own state, like the case queues."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User
from app.extensions import db
from app.records.models import UNPUBLISHED, DraftStage, IntegrityRecord, Recognition, RecordStatus
from app.records.permissions import RECOGNISE_ROLES


def _to_approve(user: User) -> Select | None:
    if not user.has_role(Role.agency_admin):
        return None
    # A draft returned to its officer, or approved and held, waits for no administrator.
    return select(IntegrityRecord).where(
        IntegrityRecord.agency_id == user.agency_id,
        IntegrityRecord.status == RecordStatus.draft,
        or_(
            IntegrityRecord.draft_stage == DraftStage.submitted,
            IntegrityRecord.draft_stage.is_(None),
        ),
    )


def _to_recognise(user: User) -> Select | None:
    """`can_recognise` as SQL, less the records this agency has decided on already."""
    if not user.has_role(*RECOGNISE_ROLES):
        return None
    decided = exists().where(
        Recognition.record_id == IntegrityRecord.id,
        Recognition.peer_id.is_(None),
        Recognition.agency_id == user.agency_id,
    )
    return select(IntegrityRecord).where(
        or_(IntegrityRecord.agency_id.is_(None), IntegrityRecord.agency_id != user.agency_id),
        IntegrityRecord.status.not_in(UNPUBLISHED),
        ~decided,
    )


QUEUES = {"to_approve": _to_approve, "to_recognise": _to_recognise}
# Counts stop here and show as "99+": a node that received a peer's whole register would
# otherwise count every undecided record on every page.
COUNT_CAP = 100


def _capped_count(query: Select) -> int:
    return db.session.scalar(_capped_count_statement(query)) or 0


def _capped_count_statement(query: Select) -> Select:
    ids = query.with_only_columns(IntegrityRecord.id).order_by(None).limit(COUNT_CAP)
    return select(func.count()).select_from(ids.subquery())


@dataclass
class RecordQueue:
    records: list[IntegrityRecord]  # the oldest first, a few
    count: int  # all of them, up to COUNT_CAP


def record_queues(user: User, limit: int = 10) -> dict[str, RecordQueue]:
    result = {}
    for name, build in QUEUES.items():
        query = build(user)
        if query is not None:
            records = list(
                db.session.scalars(
                    query.order_by(IntegrityRecord.created_at, IntegrityRecord.id)
                    .limit(limit)
                    .options(selectinload(IntegrityRecord.case))
                )
            )
            count = len(records) if len(records) < limit else _capped_count(query)
            result[name] = RecordQueue(records, count)
    return result


def record_queue_badge(user: User) -> Select | int:
    """The navigation badge's statement: both queues' capped counts added up (0 for a user
    with neither queue)."""
    counts = [
        _capped_count_statement(query).scalar_subquery()
        for query in (build(user) for build in QUEUES.values())
        if query is not None
    ]
    return select(sum(counts[1:], start=counts[0])) if counts else 0


@dataclass
class RemedyQueues:
    """Objections and repair requests waiting for this user's agency, the nearest deadline
    first; `today` tells the page which are overdue."""

    objections: list
    repairs: list
    today: object


def remedy_queues(user: User, limit: int = 10) -> RemedyQueues | None:
    from app.core.calendar import today
    from app.records.models import OBJECTION_OPEN, RecordObjection, RepairRequest, RepairState
    from app.records.remedies import DECIDE_ROLES

    if not user.has_role(*DECIDE_ROLES):
        return None
    objections = db.session.scalars(
        select(RecordObjection)
        .where(
            RecordObjection.agency_id == user.agency_id,
            RecordObjection.state.in_(OBJECTION_OPEN),
        )
        .order_by(RecordObjection.decide_due, RecordObjection.id)
        .options(selectinload(RecordObjection.record).selectinload(IntegrityRecord.case))
        .limit(limit)
    ).all()
    repairs = db.session.scalars(
        select(RepairRequest)
        .where(
            RepairRequest.agency_id == user.agency_id, RepairRequest.state == RepairState.pending
        )
        .order_by(RepairRequest.decide_due, RepairRequest.id)
        .options(selectinload(RepairRequest.record).selectinload(IntegrityRecord.case))
        .limit(limit)
    ).all()
    if not objections and not repairs:
        return None
    return RemedyQueues(list(objections), list(repairs), today())
