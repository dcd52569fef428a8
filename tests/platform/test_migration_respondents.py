"""0024_findings_per_respondent keeps what existing cases hold: a finding applied to every
respondent of its case, so each respondent gets it; the notice and the statement the case
held become each respondent's. On SQLite always, and on PostgreSQL when the suite runs there
(in a database of its own beside the suite's)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import base_config

AT = "2026-09-01 17:00:00.000000"
BEFORE = "0023_record_queue_order"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("PostgreSQL runs when TEST_DATABASE_URL is set")
    url = make_url(os.environ["TEST_DATABASE_URL"])
    scratch = url.set(database=f"{url.database}_migration")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch.database}"'))
    yield scratch.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
    admin.dispose()


def _insert(conn, table: str, **values) -> None:
    names = ", ".join(values)
    conn.execute(
        sa.text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + k for k in values)})"),
        values,
    )


def _old_case(conn, case_id: int, parties: list[int], statement: str | None) -> None:
    _insert(
        conn,
        "cases",
        id=case_id,
        reference=f"SH-2026-{case_id:06d}",
        agency_id=10,
        year=2026,
        seq=case_id,
        title="t",
        summary="",
        source="letter",
        received_date="2026-03-02",
        rule_version="r",
        state="pre_decision_notice",
        version=1,
        search_text="",
        created_at=AT,
        updated_at=AT,
        extension_months=0,
        findings_report="报告",
        notice_served_on="2026-08-03",
        defence_due="2026-08-17",
        defence_received_on="2026-08-10" if statement else None,
        defence_statement=statement,
    )
    for party_id in parties:
        _insert(
            conn, "parties", id=party_id, case_id=case_id, party_type="person", name=f"人{party_id}"
        )
    for allegation_id, outcome in (
        (case_id * 10, "misconduct"),
        (case_id * 10 + 1, "no_misconduct"),
    ):
        _insert(
            conn,
            "allegations",
            id=allegation_id,
            case_id=case_id,
            misconduct_type="plagiarism",
            description="d",
        )
        _insert(
            conn,
            "findings",
            case_id=case_id,
            allegation_id=allegation_id,
            outcome=outcome,
            severity="serious" if outcome == "misconduct" else None,
            mitigating="配合调查" if outcome == "misconduct" else None,
        )


def _rows(sql: str) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(sa.text(sql)).all()]


def test_each_respondent_gets_the_findings_notice_and_statement_of_their_case(
    database_url, tmp_path
):
    app = create_app(base_config(tmp_path, database_url))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _insert(conn, "agencies", id=10, code="SH", name_zh="上海", name_en="Shanghai",
                    is_active=True, is_platform=False)  # fmt: skip
            _old_case(conn, 1, [11, 12], "当事人书面申辩。")
            _old_case(conn, 2, [21], None)
        upgrade()
        findings = _rows(
            "SELECT case_id, allegation_id, party_id, outcome, severity, mitigating"
            " FROM findings ORDER BY case_id, allegation_id, party_id"
        )
        notices = _rows(
            "SELECT case_id, party_id, served_on, defence_due, defence_received_on,"
            " defence_statement FROM respondent_notices ORDER BY party_id"
        )
        db.session.commit()
        downgrade(revision=BEFORE)
        after_downgrade = _rows(
            "SELECT allegation_id, outcome FROM findings ORDER BY allegation_id"
        )
        statements = _rows("SELECT id, defence_statement FROM cases ORDER BY id")
        db.session.remove()
        db.engine.dispose()
    assert findings == [
        (1, 10, 11, "misconduct", "serious", "配合调查"),
        (1, 10, 12, "misconduct", "serious", "配合调查"),
        (1, 11, 11, "no_misconduct", None, None),
        (1, 11, 12, "no_misconduct", None, None),
        (2, 20, 21, "misconduct", "serious", "配合调查"),
        (2, 21, 21, "no_misconduct", None, None),
    ]
    dates = [tuple(str(v) if v is not None else None for v in n[2:5]) for n in notices]
    assert [(n[0], n[1], n[5]) for n in notices] == [
        (1, 11, "当事人书面申辩。"),
        (1, 12, "当事人书面申辩。"),
        (2, 21, None),
    ]
    assert dates == [
        ("2026-08-03", "2026-08-17", "2026-08-10"),
        ("2026-08-03", "2026-08-17", "2026-08-10"),
        ("2026-08-03", "2026-08-17", None),
    ]
    assert after_downgrade == [
        (10, "misconduct"),
        (11, "no_misconduct"),
        (20, "misconduct"),
        (21, "no_misconduct"),
    ]
    assert statements == [(1, "当事人书面申辩。"), (2, None)]
