"""API v1: the integrity check of a person across the records this node holds."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    StringConstraints,
)

from app.api import bp
from app.api.handling import current, parse_query, respond
from app.api.schemas import (
    WithIdNumber,
)
from app.api.spec import operation
from app.extensions import db


class IntegrityCheckQuery(WithIdNumber):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    id_type: Annotated[str, StringConstraints(max_length=32)] = "resident_id"
    id_number: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class RecordSubject(BaseModel):
    name: str
    id_masked: str | None


class RecordRecognition(BaseModel):
    agency: str
    decision: str
    version: int


class RecordVersionOut(BaseModel):
    version: int
    status: str
    superseded: bool
    stored_at: str


class IntegrityRecordOut(BaseModel):
    record_id: str
    version: int
    status: str
    origin_node: str | None
    local: bool
    subject: RecordSubject
    deciding_agency: str | None
    conduct: str | None
    outcome: str | None
    legal_basis: str | None
    severity: str | None
    effective_date: str | None
    term_end: str | None
    lifetime: bool
    publish_until: str | None
    query_until: str | None
    under_objection: bool
    versions: list[RecordVersionOut]
    recognitions: list[RecordRecognition]


class IntegrityCheckResult(BaseModel):
    matches: int
    active: int
    records: list[IntegrityRecordOut]


@operation(
    bp,
    "/integrity-check",
    "GET",
    "Integrity records held anywhere in the region for a person (name and ID number)",
    query=IntegrityCheckQuery,
    response=IntegrityCheckResult,
    errors={422: "Missing or invalid name or ID number (`invalid_input`)"},
)
def integrity_check_api():
    """For grant systems: matched by the keyed hash of the ID across own and received records;
    each check is audited."""
    from app.records.serialize import record_json
    from app.records.services import integrity_check

    q = parse_query(IntegrityCheckQuery)
    records = integrity_check(current(), q.name, q.id_type, q.id_number)
    # Read before the commit that keeps the audit row: committing expires what was loaded,
    # and serialising afterwards would read every record, version and recognition again.
    answer = {
        "matches": len(records),
        "active": sum(1 for r in records if r.status.value == "active"),
        "records": [record_json(r) for r in records],
    }
    db.session.commit()
    return respond(IntegrityCheckResult, answer)
