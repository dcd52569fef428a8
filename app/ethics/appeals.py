"""After acceptance and after the decision: the office extends the time to decide (with a
reason and a new date), and the applicant's appeal (申诉) is lodged and answered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems
from app.core.models import utcnow
from app.ethics import permissions as perm
from app.ethics.models import Appeal, AppealState, Application, AppState, Procedure, ReviewRound
from app.ethics.reviewing import _audited


def extend_decision(actor: User, application: Application, new_date, reason) -> None:
    from app.ethics.services import _date

    if not perm.is_office_of(actor, application):
        raise NotAllowed(_l("Only the committee's office extends the time to decide."))
    if application.state not in (AppState.accepted, AppState.preliminary):
        raise GuardFailed(_l("Only an application under review gets more time."))
    problems = Problems()
    day = _date(new_date, "new_date", _l("New date"), problems)
    reason = (reason or "").strip()
    if not reason:
        problems.add("reason", _l("Give the reason for the extension."), label=_l("Reason"))
    if day is not None and day <= application.decision_due:
        problems.add("new_date", _l("The new date is after the present one."), label=_l("New date"))
    problems.check()
    before = application.decision_due
    application.decision_due = day
    application.extension_reason = reason
    _audited(
        "ethics.extend",
        actor,
        application,
        {"from": before.isoformat(), "to": day.isoformat(), "reason": reason},
    )


def lodge_appeal(actor: User, application: Application, grounds) -> Appeal:
    if not perm.is_applicant_of(actor, application):
        raise NotAllowed(_l("Only the unit's applicant appeals its decision."))
    if application.state is not AppState.decided:
        raise GuardFailed(_l("An appeal is against a decision taken."))
    grounds = (grounds or "").strip()
    if not grounds:
        raise InvalidInput(_l("Give the grounds of the appeal."), field="grounds")
    if appeals_of(application) and appeals_of(application)[-1].state is AppealState.lodged:
        raise GuardFailed(_l("An appeal is already waiting for its answer."))
    appeal = Appeal(
        application_id=application.id,
        grounds=grounds,
        state=AppealState.lodged,
        lodged_by_id=actor.id,
    )
    from app.extensions import db

    db.session.add(appeal)
    _audited("ethics.appeal.lodge", actor, application, {})
    return appeal


def answer_appeal(actor: User, application: Application, upheld: bool, answer) -> Appeal:
    if not perm.is_office_of(actor, application):
        raise NotAllowed(_l("Only the committee's office answers an appeal."))
    pending = [a for a in appeals_of(application) if a.state is AppealState.lodged]
    if not pending:
        raise GuardFailed(_l("No appeal waits for an answer."))
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput(_l("Give the answer to the appeal."), field="answer")
    appeal = pending[0]
    appeal.state = AppealState.upheld if upheld else AppealState.dismissed
    appeal.answer = answer
    appeal.answered_by_id = actor.id
    appeal.answered_at = utcnow()
    _audited("ethics.appeal.answer", actor, application, {"upheld": upheld})
    if upheld:
        reopen_review(actor, application, appeal)
    from app.ethics import handoffs

    handoffs.appeal_answered(application, appeal, actor)
    return appeal


def reopen_review(actor: User, application: Application, appeal: Appeal) -> ReviewRound:
    """An upheld appeal: the closed round is kept (decision, reasons, count, minutes,
    letter, each member's part) and the committee reviews the application again at a
    meeting, with a new clock from today; the next decision gets its own letter."""
    from app.committees import members as panel_members
    from app.core.calendar import today
    from app.ethics import policy, reviewing
    from app.ethics.letters import letter_of
    from app.extensions import db

    number = 1 + len(rounds_of(application))
    letter = letter_of(application)
    kept = ReviewRound(
        application_id=application.id,
        number=number,
        procedure=application.procedure.value if application.procedure else None,
        accepted_at=application.accepted_at,
        decision=application.decision,
        decision_reasons=application.decision_reasons,
        decided_at=application.decided_at,
        tally=application.tally,
        minutes=application.minutes,
        letter_number=letter.number if letter else None,
        members=panel_members.close_round(reviewing.SUBJECT, application.id),
        appeal_id=appeal.id,
        reopened_by_id=actor.id,
    )
    db.session.add(kept)
    application.state = AppState.accepted
    application.procedure = Procedure.general
    application.accepted_at = utcnow()
    application.decision_due = policy.decision_due(application.unit.agency_id, today())
    application.emergency_due = None
    application.extension_reason = None
    for field in ("decision", "decision_reasons", "decided_at", "proposed_decision", "tally"):
        setattr(application, field, None)
    application.minutes = application.preliminary_at = None
    application.activity = application.followup_months = application.followup_due = None
    reviewing.open_review(application)
    _audited("ethics.review.reopen", actor, application, {"round": number + 1})
    return kept


def rounds_of(application: Application) -> list[ReviewRound]:
    from app.extensions import db

    return list(
        db.session.scalars(
            select(ReviewRound)
            .where(ReviewRound.application_id == application.id)
            .order_by(ReviewRound.number)
        )
    )


def appeals_of(application: Application) -> list[Appeal]:
    from app.extensions import db

    return list(
        db.session.scalars(
            select(Appeal).where(Appeal.application_id == application.id).order_by(Appeal.id)
        )
    )
