"""The system administrator's dashboard shows what running the platform needs: accounts
locked or never signed in to, the agencies, this node and its exchange peers with failed
deliveries, background jobs and the queue, and the audit checkpoints — each part from
the feature that owns it, through the dashboard's panels. Nobody else sees these parts,
and they name no case."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.auth.models import LoginThrottle
from app.cases.models import CaseState
from app.core.checkpoints import write_checkpoint
from app.core.models import utcnow
from app.core.node import init_node, public_key_text
from app.exchange.models import Delivery, DeliveryStatus
from app.exchange.services import add_peer
from app.jobs.models import Job, JobStatus
from app.records.services import approve_record, draft_record, suggested_draft
from tests.core.test_audit_checkpoints import store  # noqa: F401
from tests.ui_helpers import sign_in

# A file store, node folder and checkpoint key of each test's own.
pytestmark = pytest.mark.usefixtures("store")

PANELS = ("platform-accounts", "platform-exchange", "platform-jobs", "platform-audit")


def _section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</div></div>", start)]


def _failed_delivery(db, make_case, make_user):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    init_node("node-platform-test")
    add_peer(
        "node-far", "http://127.0.0.1:9", public_key_text(Ed25519PrivateKey.generate().public_key())
    )
    case = make_case(state=CaseState.decided)
    admin = make_user("SH", roles=("agency_admin",))
    record = draft_record(case, case.created_by, suggested_draft(case, case.respondents[0]))
    approve_record(record, admin)
    delivery = db.session.scalar(select(Delivery))
    delivery.status, delivery.attempts = DeliveryStatus.failed, 5
    delivery.last_error, delivery.last_attempt_at = "connection refused", utcnow()
    return case


def test_the_system_administrators_dashboard(db, make_case, make_user, client):
    root = make_user("PLATFORM", roles=("sysadmin",), username="root-dashboard", locale="en")
    root.last_login_at = utcnow()
    locked = make_user("JS", roles=("officer",), username="js-locked", last_login_at=utcnow())
    db.session.add(
        LoginThrottle(
            key=f"account:{locked.username}",
            failures=5,
            locked_until=utcnow() + dt.timedelta(hours=1),
        )
    )
    fresh = make_user("AH", roles=("officer",), username="ah-new-officer")
    case = _failed_delivery(db, make_case, make_user)
    db.session.add(
        Job(
            id="job-failed-1", queue="dossiers", func="app.dossiers.tasks.generate_dossier",
            description=f"Dossier of {case.reference}", status=JobStatus.failed, attempts=3,
        )
    )  # fmt: skip
    db.session.commit()

    sign_in(client, root)
    page = client.get("/").get_data(as_text=True)
    accounts = _section(page, "platform-accounts")
    locked_list = accounts[accounts.index('data-testid="locked-accounts"') :]
    assert "js-locked" in locked_list[: locked_list.index("</ul>")]
    assert fresh.username in accounts and 'data-testid="platform-agencies"' in page
    for code in ("SH", "JS", "ZJ", "AH"):
        assert f"<td>{code}</td>" in page
    exchange = _section(page, "platform-exchange")
    assert "node-platform-test" in exchange and "node-far" in exchange
    assert 'data-testid="failed-deliveries-count">1<' in exchange
    assert "connection refused" in exchange and 'href="/exchange/peers"' in exchange
    jobs = _section(page, "platform-jobs")
    assert 'data-status="failed">1<' in jobs and "app.dossiers.tasks.generate_dossier" in jobs
    assert 'data-testid="queue-health"' in jobs
    assert 'data-testid="checkpoint-none"' in page and 'href="/audit"' in page
    assert case.reference not in page  # counts and names of accounts: never a case

    write_checkpoint()
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="checkpoint-latest"' in page and 'data-testid="checkpoint-ok"' in page
    assert "Entries since:" in page


def test_nobody_else_sees_the_platform_panels(db, make_case, make_user, client):
    _failed_delivery(db, make_case, make_user)
    db.session.commit()
    for roles in (("supervisor",), ("agency_admin",), ("auditor",), ("officer",)):
        sign_in(client, make_user("SH", roles=roles))
        page = client.get("/").get_data(as_text=True)
        assert not [p for p in PANELS if f'data-testid="{p}"' in page], roles
