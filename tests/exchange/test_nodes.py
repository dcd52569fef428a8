"""Two deployments exchanging records over real HTTP on loopback: push with receipts,
revocation, catching up after downtime, refusals, replays and recognition."""

from __future__ import annotations

import copy
import datetime as dt
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from app.auth.models import Agency, Role, User
from app.cases.models import CaseSource, CaseState, MisconductType, PartyType
from app.core import envelopes
from app.core.node import b64
from app.demo import scenario
from app.exchange import tasks
from app.exchange.models import Delivery, DeliveryStatus
from app.exchange.services import add_peer
from app.extensions import db
from app.records.models import AckStatus, IntegrityRecord, Recognition, RecordStatus, RecordVersion
from app.records.services import (
    approve_record,
    draft_record,
    record_recognition,
    revoke_record,
    suggested_draft,
)
from tests.nodes import ROOT, Node, peered_nodes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nodes():
    with peered_nodes("yrd-nodes-") as pair:
        yield pair


def _make_user(agency_code: str, role: Role, name: str) -> User:
    from tests.conftest import password_hash

    user = db.session.scalar(select(User).where(User.username == name))
    if user:
        return user
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    user = User(username=name, display_name=name, agency=agency, password_hash=password_hash())
    user.set_roles([role])
    db.session.add(user)
    db.session.flush()
    return user


def publish_on(node: Node, person: str, id_number: str) -> str:
    """A decided case on `node`, its record drafted and approved; returns the record uid."""
    from app.cases.services import (
        AllegationInput,
        CaseInput,
        ComplainantInput,
        RespondentInput,
        register_case,
    )

    with node.app.app_context():
        officer = _make_user("SH", Role.officer, "sh-officer-x")
        case = register_case(
            CaseInput(
                title=f"关于{person}的举报",
                source=CaseSource.letter,
                received_date=dt.date(2026, 3, 2),
                summary="举报",
                respondents=[
                    RespondentInput(
                        name=person,
                        party_type=PartyType.person,
                        id_type="resident_id",
                        id_number=id_number,
                    )
                ],
                allegations=[
                    AllegationInput(misconduct_type=MisconductType.plagiarism, description="抄袭")
                ],
                complainant=ComplainantInput(anonymous=False, name="举报人李娜", contact="138"),
            ),
            officer,
        )
        scenario.walk(case, CaseState.decided)
        record = draft_record(case, officer, suggested_draft(case, case.respondents[0]))
        publication = approve_record(record, _make_user("SH", Role.agency_admin, "sh-admin-x"))
        db.session.commit()
        uid = record.record_uid
        publication.dispatch()
        return uid


def held(node: Node, uid: str) -> IntegrityRecord | None:
    with node.app.app_context():
        record = db.session.scalar(select(IntegrityRecord).where(IntegrityRecord.record_uid == uid))
        if record is not None:
            db.session.expunge(record)
        return record


def version_count(node: Node, uid: str) -> int:
    with node.app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(RecordVersion)
            .join(IntegrityRecord)
            .where(IntegrityRecord.record_uid == uid)
        )


def deliveries_of(node: Node, uid: str) -> list[tuple[int, DeliveryStatus, dict | None, str]]:
    with node.app.app_context():
        rows = db.session.execute(
            select(RecordVersion.version, Delivery.status, Delivery.receipt, Delivery.last_error)
            .join(Delivery.version)
            .join(IntegrityRecord)
            .where(IntegrityRecord.record_uid == uid)
            .order_by(RecordVersion.version)
        ).all()
        return [tuple(r) for r in rows]


def envelope_of(node: Node, uid: str, version: int = 1) -> dict:
    with node.app.app_context():
        return db.session.scalar(
            select(RecordVersion.envelope)
            .join(IntegrityRecord)
            .where(IntegrityRecord.record_uid == uid, RecordVersion.version == version)
        )


def post(node: Node, path: str, body, content_type="application/json") -> tuple[int, dict, str]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        node.url + path, data=data, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), response.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), exc.headers["Content-Type"]


def test_node_publishes_its_key_at_a_well_known_url(nodes):
    a, _b = nodes
    with urllib.request.urlopen(a.url + "/.well-known/yrd-node") as response:
        described = json.loads(response.read())
    assert described["node_id"] == "node-a" and described["public_key"] == a.public_key
    assert "PRIVATE" not in json.dumps(described)


def test_publish_on_a_reaches_b_and_a_keeps_bs_receipt(nodes):
    a, b = nodes
    uid = publish_on(a, "张伟", "31010119800101123X")
    [(_version, status, receipt, _error)] = deliveries_of(a, uid)
    assert status == DeliveryStatus.delivered, b.log_tail()
    assert receipt["sender"] == "node-b" and receipt["payload"]["result"] == "stored"
    record = held(b, uid)
    assert record.status == RecordStatus.active and record.origin_node == "node-a"
    assert record.subject_name == "张伟" and record.subject_id_masked == "3101**********123X"
    sent = json.dumps(envelope_of(b, uid), ensure_ascii=False)
    assert "举报人李娜" not in sent and "31010119800101123X" not in sent


