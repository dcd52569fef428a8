"""Members open the files of their review package through the app, as the case team does:
each opening is in the chain of custody ("viewed by a member of the review panel") and the
audit log; only items of their package, only while they read it."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.cases.models import CaseState
from app.committees.material import mark_evidence_for_panel
from app.committees.models import Review, ReviewStatus
from app.committees.reviews import declare
from app.core.models import AuditEntry
from app.evidence.models import CustodyAction, CustodyEvent
from app.evidence.services import Upload, add_file_evidence, withdraw_evidence
from app.extensions import db
from tests.conftest import password_hash
from tests.joint_world import PDF
from tests.ui_helpers import sign_in, text

SHARED = PDF + b"% shared"


def _user(member):
    user = member.seat.expert.user
    user.password_hash = password_hash()
    return user


def _review_of(case) -> Review:
    return db.session.scalar(select(Review).where(Review.case_id == case.id))


def _file(case, content, title, visibility="internal"):
    return add_file_evidence(
        case,
        Upload(io.BytesIO(content), f"{title}.pdf"),
        case.created_by,
        title=title,
        visibility=visibility,
    )


@pytest.fixture
def package(make_case):
    case = make_case(state=CaseState.committee_review)
    review = _review_of(case)
    items = {
        "shared": _file(case, SHARED, "共享材料", "shared"),
        "marked": _file(case, PDF + b"% marked", "标记材料"),
        "internal": _file(case, PDF + b"% internal", "内部材料"),
        "withdrawn": _file(case, PDF + b"% withdrawn", "撤回材料", "shared"),
    }
    mark_evidence_for_panel(items["marked"], case.created_by)
    withdraw_evidence(items["withdrawn"], "错传", case.created_by)
    reader = _user(review.members[1])
    declare(reader, review, "none")
    db.session.commit()
    return review, items, reader


def _url(review, item, how="download"):
    return f"/committees/reviews/{review.id}/evidence/{item.id}/{how}"


def test_a_member_opens_package_files_in_custody_and_audited(client, package):
    review, items, reader = package
    sign_in(client, reader)
    page = text(client.get(f"/committees/reviews/{review.id}"))
    assert (
        _url(review, items["shared"]) in page and _url(review, items["marked"], "preview") in page
    )
    response = client.get(_url(review, items["shared"]))
    assert response.status_code == 200 and response.data == SHARED
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(_url(review, items["marked"], "preview")).status_code == 200
    db.session.expire_all()
    events = db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.actor_id == reader.id).order_by(CustodyEvent.id)
    ).all()
    assert [(e.item_id, e.action, e.params) for e in events] == [
        (items["shared"].id, CustodyAction.downloaded, {"review": review.id}),
        (items["marked"].id, CustodyAction.viewed, {"review": review.id}),
    ]
    audited = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.actor_id == reader.id, AuditEntry.action.like("evidence.%")
        )
    ).all()
    assert [(a.action, a.object_id, a.case_id) for a in audited] == [
        ("evidence.downloaded", str(items["shared"].id), review.case_id),
        ("evidence.viewed", str(items["marked"].id), review.case_id),
    ]
    # The case team reads who opened it, and as whom.
    officer = review.case.created_by
    officer.locale = "en"
    db.session.commit()
    sign_in(client, officer)
    item_page = text(client.get(f"/cases/{review.case.reference}/evidence/{items['shared'].id}"))
    assert reader.display_name in item_page
    assert f"By a member of the review panel (review {review.id})" in item_page


def test_only_files_of_the_package(client, package):
    review, items, reader = package
    sign_in(client, reader)
    for outside in ("internal", "withdrawn"):
        assert client.get(_url(review, items[outside])).status_code == 404, outside
    assert db.session.scalar(select(CustodyEvent).where(CustodyEvent.actor_id == reader.id)) is None


def test_refused_to_an_undeclared_or_recused_member_and_to_other_reviews(
    client, package, make_case, make_user
):
    review, items, _reader = package
    undeclared = _user(review.members[3])
    recused = _user(review.members[2])
    declare(recused, review, "relative")
    other_case = make_case("JS", state=CaseState.committee_review)  # another agency's panel
    other_review = _review_of(other_case)
    other_member = _user(other_review.members[1])
    declare(other_member, other_review, "none")
    db.session.commit()
    sign_in(client, undeclared)
    assert client.get(_url(review, items["shared"])).status_code == 403
    sign_in(client, recused)
    refused = client.get(_url(review, items["shared"]))
    assert refused.status_code == 403 and refused.data != SHARED
    # A member of another review (another agency's panel): not through this review, nor
    # through their own.
    sign_in(client, other_member)
    assert client.get(_url(review, items["shared"])).status_code == 404
    assert client.get(_url(other_review, items["shared"])).status_code == 404
    # Another agency's committee member, and the case's own supervisor, are not members.
    for outsider in (
        make_user("JS", roles=("committee_member",)),
        make_user("SH", roles=("supervisor",)),
    ):
        sign_in(client, outsider)
        assert client.get(_url(review, items["shared"])).status_code == 404
    assert db.session.scalar(select(CustodyEvent).where(CustodyEvent.params.is_not(None))) is None


def test_a_member_still_opens_the_files_of_their_closed_review(client, make_case):
    case = make_case(state=CaseState.pre_decision_notice)
    review = _review_of(case)
    assert review.status is ReviewStatus.closed
    item = _file(case, SHARED, "共享材料", "shared")
    member = next(m for m in review.members if m.declared_at and not m.recused)
    reader = _user(member)
    db.session.commit()
    sign_in(client, reader)
    assert client.get(_url(review, item)).status_code == 200
