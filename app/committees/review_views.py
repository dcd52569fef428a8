"""A committee member's pages: the inbox, a review (summary, declaration, package, vote) and
the chair's recusals, meeting record and close. Nothing else of any agency's cases."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.cases.models import CaseState
from app.cases.page import refused_on_case_page
from app.committees import bp
from app.committees.labels import REVIEW_LABELS
from app.committees.package import (
    case_reviews,
    member_rows,
    package_evidence,
    review_package,
    review_record,
    review_summary,
)
from app.committees.permissions import (
    get_review_or_404,
    is_chair,
    is_consultant,
    screens_to_decide,
    sees_package,
    supervises_panel,
)
from app.committees.queries import inbox, lapsed_reviews_chaired, my_reviews, referral_panels
from app.committees.reviews import (
    NO_CONFLICT,
    cast_vote,
    close_review,
    confirm_screen,
    correct_declaration,
    declare,
    dismiss_screen,
    lift_recusal,
    record_meeting,
    recuse_member,
    tally_of,
    tally_reason,
    write_advice,
)
from app.committees.rules import Attendance, Choice
from app.core.pages import run_step
from app.evidence.models import EvidenceItem
from app.evidence.pages import send_item
from app.extensions import db


def reviews_for_case(case) -> list[dict]:
    """The case page's committee section (owning agency only)."""
    return [review_record(review) for review in case_reviews(case)]


def committee_section(case, user) -> dict:
    """The case page's committee part: the reviews, and in `findings` the panels the
    referral form lists (loaded here, so the actions template never queries)."""
    reviews = case_reviews(case)
    return {
        "reviews": [review_record(review) for review in reviews],
        "panels": referral_panels(case) if case.state is CaseState.findings else [],
        "screens": _screens_for(reviews, user),
    }


def _screens_for(reviews, user) -> list[dict]:
    """The flags this user decides from the case page: a supervisor of the panel's agency
    decides a flag on the chair (members decide theirs on the review page)."""
    rows = []
    for review in reviews:
        if supervises_panel(user, review.panel):
            for member in screens_to_decide(review, user):
                rows.append({"review": review.id, "member": member.id, **_flag(member)})
    return rows


def _flag(member) -> dict:
    return {"name": member.seat.expert.name, "institution": member.screened_conflict}


def committee_dashboard(user) -> dict:
    """A panel member's part of the dashboard: how many reviews wait for them, and the
    reviews they chair that are past their deadline."""
    if not user.is_authenticated:
        return {}
    mine = my_reviews(user)
    waiting = {key: len(rows) for key, rows in inbox(user, mine).items() if key != "decided"}
    return {
        "waiting": waiting if any(waiting.values()) else {},
        "lapsed": [review_summary(r) for r in lapsed_reviews_chaired(user, mine)],
    }


@bp.route("/reviews")
@login_required
def review_inbox():
    boxes = inbox(current_user)
    return render_template(
        "committees/reviews.html",
        boxes={key: [(review_summary(r), m) for r, m in rows] for key, rows in boxes.items()},
    )


def _review_page(review, member, status: int = 200):
    chair = is_chair(review, current_user)
    tally = tally_of(review) if chair and review.status.value == "open" else None
    return render_template(
        "committees/review.html",
        review=review,
        summary=review_summary(review),
        me=member,
        package=review_package(review) if sees_package(member) else None,
        chair=chair,
        members=member_rows(review, votes=True) if chair or review.status.value == "closed" else [],
        record=review_record(review) if review.status.value == "closed" else None,
        tally=tally,
        tally_reason=tally_reason(review, tally) if tally and not tally.decided else "",
        screens=[{"member": m.id, **_flag(m)} for m in screens_to_decide(review, current_user)],
        conflicts=[NO_CONFLICT, *[k for k in REVIEW_LABELS["conflict"] if k != NO_CONFLICT]],
        consultant=is_consultant(member),
        may_correct=_may_correct(review, member),
        choices=[c.value for c in Choice],
        attendance_choices=[Attendance.present.value, Attendance.absent.value],
        posted=request.form if request.method == "POST" else {},
    ), status


def _may_correct(review, member) -> bool:
    """The page offers the correction while the service would take it."""
    return (
        review.status.value == "open"
        and member.declared_at is not None
        and not member.recused
        and member.choice is None
        and not (is_consultant(member) and member.opinion)
    )


@bp.route("/reviews/<int:review_id>")
@login_required
def review_detail(review_id: int):
    return _review_page(*get_review_or_404(review_id, current_user))


@bp.route("/reviews/<int:review_id>/evidence/<int:item_id>/download")
@login_required
def review_evidence_download(review_id: int, item_id: int):
    return _send_package_item(review_id, item_id, inline=False)


@bp.route("/reviews/<int:review_id>/evidence/<int:item_id>/preview")
@login_required
def review_evidence_preview(review_id: int, item_id: int):
    return _send_package_item(review_id, item_id, inline=True)


