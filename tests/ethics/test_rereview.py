"""Expert re-review of a listed activity (art. 25–30): filed by the unit after preliminary
approval, a panel from the regional pool without the preliminary committee's members (even
though they are in the pool) and screened for conflicts, other provinces' experts accept
their seat, two-thirds of ALL panel experts at its edge, and the committee's decision
waits for the answer. Runs on PostgreSQL with TEST_DATABASE_URL as every test does."""

from __future__ import annotations

import pytest

from app.committees.models import SeatStatus
from app.committees.services import ExpertInput, link_expert_account, register_expert
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import rereview as rr
from app.ethics import reviewing, services
from app.ethics.letters import letter_of
from app.ethics.models import AppState, RereviewState
from tests.ethics.conftest import accepted, filled


def _pool(world, make_user):
    """Six experts outside the committee: four of Shanghai, two of Jiangsu."""
    made = []
    for code, admin, name, cat in (
        ("SH", world.admin, "复核同行", "peer"),
        ("SH", world.admin, "复核伦理", "ethics"),
        ("SH", world.admin, "复核法律", "legal"),
        ("SH", world.admin, "复核同行二", "peer"),
        ("JS", world.js_admin, "苏伦理", "ethics"),
        ("JS", world.js_admin, "苏法律", "legal"),
    ):
        expert = register_expert(
            admin,
            ExpertInput(
                name=name,
                institution=f"{code}研究院",
                gender="female",
                categories=[cat],
                fields="",
                email=None,
                phone=None,
            ),
        )
        link_expert_account(admin, expert, make_user(code, roles=("committee_member",)))
        made.append(expert)
    return made


def _preliminary(world, db):
    listed = services.add_listed_activity(world.admin, "L-01", "人类遗传资源相关研究", "")
    application = filled(world)
    services.update_application(
        world.applicant,
        application,
        {"title": application.title, "listed_id": str(listed.id)},
    )
    services.submit_application(world.applicant, application)
    services.accept_application(world.office, application, "general")
    reviewing.open_review(application)
    reviewing.propose(world.office, application, "approve_modified")
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "初步同意")
    return application


def _choices(experts):
    return [(e.id, e.categories[0]) for e in experts]


def test_rereview_excludes_the_committee_and_the_decision_waits(db, world, make_user):
    pool = _pool(world, make_user)
    application = _preliminary(world, db)
    assert application.state is AppState.preliminary and application.decision is None
    assert letter_of(application) is None
    with pytest.raises(GuardFailed) as err:
        rr.issue_after_rereview(world.office, application, "理由")
    assert err.value.code == "waits_for_rereview"
    with pytest.raises(NotAllowed):
        rr.file_rereview(world.other_applicant, application)
    review = rr.file_rereview(world.applicant, application)
    db.session.flush()

    eligible = {e.id for e in rr.eligible_experts(review)}
    committee = {s.expert_id for s in world.panel.seats}
    assert committee and not committee & eligible  # in the pool, yet never eligible
    assert {e.id for e in pool} <= eligible

    with pytest.raises(NotAllowed):  # not the authority's supervisor
        rr.form_panel(world.other_province, review, _choices(pool))
    with pytest.raises(InvalidInput, match=r"5"):
        rr.form_panel(world.supervisor, review, _choices(pool[:4]))
    member_expert = world.panel.seats[1].expert
    with pytest.raises(InvalidInput, match=r"committee that reviewed first|参与初步审查"):
        rr.form_panel(world.supervisor, review, [*_choices(pool[:4]), (member_expert.id, "ethics")])
    no_legal = [pool[0], pool[1], pool[3], pool[4]]
    with pytest.raises(InvalidInput):
        rr.form_panel(world.supervisor, review, [*_choices(no_legal), (pool[1].id, "ethics")])

    rr.form_panel(world.supervisor, review, _choices(pool))
    seats = {s.expert_id: s for s in review.experts}
    assert seats[pool[4].id].status is SeatStatus.invited  # Jiangsu accepts first
    with pytest.raises(GuardFailed):
        rr.declare(pool[4].user, review, False)
    for expert in pool[4:]:
        rr.answer_seat(expert.user, review, True)

    voter = pool[0].user
    with pytest.raises(GuardFailed) as err:
        rr.vote(voter, review, "agree", "同意")
    assert err.value.code == "not_declared"
    for expert in pool[:3]:
        rr.declare(expert.user, review, False)
        rr.vote(expert.user, review, "agree", "风险可控")
    with pytest.raises(GuardFailed) as err:
        rr.vote(voter, review, "agree", "再投")
    assert err.value.code == "voted"
    with pytest.raises(GuardFailed):  # 3 of 6: below two-thirds of all experts
        rr.close_rereview(world.supervisor, review, "同意")
    rr.declare(pool[4].user, review, False)
    rr.vote(pool[4].user, review, "agree", "同意")  # 4 of 6: exactly two-thirds
    assert rr.close_rereview(world.supervisor, review, "专家组同意") is RereviewState.agreed
    with pytest.raises(GuardFailed):
        rr.vote(pool[5].user, review, "disagree", "迟到")  # after the close

    rr.issue_after_rereview(world.office, application, "复核同意，修改后批准")
    assert application.state is AppState.decided
    assert application.decision == "approve_modified"
    assert letter_of(application).number.startswith("伦审")


