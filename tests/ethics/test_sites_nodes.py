"""Collaborative review across two deployments over real HTTP: an activity led on node A
(SH) with a site on node B (JS). B confirms with conditions and A shows it; an amendment
decided on A reaches B and is acknowledged; a tampered envelope, an unknown committee or
activity and a malformed body are refused and nothing is stored; the approval itself is
known on B through its own envelope kind by its region-wide number, and its suspension too;
B's own approval of the same letter id has another number, and a number of one node
announced by another is refused."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from app.auth.models import Agency, Role, User
from app.core import envelopes
from app.ethics import sites
from app.ethics.site_models import Site, SiteStatus, SiteUpdate
from app.exchange.models import DeliveryStatus, ExchangePeer, OutboundEnvelope
from app.extensions import db
from tests.conftest import password_hash
from tests.ethics.conftest import build_world
from tests.ethics.site_world import approve, js_site_unit, make_multi_site
from tests.nodes import Node, peered_nodes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nodes():
    with peered_nodes("yrd-sites-") as pair:
        yield pair


def _maker():
    counter = {"n": 0}

    def make(agency_code="SH", roles=("officer",), username=None, **_):
        counter["n"] += 1
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        user = User(
            username=username
            or f"{agency_code.lower()}-{roles[0]}-{counter['n']}".replace("_", "-"),
            display_name=f"用户{counter['n']}",
            agency=agency,
            password_hash=password_hash(),
        )
        user.set_roles([Role(r) for r in roles])
        db.session.add(user)
        db.session.flush()
        return user

    return make


def _post(node: Node, body) -> tuple[int, dict]:
    request = urllib.request.Request(
        node.url + "/api/exchange/v1/envelopes",
        data=json.dumps(body, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _b_site(b: Node, uid: str) -> Site:
    site = db.session.scalar(select(Site).where(Site.activity_uid == uid, Site.remote_lead))
    assert site is not None, b.log_tail()
    return site


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Site)),
        db.session.scalar(select(func.count()).select_from(SiteUpdate)),
    )


def test_site_on_another_node_confirms_and_acknowledges(nodes):
    a, b = nodes
    with b.app.app_context():
        site_b = js_site_unit(_maker())
        db.session.commit()
        b_office_id = site_b.office.id
    with a.app.app_context():
        world = build_world(_maker())
        application = make_multi_site(world)
        peer = db.session.scalar(select(ExchangePeer).where(ExchangePeer.node_id == b.node_id))
        site = sites.add_remote_site(world.office, application, peer.id, "js", "苏州大学")
        approve(world, application)  # the decision travels to B at once (jobs run inline)
        db.session.commit()
        uid, a_site_id, office_id = site.activity_uid, site.id, world.office.id
        application_id = application.id
        sent = db.session.scalar(select(OutboundEnvelope).order_by(OutboundEnvelope.id))
        assert sent.status == DeliveryStatus.delivered, (sent.last_error, b.log_tail())
        assert sent.receipt["payload"]["result"] == "stored"
        decision_envelope = sent.envelope

    with b.app.app_context():
        site = _b_site(b, uid)
        assert site.status is SiteStatus.awaiting and site.confirm_by is not None
        assert site.copy["title"] == "疫苗安全性研究" and site.copy["documents"]
        assert site.copy["items"]["purpose"] == "评估新型疫苗的安全性"
        office = db.session.get(User, b_office_id)
        assert sites.queue_for(office)["confirm"] == [site]
        # The copy is the site committee's alone: B's authority sees no site at all.
        js_supervisor = _maker()("JS", roles=("supervisor",), username="js-sup-b")
        assert db.session.scalar(select(Site).where(sites.visible_sites(js_supervisor))) is None
        sites.record_meeting_answer(office, site, "conditions", "本院仅承担随访，不开展注射")
        db.session.commit()
        reply = db.session.scalar(select(OutboundEnvelope).order_by(OutboundEnvelope.id.desc()))
        assert reply.status == DeliveryStatus.delivered, (reply.last_error, a.log_tail())

    with a.app.app_context():
        site = db.session.get(Site, a_site_id)
        assert site.status is SiteStatus.conditions
        assert site.reasons == "本院仅承担随访，不开展注射"
        office = db.session.get(User, office_id)
        sites.send_update(office, site.application, "amendment", "修正案：增加一个随访时间点")
        db.session.commit()

    with b.app.app_context():
        site = _b_site(b, uid)
        assert site.status is SiteStatus.conditions  # both sides show the same status
        assert [u.kind.value for u in site.updates] == ["decision", "amendment"]
        office = db.session.get(User, b_office_id)
        sites.acknowledge(office, site, 2)
        db.session.commit()

    with a.app.app_context():
        site = db.session.get(Site, a_site_id)
        assert site.updates[1].acknowledged_at is not None
        assert site.updates[1].acknowledged_by.endswith("(苏州大学)")
        forged_unit = envelopes.seal(
            "ethics_site_notice",
            "node-a:ETH-SH-2026-9999",
            1,
            {**decision_envelope["payload"], "site_unit": "不存在的大学"},
        )
        unknown_activity = envelopes.seal(
            "ethics_site_notice",
            "node-a:ETH-SH-2026-9999",
            2,
            {**decision_envelope["payload"], "type": "amendment", "activity": None},
        )
        malformed = envelopes.seal(
            "ethics_site_notice", uid, 3, {**decision_envelope["payload"], "type": "rumour"}
        )

    tampered = copy.deepcopy(decision_envelope)
    tampered["payload"]["activity"]["decision_reasons"] = "篡改的理由"
    tampered["version"] = 9
    with b.app.app_context():
        before = _counts()
    for body, status, code in (
        (tampered, 401, "bad_signature"),
        (forged_unit, 404, "unknown_committee"),
        (unknown_activity, 404, "unknown_activity"),
        (malformed, 422, "malformed_envelope"),
    ):
        answer, problem = _post(b, body)
        assert (answer, problem.get("code")) == (status, code), problem
    # The decision again is a duplicate: a receipt, nothing new.
    answer, body = _post(b, decision_envelope)
    assert answer == 200 and body["receipt"]["payload"]["result"] == "duplicate"
    with b.app.app_context():
        assert _counts() == before
    number = _approval_known_on_b(a, b, application_id, office_id)
    _b_numbers_its_own_approval_apart(a, b, number)


def _approval_known_on_b(a: Node, b: Node, application_id: int, office_id: int) -> str:
    """Approvals are known region-wide through the exchange: B's look-up finds A's approval
    (committee, unit, status; never the material), and its later suspension; an approval
    envelope with a bad signature or a malformed body stores nothing."""
    from app.core.times import to_cst
    from app.ethics import followup, lookup
    from app.ethics.approvals import KnownApproval
    from app.ethics.letters import letter_of, signed_code
    from app.ethics.models import Application

    with a.app.app_context():
        application = db.session.get(Application, application_id)
        sent = db.session.scalar(
            select(OutboundEnvelope)
            .where(OutboundEnvelope.kind == "ethics_approval")
            .order_by(OutboundEnvelope.id.desc())
        )
        assert sent.status == DeliveryStatus.delivered, (sent.last_error, b.log_tail())
        number, approval_envelope = sent.key, sent.envelope
        # The number names A: the decision's year, A's node id, the letter's id.
        letter = letter_of(application)
        year = to_cst(application.decided_at).year
        assert number == f"ETH-{year}-NODE-A-{letter.id:06d}" == signed_code(letter)
        assert approval_envelope["payload"]["number"] == number
        office = db.session.get(User, office_id)
        followup.stop_activity(office, application, False, "发生严重不良事件，暂停研究")
        db.session.commit()

    with b.app.app_context():
        officer = _maker()("JS", roles=("officer",), username="js-officer-lookup")
        db.session.commit()
        _number, answers = lookup.look_up(officer, number)
        [answer] = answers
        assert answer.origin == a.node_id and answer.approval["number"] == number
        assert answer.approval["status"] == "suspended", answers
        assert answer.approval["title"] == "疫苗安全性研究"
        assert "purpose" not in answer.approval and "items" not in answer.approval
        kept = db.session.scalar(select(func.count()).select_from(KnownApproval))

    tampered = copy.deepcopy(approval_envelope)
    tampered["payload"]["status"] = "valid"
    tampered["version"] = 99
    malformed = envelopes_for(a, "ethics_approval", number, 98, {"number": number})
    for body, status, code in (
        (tampered, 401, "bad_signature"),
        (malformed, 422, "malformed_envelope"),
    ):
        answer, problem = _post(b, body)
        assert (answer, problem.get("code")) == (status, code), problem
    with b.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KnownApproval)) == kept
    return number


def _b_numbers_its_own_approval_apart(a: Node, b: Node, a_number: str) -> None:
    """B's first letter has the id of A's letter, yet its own number; each node finds the
    other's approval by its number, the old-style code answers both with their numbers, and
    A announcing a number of B's is refused with nothing stored."""
    from app.ethics import lookup
    from app.ethics.approval_numbers import legacy_code, parse
    from app.ethics.approvals import KnownApproval
    from app.ethics.letters import letter_of, signed_code
    from tests.ethics.conftest import accepted

    with b.app.app_context():
        make = _maker()
        world = build_world(make)
        application = approve(world, accepted(world))
        db.session.commit()
        b_number = signed_code(letter_of(application))
        assert parse(b_number).serial == parse(a_number).serial  # the letter ids coincide
        assert b_number != a_number and parse(b_number).node == "NODE-B"
        officer = make("AH", roles=("officer",), username="ah-officer-b")
        db.session.commit()
        _n, answers = lookup.look_up(officer, b_number)
        assert [(x.origin, x.approval["number"]) for x in answers] == [(None, b_number)]
        _old, answers = lookup.look_up(officer, legacy_code(parse(a_number).serial))
        assert [(x.origin, x.approval["number"]) for x in answers] == [
            (None, b_number),
            (a.node_id, a_number),
        ]
        db.session.commit()
        kept = db.session.scalar(select(func.count()).select_from(KnownApproval))

    with a.app.app_context():
        officer = _maker()("SH", roles=("officer",), username="sh-officer-lookup-a")
        db.session.commit()
        _n, answers = lookup.look_up(officer, b_number)
        assert [(x.origin, x.approval["title"]) for x in answers] == [(b.node_id, "疫苗安全性研究")]
        db.session.commit()
        sent = db.session.scalar(
            select(OutboundEnvelope)
            .where(OutboundEnvelope.kind == "ethics_approval")
            .order_by(OutboundEnvelope.id.desc())
        )
        payload = {**sent.envelope["payload"], "number": b_number, "title": "冒用的批件"}
        forged = envelopes.seal("ethics_approval", b_number, 1, payload)
    answer, problem = _post(b, forged)
    assert (answer, problem.get("code")) == (409, "number_conflict"), problem
    with b.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KnownApproval)) == kept


def envelopes_for(node: Node, kind: str, key: str, version: int, payload: dict) -> dict:
    """An envelope sealed with the node's own key."""
    with node.app.app_context():
        return envelopes.seal(kind, key, version, payload)