def test_revoke_on_a_shows_revoked_on_b(nodes):
    a, b = nodes
    uid = publish_on(a, "赵敏", "310101198202021119")
    with a.app.app_context():
        record = db.session.scalar(select(IntegrityRecord).where(IntegrityRecord.record_uid == uid))
        case = record.case
        scenario.review(case, "overturned", reason="证据不足")
        publication = revoke_record(
            record, _make_user("SH", Role.agency_admin, "sh-admin-x"), "复查撤销"
        )
        db.session.commit()
        publication.dispatch()
    record = held(b, uid)
    assert record.status == RecordStatus.revoked and record.current_version == 2
    assert [d[1] for d in deliveries_of(a, uid)] == [DeliveryStatus.delivered] * 2


def test_an_objection_mark_on_a_reaches_b_and_its_decision_clears_it(nodes):
    from app.records.remedies import ObjectionDecision, decide_objection, register_objection
    from app.records.services import integrity_check

    a, b = nodes
    uid = publish_on(a, "孙丽", "31010119840404444X")
    with a.app.app_context():
        record = db.session.scalar(select(IntegrityRecord).where(IntegrityRecord.record_uid == uid))
        officer = _make_user("SH", Role.officer, "sh-officer-x")
        objection, publication = register_objection(record, officer, "非本人", "邮寄")
        db.session.commit()
        publication.dispatch()
    received = held(b, uid)
    assert received.under_objection and received.current_version == 2, b.log_tail()
    assert received.query_until is not None and received.publish_until is not None
    with b.app.app_context():
        checker = _make_user("JS", Role.officer, "js-officer-b")
        [found] = integrity_check(checker, "孙丽", "resident_id", "31010119840404444X")
        assert found.under_objection
        db.session.rollback()
    with a.app.app_context():
        objection = db.session.merge(objection)
        supervisor = _make_user("SH", Role.supervisor, "sh-supervisor-x")
        publication = decide_objection(
            objection, supervisor, ObjectionDecision("dismissed", "无误")
        )
        db.session.commit()
        publication.dispatch()
    received = held(b, uid)
    assert not received.under_objection and received.current_version == 3


