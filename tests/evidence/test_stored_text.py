"""Text the platform writes about evidence is stored as codes and values and worded for each
reader: a dossier export in the chain of custody, a task report's attachment, a file's type
in the dossier. Rows written before (English or Chinese text) are migrated."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask_migrate import upgrade
from pypdf import PdfReader
from sqlalchemy import select

from app import create_app
from app.dossiers.models import Dossier, DossierLevel
from app.dossiers.services import request_dossier
from app.evidence.models import CustodyAction, CustodyEvent
from app.evidence.services import Upload, add_file_evidence
from app.extensions import db as _db
from app.joint.services import act_on_task, create_task
from tests.conftest import base_config
from tests.joint_world import PDF, joint  # noqa: F401
from tests.ui_helpers import sign_in, text

AT = "2026-09-01 17:00:00.000000"


def _item_page(client, user, item, locale):
    user.locale = locale
    _db.session.commit()
    sign_in(client, user)
    response = client.get(f"/cases/{item.case.reference}/evidence/{item.id}")
    assert response.status_code == 200
    return text(response)


def test_a_dossier_export_reads_in_each_reader_language(app, db, client, make_case):
    case = make_case(state="investigating")
    lead = case.lead.user
    item = add_file_evidence(case, Upload(io.BytesIO(PDF), "数据.pdf"), lead, title="原始数据")
    request_dossier(case, lead, DossierLevel.internal)
    db.session.expire_all()
    dossier = db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))
    export = db.session.scalar(
        select(CustodyEvent).where(
            CustodyEvent.item_id == item.id, CustodyEvent.action == CustodyAction.exported
        )
    )
    assert export.note is None and export.params == {"dossier": dossier.document_id}
    english = _item_page(client, lead, item, "en")
    assert f"In dossier {dossier.document_id}" in english
    chinese = _item_page(client, lead, item, "zh")
    assert f"收入卷宗 {dossier.document_id}" in chinese
    assert f"dossier {dossier.document_id}" not in chinese


def test_the_dossier_names_a_file_type_in_words(app, db, make_case):
    case = make_case(state="investigating")
    lead = case.lead.user
    add_file_evidence(case, Upload(io.BytesIO(PDF), "数据.pdf"), lead, title="原始数据")
    request_dossier(case, lead, DossierLevel.internal)
    db.session.expire_all()
    dossier = db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    pdf = "".join(page.extract_text() for page in reader.pages)
    assert "PDF 文档" in pdf and "application/pdf" not in pdf


def test_a_task_report_attachment_is_titled_in_the_reader_language(joint, client):  # noqa: F811
    task = create_task(
        joint["case"],
        joint["sh_officer"],
        agency=joint["js_part"].agency,
        kind="interview",
        title="询问合作作者",
        description="",
        due_in_days=5,
        assignee=joint["js_officer"],
    )
    joint["js_officer"].locale = "en"  # whoever reports, in whatever language
    act_on_task(task, "accept", joint["js_officer"])
    report = act_on_task(
        task, "progress", joint["js_officer"], body="x", upload=Upload(io.BytesIO(PDF), "r.pdf")
    )
    _db.session.commit()
    item = report.evidence_item
    assert item.stored_title == "询问合作作者" and item.title_code == "task_report"
    chinese = _item_page(client, joint["sh_officer"], item, "zh")
    assert "任务报告：询问合作作者" in chinese and "Task report" not in chinese
    english = _item_page(client, joint["sh_officer"], item, "en")
    assert "Task report: 询问合作作者" in english
    listing = text(client.get(f"/cases/{joint['case'].reference}/evidence"))
    assert "Task report: 询问合作作者" in listing


def _legacy_rows(conn) -> None:
    agency = 2
    rows = [
        "INSERT INTO agencies (id, code, name_zh, name_en, is_active)"
        " VALUES (2, 'SH', '上海', 'Shanghai', true)",
        "INSERT INTO users (id, username, display_name, password_hash, agency_id, active,"
        " created_at) VALUES (1, 'u', 'U', 'x', :agency, true, :at)",
        "INSERT INTO cases (id, reference, agency_id, year, seq, title, summary, source,"
        " received_date, rule_version, state, version, search_text, created_at, updated_at,"
        " extension_months) VALUES (1, 'SH-2026-000001', :agency, 2026, 1, 't', '', 'letter',"
        " '2026-03-02', 'r', 'investigating', 1, '', :at, :at, 0)",
        "INSERT INTO evidence_blobs (sha256, size, mime_type, stored_at)"
        " VALUES ('" + "a" * 64 + "', 1, 'application/pdf', :at)",
        "INSERT INTO joint_tasks (id, case_id, agency_id, kind, title, description, due_date,"
        " status, created_by_id, created_at, updated_at) VALUES (1, 1, :agency, 'interview',"
        " '询问合作作者', '', '2026-09-10', 'open', 1, :at, :at)",
    ]
    titles = ["Task report: 询问合作作者", "任务报告：询问合作作者", "Task report: 手工标题"]
    for item_id, title in enumerate(titles, start=1):
        rows.append(
            "INSERT INTO evidence_items (id, case_id, kind, title, blob_sha256, visibility,"
            f" added_by_id, added_at) VALUES ({item_id}, 1, 'file', '{title}', '{'a' * 64}',"
            " 'shared', 1, :at)"
        )
    for item_id in (1, 2):  # the third was typed by a person, not attached to a report
        rows.append(
            "INSERT INTO joint_task_reports (task_id, action, body, evidence_item_id,"
            f" author_id, at) VALUES (1, 'progress', '', {item_id}, 1, :at)"
        )
    rows += [
        "INSERT INTO evidence_custody (item_id, action, actor_id, at, note)"
        " VALUES (1, 'exported', 1, :at, 'dossier D-2026-0001')",
        "INSERT INTO evidence_custody (item_id, action, actor_id, at, note)"
        " VALUES (1, 'withdrawn', 1, :at, 'dossier uploaded by mistake')",
    ]
    for row in rows:
        conn.execute(sa.text(row), {"at": AT, "agency": agency})


def test_existing_titles_and_custody_notes_become_codes(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade(revision="0024_findings_per_respondent")
        with _db.engine.begin() as conn:
            _legacy_rows(conn)
        upgrade(revision="0025_evidence_text_codes")
        with _db.engine.connect() as conn:
            items = conn.execute(
                sa.text("SELECT title, title_code FROM evidence_items ORDER BY id")
            ).all()
            custody = conn.execute(
                sa.text("SELECT note, params FROM evidence_custody ORDER BY id")
            ).all()
        _db.engine.dispose()
    assert [tuple(i) for i in items] == [
        ("询问合作作者", "task_report"),
        ("询问合作作者", "task_report"),
        ("Task report: 手工标题", None),
    ]
    assert custody[0].note is None and "D-2026-0001" in custody[0].params
    assert (custody[1].note, custody[1].params) == ("dossier uploaded by mistake", None)
