"""API v1: batch screening of an applicant list (JSON rows or an Excel/CSV file), its
progress and its result, for the grant systems of programme offices."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from flask import abort, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, StringConstraints

from app.api import bp
from app.api.handling import BAD_BODY, current, parse_body, parse_query, respond
from app.api.spec import operation
from app.extensions import db

# Up to 50,000 rows of a few dozen characters each.
MAX_LIST_BODY = 8 * 1024 * 1024
NOT_FOUND = {404: "No screening with this id is visible to you"}
REFUSED = {
    403: "Only a screener of an agency screens lists (`not_allowed`)",
    422: "No purpose, no rows, more than 50,000 rows or a file that is no list (`invalid_input`)",
}


class ApplicantIn(BaseModel):
    name: Annotated[str, StringConstraints(max_length=400)] = ""
    id_type: Annotated[str, StringConstraints(max_length=40)] = ""
    id_number: Annotated[str, StringConstraints(max_length=80)] = ""
    institution: Annotated[str, StringConstraints(max_length=400)] = ""


class ScreeningIn(BaseModel):
    purpose: Annotated[str, StringConstraints(max_length=1000)]
    rows: list[ApplicantIn] = Field(max_length=50_001)


class ScreeningCounts(BaseModel):
    rows: int
    bad: int
    clear: int
    record: int
    objection: int


class ScreeningOut(BaseModel):
    id: int
    purpose: str
    status: str
    progress: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    counts: ScreeningCounts


class MatchOut(BaseModel):
    record_id: str
    subject_name: str
    deciding_agency: str
    origin_node: str
    local: bool
    outcome: str | None
    severity: str | None
    effective_date: str | None
    term_end: str | None
    lifetime: bool
    recognition: str | None = Field(
        description="This agency's decision: recognise, recognise_modified, decline, "
        "own (this agency decided the record) or null (not decided)"
    )


class ScreeningRowOut(BaseModel):
    line: int
    name: str
    id_type: str
    id_masked: str | None
    institution: str
    state: str = Field(description="clear, record, objection, bad (pending while running)")
    problem: str | None
    matches: list[MatchOut]


class RowsQuery(BaseModel):
    state: str | None = None
    page: int = Field(1, ge=1, le=100000)
    per_page: int = Field(100, ge=1, le=1000)


class ScreeningRows(BaseModel):
    items: list[ScreeningRowOut]
    total: int
    page: int
    pages: int
    per_page: int


def _out(screening) -> dict:
    from app.screening.services import progress_of

    return {
        "id": screening.id,
        "purpose": screening.purpose,
        "status": screening.status.value,
        "progress": progress_of(screening),
        "created_at": screening.created_at,
        "finished_at": screening.finished_at,
        "counts": screening.counts(),
    }


def _started(screening) -> dict:
    from app.screening.services import start_screening

    start_screening(screening, current())
    db.session.commit()
    return _out(screening)


@operation(
    bp,
    "/screenings",
    "POST",
    "Screen an applicant list sent as JSON rows (the result follows in the background)",
    body=ScreeningIn,
    response=ScreeningOut,
    status=202,
    errors={**BAD_BODY, **REFUSED},
)
def screening_submit_api():
    from app.screening.reading import read_json
    from app.screening.services import submit_screening

    body = parse_body(ScreeningIn, max_body=MAX_LIST_BODY)
    rows = [row.model_dump() for row in body.rows]
    screening = submit_screening(current(), body.purpose, lambda: read_json(rows), source="API")
    return respond(ScreeningOut, _started(screening), status=202)


@operation(
    bp,
    "/screenings/file",
    "POST",
    "Screen an applicant list sent as an Excel (.xlsx) or CSV file (multipart form)",
    response=ScreeningOut,
    status=202,
    upload=("purpose",),
    errors=REFUSED,
)
def screening_upload_api():
    from app.screening.reading import read_file
    from app.screening.services import submit_screening

    upload = request.files.get("file")
    screening = submit_screening(
        current(),
        request.form.get("purpose"),
        lambda: read_file(upload.read() if upload else b""),
        source=(upload.filename or "") if upload else "",
    )
    return respond(ScreeningOut, _started(screening), status=202)


def _visible_or_404(screening_id: int):
    from app.screening.models import Screening
    from app.screening.permissions import visible_screenings

    screening = db.session.scalar(visible_screenings(current()).where(Screening.id == screening_id))
    if screening is None:
        abort(404)
    return screening


@operation(
    bp,
    "/screenings/{screening_id}",
    "GET",
    "A screening's status, progress and counts",
    response=ScreeningOut,
    errors=NOT_FOUND,
)
def screening_status_api(screening_id: int):
    return respond(ScreeningOut, _out(_visible_or_404(screening_id)))


@operation(
    bp,
    "/screenings/{screening_id}/rows",
    "GET",
    "A screening's rows in list order, by result, paginated",
    query=RowsQuery,
    response=ScreeningRows,
    errors={**NOT_FOUND, 422: "An unknown state or page (`invalid_input`)"},
)
def screening_rows_api(screening_id: int):
    from sqlalchemy import select

    from app.core.errors import InvalidInput
    from app.screening.models import RowState, ScreeningRow

    screening = _visible_or_404(screening_id)
    q = parse_query(RowsQuery)
    query = select(ScreeningRow).where(ScreeningRow.screening_id == screening.id)
    if q.state:
        if q.state not in RowState.__members__:
            raise InvalidInput(
                _l("Choose a result: clear, record, objection, bad or pending."), field="state"
            )
        query = query.where(ScreeningRow.state == RowState(q.state))
    page = db.paginate(
        query.order_by(ScreeningRow.line, ScreeningRow.id),
        page=q.page,
        per_page=q.per_page,
        max_per_page=1000,
        error_out=False,
    )
    items = [
        {
            "line": r.line,
            "name": r.name,
            "id_type": r.id_type,
            "id_masked": r.id_masked,
            "institution": r.institution,
            "state": r.state.value,
            "problem": r.problem,
            "matches": r.matches or [],
        }
        for r in page.items
    ]
    return respond(
        ScreeningRows,
        {
            "items": items,
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "per_page": page.per_page,
        },
    )
