"""Bad input answers 4xx, never 500: ids beyond the database's integer range, cursors out of
range, and JSON bodies nested deeper than any real document."""

from __future__ import annotations

import io

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.cases.models import CaseState
from app.core import envelopes
from app.core.node import b64, init_node, public_key_text
from app.evidence.services import Upload, add_file_evidence
from app.exchange.services import add_peer
from tests.ui_helpers import sign_in

HUGE = "99999999999999999999999"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def officer_case(make_user, make_case, client):
    officer = make_user("SH", roles=("officer", "supervisor"))
    case = make_case(state=CaseState.investigating, by=officer)
    add_file_evidence(case, Upload(io.BytesIO(PDF), "report.pdf"), officer)
    sign_in(client, officer)
    return officer, case


@pytest.mark.parametrize(
    "path",
    [
        "/cases/{ref}/evidence/" + HUGE + "/download",
        "/cases/{ref}/evidence/" + HUGE,
        "/cases/{ref}/evidence/9223372036854775808/preview",
        "/records/" + HUGE,
        "/records/9223372036854775807",
        "/admin/users/" + HUGE,
    ],
)
def test_an_id_beyond_the_integer_range_is_not_found(client, officer_case, path):
    _officer, case = officer_case
    response = client.get(path.format(ref=case.reference))
    assert response.status_code == 404, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    "path, status",
    [
        ("/cases?page=" + HUGE, 200),
        ("/cases/{ref}/evidence?page=" + HUGE, 200),
        ("/cases/{ref}/notes?page=" + HUGE, 200),
        ("/records?page=" + HUGE, 200),
        ("/notifications/?page=" + HUGE, 404),  # as for any page past its last one
    ],
)
def test_a_page_number_beyond_the_range_is_a_page_past_the_end(client, officer_case, path, status):
    _officer, case = officer_case
    response = client.get(path.format(ref=case.reference))
    assert response.status_code == status, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    "action, data",
    [
        ("team", {"user_id": HUGE, "team_role": "investigator"}),
        ("team", {"remove": HUGE, "version": "1"}),
        ("team", {"user_id": "1", "team_role": "investigator", "version": HUGE}),
        ("transitions/submit_findings", {"version": HUGE}),
    ],
)
def test_a_form_number_beyond_the_range_changes_nothing(client, officer_case, action, data):
    _officer, case = officer_case
    version = case.version
    response = client.post(f"/cases/{case.reference}/{action}", data=data)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert case.version == version


@pytest.fixture
def peer_key(app, db):
    init_node("node-test")  # the node identity is per test run; the others use this id
    key = Ed25519PrivateKey.generate()
    add_peer("node-peer", "http://127.0.0.1:9", public_key_text(key.public_key()))
    db.session.commit()
    return key


def _signed(key, path: str) -> dict:
    stamp = envelopes.now_iso()
    message = rfc8785.dumps({"method": "GET", "path": path, "node": "node-peer", "at": stamp})
    return {
        "X-YRD-Node": "node-peer",
        "X-YRD-Timestamp": stamp,
        "X-YRD-Signature": b64(key.sign(message)),
    }


@pytest.mark.parametrize("since", [HUGE, "9223372036854775808"])
def test_a_signed_pull_with_a_cursor_out_of_range_is_a_bad_cursor(client, peer_key, since):
    path = f"/api/exchange/v1/records?since={since}"
    response = client.get(path, headers=_signed(peer_key, path))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json["code"] == "bad_cursor"


def test_a_signed_pull_at_the_largest_cursor_answers_empty(client, peer_key):
    path = "/api/exchange/v1/records?since=9223372036854775807"
    response = client.get(path, headers=_signed(peer_key, path))
    assert response.status_code == 200 and response.json["envelopes"] == []


@pytest.mark.parametrize("url", ["/api/exchange/v1/envelopes", "/api/exchange/v1/envelopes/batch"])
@pytest.mark.parametrize("depth", [33, 5_000])
def test_an_envelope_nested_too_deeply_is_malformed(client, peer_key, url, depth):
    body = '{"envelopes": ' + "[" * depth + "]" * depth + "}"
    response = client.post(url, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "malformed_json"


def test_int_routes_stop_at_integer_and_bigint_routes_at_bigint(app):
    from werkzeug.exceptions import NotFound
    from werkzeug.routing import Map, Rule

    rules = Map(
        [Rule("/a/<int:n>", endpoint="a"), Rule("/b/<bigint:n>", endpoint="b")],
        converters=app.url_map.converters,
    ).bind("localhost")
    assert rules.match("/a/2147483647") == ("a", {"n": 2147483647})
    assert rules.match("/b/9223372036854775807") == ("b", {"n": 9223372036854775807})
    for path in ("/a/2147483648", "/b/9223372036854775808", "/a/" + "9" * 5000):
        with pytest.raises(NotFound):
            rules.match(path)
