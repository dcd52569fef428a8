"""The background job that generates a dossier."""

from __future__ import annotations

from app.auth.models import User
from app.cases.models import Case
from app.dossiers.models import DossierLevel
from app.extensions import db
from app.jobs import PermanentJobError, set_progress
from app.jobs.runner import current_job_id


def generate_dossier(case_id: int, user_id: int, level: str, pdfa: bool = False) -> dict:
    from app.dossiers.services import build_dossier, store_dossier

    case = db.session.get(Case, case_id)
    user = db.session.get(User, user_id)
    if case is None or user is None or not user.is_active:
        raise PermanentJobError("the case or the requester no longer exists")
    set_progress(5, "loading")
    rendered, document_id, _at = build_dossier(
        case, user, DossierLevel(level), pdfa=pdfa, on_loaded=lambda: set_progress(30, "rendering")
    )
    set_progress(90, "storing")
    dossier = store_dossier(
        case, user, DossierLevel(level), rendered, document_id, pdfa=pdfa, job_id=current_job_id()
    )
    db.session.commit()
    return {"dossier_id": dossier.id, "document_id": document_id, "pages": rendered.pages}
