"""The background job that matches a submitted list and writes its result workbook."""

from __future__ import annotations

from app.extensions import db
from app.jobs import PermanentJobError, set_progress


def run_screening(screening_id: int) -> dict:
    from app.screening.models import Screening, ScreeningStatus
    from app.screening.outputs import store_workbook
    from app.screening.services import fail_screening, finish_screening, match_rows

    screening = db.session.get(Screening, screening_id)
    if screening is None:
        raise PermanentJobError("the screening no longer exists")
    try:
        screening.status = ScreeningStatus.running
        set_progress(5, "matching")
        hits = match_rows(screening, progress=lambda p: set_progress(p, "matching"))
        db.session.flush()
        set_progress(75, "writing")
        path = store_workbook(screening)
        finish_screening(screening, path)
        db.session.commit()
    except Exception:
        fail_screening(screening_id)
        raise
    return {"screening_id": screening_id, "hits": hits}