def test_b_down_while_a_publishes_catches_up_by_pull_and_retry(nodes):
    a, b = nodes
    b.stop()
    try:
        with a.app.app_context():
            uid = publish_on(a, "钱进", "310101198303033338")
        [(_v, status, receipt, error)] = deliveries_of(a, uid)
        assert status == DeliveryStatus.failed and receipt is None and "unreachable" in error
    finally:
        b.start()
    assert held(b, uid) is None
    with b.app.app_context():
        assert tasks.pull_all() >= 1
    assert held(b, uid).status == RecordStatus.active
    with a.app.app_context():
        tasks.retry_due_deliveries(now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    [(_v, status, receipt, _error)] = deliveries_of(a, uid)
    assert status == DeliveryStatus.delivered and receipt["payload"]["result"] == "duplicate"
    assert version_count(b, uid) == 1


def test_tampered_unknown_and_replayed_envelopes(nodes):
    a, b = nodes
    uid = publish_on(a, "孙丽", "31010119840404444X")
    original = envelope_of(a, uid)

    tampered = copy.deepcopy(original)
    tampered["record_id"] = "00000000-0000-0000-0000-000000000001"
    tampered["payload"]["subject"]["name"] = "别人"
    status, body, content_type = post(b, "/api/exchange/v1/envelopes", tampered)
    assert (status, body["code"]) == (401, "bad_signature")
    assert content_type == "application/problem+json"
    assert held(b, tampered["record_id"]) is None

    stranger = Ed25519PrivateKey.generate()
    forged = {**copy.deepcopy(original), "sender": "node-x", "record_id": "forged-1"}
    forged.pop("signature")
    forged["signature"] = b64(stranger.sign(envelopes.canonical(forged)))
    status, body, _ = post(b, "/api/exchange/v1/envelopes", forged)
    assert (status, body["code"]) == (403, "unknown_peer")
    impostor = {**forged, "sender": "node-a"}
    impostor["signature"] = b64(stranger.sign(envelopes.canonical(impostor)))
    assert post(b, "/api/exchange/v1/envelopes", impostor)[1]["code"] == "bad_signature"
    assert held(b, "forged-1") is None

    for _ in range(2):
        status, body, _ = post(b, "/api/exchange/v1/envelopes", original)
        assert status == 200 and body["receipt"]["payload"]["result"] == "duplicate"
    assert version_count(b, uid) == 1

    status, body, _ = post(b, "/api/exchange/v1/envelopes", b"{not json")
    assert (status, body["code"]) == (400, "malformed_json")
    status, body, _ = post(b, "/api/exchange/v1/envelopes", {"protocol": "yrd-exchange/1"})
    assert (status, body["code"]) == (422, "malformed_envelope")
    big = {**original, "payload": {**original["payload"], "outcome": "长" * 40000}}
    status, body, _ = post(b, "/api/exchange/v1/envelopes", big)
    assert (status, body["code"]) == (413, "payload_too_large")
    assert "refused bad_signature" in b.log_tail()


def test_recognition_on_b_reaches_a(nodes):
    a, b = nodes
    uid = publish_on(a, "周杰", "310101198505055551")
    with b.app.app_context():
        record = db.session.scalar(select(IntegrityRecord).where(IntegrityRecord.record_uid == uid))
        supervisor = _make_user("JS", Role.supervisor, "js-supervisor-x")
        row = record_recognition(
            record,
            supervisor,
            "recognise_modified",
            modified_terms="在本省禁止申报两年",
            reason="情节较轻",
        )
        db.session.commit()
        result = tasks.send_recognition(row.id)
        assert result == "stored"
        assert db.session.get(Recognition, row.id).ack_status == AckStatus.delivered
    with a.app.app_context():
        record = db.session.scalar(select(IntegrityRecord).where(IntegrityRecord.record_uid == uid))
        [recognition] = record.recognitions
        assert recognition.peer.node_id == "node-b" and recognition.agency_code == "JS"
        assert recognition.decision.value == "recognise_modified"
        assert recognition.modified_terms == "在本省禁止申报两年"


def test_pull_requires_a_signed_request(nodes):
    _a, b = nodes
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(b.url + "/api/exchange/v1/records?since=0", timeout=10)
    assert caught.value.code == 401
    assert json.loads(caught.value.read())["code"] == "unsigned_request"


def test_publish_is_delivered_by_a_real_rq_worker(nodes):
    """With Redis configured, delivery runs in an `rq worker` process of node A."""
    import os
    import subprocess
    import sys

    from redis import Redis
    from redis.exceptions import RedisError

    from tests.conftest import IN_CI
    from tests.worker_support import TEST_REDIS_URL, stop_worker, wait_for

    a, b = nodes
    try:
        Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).flushdb()
    except RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {TEST_REDIS_URL} is not reachable: {exc}")
        pytest.skip(f"Redis at {TEST_REDIS_URL} is not reachable")
    env = {**os.environ, **a.settings, "REDIS_URL": TEST_REDIS_URL, "PYTHONPATH": str(ROOT)}
    log = open(a.folder / "worker.log", "ab")  # noqa: SIM115
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "rq"),
            "worker",
            "--url",
            TEST_REDIS_URL,
            "--with-scheduler",
            "--name",
            f"exchange-{os.getpid()}",
            "default",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    a.app.config["REDIS_URL"] = TEST_REDIS_URL
    try:
        uid = publish_on(a, "郑和", "310101198606066663")

        def delivered():
            rows = deliveries_of(a, uid)
            return rows and rows[0][1] == DeliveryStatus.delivered

        wait_for(delivered, timeout=60)
        assert held(b, uid).status == RecordStatus.active
    finally:
        a.app.config["REDIS_URL"] = None
        stop_worker(worker)
        Redis.from_url(TEST_REDIS_URL).flushdb()


def test_records_published_before_joining_the_exchange_reach_a_peer(nodes, tmp_path):
    """A deployment that ran without a key and then joins: `flask exchange init` signs
    what it published before, and a peer that registers it pulls all of it."""
    from flask_migrate import upgrade

    from app.core import node as node_module
    from app.demo.loader import ensure_agencies

    _a, b = nodes
    late = Node("late", tmp_path)
    try:
        with late.app.app_context():
            upgrade()
            ensure_agencies()
            add_peer(b.node_id, b.url, b.public_key)
            db.session.commit()
        uids = [
            publish_on(late, "冯涛", "310101198707077775"),
            publish_on(late, "褚红", "310101198808088887"),
        ]
        result = late.app.test_cli_runner().invoke(args=["exchange", "init"])
        assert result.exit_code == 0 and "signed 2 versions" in result.output, result.output
        assert "2 deliveries queued" in result.output
        # Pushed at once, oldest first, and refused: B does not know the new node yet.
        assert [d[1] for uid in uids for d in deliveries_of(late, uid)] == [
            DeliveryStatus.failed
        ] * 2
        with late.app.app_context():
            late.public_key = node_module.identity()[2]
        late.start()
        with b.app.app_context():
            peer = add_peer(late.node_id, late.url, late.public_key)
            db.session.commit()
            assert tasks.pull_from_peer(peer.id) == 2, late.log_tail()
        for uid in uids:
            record = held(b, uid)
            assert record.origin_node == "node-late" and record.status == RecordStatus.active
        with late.app.app_context():
            tasks.retry_due_deliveries(now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        for uid in uids:
            [(_v, status, receipt, _error)] = deliveries_of(late, uid)
            assert status == DeliveryStatus.delivered
            assert receipt["payload"]["result"] == "duplicate"
    finally:
        late.dispose()
