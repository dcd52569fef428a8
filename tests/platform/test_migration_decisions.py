"""0012_domain keeps what existing cases hold: their decision and each review in its history
become rows, and their sanctions name the decision and the review that revoked them."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.conftest import base_config

AT = "2026-09-01 17:00:00.000000"  # UTC, as SQLAlchemy stores it: 1:00 on 2 Sept in Beijing


def _old_case(conn, case_id: int, outcome: str | None, revoked: bool) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO cases (id, reference, agency_id, year, seq, title, summary, source,"
            " received_date, rule_version, state, version, search_text, created_at, updated_at,"
            " extension_months, decision_text, decided_on, review_outcome, review_requested_on)"
            " VALUES (:id, :ref, 1, 2026, :id, 't', '', 'letter', '2026-03-02', 'r', 'decided',"
            " 1, '', :at, :at, 0, :text, '2026-08-14', :outcome, '2026-08-20')"
        ),
        {"id": case_id, "ref": f"SH-2026-{case_id:06d}", "at": AT, "text": "现行文本"}
        | {"outcome": outcome},
    )
    conn.execute(
        sa.text(
            "INSERT INTO parties (id, case_id, party_type, name)"
            " VALUES (:id, :id, 'person', '张伟')"
        ),
        {"id": case_id},
    )
    conn.execute(
        sa.text(
            "INSERT INTO sanctions (case_id, party_id, sanction_type, start_date, lifetime,"
            " revoked_on) VALUES (:id, :id, 'notice_of_criticism', '2026-08-14', false, :revoked)"
        ),
        {"id": case_id, "revoked": "2026-09-01" if revoked else None},
    )
    steps = [("issue_decision", "作出决定", {})]
    if outcome:
        steps.append(("decide_review", "复查理由", {"outcome": outcome}))
    for action, reason, details in steps:
        conn.execute(
            sa.text(
                "INSERT INTO case_history (case_id, action, actor_id, at, reason, details)"
                " VALUES (:id, :action, 1, :at, :reason, :details)"
            ),
            {"id": case_id, "action": action, "at": AT, "reason": reason}
            | {"details": json.dumps(details)},
        )


def test_existing_decisions_and_reviews_are_carried_over(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade(revision="0007_merge")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO agencies (id, code, name_zh, name_en, is_active)"
                    " VALUES (1, 'SH', '上海', 'Shanghai', true)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, username, display_name, password_hash, agency_id,"
                    " active, created_at, session_version) VALUES (1, 'u', 'U', 'x', 1, true,"
                    " :at, 0)"
                ),
                {"at": AT},
            )
            _old_case(conn, 1, None, revoked=False)
            _old_case(conn, 2, "modified", revoked=False)
            _old_case(conn, 3, "overturned", revoked=True)
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT case_id, kind, review_outcome, text, decided_on, reason,"
                    " decided_by_id FROM case_decisions ORDER BY id"
                )
            ).all()
            sanctions = conn.execute(
                sa.text("SELECT case_id, decision_id, revoked_by_id FROM sanctions ORDER BY id")
            ).all()
        db.engine.dispose()
    by_case = {}
    for row in rows:
        by_case.setdefault(row.case_id, []).append(row)
    (only,) = by_case[1]
    assert (only.kind, only.text, str(only.decided_on)) == ("decision", "现行文本", "2026-08-14")
    assert (only.reason, only.decided_by_id) == ("作出决定", 1)
    original, review = by_case[2]
    assert original.text is None  # overwritten by the modifying review before this revision
    assert (review.kind, review.review_outcome, review.text) == ("review", "modified", "现行文本")
    assert (str(review.decided_on), review.reason) == ("2026-09-02", "复查理由")
    original, review = by_case[3]
    assert original.text == "现行文本" and review.text is None
    ids = {(r.case_id, r.kind): i + 1 for i, r in enumerate(rows)}
    assert [tuple(s) for s in sanctions] == [
        (1, ids[(1, "decision")], None),
        (2, ids[(2, "decision")], None),
        (3, ids[(3, "decision")], ids[(3, "review")]),
    ]
