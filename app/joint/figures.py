"""Figures of the work agencies do together, registered with the statistics like any
feature's: joint investigations started and their tasks by state (under the agency that
does the task), and transfers sent, received, accepted and refused."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.cases.models import Case, CaseTransfer, TransferState
from app.extensions import db
from app.joint.models import JointInvestigation, Task, TaskStatus
from app.statistics import Figure, register_figure
from app.statistics.sql import FigureQuery

JOINT_ROWS = ["joint", *(f"task_{s.value}" for s in TaskStatus)]
TRANSFER_ROWS = ["sent", "received", "accepted", "refused"]
LABELS = {
    "joint": _l("Joint investigations started"),
    "task_open": _l("Tasks assigned, not yet accepted"),
    "task_accepted": _l("Tasks being worked on"),
    "task_completed": _l("Tasks reported done"),
    "task_closed": _l("Tasks closed"),
    "sent": _l("Transfers sent"),
    "received": _l("Transfers received"),
    "accepted": _l("Transfers accepted"),
    "refused": _l("Transfers refused"),
}


def _of(column, q: FigureQuery) -> list:
    return [] if q.agency_ids is None else [column.in_(q.agency_ids)]


def joint(q: FigureQuery):
    """Joint investigations under the leading agency; tasks created in the period by their
    state today, under the agency that does them."""
    started = (
        select(Case.agency_id, func.count())
        .select_from(JointInvestigation)
        .join(Case, Case.id == JointInvestigation.case_id)
        .where(*_of(Case.agency_id, q), *q.at_in_period(JointInvestigation.started_at))
        .group_by(Case.agency_id)
    )
    out = [("joint", a, n) for a, n in db.session.execute(started)]
    tasks = (
        select(Task.status, Task.agency_id, func.count())
        .where(*_of(Task.agency_id, q), *q.at_in_period(Task.created_at))
        .group_by(Task.status, Task.agency_id)
    )
    out += [(f"task_{TaskStatus(s).value}", a, n) for s, a, n in db.session.execute(tasks)]
    return out


def transfers(q: FigureQuery):
    """Sent under the sender and received under the receiver (offered in the period);
    accepted and refused under the receiver that answered in the period."""
    out = []
    for row, agency in (
        ("sent", CaseTransfer.from_agency_id),
        ("received", CaseTransfer.to_agency_id),
    ):
        stmt = (
            select(agency, func.count())
            .where(*_of(agency, q), *q.at_in_period(CaseTransfer.sent_at))
            .group_by(agency)
        )
        out += [(row, a, n) for a, n in db.session.execute(stmt)]
    answered = (
        select(CaseTransfer.state, CaseTransfer.to_agency_id, func.count())
        .where(
            *_of(CaseTransfer.to_agency_id, q),
            CaseTransfer.state.in_([TransferState.accepted, TransferState.refused]),
            *q.at_in_period(CaseTransfer.answered_at),
        )
        .group_by(CaseTransfer.state, CaseTransfer.to_agency_id)
    )
    out += [(TransferState(s).value, a, n) for s, a, n in db.session.execute(answered)]
    return out


def _label(key: str) -> str:
    return str(LABELS.get(key, key))


def register_joint_figures() -> None:
    register_figure(
        Figure(
            "joint",
            95,
            _l("Joint investigations and their tasks"),
            _l(
                "Joint investigations started in the period, under the leading agency, and"
                " the tasks set in the period by their state today, under the agency doing them."
            ),
            joint,
            row_label=_label,
            fixed_rows=lambda: list(JOINT_ROWS),
        )
    )
    register_figure(
        Figure(
            "transfers",
            96,
            _l("Transfers between agencies"),
            _l(
                "Transfers offered in the period, under the sender and the receiver, and the"
                " answers given in the period, under the receiver."
            ),
            transfers,
            row_label=_label,
            fixed_rows=lambda: list(TRANSFER_ROWS),
        )
    )
