"""The demo shows every part of the joint work: joint cases led by each agency with the
others taking part, declining or still to answer, tasks in every state, and transfers both
waiting and accepted."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Agency
from app.cases.models import Case, CaseState, CaseTransfer, TransferState
from app.core.calendar import today
from app.joint.models import (
    JointInvestigation,
    Participation,
    ParticipationStatus,
    Task,
    TaskReport,
    TaskStatus,
)


def test_demo_covers_joint_cases_tasks_and_transfers(app, db, monkeypatch):
    from app.demo import data
    from app.demo.loader import load_demo

    spread = {CaseState.investigating: 8, CaseState.transfer_pending: 4}
    monkeypatch.setattr(data, "STATE_SPREAD", spread)
    assert load_demo() == 12
    codes = set(db.session.scalars(select(Agency.code).where(Agency.is_platform.is_(False))))
    joints = db.session.scalars(select(JointInvestigation)).all()
    leads = {j.case.agency.code for j in joints}
    assert leads == codes
    for joint in joints:
        answers = {p.status for p in joint.participations}
        assert answers == {
            ParticipationStatus.accepted,
            ParticipationStatus.declined,
            ParticipationStatus.pending,
        }, joint.case.reference
        assert all(p.agency_id != joint.case.agency_id for p in joint.participations)
    taking_part = set(
        db.session.scalars(
            select(Agency.code)
            .join(Participation, Participation.agency_id == Agency.id)
            .where(Participation.status == ParticipationStatus.accepted)
        )
    )
    assert taking_part == codes  # every agency takes part in another's case
    # Every status a running joint investigation's tasks go through; `ended` is only reached
    # when the case itself ends, which no demo joint case does.
    assert set(db.session.scalars(select(Task.status))) == set(TaskStatus) - {TaskStatus.ended}
    assert db.session.scalar(select(TaskReport).where(TaskReport.action == "send_back"))
    assert db.session.scalar(
        select(Task).where(Task.due_date < today(), Task.status == TaskStatus.open)
    )
    states = list(db.session.scalars(select(CaseTransfer.state)))
    assert TransferState.pending in states and TransferState.accepted in states
    moved = db.session.scalar(
        select(CaseTransfer).where(CaseTransfer.state == TransferState.accepted)
    )
    assert db.session.get(Case, moved.case_id).agency_id == moved.to_agency_id
