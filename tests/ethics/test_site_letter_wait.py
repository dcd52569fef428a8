"""A site on another deployment gets the lead's decision with its letter: with Redis the
letter is rendered after the decision's request, so the notice (which lists the letter's
SHA-256 and size) waits for it, and whatever the lead decides meanwhile waits behind it. The
letter job sends them in order; the lead's page says what waits."""

from __future__ import annotations

from sqlalchemy import select

from app.ethics import sites
from app.ethics.letters import letter_of
from app.ethics.tasks import generate_letter
from app.exchange.models import OutboundEnvelope
from tests.ethics.site_world import approve, build_sites_world
from tests.ethics.test_site_files import _peer
from tests.ui_helpers import sign_in

NOTICES = OutboundEnvelope.kind == "ethics_site_notice"


def test_a_remote_sites_notice_waits_for_the_letter_then_goes_in_order(
    db, client, make_user, monkeypatch
):
    from app.core.node import init_node

    init_node("node-sh")
    w = build_sites_world(make_user)
    peer = _peer("node-js")
    site = sites.add_remote_site(w.office, w.multi, peer.id, "JS", "苏州大学")
    queued = []
    # As with Redis: the jobs are queued, none runs inside the request.
    monkeypatch.setattr("app.jobs.enqueue", lambda fn, *a, **k: queued.append((fn, a)))
    monkeypatch.setattr("app.exchange.outbox.enqueue", lambda fn, *a, **k: None)
    approve(w, w.multi)
    letter = letter_of(w.multi)
    assert letter is not None and letter.sha256 is None
    assert [fn for fn, _ in queued] == [generate_letter]
    sites.send_update(w.office, w.multi, "amendment", "增加一个研究点")
    db.session.commit()
    decision, amendment = site.updates
    assert decision.sent_outbox_id is None and amendment.sent_outbox_id is None
    assert sites.is_held(site, decision) and sites.is_held(site, amendment)
    assert db.session.scalars(select(OutboundEnvelope).where(NOTICES)).all() == []

    sign_in(client, w.office)
    page = client.get(f"/ethics/sites/{site.id}").get_data(as_text=True)
    assert page.count("等待伦理审查决定书") == 2

    result = generate_letter(letter.id)
    assert result["notices"] == 2
    sent = db.session.scalars(
        select(OutboundEnvelope).where(NOTICES).order_by(OutboundEnvelope.id)
    ).all()
    assert [(row.kind, row.version) for row in sent] == [
        ("ethics_site_notice", 1),
        ("ethics_site_notice", 2),
    ]
    activity = sent[0].envelope["payload"]["activity"]
    assert activity["letter_sha256"] == letter.sha256
    assert activity["letter_size"] > 0
    assert (decision.sent_outbox_id, amendment.sent_outbox_id) == (sent[0].id, sent[1].id)
    assert not sites.is_held(site, decision)
    # Rendered again (a retried job): nothing is sent twice.
    assert generate_letter(letter.id)["notices"] == 0
    page = client.get(f"/ethics/sites/{site.id}").get_data(as_text=True)
    assert "等待伦理审查决定书" not in page


def test_a_letter_rendered_at_once_sends_the_notice_at_once(db, make_user):
    """Without Redis the letter job runs inside the decision: nothing waits."""
    from app.core.node import init_node

    init_node("node-sh")
    w = build_sites_world(make_user)
    site = sites.add_remote_site(w.office, w.multi, _peer("node-js").id, "JS", "苏州大学")
    approve(w, w.multi)
    assert letter_of(w.multi).sha256 is not None
    assert site.updates[0].sent_outbox_id is not None
    assert not sites.is_held(site, site.updates[0])
