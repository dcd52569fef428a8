"""Expert re-review (专家复核, art. 25–30 of 《科技伦理审查办法（试行）》) of a listed
activity: the unit (the lead unit of a multi-site activity) files it with its authority after
the committee's preliminary approval; the authority forms a panel of at least the policy's
number of experts from the regional pool — peer, ethics and legal experts, never a member of
the committee that reviewed first, never one the screen finds conflicted; another
province's expert accepts the seat first. Each expert declares before the material and
answers agree or disagree; the result needs two-thirds of all panel experts (counted by the
committees' own `count`), and goes back to the committee, whose decision waited for it."""

from __future__ import annotations

from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from app.auth.models import Role, User
from app.committees import members as panel_members
from app.committees.models import Expert, PanelSeat, SeatStatus
from app.committees.rules import Attendance, Ballot, Category, Choice, PanelRules, SeatRole, count
from app.core import audit
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.core.models import utcnow
from app.ethics import permissions as perm
from app.ethics import policy
from app.ethics.models import (
    Application,
    AppState,
    Rereview,
    RereviewExpert,
    RereviewState,
)
from app.extensions import db

REQUIRED = (Category.peer, Category.ethics, Category.legal)
ANSWERS = {"agree": Choice.endorse, "disagree": Choice.return_}


def _audited(action: str, actor: User, application: Application, details: dict) -> None:
    db.session.flush()
    audit.record(
        action,
        actor=actor,
        obj=application,
        agency_id=application.unit.agency_id,
        details={"ref": application.reference, **details},
    )
    from app.ethics.queues import after_step

    after_step(action, actor, application)


def rereview_of(application: Application) -> Rereview | None:
    return db.session.scalar(select(Rereview).where(Rereview.application_id == application.id))


def file_rereview(actor: User, application: Application) -> Rereview:
    """The unit files the request with its authority: for a multi-site activity only the
    lead unit does."""
    if not (perm.is_applicant_of(actor, application) or perm.is_office_of(actor, application)):
        raise NotAllowed(_l("Only the unit files a re-review request."))
    if application.state is not AppState.preliminary:
        raise GuardFailed(_l("A re-review is filed after the committee's preliminary approval."))
    if application.multi_site and application.lead_unit != application.unit.name:
        raise GuardFailed(_l("For a multi-site activity the lead unit files the re-review."))
    if rereview_of(application) is not None:
        raise GuardFailed(_l("The re-review was filed already."))
    row = Rereview(
        application_id=application.id,
        agency_id=application.unit.agency_id,
        state=RereviewState.filed,
        filed_by_id=actor.id,
    )
    db.session.add(row)
    _audited("ethics.rereview.file", actor, application, {})
    return row


def preliminary_committee_experts(application: Application):
    """The experts seated on the committee that reviewed first (any seat status): they
    never sit on its re-review."""
    return select(PanelSeat.expert_id).where(PanelSeat.panel_id == application.panel_id)


def eligible_experts(rereview: Rereview) -> list[Expert]:
    """The regional pool less the preliminary committee's members and those the screen
    finds conflicted (same institution as the applying unit)."""
    application = rereview.application
    return list(
        db.session.scalars(
            select(Expert)
            .where(
                Expert.active,
                Expert.id.not_in(preliminary_committee_experts(application)),
                Expert.institution != application.unit.name,
            )
            .order_by(Expert.agency_id, Expert.name)
        )
    )


def _require_authority(actor: User, rereview: Rereview) -> None:
    if not actor.has_role(Role.supervisor) or actor.agency_id != rereview.agency_id:
        raise NotAllowed(_l("Only the authority that organises the re-review does this."))


