"""Pages show words, not codes: ID types, audit actions and objects, rejected file types."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest

from app.cases.models import CaseState, TeamRole
from app.cases.services import assign_member
from app.extensions import db as _db
from app.protection.conflicts import declare_conflicts
from tests.statements import counted
from tests.ui_helpers import sign_in, text

CODE = re.compile(r"\b[a-z]+(?:[._][a-z]+)+\b")  # resident_id, case.open_investigation
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(response) -> str:
    parser = _Text()
    parser.feed(text(response))
    return " ".join(parser.parts)


def codes_in(response) -> list[str]:
    return CODE.findall(visible_text(response))


def _team_case(db, make_case, make_user, locale):
    case = make_case(agency="SH", state=CaseState.investigating)
    supervisor = make_user("SH", roles=("supervisor",))
    member = make_user("SH", roles=("officer",), locale=locale)
    declare_conflicts(case, member, [])
    assign_member(case, member, TeamRole.investigator, supervisor)
    db.session.commit()
    return case, member


def _upload(client, case, name, content, **form):
    return client.post(
        f"/cases/{case.reference}/evidence",
        data={"files": [(io.BytesIO(content), name)], **form},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("locale, id_label", [("en", "Resident ID card"), ("zh", "居民身份证")])
def test_case_page_names_the_id_type(db, client, make_case, make_user, locale, id_label):
    case, member = _team_case(db, make_case, make_user, locale)
    sign_in(client, member)
    response = client.get(f"/cases/{case.reference}")
    assert id_label in visible_text(response)
    assert codes_in(response) == []


@pytest.mark.parametrize(
    "locale, words",
    [
        ("en", ("Open investigation", "Evidence added", "Case ", "Evidence 实验记录")),
        ("zh", ("立案调查", "添加证据", "案件 ", "证据 实验记录")),
    ],
)
def test_audit_page_names_actions_and_objects(db, client, make_case, make_user, locale, words):
    case, member = _team_case(db, make_case, make_user, locale)
    sign_in(client, member)
    assert _upload(client, case, "lab.pdf", PDF, title="实验记录").status_code == 302
    sign_in(client, make_user("SH", roles=("auditor",), locale=locale))
    response = client.get(f"/audit?case={case.reference}")
    page = visible_text(response)
    for word in words:
        assert word in page
    assert f"{words[2]}{case.reference}" in page
    assert codes_in(response) == []


def _statements(client, url) -> int:
    with counted(_db.session.get_bind()) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_audit_page_costs_the_same_queries_for_few_or_many_objects(
    db, client, make_case, make_user
):
    case, member = _team_case(db, make_case, make_user, "en")
    auditor = make_user("SH", roles=("auditor",))
    sign_in(client, member)
    _upload(client, case, "a.pdf", PDF + b"%a\n", title="第一份")
    sign_in(client, auditor)
    few = _statements(client, "/audit?per_page=50")
    sign_in(client, member)
    for i in range(15):
        _upload(client, case, f"{i}.pdf", PDF + f"%{i}\n".encode(), title=f"材料{i}")
        client.get(f"/cases/{case.reference}")
    sign_in(client, auditor)
    many = _statements(client, "/audit?per_page=50")
    assert many <= few + 1  # +1: a kind of object the first page did not have


@pytest.mark.parametrize("locale, kind", [("en", "Program"), ("zh", "程序")])
def test_a_rejected_upload_names_the_file_type_and_keeps_the_input(
    db, client, make_case, make_user, locale, kind
):
    case, member = _team_case(db, make_case, make_user, locale)
    sign_in(client, member)
    response = _upload(
        client,
        case,
        "附件.pdf",
        ELF,
        title="原始数据截图",
        description="举报人提供的附件",
        visibility="shared",
    )
    assert response.status_code == 415
    page = visible_text(response)
    assert kind in page and "application/" not in text(response)
    assert 'value="原始数据截图"' in text(response)
    assert "举报人提供的附件</textarea>" in text(response)
    assert 'value="shared" selected' in text(response)
    assert codes_in(response) == []


def test_a_refused_physical_item_keeps_the_input(db, client, make_case, make_user):
    case, member = _team_case(db, make_case, make_user, "en")
    sign_in(client, member)
    response = client.post(
        f"/cases/{case.reference}/evidence/physical",
        data={"title": "x" * 301, "location": "档案室", "description": "原件"},
    )
    assert response.status_code == 422
    assert 'value="档案室"' in text(response) and "原件</textarea>" in text(response)
    assert "300" in visible_text(response)


def test_an_upload_with_no_file_keeps_the_title(db, client, make_case, make_user):
    case, member = _team_case(db, make_case, make_user, "en")
    sign_in(client, member)
    response = client.post(
        f"/cases/{case.reference}/evidence",
        data={"title": "会议纪要"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert 'value="会议纪要"' in text(response)


@pytest.mark.parametrize("state", ["decided", "closed", "under_review"])
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_case_page_of_a_decided_case_shows_no_code(db, client, make_case, locale, state):
    case = make_case(agency="SH", state=state)
    lead = case.lead.user
    lead.locale = locale
    db.session.commit()
    sign_in(client, lead)
    assert codes_in(client.get(f"/cases/{case.reference}")) == []


def _audited_actions() -> set[str]:
    """Every action code the application writes with a literal name."""
    import ast
    from pathlib import Path

    found = set()
    for path in Path("app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", None))
                in ("record", "record_each")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
            if isinstance(node, ast.IfExp) and all(
                isinstance(v, ast.Constant) and "." in str(v.value)
                for v in (node.body, node.orelse)
            ):
                found.update({node.body.value, node.orelse.value})
    return found


def test_every_audit_action_has_a_label(app):
    from app.cases.workflow import TRANSITIONS
    from app.core.labels import AUDIT_ACTION_LABELS, audit_action_label
    from app.evidence.models import CustodyAction
    from app.notes.models import NoteKind

    actions = _audited_actions()
    actions |= {f"case.{name}" for name in TRANSITIONS}
    actions |= {f"evidence.{a.value}" for a in CustodyAction}
    actions |= {f"note.add.{k.value}" for k in NoteKind}
    actions |= {"complainant.grant", "complainant.revoke"}
    assert len(actions) > 50
    with app.test_request_context():
        unknown = audit_action_label("no.such_action")
        for code in sorted(actions):
            assert audit_action_label(code) != unknown, code
    assert "audit.view" in AUDIT_ACTION_LABELS


def test_every_timeline_action_has_a_label(app):
    from app.cases.workflow import TRANSITIONS
    from app.core.labels import action_label

    written = {
        "register",
        "assign_member",
        "remove_member",
        "extend_investigation",
        "record_defence",
        "declare_conflicts",
        "grant_complainant_access",
        "revoke_complainant_access",
        *TRANSITIONS,
    }
    with app.test_request_context():
        unknown = action_label("no_such_action")
        for action in sorted(written):
            assert action_label(action) != unknown, action


@pytest.mark.parametrize("locale, area", [("en", "Evidence"), ("zh", "证据")])
def test_audit_filter_offers_named_areas(db, client, make_case, make_user, locale, area):
    case, member = _team_case(db, make_case, make_user, locale)
    sign_in(client, member)
    _upload(client, case, "lab.pdf", PDF, title="实验记录")
    sign_in(client, make_user("SH", roles=("auditor",), locale=locale))
    response = client.get(f"/audit?case={case.reference}&action=evidence.")
    assert f'<option value="evidence." selected>{area}</option>' in text(response)
    entries = text(response).split('data-testid="audit-entries"')[1]
    assert entries.count('data-testid="audit-action"') == 1  # the upload, not the register
    assert codes_in(response) == []


def test_every_member_of_a_labelled_closed_set_has_its_own_label(app):
    """Closed sets share values ("ethics" is a panel kind and an expert category, "other" an
    ID type and a sanction type): each member keeps its own words, in both languages."""
    import enum

    from flask_babel import force_locale

    from app.committees.models import PanelKind
    from app.committees.rules import Category
    from app.core.identifiers import IdType
    from app.core.labels import LABELS, LabelTable, label

    with app.test_request_context(), force_locale("en"):
        assert label(Category.ethics) == "Ethics expert"
        assert label(PanelKind.ethics) == "Science and technology ethics committee"
        assert label(IdType.other) == "Other"
        enums = {kind for kind, _value in LABELS if issubclass(kind, enum.Enum)}
        for kind in enums:
            for member in kind:
                assert member in LABELS, f"{kind.__name__}.{member.name} has no label"
    with pytest.raises(TypeError):
        LabelTable({Category.ethics: "x"})  # a dict literal would already have merged keys