def _send_package_item(review_id: int, item_id: int, inline: bool):
    """A file of the package, for a member who reads the package (declared, not recused),
    as the case team opens it: in custody ("viewed by a panel member") and audited."""
    review, member = get_review_or_404(review_id, current_user)
    if not sees_package(member):
        abort(403)
    item = db.session.scalar(package_evidence(review).where(EvidenceItem.id == item_id))
    if item is None:
        abort(404)
    return send_item(item, inline, current_user, params={"review": review.id})


def _away_if_recused(review_id: int):
    """After a declaration: a member it recused no longer has the review, so the inbox."""
    return lambda member: (
        url_for("committees.review_inbox")
        if member.recused
        else url_for("committees.review_detail", review_id=review_id)
    )


def _step(review_id: int, action, done, need: str = "member", to=None):
    review, member = get_review_or_404(review_id, current_user, need=need)
    return run_step(
        lambda: action(review, member),
        refused=lambda err: _review_page(*get_review_or_404(review_id, current_user)),
        to=to or url_for("committees.review_detail", review_id=review_id),
        done=done,
    )


@bp.route("/reviews/<int:review_id>/declaration", methods=["POST"])
@login_required
def review_declare(review_id: int):
    form = request.form
    return _step(
        review_id,
        lambda review, _m: declare(current_user, review, form.get("conflict"), form.get("note")),
        _("Your declaration is recorded."),
        to=_away_if_recused(review_id),
    )


@bp.route("/reviews/<int:review_id>/vote", methods=["POST"])
@login_required
def review_vote(review_id: int):
    form = request.form
    return _step(
        review_id,
        lambda review, _m: cast_vote(current_user, review, form.get("choice"), form.get("opinion")),
        _("Your vote is recorded; you may change it until the chair closes the review."),
    )


@bp.route("/reviews/<int:review_id>/declaration/correction", methods=["POST"])
@login_required
def review_correct(review_id: int):
    form = request.form
    return _step(
        review_id,
        lambda review, _m: correct_declaration(
            current_user, review, form.get("conflict"), form.get("note")
        ),
        _("Your declaration is corrected; you are recused from this review."),
        to=_away_if_recused(review_id),
    )


@bp.route("/reviews/<int:review_id>/advice", methods=["POST"])
@login_required
def review_advise(review_id: int):
    return _step(
        review_id,
        lambda review, _m: write_advice(current_user, review, request.form.get("opinion")),
        _("Your advisory opinion is recorded; you may change it until the chair closes."),
    )


@bp.route("/reviews/<int:review_id>/members/<int:member_id>/lift", methods=["POST"])
@login_required
def review_lift(review_id: int, member_id: int):
    return _step(
        review_id,
        lambda review, _m: lift_recusal(
            current_user, review, member_id, request.form.get("reason")
        ),
        _("The recusal is lifted."),
        need="chair",
    )


@bp.route("/reviews/<int:review_id>/members/<int:member_id>/recuse", methods=["POST"])
@login_required
def review_recuse(review_id: int, member_id: int):
    return _step(
        review_id,
        lambda review, _m: recuse_member(
            current_user, review, member_id, request.form.get("reason")
        ),
        _("The member is recused."),
        need="chair",
    )


def _screen_step(review_id: int, action, done: str):
    """A screening flag decided from the review page (the chair, a vice-chair) or from the
    case page (a supervisor of the panel's agency, for a flag on the chair)."""
    review, member = get_review_or_404(review_id, current_user, need="screen")
    if member is not None:
        return _step(review_id, lambda r, _m: action(r), done)
    reference = review.case.reference
    return run_step(
        lambda: action(review),
        refused=refused_on_case_page(reference),
        to=url_for("cases.detail", reference=reference),
        done=done,
        page_shows_error=True,
    )


@bp.route("/reviews/<int:review_id>/members/<int:member_id>/dismiss", methods=["POST"])
@login_required
def review_dismiss(review_id: int, member_id: int):
    return _screen_step(
        review_id,
        lambda review: dismiss_screen(current_user, review, member_id, request.form.get("reason")),
        _("The screening flag is dismissed; it stays on the record with your reason."),
    )


@bp.route("/reviews/<int:review_id>/members/<int:member_id>/confirm", methods=["POST"])
@login_required
def review_confirm_screen(review_id: int, member_id: int):
    return _screen_step(
        review_id,
        lambda review: confirm_screen(current_user, review, member_id, request.form.get("reason")),
        _("The screening flag is confirmed: the member is recused."),
    )


@bp.route("/reviews/<int:review_id>/meeting", methods=["POST"])
@login_required
def review_meeting(review_id: int):
    def action(review, _m):
        attendance = {
            m.id: request.form.get(f"attendance-{m.id}") for m in review.members if not m.recused
        }
        record_meeting(current_user, review, attendance, request.form.get("minutes"))

    return _step(review_id, action, _("Attendance and minutes are recorded."), need="chair")


@bp.route("/reviews/<int:review_id>/close", methods=["POST"])
@login_required
def review_close(review_id: int):
    return _step(
        review_id,
        lambda review, _m: close_review(current_user, review, request.form.get("reasons")),
        _("The review is closed and the case moves on."),
        need="chair",
    )
