"""What the evidence and protection features contribute to a dossier, read back from the PDF."""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader
from sqlalchemy import select

from app.core.audit import verify_chain
from app.core.models import AuditEntry
from app.core.times import local_time
from app.dossiers.models import Dossier, DossierLevel
from app.dossiers.services import request_dossier
from app.evidence.models import CustodyAction, CustodyEvent
from app.evidence.services import (
    Upload,
    add_file_evidence,
    register_physical_item,
    withdraw_evidence,
)
from app.protection.conflicts import declare_conflicts

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _file(content: bytes, name: str) -> Upload:
    return Upload(io.BytesIO(content), name)


def _evidence(case, actor):
    internal_pdf = PDF + b"% internal\n"
    shared_pdf = PDF + b"% shared\n"
    withdrawn_pdf = PDF + b"% withdrawn\n"
    internal = add_file_evidence(case, _file(internal_pdf, "内部笔记.pdf"), actor, title="内部笔记")
    shared = add_file_evidence(
        case, _file(shared_pdf, "原始数据.pdf"), actor, title="原始数据", visibility="shared"
    )
    withdrawn = add_file_evidence(
        case, _file(withdrawn_pdf, "错传.pdf"), actor, title="错传文件", visibility="shared"
    )
    withdraw_evidence(withdrawn, "上传错误", actor)
    notebook = register_physical_item(
        case, "实验记录本", actor, location="档案室三号柜", visibility="shared"
    )
    digests = {
        "internal": hashlib.sha256(internal_pdf).hexdigest(),
        "shared": hashlib.sha256(shared_pdf).hexdigest(),
        "withdrawn": hashlib.sha256(withdrawn_pdf).hexdigest(),
    }
    return {"internal": internal, "shared": shared, "withdrawn": withdrawn, "notebook": notebook}, (
        digests
    )


def _text(app, db, case, level) -> str:
    db.session.expire_all()
    dossier = db.session.scalar(
        select(Dossier).where(Dossier.case_id == case.id, Dossier.level == level)
    )
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def _exports(db, item) -> list[CustodyEvent]:
    return list(
        db.session.scalars(
            select(CustodyEvent).where(
                CustodyEvent.item_id == item.id, CustodyEvent.action == CustodyAction.exported
            )
        )
    )


def test_internal_dossier_lists_every_item_with_its_hash_and_marks(app, db, make_case):
    case = make_case(state="investigating")
    lead = case.lead.user
    items, digests = _evidence(case, lead)
    request_dossier(case, lead, DossierLevel.internal)
    text = _text(app, db, case, DossierLevel.internal)
    assert digests["internal"] in text and digests["shared"] in text
    assert "内部笔记" in text and "实验记录本" in text and "档案室三号柜" in text
    assert "【实物】" in text and "【已撤回" in text
    dossier = db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))
    for item in items.values():
        exports = _exports(db, item)
        assert len(exports) == 1 and exports[0].actor_id == lead.id
        assert exports[0].params == {"dossier": dossier.document_id} and exports[0].note is None
    audited = db.session.scalars(
        select(AuditEntry.object_id).where(
            AuditEntry.case_id == case.id, AuditEntry.action == "evidence.exported"
        )
    ).all()
    assert sorted(audited) == sorted(str(item.id) for item in items.values())
    assert verify_chain()[0]  # entries written together still form one unbroken chain


def test_shared_dossier_lists_only_shared_items_still_in_the_record(app, db, make_case):
    case = make_case(state="investigating")
    lead = case.lead.user
    items, digests = _evidence(case, lead)
    request_dossier(case, lead, DossierLevel.shared)
    text = _text(app, db, case, DossierLevel.shared)
    assert digests["shared"] in text and "原始数据" in text and "实验记录本" in text
    assert digests["internal"] not in text and "内部笔记" not in text
    assert digests["withdrawn"] not in text and "错传文件" not in text
    assert len(_exports(db, items["shared"])) == 1
    assert _exports(db, items["internal"]) == [] and _exports(db, items["withdrawn"]) == []


def test_team_section_shows_who_declared_what_and_when(app, db, make_case, make_user):
    case = make_case(state="investigating")
    colleague = make_user("SH", roles=("officer",))
    declaration = declare_conflicts(case, colleague, ["coauthor"], "与被举报人合作发表论文两篇")
    request_dossier(case, case.lead.user, DossierLevel.internal)
    text = _text(app, db, case, DossierLevel.internal)
    assert "尚未记录利益冲突声明" not in text
    assert colleague.display_name in text
    assert "存在利益冲突" in text and "与被举报人合作发表论文两篇" in text
    assert local_time(declaration.declared_at) in text  # China Standard Time, as on the page
    request_dossier(case, case.lead.user, DossierLevel.shared)
    shared = _text(app, db, case, DossierLevel.shared)
    # The team and its declarations stay with the owning agency (the shared level).
    assert colleague.display_name not in shared and "合作发表论文两篇" not in shared