def form_panel(actor: User, rereview: Rereview, choices: list[tuple[int, str]]) -> None:
    """Seats the chosen experts, each with the category they sit for. Refused, naming the
    rule: fewer than the policy's number, a member of the preliminary committee, a
    conflict found by the screen, or no peer, ethics or legal expert."""
    _require_authority(actor, rereview)
    if rereview.state is not RereviewState.filed:
        raise GuardFailed(_l("The panel of this re-review was formed already."))
    application = rereview.application
    minimum = policy.value(rereview.agency_id, "rereview_min_experts")
    chosen = []
    for expert_id, category in choices:
        expert = db.session.get(Expert, int(expert_id))
        try:
            category = Category(category)
        except ValueError:
            category = None
        if expert is None or not expert.active or category not in expert.category_set:
            raise InvalidInput(_l("Choose experts of the pool, each for one of their categories."))
        chosen.append((expert, category))
    if len({e.id for e, _c in chosen}) < minimum:
        raise InvalidInput(
            _l("A re-review panel has at least %(n)s experts.", n=minimum), field="experts"
        )
    excluded = set(db.session.scalars(preliminary_committee_experts(application)))
    if any(e.id in excluded for e, _c in chosen):
        raise InvalidInput(
            _l("Members of the committee that reviewed first cannot sit on its re-review."),
            field="experts",
        )
    if any(e.institution == application.unit.name for e, _c in chosen):
        raise InvalidInput(
            _l("An expert of the applying unit has a conflict and cannot sit."), field="experts"
        )
    missing = [c for c in REQUIRED if c not in {cat for _e, cat in chosen}]
    if missing:
        raise InvalidInput(
            _l("A re-review panel has peer, ethics and legal experts."), field="experts"
        )
    for expert, category in chosen:
        own = expert.agency_id == rereview.agency_id
        db.session.add(
            RereviewExpert(
                rereview_id=rereview.id,
                expert_id=expert.id,
                category=category,
                status=SeatStatus.active if own else SeatStatus.invited,
                recused=False,
            )
        )
    rereview.state = RereviewState.panel
    rereview.formed_by_id = actor.id
    _audited("ethics.rereview.panel", actor, application, {"experts": len(chosen)})


def seat_of(rereview: Rereview, user: User) -> RereviewExpert | None:
    return next((s for s in rereview.experts if s.expert.user_id == user.id), None)


def _require_seat(actor: User, rereview: Rereview) -> RereviewExpert:
    seat = seat_of(rereview, actor)
    if seat is None:
        raise NotAllowed(_l("Only an expert of the re-review panel does this."))
    if rereview.state is not RereviewState.panel:
        raise GuardFailed(_l("The re-review is closed."), code="review_closed")
    return seat


def answer_seat(actor: User, rereview: Rereview, accept: bool) -> None:
    """Another province's expert accepts or declines the seat."""
    seat = _require_seat(actor, rereview)
    if seat.status is not SeatStatus.invited:
        raise GuardFailed(_l("You answered already."))
    seat.status = SeatStatus.active if accept else SeatStatus.declined
    _audited("ethics.rereview.seat", actor, rereview.application, {"accepted": accept})


def declare(actor: User, rereview: Rereview, conflict: bool, note=None) -> None:
    seat = _require_seat(actor, rereview)
    if seat.status is not SeatStatus.active:
        raise GuardFailed(_l("Accept the seat first."))
    panel_members.require_undeclared(seat.declared_at)
    seat.conflict_note = panel_members.conflict_note(conflict, note)
    seat.declared_at = utcnow()
    seat.recused = bool(conflict)
    _audited("ethics.rereview.declare", actor, rereview.application, {"conflict": conflict})


def vote(actor: User, rereview: Rereview, answer, opinion) -> None:
    seat = _require_seat(actor, rereview)
    panel_members.require_may_vote(
        declared=seat.declared_at is not None,
        recused=seat.recused,
        voted=seat.voted_at is not None,
    )
    if answer not in ANSWERS:
        raise InvalidInput(_l("Answer agree or disagree."), field="answer")
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput(_l("Give your reasons."), field="opinion")
    seat.choice, seat.opinion, seat.voted_at = answer, opinion, utcnow()
    _audited("ethics.rereview.vote", actor, rereview.application, {})


