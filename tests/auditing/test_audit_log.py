"""The audit log: append-only in the database, verifiable, readable and exportable by auditors."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

from app.core.models import AuditEntry

SQLITE_UPDATE_GUARD = (
    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: UPDATE refused'); END"
)


def last_entry(db) -> AuditEntry:
    return db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET action = 'forged' WHERE id = :id",
        "DELETE FROM audit_entries WHERE id = :id",
    ],
)
def test_database_refuses_to_change_or_remove_entries(db, make_case, statement):
    make_case()
    entry = last_entry(db)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement), {"id": entry.id})
    db.session.expire_all()
    assert last_entry(db).action == "case.register"


def test_verify_passes_then_names_the_first_altered_entry(app, db, make_case):
    make_case()
    make_case()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    victim = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.register").order_by(AuditEntry.id)
    ).all()[-2]
    _tamper(db, victim.id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {victim.id} " in result.output
    assert "altered" in result.output


def _tamper(db, entry_id: int) -> None:
    """What an attacker with direct database access would do. The trigger has to be bypassed:
    on PostgreSQL by disabling it (this test connects as superuser), on SQLite by dropping
    it; both are undone when the test's transaction rolls back."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(
            text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only")
        )
    else:
        db.session.execute(text("DROP TRIGGER audit_entries_no_update"))
    db.session.execute(
        text("UPDATE audit_entries SET ip = '203.0.113.66' WHERE id = :id"), {"id": entry_id}
    )
    if dialect == "postgresql":
        db.session.execute(
            text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only")
        )
    else:
        db.session.execute(text(SQLITE_UPDATE_GUARD))
    db.session.commit()


def test_logins_and_failed_logins_are_audited(db, make_user, client):
    user = make_user("SH", roles=("officer",))
    client.post("/login", data={"username": user.username, "password": "wrong-password"})
    client.post("/login", data={"username": user.username, "password": "test-password-123"})
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)).all()
    login_entry, failed_entry = entries
    assert login_entry.action == "auth.login" and login_entry.actor_id == user.id
    assert failed_entry.action == "auth.login_failed"
    assert failed_entry.details["username"] == user.username


def test_auditor_filters_pages_and_exports_their_agencys_log(db, make_case, make_user, login):
    sh_case = make_case(agency="SH")
    js_case = make_case(agency="JS")
    client = login(make_user("SH", roles=("auditor",), locale="en"))
    page = client.get("/").get_data(as_text=True)
    assert 'href="/audit"' in page
    log = client.get(f"/audit?case={sh_case.reference}").get_data(as_text=True)
    assert "Case registered" in log
    other = client.get(f"/audit?case={js_case.reference}").get_data(as_text=True)
    assert "Case registered" not in other
    assert "Case registered" not in client.get("/audit?action=evidence.").get_data(as_text=True)
    assert client.get("/audit?from=2999-01-01").status_code == 200
    response = client.get("/audit/export.csv?action=case.")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["id", "at", "actor", "action"]
    references = {row[6] for row in rows[1:]}
    assert sh_case.reference in references and js_case.reference not in references
    assert all(row[3].startswith("case.") for row in rows[1:])


def test_audit_page_is_for_auditors_only(db, make_user, login, client):
    for roles in (("officer", "supervisor"), ("agency_admin",), ("committee_member",)):
        login(make_user("SH", roles=roles))
        assert client.get("/audit").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403
        assert 'href="/audit"' not in client.get("/").get_data(as_text=True)
        client.post("/logout")
    assert client.get("/audit").status_code == 302


def test_sysadmin_reads_the_platform_entries_and_no_agency_s(
    db, make_case, make_user, login, client
):
    """Entries of no agency (here a failed login with an unknown user name) and of the
    platform pseudo-agency are the system administrators' to read; agency entries are not.
    Their own reading is audited under the platform, where no agency's auditor sees it."""
    sh_case = make_case(agency="SH")
    admin = make_user("PLATFORM", roles=("sysadmin",), locale="en")
    client.post("/login", data={"username": "no-such-person", "password": "wrong-password"})
    login(admin)
    assert 'href="/audit"' in client.get("/").get_data(as_text=True)
    page = client.get("/audit?action=auth.login_failed").get_data(as_text=True)
    assert "Sign-in failed" in page and 'data-testid="audit-scope"' in page
    assert "Case registered" not in client.get("/audit?action=case.").get_data(as_text=True)
    assert "Case registered" not in client.get(f"/audit?case={sh_case.reference}").get_data(
        as_text=True
    )
    rows = list(
        csv.reader(
            io.StringIO(client.get("/audit/export.csv").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    ids = [int(row[0]) for row in rows[1:]]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id.in_(ids))).all()
    assert entries and all(e.agency_id in (None, admin.agency_id) for e in entries)
    assert any(e.details.get("username") == "no-such-person" for e in entries)
    views = db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == admin.id, AuditEntry.action == "audit.view")
    ).all()
    assert views and all(v.agency_id == admin.agency_id for v in views)
    client.post("/logout")
    auditor = login(make_user("SH", roles=("auditor",), locale="en"))
    assert "Audit log viewed" in auditor.get("/audit?action=audit.view").get_data(as_text=True)
    scope = auditor.get("/audit").get_data(as_text=True)
    assert "no-such-person" not in auditor.get("/audit?action=auth.").get_data(as_text=True)
    assert 'data-testid="audit-scope"' in scope
    exported = csv.reader(
        io.StringIO(auditor.get("/audit/export.csv").get_data(as_text=True).lstrip("\ufeff"))
    )
    seen = {int(row[0]) for row in list(exported)[1:]}
    assert seen and not seen & {v.id for v in views}


def test_entries_written_before_a_transfer_keep_the_reference_the_case_had(
    db, client, make_case, make_user, offer
):
    """A case transferred SH → JS gets a JS reference; the SH log keeps naming it SH-…, on the
    page, in the CSV export and when filtered by that reference."""
    from app.cases.models import CaseState
    from app.cases.transfers import accept_transfer
    from tests.ui_helpers import sign_in

    sh_supervisor = make_user("SH", roles=("supervisor",))
    case = make_case("SH", state=CaseState.preliminary_review)
    sent_as = case.reference
    accept_transfer(offer(case, sh_supervisor), make_user("JS", roles=("supervisor",)))
    db.session.commit()
    assert case.reference.startswith("JS-") and case.reference != sent_as
    sign_in(client, make_user("SH", roles=("auditor",)))
    page = client.get("/audit", query_string={"case": sent_as}).get_data(as_text=True)
    cells = re.findall(r'data-testid="audit-case">([^<]*)<', page)
    objects = re.findall(r'data-testid="audit-object">([^<]*)<', page)
    actions = re.findall(r'data-testid="audit-action">([^<]*)<', page)
    rows = dict(zip(actions, cells, strict=True))
    # Written before the acceptance: the reference the case had here.
    for written_before in ("案件登记", "开始初核", "移送其他机构"):
        assert rows[written_before] == sent_as, rows
    assert rows["移送已接收"] == case.reference  # the acceptance gave it the new one
    assert any(sent_as in o for o in objects)
    exported = client.get("/audit/export.csv", query_string={"case": sent_as}).get_data(
        as_text=True
    )
    written = {
        r["action"]: r["case"] for r in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))
    }
    assert written["case.register"] == sent_as, written
