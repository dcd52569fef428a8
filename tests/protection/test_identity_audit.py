"""Every route by which the complainant's identity leaves the database (the page, the API, a
dossier) records the same `complainant.view` audit entry, naming the route; nobody else
gets the identity, and no entry is written when none is given out."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.auth.services import create_token
from app.cases.models import CaseState
from app.core.models import AuditEntry
from app.dossiers.models import Dossier, DossierLevel
from app.dossiers.services import request_dossier
from tests.conftest import scenario_supervisor

NAME, CONTACT = "李娜", "13800000000"


def _views(db, case) -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.case_id == case.id, AuditEntry.action == "complainant.view")
        .order_by(AuditEntry.id)
    ).all()


@pytest.fixture
def granted(db, make_case):
    """An investigated case whose lead investigator is granted the identity."""
    case = make_case(state=CaseState.investigating)
    case.lead.complainant_access = True
    db.session.commit()
    return case, case.lead.user


def test_the_page_audits_the_view(client, db, granted, login):
    case, lead = granted
    login(lead)
    page = client.get(f"/cases/{case.reference}/complainant").get_data(as_text=True)
    assert NAME in page and CONTACT in page
    (entry,) = _views(db, case)
    assert entry.actor_id == lead.id and entry.details["via"] == "page"


def test_the_api_audits_the_view(client, db, granted):
    case, lead = granted
    token = create_token(lead)
    db.session.commit()
    response = client.get(
        f"/api/v1/cases/{case.reference}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.get_json()["complainant"]["name"] == NAME
    (entry,) = _views(db, case)
    assert entry.actor_id == lead.id and entry.details["via"] == "api"


def test_an_internal_dossier_audits_the_view(app, db, granted):
    case, lead = granted
    request_dossier(case, lead, DossierLevel.internal)
    db.session.expire_all()
    dossier = db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    text = "".join(page.extract_text() for page in reader.pages)
    assert NAME in text and CONTACT in text
    (entry,) = _views(db, case)
    assert entry.actor_id == lead.id
    assert entry.details == {"via": "dossier", "document_id": dossier.document_id}


def test_a_shared_dossier_carries_no_identity_and_audits_none(app, db, granted):
    case, lead = granted
    request_dossier(case, lead, DossierLevel.shared)
    db.session.expire_all()
    dossier = db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    assert NAME not in "".join(page.extract_text() for page in reader.pages)
    assert _views(db, case) == []


def test_those_not_granted_get_no_identity_anywhere_and_no_entry(app, client, db, granted, login):
    case, _lead = granted
    supervisor = scenario_supervisor(case)
    request_dossier(case, supervisor, DossierLevel.internal)
    db.session.expire_all()
    dossier = db.session.scalar(select(Dossier).where(Dossier.case_id == case.id))
    reader = PdfReader(f"{app.config['FILE_STORE']}/{dossier.path}")
    assert NAME not in "".join(page.extract_text() for page in reader.pages)
    token = create_token(supervisor)
    db.session.commit()
    body = client.get(
        f"/api/v1/cases/{case.reference}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert body["complainant"] is None
    login(supervisor)
    assert client.get(f"/cases/{case.reference}/complainant").status_code == 403
    assert _views(db, case) == []
