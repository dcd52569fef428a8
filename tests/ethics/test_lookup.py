"""The approval look-up: what the region knows of an approval (and never the material), this
node's approvals in each status, other nodes' announcements kept strictly (a number that is
not the sender's is refused), the page and the API for integrity officers of any province by
region-wide and by old-style numbers, refusals of bad numbers, the audit, and the link on a
case alleging ethics approval fraud."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.auth.services import create_token
from app.cases.models import MisconductType
from app.cases.services import AllegationInput
from app.core.calendar import today
from app.core.errors import InvalidInput, NotAllowed
from app.core.models import AuditEntry
from app.core.node import init_node
from app.ethics import followup, lookup
from app.ethics.approval_numbers import legacy_code, parse
from app.ethics.approvals import (
    FIELDS,
    KnownApproval,
    NumberConflict,
    approval_announcement,
    store_announced_approval,
)
from app.ethics.letters import letter_of, signed_code
from tests.ethics.conftest import TEXTS
from tests.ethics.test_followup import _approved
from tests.ui_helpers import sign_in, text

PEER = "node-zj"
PEER_NUMBER = "ETH-2026-NODE-ZJ-000042"


def _announced(**changes) -> dict:
    body = {
        "number": PEER_NUMBER,
        "committee": "浙江某医院医学伦理委员会",
        "unit": "浙江某医院",
        "province": "ZJ",
        "title": "浙江研究活动",
        "decision": "approve",
        "decided_on": "2026-02-01",
        "valid_until": "2099-02-01",
        "status": "valid",
        "status_since": "2026-02-01",
        "as_of": "2026-02-01T08:00:00+00:00",
    }
    body.update(changes)
    return body


def _known(db) -> list[tuple]:
    db.session.expire_all()
    return [
        (r.origin_node, r.number, r.status.value, r.as_of.replace(tzinfo=None))
        for r in db.session.scalars(select(KnownApproval).order_by(KnownApproval.id))
    ]


def _lookups(db) -> list[dict]:
    return [
        e.details
        for e in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == lookup.AUDIT_ACTION)
            .order_by(AuditEntry.id)
        )
    ]


def _secrets(world, application) -> list[str]:
    """What the look-up must never show: the items' text, file names, the applicant, the
    decision's reasons and the application's own reference."""
    names = [a.original_name for a in application.attachments]
    return [
        *(t for t in TEXTS.values() if len(t) >= 4),  # "甲大学" is the unit's name too
        *names,
        application.applicant.display_name,
        world.applicant.username,
        application.decision_reasons,
        application.reference,
    ]


@pytest.fixture
def approval(db, world):
    application = _approved(world)
    return application, signed_code(letter_of(application))


# --- this node's approvals ----------------------------------------------------------------


def test_the_announcement_holds_the_approval_and_nothing_else(db, world, approval):
    application, number = approval
    body = approval_announcement(application)
    assert tuple(body) == FIELDS
    assert body["number"] == number and number.startswith("ETH-")
    assert body["committee"] == "甲大学科技伦理委员会"
    assert body["unit"] == "甲大学" and body["province"] == "SH"
    assert body["title"] == application.title and body["decision"] == "approve"
    assert body["status"] == "valid" and body["decided_on"] == today().isoformat()
    assert body["valid_until"] == application.followup_due.isoformat()
    dumped = json.dumps(body, ensure_ascii=False)
    for secret in _secrets(world, application):
        assert secret not in dumped


def test_each_status_of_an_own_approval_and_each_change_announced(db, world, approval):
    application, _number = approval
    changed = []
    listener = changed.append
    lookup.approval_changed.register(listener)
    try:
        application.followup_due = today() - dt.timedelta(days=1)
        expired = approval_announcement(application)
        assert expired["status"] == "expired" and expired["status_since"] == today().isoformat()
        followup.file_followup(world.applicant, application, "report", "年度进展报告")
        assert approval_announcement(application)["status"] == "valid"  # renewed
        followup.stop_activity(world.office, application, False, "待核查不良事件")
        assert approval_announcement(application)["status"] == "suspended"
        followup.stop_activity(world.office, application, True, "严重不良事件")
        body = approval_announcement(application)
        assert body["status"] == "terminated" and body["valid_until"] is None
        assert body["status_since"] == today().isoformat()
    finally:
        lookup.approval_changed.unregister(listener)
    assert changed == [application, application, application]


def test_the_letter_in_hand_carries_the_number_the_look_up_takes(db, world, approval):
    import subprocess

    from app.ethics.letters import letter_path

    application, number = approval
    letter = letter_of(application)
    shown = subprocess.run(
        ["pdftotext", str(letter_path(letter)), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert number in shown and letter.number in shown


def test_a_refusal_or_an_undecided_application_is_no_approval(db, world):
    from tests.ethics.conftest import accepted

    application = accepted(world)
    with pytest.raises(ValueError, match="application"):
        approval_announcement(application)


# --- other nodes' announcements -----------------------------------------------------------


def test_an_announcement_is_stored_once_and_a_newer_status_replaces_it(db):
    assert store_announced_approval(PEER, _announced()) == "created"
    assert store_announced_approval(PEER, _announced()) == "unchanged"
    suspended = _announced(status="suspended", as_of="2026-05-01T00:00:00+08:00")
    assert store_announced_approval(PEER, suspended) == "updated"
    older = _announced(status="terminated", as_of="2026-03-01T00:00:00+00:00")
    assert store_announced_approval(PEER, older) == "stale"
    assert store_announced_approval(PEER, suspended) == "unchanged"
    assert _known(db) == [(PEER, PEER_NUMBER, "suspended", dt.datetime(2026, 4, 30, 16, 0))]
    # Another node's approval of the same letter id has a number of its own.
    other = _announced(number="ETH-2026-NODE-AH-000042", committee="安徽委员会")
    assert store_announced_approval("node-ah", other) == "created"
    assert len(_known(db)) == 2


def test_an_old_style_number_from_a_node_not_yet_upgraded_gets_its_regional_number(db):
    """The number its node's migration gives it: node, the decision's year, the serial; its
    next announcement under that number updates the same row."""
    assert store_announced_approval(PEER, _announced(number="ETH-000042")) == "created"
    assert [r[1] for r in _known(db)] == [PEER_NUMBER]
    assert db.session.scalar(select(KnownApproval.serial)) == 42
    newer = _announced(status="suspended", as_of="2026-05-01T00:00:00+08:00")
    assert store_announced_approval(PEER, newer) == "updated"
    assert [(r[1], r[2]) for r in _known(db)] == [(PEER_NUMBER, "suspended")]


def test_a_number_that_is_not_the_senders_is_refused_and_nothing_is_stored(db, world):
    """Another node's number (a forgery or a mistake), a number this node issued, or one a
    node whose id differs only in case already announced: refused, nothing changed."""
    store_announced_approval(PEER, _announced())
    before = _known(db)
    with pytest.raises(NumberConflict, match="issued by node NODE-ZJ"):
        store_announced_approval("node-ah", _announced(committee="冒名委员会"))
    with pytest.raises(NumberConflict, match="already names an approval of node node-zj"):
        store_announced_approval("NODE-ZJ", _announced(committee="大小写不同的节点"))
    assert _known(db) == before
    application = _approved(world)
    own = signed_code(letter_of(application))
    own_node = parse(own).node
    with pytest.raises(ValueError, match="sender_node_id"):
        store_announced_approval(own_node.lower(), _announced(number=own))
    assert _known(db) == before


MALFORMED = [
    ("payload", ["not", "an", "object"]),
    ("content", _announced(content={"plan": "随机对照试验"})),
    ("applicant", _announced(applicant="张三")),
    ("title", {k: v for k, v in _announced().items() if k != "title"}),
    ("number", _announced(number="ETH-12")),
    ("number", _announced(number="eth-2026-node-zj-000042")),
    ("number", _announced(number="ETH-1999-NODE-ZJ-000042")),
    ("number", _announced(number="ETH-2026--000042")),
    ("number", _announced(number="ETH-2026-NODE ZJ-000042")),
    ("number", _announced(number="ETH-2026-" + "N" * 41 + "-000042")),
    ("number", _announced(number="伦审〔2026〕第1号")),
    ("number", _announced(number=42)),
    ("committee", _announced(committee="")),
    ("unit", _announced(unit="x" * 201)),
    ("title", _announced(title="a\x00b")),
    ("province", _announced(province="zhejiang")),
    ("decision", _announced(decision="disapprove")),
    ("decided_on", _announced(decided_on="2026-02-30")),
    ("decided_on", _announced(decided_on="01/02/2026")),
    ("valid_until", _announced(valid_until="2025-01-01")),
    ("valid_until", _announced(valid_until=None)),
    ("status", _announced(status="revoked")),
    ("status", _announced(status=["valid"])),
    ("status_since", _announced(status_since="2020-01-01")),
    ("as_of", _announced(as_of="2026-02-01T08:00:00")),
    ("as_of", _announced(as_of="yesterday")),
]


@pytest.mark.parametrize(("field", "body"), MALFORMED, ids=[f for f, _b in MALFORMED])
def test_a_malformed_announcement_is_refused_naming_its_field_and_changes_nothing(db, field, body):
    store_announced_approval(PEER, _announced())
    before = _known(db)
    with pytest.raises(ValueError) as err:
        store_announced_approval(PEER, body)
    assert str(err.value).startswith(f"{field}:")
    assert _known(db) == before


def test_an_announcement_from_no_node_or_from_this_one_is_refused(db, app):
    own, _key, _created = init_node()
    for sender in ("", "bad node id", None, own):
        with pytest.raises(ValueError, match="sender_node_id"):
            store_announced_approval(sender, _announced())
    assert _known(db) == []


# --- the look-up --------------------------------------------------------------------------


def test_look_up_finds_own_and_announced_approvals_and_audits_each(db, world, make_user):
    application = _approved(world)
    number = signed_code(letter_of(application))
    serial = parse(number).serial
    peers = f"ETH-2026-NODE-ZJ-{serial:06d}"  # the same letter id on another node
    store_announced_approval(PEER, _announced(number=peers, committee="浙江委员会"))
    store_announced_approval("node-ah", _announced(number="ETH-000777", valid_until="2026-03-01"))
    officer = make_user("JS", roles=("officer",))  # another province: the look-up is regional
    found, answers = lookup.look_up(officer, f"  {number.lower().replace('-', ' - ', 1)} ")
    assert found == number
    assert [(a.own, a.approval["committee"]) for a in answers] == [(True, "甲大学科技伦理委员会")]
    _number, answers = lookup.look_up(officer, peers)
    assert [(a.origin, a.approval["number"]) for a in answers] == [(PEER, peers)]
    # The old-style number a letter printed before carried: every node's approval of it.
    old, answers = lookup.look_up(officer, legacy_code(serial))
    assert old == legacy_code(serial)
    assert [(a.origin, a.approval["number"]) for a in answers] == [(None, number), (PEER, peers)]
    _number, answers = lookup.look_up(officer, "ETH-000777")
    assert answers[0].approval["number"] == "ETH-2026-NODE-AH-000777"
    assert answers[0].approval["status"] == "expired"  # its stated period has ended since
    assert answers[0].approval["status_since"] == "2026-03-02"
    _number, answers = lookup.look_up(officer, "ETH-2026-NODE-AH-000777")
    assert [a.origin for a in answers] == ["node-ah"]
    for unknown in ("ETH-999999", "ETH-2026-NODE-AH-000778", "ETH-2025-NODE-AH-000777"):
        assert lookup.look_up(officer, unknown) == (unknown, [])
    assert [(d["number"], d["result"], d["style"]) for d in _lookups(db)] == [
        (number, "found", "regional"),
        (peers, "found", "regional"),
        (legacy_code(serial), "found", "old"),
        ("ETH-000777", "found", "old"),
        ("ETH-2026-NODE-AH-000777", "found", "regional"),
        ("ETH-999999", "not_known", "old"),
        ("ETH-2026-NODE-AH-000778", "not_known", "regional"),
        ("ETH-2025-NODE-AH-000777", "not_known", "regional"),
    ]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == lookup.AUDIT_ACTION)
    ).first()
    assert entry.actor_id == officer.id


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        None,
        42,
        "ETH-" + "1" * 40,
        "ETH-12",
        "ETH-00012a",
        "ETH-000000",
        "<script>",
        "<script>alert(1)</script>",
        "ETH-000001; drop",
        "ETH-2026-ZJ-NODE-12",
        "ETH-1999-ZJ-NODE-000001",
        "ETH-2026-ZJ/NODE-000001",
        "ETH-2026-" + "N" * 41 + "-000001",
        "ETH-2026-" + "N" * 90 + "-000001",
    ],
)
def test_a_bad_number_is_refused_and_nothing_is_looked_up(db, make_user, raw):
    officer = make_user("SH", roles=("officer",))
    with pytest.raises(InvalidInput) as err:
        lookup.look_up(officer, raw)
    assert err.value.field == "number"
    assert _lookups(db) == []


def test_only_integrity_officers_and_supervisors_look_up(db, world, make_user):
    for user in (
        world.applicant,
        world.office,
        world.members[0],
        make_user("SH", roles=("auditor",)),
        make_user("SH", roles=("agency_admin",)),
        make_user("SH", roles=("screener",)),
    ):
        assert not lookup.may_look_up(user)
        with pytest.raises(NotAllowed):
            lookup.look_up(user, "ETH-000001")
    # A unit's account never looks up, even holding an officer's role as well.
    world.office.set_roles([*world.office.roles, "officer"])
    assert world.office.has_role(*lookup.LOOKUP_ROLES)
    assert not lookup.may_look_up(world.office)
    assert lookup.may_look_up(make_user("AH", roles=("supervisor",)))


# --- the page -----------------------------------------------------------------------------


def test_the_page_answers_found_and_not_known_without_material(db, client, world, make_user):
    application = _approved(world)
    number = signed_code(letter_of(application))
    followup.stop_activity(world.office, application, False, "待核查不良事件")
    db.session.commit()
    officer = make_user("JS", roles=("officer",))
    sign_in(client, officer)
    assert client.get("/ethics/lookup").status_code == 200
    page = client.post("/ethics/lookup", data={"number": number})
    assert page.status_code == 200
    body = text(page)
    assert 'data-testid="lookup-results"' in body
    for shown in ("甲大学科技伦理委员会", "甲大学", application.title, "已暂停", "上海"):
        assert shown in body, shown
    for secret in [*_secrets(world, application), "待核查不良事件"]:
        assert secret not in body, secret
    client.post("/language/en")
    english = text(client.post("/ethics/lookup", data={"number": number}))
    assert "Suspended" in english and "This platform" in english and "Shanghai" in english
    client.post("/language/zh")
    missing = text(client.post("/ethics/lookup", data={"number": "ETH-999999"}))
    assert 'data-testid="lookup-not-known"' in missing and "ETH-999999" in missing
    assert "lookup-regional-number" not in body and "lookup-old-style" not in body
    assert [d["result"] for d in _lookups(db)] == ["found", "found", "not_known"]


def test_the_page_answers_an_old_style_number_with_every_match_and_its_number(
    db, client, world, make_user
):
    """A letter printed before region-wide numbers: every node's approval of that serial,
    each with its province, its source and its region-wide number."""
    application = _approved(world)
    number = signed_code(letter_of(application))
    serial = parse(number).serial
    peers = f"ETH-2026-NODE-ZJ-{serial:06d}"
    store_announced_approval(PEER, _announced(number=peers, committee="浙江委员会"))
    db.session.commit()
    sign_in(client, make_user("AH", roles=("supervisor",)))
    body = text(client.post("/ethics/lookup", data={"number": legacy_code(serial).lower()}))
    assert body.count('data-testid="lookup-row"') == 2
    assert 'data-testid="lookup-old-style"' in body and 'data-testid="lookup-several"' in body
    for shown in (number, peers, "上海", "浙江", "甲大学科技伦理委员会", "浙江委员会", PEER):
        assert shown in body, shown
    by_new = text(client.post("/ethics/lookup", data={"number": peers}))
    assert by_new.count('data-testid="lookup-row"') == 1 and "浙江委员会" in by_new
    assert "lookup-old-style" not in by_new


def test_the_page_refuses_a_bad_number_on_the_form_in_either_language(db, client, make_user):
    sign_in(client, make_user("SH", roles=("supervisor",)))
    form = text(client.get("/ethics/lookup"))
    assert "ETH-2026-ZJ-NODE-000123" in form and "ETH-000123" in form  # the help text
    for raw, message in (
        ("", "请输入伦理审查批件编号"),
        ("ETH-" + "9" * 90, "至多"),
        ("<script>alert(1)</script>", "ETH-2026-ZJ-NODE-000123"),
    ):
        page = client.post("/ethics/lookup", data={"number": raw})
        assert page.status_code == 422
        assert message in text(page) and 'aria-invalid="true"' in text(page)
        assert "lookup-results" not in text(page) and "lookup-not-known" not in text(page)
    client.post("/language/en")
    page = client.post("/ethics/lookup", data={"number": "ETH-12x"})
    assert page.status_code == 422
    assert "An ethics approval number is “ETH-”, the year, the issuing node" in text(page)
    assert "<script>" not in text(client.get("/ethics/lookup"))
    assert _lookups(db) == []


# --- the API ------------------------------------------------------------------------------


def _bearer(db, user) -> dict:
    token = create_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_api_answers_as_the_openapi_document_says_and_never_material(
    db, client, world, make_user
):
    from tests.api.test_openapi import assert_conforms

    application = _approved(world)
    number = signed_code(letter_of(application))
    serial = parse(number).serial
    peers = f"ETH-2026-NODE-ZJ-{serial:06d}"
    store_announced_approval(PEER, _announced(number=peers, status="terminated"))
    db.session.commit()
    document = client.get("/api/v1/openapi.json").get_json()
    headers = _bearer(db, make_user("ZJ", roles=("supervisor",)))
    url = f"/api/v1/ethics/approval-lookup?number={number}"
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert_conforms(document, "GET", url, response)
    data = response.get_json()
    assert data["known"] is True and data["number"] == number
    assert [(a["origin"], a["status"]) for a in data["approvals"]] == [(None, "valid")]
    assert set(data["approvals"][0]) == {*FIELDS, "origin"}
    for secret in _secrets(world, application):
        assert secret not in response.get_data(as_text=True)
    old_url = f"/api/v1/ethics/approval-lookup?number={legacy_code(serial)}"
    old = client.get(old_url, headers=headers)
    assert_conforms(document, "GET", old_url, old)
    assert old.get_json()["number"] == legacy_code(serial)
    assert [(a["origin"], a["number"], a["status"]) for a in old.get_json()["approvals"]] == [
        (None, number, "valid"),
        (PEER, peers, "terminated"),
    ]
    for secret in _secrets(world, application):
        assert secret not in old.get_data(as_text=True)
    unknown = client.get("/api/v1/ethics/approval-lookup?number=ETH-999999", headers=headers)
    assert unknown.get_json() == {"number": "ETH-999999", "known": False, "approvals": []}
    for bad in ("", "ETH-1", "x" * 300, "ETH-2026-ZJ-NODE-1", "%3Cscript%3E"):
        refused = client.get(f"/api/v1/ethics/approval-lookup?number={bad}", headers=headers)
        assert refused.status_code == 422, bad
        assert refused.mimetype == "application/problem+json"
        assert_conforms(document, "GET", "/api/v1/ethics/approval-lookup", refused)
    assert [d["result"] for d in _lookups(db)] == ["found", "found", "not_known"]


def test_the_api_access_matrix(db, client, world, make_user):
    url = "/api/v1/ethics/approval-lookup?number=ETH-000001"
    assert client.get(url).status_code == 401
    for user in (
        world.applicant,
        world.office,
        world.members[0],
        make_user("SH", roles=("auditor",)),
        make_user("SH", roles=("agency_admin",)),
    ):
        refused = client.get(url, headers=_bearer(db, user))
        assert refused.status_code == 403, user.username
        assert refused.get_json()["code"] == "not_allowed"
    for user in (make_user("SH", roles=("officer",)), make_user("JS", roles=("supervisor",))):
        assert client.get(url, headers=_bearer(db, user)).status_code == 200
    assert len(_lookups(db)) == 2


# --- the case page ------------------------------------------------------------------------


def test_a_case_alleging_approval_fraud_links_to_the_look_up(db, client, make_case, make_user):
    fraud = AllegationInput(
        misconduct_type=MisconductType.ethics_approval_fraud,
        description="伦理审查批件系伪造",
        work_reference=None,
    )
    officer = make_user("SH", roles=("officer", "supervisor"))
    alleged = make_case("SH", by=officer, allegations=[fraud])
    other = make_case("SH", by=officer)
    db.session.commit()
    sign_in(client, officer)
    page = text(client.get(f"/cases/{alleged.reference}"))
    assert 'data-testid="case-ethics-lookup"' in page and "/ethics/lookup" in page
    assert 'data-testid="case-ethics-lookup"' not in text(client.get(f"/cases/{other.reference}"))
    auditor = make_user("SH", roles=("auditor",))
    sign_in(client, auditor)
    assert 'data-testid="case-ethics-lookup"' not in text(client.get(f"/cases/{alleged.reference}"))
