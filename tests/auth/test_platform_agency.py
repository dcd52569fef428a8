"""The platform pseudo-agency holds the system administrators and nothing else: it owns no
case and is never offered where agencies are listed (case filter, transfer targets, demo)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app.auth.models import Agency
from app.cases.models import CaseState
from app.cases.services import active_agencies_except
from app.cases.workflow import perform
from app.core.errors import InvalidInput
from tests.ui_helpers import sign_in, text


def _platform(db) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.is_platform.is_(True)))


def test_the_case_list_filter_offers_the_case_agencies_only(client, db, make_user):
    sign_in(client, make_user("SH", roles=("auditor",)))
    page = text(client.get("/cases"))
    for code in ("SH", "JS", "ZJ", "AH"):
        assert f'<option value="{code}"' in page
    assert 'value="PLATFORM"' not in page


def test_the_platform_is_never_a_transfer_target(client, db, make_user, make_case):
    officer = make_user("SH", roles=("officer",))
    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    case = make_case(state=CaseState.preliminary_review, by=officer)
    targets = {a.code for a in active_agencies_except(case.agency_id)}
    assert targets == {"JS", "ZJ", "AH"}
    sign_in(client, supervisor)
    page = text(client.get(f"/cases/{case.reference}"))
    assert 'value="JS"' in page and 'value="PLATFORM"' not in page
    with pytest.raises(InvalidInput, match="Choose the agency"):
        perform(
            case,
            supervisor,
            "transfer_case",
            expected_version=case.version,
            reason="移送",
            target_agency="PLATFORM",
        )
    db.session.refresh(case)
    assert case.state == CaseState.preliminary_review and case.transfer_agency_id is None


def test_the_demo_keeps_four_provinces_and_puts_its_sysadmin_in_the_platform(db):
    from app.demo.loader import ensure_agencies, ensure_demo_users

    agencies = ensure_agencies()
    assert sorted(agencies) == ["AH", "JS", "SH", "ZJ"]
    users = ensure_demo_users(agencies)
    assert users["sysadmin"].agency.is_platform
    assert all(not u.agency.is_platform for name, u in users.items() if name != "sysadmin")


def test_the_platform_exists_once_with_a_policy(db):
    platform = _platform(db)
    assert platform.code == "PLATFORM" and platform.policy.token_max_days == 90
    db.session.add(Agency(code="PLAT2", name_zh="二", name_en="Two", is_platform=True))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_migration_moves_existing_system_administrators(tmp_path):
    """An installation from before 0010: its sysadmin sits in SH; one user also holds an
    agency role and stays (an operator decides), the rules refuse agency admins either way.
    A token from before gets an expiry a full default lifetime after the upgrade."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db as _db
    from tests.conftest import base_config

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade(revision="0007_merge")
        conn = _db.session.connection()
        conn.execute(
            sa.text(
                "INSERT INTO agencies (id, code, name_zh, name_en, is_active) "
                "VALUES (1, 'SH', '上海', 'Shanghai', 1)"
            )
        )
        for uid, name in ((1, "root"), (2, "root-and-admin"), (3, "officer")):
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, username, display_name, password_hash, agency_id,"
                    " active, created_at, session_version) VALUES (:id, :n, :n, 'x', 1, 1,"
                    " '2026-01-01 00:00:00', 1)"
                ),
                {"id": uid, "n": name},
            )
        for uid, role in ((1, "sysadmin"), (2, "sysadmin"), (2, "agency_admin"), (3, "officer")):
            conn.execute(sa.text("INSERT INTO user_roles VALUES (:u, :r)"), {"u": uid, "r": role})
        conn.execute(
            sa.text(
                "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at)"
                " VALUES (3, 'sync', 'yrd_abcdefgh', :h, '2025-01-01 00:00:00')"
            ),
            {"h": "0" * 64},
        )
        _db.session.commit()
        upgrade()
        expires = _db.session.execute(sa.text("SELECT expires_at FROM api_tokens")).scalar()
        soonest = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=89)
        assert dt.datetime.fromisoformat(str(expires)[:19]) > soonest
        rows = dict(
            _db.session.execute(
                sa.text(
                    "SELECT u.username, a.code FROM users u JOIN agencies a ON a.id = u.agency_id"
                )
            ).all()
        )
        assert rows == {"root": "PLATFORM", "root-and-admin": "SH", "officer": "SH"}
        _db.session.remove()
        _db.engine.dispose()
