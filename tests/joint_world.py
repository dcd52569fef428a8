"""The joint-investigation world the joint tests share: an SH case in investigation, JS
taking part with one named officer, AH declining, ZJ never invited, with internal and
shared material on the case."""

from __future__ import annotations

import io

import pytest

from app.cases.models import CaseState
from app.core.calendar import today
from app.evidence.services import Upload, add_file_evidence
from app.extensions import db
from app.joint.services import accept_invitation, decline_invitation, invite_agencies
from app.notes.services import NoteInput, add_note

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
COMPLAINANT = ("李娜", "13800000000")
FULL_ID = "31010119800101123X"
INTERNAL_NOTE = "内部笔记：举报人身份线索"
INTERNAL_EVIDENCE = "内部证据材料"
SHARED_NOTE = "共享笔记：核查进展"


class Joint(dict):
    """People by agency and role (sh_officer, js_supervisor, …), the case, and the JS and
    AH participations."""


@pytest.fixture
def joint(make_user, make_case, agency):
    w = Joint()
    for code in ("SH", "JS", "ZJ", "AH"):
        w[f"{code.lower()}_officer"] = make_user(code, roles=("officer",))
        w[f"{code.lower()}_supervisor"] = make_user(code, roles=("supervisor",))
    w["js_other_officer"] = make_user("JS", roles=("officer",))
    case = make_case(state=CaseState.investigating, by=w["sh_officer"])
    w["case"] = case
    lead = w["sh_supervisor"]
    js, ah = invite_agencies(case, [agency("JS"), agency("AH")], "请协助调查", lead, None)
    accept_invitation(js, [w["js_officer"]], w["js_supervisor"])
    decline_invitation(ah, "本单位无管辖", w["ah_supervisor"])
    w["js_part"], w["ah_part"] = js, ah
    add_note(case, w["sh_officer"], note_input(INTERNAL_NOTE, "internal"))
    add_note(case, w["sh_officer"], note_input(SHARED_NOTE, "shared"))
    add_file_evidence(
        case, Upload(io.BytesIO(PDF), "a.pdf"), w["sh_officer"], title=INTERNAL_EVIDENCE
    )
    add_file_evidence(
        case,
        Upload(io.BytesIO(PDF + b"s"), "b.pdf"),
        w["sh_officer"],
        title="共享证据",
        visibility="shared",
    )
    db.session.commit()
    return w


def note_input(title, visibility):
    return NoteInput(
        kind="note", title=title, happened_on=today(), body=title + "正文", visibility=visibility
    )
