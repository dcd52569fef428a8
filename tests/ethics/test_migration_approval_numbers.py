"""0029_ethnum_approval_numbers gives existing approvals their region-wide numbers: this
node's letters from its node id, the decision's year (China Standard Time) and the letter's
id; other nodes' approvals kept for the look-up the number their node's migration gives them
(so their next announcement updates the same row). Old-style numbers still answer, letters
signed before still verify by their old code and by their number, the number is unique in
the database, and the downgrade gives the old numbers back. On SQLite always, and on
PostgreSQL when the suite runs there (in a database of its own beside the suite's)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.extensions import db
from tests.conftest import base_config
from tests.platform import test_migration_respondents as respondents
from tests.platform.test_migration_respondents import _insert, _rows

database_url = respondents.database_url  # SQLite, and PostgreSQL when the suite runs there

BEFORE = "0028_ethics_entrustment_scope"
AT = "2026-03-01 02:00:00.000000"
NODE = "SH-CLOUD"


def _old_rows(conn) -> None:
    _insert(conn, "agencies", id=10, code="SH", name_zh="上海", name_en="Shanghai",
            is_active=True, is_platform=False)  # fmt: skip
    _insert(conn, "users", id=1, username="office", display_name="办公室", password_hash="x",
            agency_id=10, active=True, created_at=AT)  # fmt: skip
    _insert(conn, "committee_panels", id=5, agency_id=10, kind="ethics", name="甲大学伦理委员会",
            active=True, created_at=AT, min_members=7, quorum=5, threshold_num=2,
            threshold_den=3, inclusive=True, abstentions_count_as_present=False,
            quorum_covers_categories=True, both_genders=True, max_term_years=5)  # fmt: skip
    _insert(conn, "ethics_units", id=3, agency_id=10, name="甲大学", kind="university",
            active=True, created_at=AT)  # fmt: skip
    # Decided on 1 January 2027 in China Standard Time (31 December in UTC); and one decided
    # again after an appeal, whose first letter is of 2025.
    for app_id, decided in ((1, "2026-12-31 17:30:00.000000"), (2, AT)):
        _insert(conn, "ethics_applications", id=app_id, reference=f"ETH-SH-2026-{app_id:04d}",
                unit_id=3, applicant_id=1, title=f"研究{app_id}", state="decided",
                decision="approve", decision_reasons="同意", decided_at=decided, content="{}",
                multi_site=False,
                versions_count=1, created_at=AT, version=1)  # fmt: skip
    for letter_id, app_id, requested in (
        (1, 1, "2026-12-31 17:30:00.000000"),
        (2, 2, "2025-06-01 02:00:00.000000"),
        (3, 2, AT),
    ):
        _insert(conn, "ethics_letters", id=letter_id, application_id=app_id, panel_id=5,
                number=f"伦审〔2026〕第{letter_id}号", requested_by_id=1,
                requested_at=requested)  # fmt: skip
    _insert(conn, "signed_documents", id=1, code="ETH-000001", kind="ethics_letter",
            sha256="a" * 64, size=10, node_id="sh-cloud", signed_at=AT)  # fmt: skip
    # The same old number from two other nodes: the non-uniqueness being mended.
    for row_id, origin, decided_on in ((1, "node-zj", "2026-02-01"), (2, "node-ah", "2025-05-05")):
        _insert(conn, "ethics_known_approvals", id=row_id, origin_node=origin,
                number="ETH-000001", committee="委员会", unit="单位", province="ZJ",
                title="外省研究", decision="approve", decided_on=decided_on,
                valid_until="2099-01-01", status="valid", status_since=decided_on,
                as_of="2026-02-01 00:00:00.000000", received_at=AT, updated_at=AT)  # fmt: skip


NEW_LETTERS = [
    (1, f"ETH-2027-{NODE}-000001"),
    (2, f"ETH-2025-{NODE}-000002"),
    (3, f"ETH-2026-{NODE}-000003"),
]
NEW_KNOWN = [
    (1, "node-zj", "ETH-2026-NODE-ZJ-000001", 1),
    (2, "node-ah", "ETH-2025-NODE-AH-000001", 1),
]


def _check_upgraded() -> None:
    from app.core import pdfsign
    from app.ethics import approvals
    from app.ethics.approval_numbers import parse

    assert _rows("SELECT id, code FROM ethics_letters ORDER BY id") == NEW_LETTERS
    known = "SELECT id, origin_node, number, serial FROM ethics_known_approvals ORDER BY id"
    assert _rows(known) == NEW_KNOWN
    # The old number answers every approval of letter id 1, the new ones one each.
    assert [a.id for a in approvals.own_approvals(parse("ETH-000001"))] == [1]
    old = approvals.announced_approvals(parse("ETH-000001"))
    assert [r.origin_node for r in old] == ["node-ah", "node-zj"]
    assert [a.id for a in approvals.own_approvals(parse(NEW_LETTERS[0][1]))] == [1]
    assert [r.id for r in approvals.announced_approvals(parse(NEW_KNOWN[0][2]))] == [1]
    # The letter signed before verifies by its old code and by its number.
    for code in ("ETH-000001", NEW_LETTERS[0][1]):
        assert pdfsign.find_signed(code=code).id == 1, code
    db.session.rollback()


def test_existing_approvals_get_their_numbers_and_keep_their_old_ones(database_url, tmp_path):
    from app.ethics.approvals import store_announced_approval

    app = create_app({**base_config(tmp_path, database_url), "EXCHANGE_NODE_ID": "sh-cloud"})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _old_rows(conn)
        upgrade()
        _check_upgraded()

        # node-zj's next announcement, under the new number, updates the same row.
        body = {
            "number": "ETH-2026-NODE-ZJ-000001",
            "committee": "委员会",
            "unit": "单位",
            "province": "ZJ",
            "title": "外省研究",
            "decision": "approve",
            "decided_on": "2026-02-01",
            "valid_until": "2099-01-01",
            "status": "suspended",
            "status_since": "2026-04-01",
            "as_of": "2026-04-01T00:00:00+00:00",
        }
        assert store_announced_approval("node-zj", body) == "updated"
        db.session.commit()
        assert _rows("SELECT count(*) FROM ethics_known_approvals") == [(2,)]
        db.session.rollback()

        # The number is unique in the database, whatever the code above checks.
        for statement in (
            "UPDATE ethics_known_approvals SET number = 'ETH-2026-NODE-ZJ-000001' WHERE id = 2",
            f"UPDATE ethics_letters SET code = '{NEW_LETTERS[0][1]}' WHERE id = 2",
        ):
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(sa.text(statement))

        downgrade(revision=BEFORE)
        assert _rows("SELECT id, origin_node, number FROM ethics_known_approvals ORDER BY id") == [
            (1, "node-zj", "ETH-000001"),
            (2, "node-ah", "ETH-000001"),
        ]
        db.session.rollback()
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("ethics_letters")}
        assert "code" not in columns
        upgrade()
        _check_upgraded()
        db.session.remove()
        db.engine.dispose()