def panel_rules(rereview: Rereview) -> PanelRules:
    """Two-thirds of ALL panel experts: every seated expert counts as present (one who has
    not answered abstains), and the panel must still have the policy's number."""
    percent = policy.value(rereview.agency_id, "rereview_threshold_percent")
    return PanelRules(
        quorum=policy.value(rereview.agency_id, "rereview_min_experts"),
        quorum_covers_categories=False,
        threshold=policy.two_thirds_fraction(percent) if percent else Fraction(2, 3),
        inclusive=True,
        abstentions_count_as_present=True,
    )


def tally(rereview: Rereview):
    seated = [s for s in rereview.experts if s.status is SeatStatus.active and not s.recused]
    ballots = [
        Ballot(s.category, SeatRole.member, Attendance.present, ANSWERS.get(s.choice or ""))
        for s in seated
    ]
    return count(panel_rules(rereview), ballots)


def close_rereview(actor: User, rereview: Rereview, reasons) -> RereviewState:
    """The authority records the panel's answer when two-thirds of all experts gave it."""
    _require_authority(actor, rereview)
    if rereview.state is not RereviewState.panel:
        raise GuardFailed(_l("The re-review is not before its panel."))
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput(_l("Give the panel's reasons."), field="reasons")
    result = tally(rereview)
    if result.outcome is None:
        raise GuardFailed(
            _l(
                "No answer yet: %(agree)s agree and %(disagree)s disagree of %(base)s experts; "
                "two-thirds of all are needed.",
                agree=result.endorse,
                disagree=result.return_,
                base=result.base,
            ),
            code=result.reason or "no_majority",
        )
    agreed = result.outcome.value == "endorse"
    rereview.state = RereviewState.agreed if agreed else RereviewState.disagreed
    rereview.reasons = reasons
    rereview.tally = {"agree": result.endorse, "disagree": result.return_, "of": result.base}
    rereview.decided_at = utcnow()
    _audited("ethics.rereview.close", actor, rereview.application, {"agreed": agreed})
    return rereview.state


def issue_after_rereview(actor: User, application: Application, reasons) -> None:
    """The committee's decision, once the re-review answered: its preliminary approval if
    the panel agreed, disapproval if it disagreed."""
    from app.ethics.reviewing import finish_decision

    if not perm.is_office_of(actor, application):
        raise NotAllowed(_l("Only the committee's office issues the decision."))
    require_rereview_done(application)
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput(_l("Give the reasons for the decision."), field="reasons")
    rereview = rereview_of(application)
    decision = (
        application.proposed_decision if rereview.state is RereviewState.agreed else "disapprove"
    )
    finish_decision(actor, application, decision, reasons)


def require_rereview_done(application: Application) -> None:
    rereview = rereview_of(application)
    if (
        application.state is not AppState.preliminary
        or rereview is None
        or rereview.state
        not in (
            RereviewState.agreed,
            RereviewState.disagreed,
        )
    ):
        raise GuardFailed(
            _l("The decision waits for the expert re-review."), code="waits_for_rereview"
        )


def expert_full_condition(user: User):
    """A re-review expert sees the filed material once they declared no conflict."""
    seats = (
        select(Rereview.application_id)
        .join(RereviewExpert, RereviewExpert.rereview_id == Rereview.id)
        .join(Expert, Expert.id == RereviewExpert.expert_id)
        .where(
            Expert.user_id == user.id,
            RereviewExpert.status == SeatStatus.active,
            RereviewExpert.declared_at.is_not(None),
            RereviewExpert.recused.is_(False),
        )
    )
    return Application.id.in_(seats)


def expert_summary_condition(user: User):
    seats = (
        select(Rereview.application_id)
        .join(RereviewExpert, RereviewExpert.rereview_id == Rereview.id)
        .join(Expert, Expert.id == RereviewExpert.expert_id)
        .where(Expert.user_id == user.id, RereviewExpert.status != SeatStatus.declined)
    )
    return and_(Application.id.in_(seats))