@pytest.mark.parametrize(("agree", "answered"), [(3, False), (4, True)], ids=["3of5", "4of5"])
def test_two_thirds_of_all_five_experts(db, world, make_user, agree, answered):
    pool = _pool(world, make_user)[:5]
    application = _preliminary(world, db)
    review = rr.file_rereview(world.applicant, application)
    db.session.flush()
    panel = [*_choices(pool[:3]), (pool[4].id, "ethics"), (pool[3].id, "peer")]
    rr.form_panel(world.supervisor, review, panel)
    rr.answer_seat(pool[4].user, review, True)
    for expert in pool[:agree]:
        rr.declare(expert.user, review, False)
        rr.vote(expert.user, review, "agree", "同意")
    if answered:
        assert rr.close_rereview(world.supervisor, review, "同意") is RereviewState.agreed
    else:
        with pytest.raises(GuardFailed):
            rr.close_rereview(world.supervisor, review, "同意")


def test_a_disapproval_of_a_listed_activity_needs_no_rereview(db, world):
    listed = services.add_listed_activity(world.admin, "L-02", "基因编辑研究", "")
    application = accepted(world)
    application.listed_id = listed.id
    reviewing.propose(world.office, application, "disapprove")
    present = []
    for user in world.members[:5]:
        reviewing.declare(user, application, False)
        reviewing.vote(user, application, "endorse")
        present.append(reviewing.member_of(application, user).id)
    reviewing.record_attendance(world.office, application, present)
    reviewing.close_review(world.office, application, "风险不可控")
    assert application.state is AppState.decided and application.decision == "disapprove"


def test_a_rereview_expert_sees_the_material_after_declaring_and_nobody_else_more(
    db, client, world, make_user
):
    from app.ethics import permissions as perm
    from tests.ui_helpers import sign_in

    pool = _pool(world, make_user)
    application = _preliminary(world, db)
    review = rr.file_rereview(world.applicant, application)
    db.session.flush()
    rr.form_panel(world.supervisor, review, _choices(pool))
    expert, outsider = pool[0].user, make_user("JS", roles=("committee_member",))
    assert perm.level_of(expert, application.id) == perm.SUMMARY
    attachment = application.attachments[0]
    db.session.commit()
    sign_in(client, expert)
    ref = application.reference
    assert client.get(f"/ethics/{ref}/files/{attachment.id}").status_code == 403
    assert (
        client.post(f"/ethics/{ref}/rereview/declare", data={"conflict": "no"}).status_code == 302
    )
    assert perm.level_of(expert, application.id) == perm.FULL
    assert client.get(f"/ethics/{ref}/files/{attachment.id}").status_code == 200
    # the organising authority sees a summary; another province nothing
    assert perm.level_of(world.supervisor, application.id) == perm.SUMMARY
    assert perm.level_of(world.other_province, application.id) is None
    assert perm.level_of(outsider, application.id) is None
    sign_in(client, world.other_province)
    assert client.post(f"/ethics/{ref}/rereview/close", data={"reasons": "x"}).status_code == 404
