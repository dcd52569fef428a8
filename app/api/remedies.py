"""API v1: a record's subject's objections and credit-repair decisions, registered and
decided as on the pages (`app.records.remedies`). A repair request carries its proof and
the signed commitment as files: it is a multipart form."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import abort, request
from pydantic import BaseModel, StringConstraints

from app.api import bp
from app.api.handling import BAD_BODY, current, parse_body, respond
from app.api.spec import operation
from app.extensions import db

Text = Annotated[str, StringConstraints(max_length=5000)]


class ObjectionCreate(BaseModel):
    grounds: Text
    subject_contact: Annotated[str, StringConstraints(max_length=200)]


class ObjectionDecisionIn(BaseModel):
    outcome: Literal["upheld", "dismissed"]
    reasons: Text
    resolution: Literal["revoked"] | None = None


class ObjectionOut(BaseModel):
    id: int
    record_id: str
    state: str
    registered_on: str
    mark_due: str
    marked_on: str | None
    forward_due: str | None
    forwarded_on: str | None
    decide_due: str
    decided_on: str | None
    resolution: str | None
    reasons: str | None
    record_version: int
    under_objection: bool


class RepairDecisionIn(BaseModel):
    approve: bool
    reasons: Text


class RepairOut(BaseModel):
    id: int
    record_id: str
    state: str
    requested_on: str
    decide_due: str
    decided_on: str | None
    reasons: str | None
    record_version: int
    checkable: bool


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def objection_out(o) -> dict:
    return {
        "id": o.id,
        "record_id": o.record.record_uid,
        "state": o.state.value,
        "registered_on": o.registered_on.isoformat(),
        "mark_due": o.mark_due.isoformat(),
        "marked_on": _iso(o.marked_on),
        "forward_due": _iso(o.forward_due),
        "forwarded_on": _iso(o.forwarded_on),
        "decide_due": o.decide_due.isoformat(),
        "decided_on": _iso(o.decided_on),
        "resolution": o.resolution.value if o.resolution else None,
        "reasons": o.reasons,
        "record_version": o.record.current_version,
        "under_objection": o.record.under_objection,
    }


def repair_out(r) -> dict:
    from app.records.models import RecordStatus

    return {
        "id": r.id,
        "record_id": r.record.record_uid,
        "state": r.state.value,
        "requested_on": r.requested_on.isoformat(),
        "decide_due": r.decide_due.isoformat(),
        "decided_on": _iso(r.decided_on),
        "reasons": r.reasons,
        "record_version": r.record.current_version,
        "checkable": r.record.repaired_on is None and r.record.status != RecordStatus.revoked,
    }


def _record(record_uid: str):
    from app.records.models import IntegrityRecord
    from app.records.permissions import visible_records

    record = db.session.scalar(
        visible_records(current()).where(IntegrityRecord.record_uid == record_uid)
    )
    if record is None:
        abort(404)
    return record


def _visible(model, row_id: int):
    """An objection or repair request, seen as on its page (`may_see_remedy`), or 404."""
    from app.records.permissions import may_see_remedy

    row = db.session.get(model, row_id)
    if row is None or not may_see_remedy(current(), row):
        abort(404)
    return row


def _objection(objection_id: int):
    from app.records.models import RecordObjection

    return _visible(RecordObjection, objection_id)


def _repair(repair_id: int):
    from app.records.models import RepairRequest

    return _visible(RepairRequest, repair_id)


NO_RECORD = {404: "No record with this id is visible to you"}


@operation(
    bp,
    "/records/{record_uid}/objections",
    "POST",
    "Register a subject's objection: the record is marked under objection (a new version)",
    body=ObjectionCreate,
    response=ObjectionOut,
    status=201,
    errors={
        **BAD_BODY,
        **NO_RECORD,
        403: "Only officers and supervisors register (`not_allowed`)",
        409: "The record is not in force, or already under objection (`guard_failed`)",
    },
)
def create_objection(record_uid: str):
    from app.records.remedies import register_objection

    record = _record(record_uid)
    body = parse_body(ObjectionCreate)
    objection, publication = register_objection(
        record, current(), body.grounds, body.subject_contact
    )
    db.session.commit()
    publication.dispatch()
    return respond(ObjectionOut, objection_out(objection), status=201)


@operation(
    bp,
    "/objections/{objection_id}",
    "GET",
    "Read an objection registered or handled by your agency",
    response=ObjectionOut,
    errors={404: "No such objection for your agency"},
)
def get_objection(objection_id: int):
    return respond(ObjectionOut, objection_out(_objection(objection_id)))


@operation(
    bp,
    "/objections/{objection_id}/forward",
    "POST",
    "Forward an objection to the record's deciding agency",
    response=ObjectionOut,
    errors={
        404: "No such objection for your agency",
        403: "Not a supervisor of the handling agency (`not_allowed`)",
        409: "Decided already, or with the deciding agency already (`guard_failed`)",
    },
)
def forward_objection_api(objection_id: int):
    from app.records.remedies import forward_objection

    objection = forward_objection(_objection(objection_id), current())
    db.session.commit()
    return respond(ObjectionOut, objection_out(objection))


@operation(
    bp,
    "/objections/{objection_id}/decision",
    "POST",
    "Decide an objection: dismissed with reasons, or upheld with a revocation "
    "(a correction is made on the page)",
    body=ObjectionDecisionIn,
    response=ObjectionOut,
    errors={
        **BAD_BODY,
        404: "No such objection for your agency",
        403: "Not a supervisor or administrator of the handling agency (`not_allowed`)",
        409: "Decided already, or only the deciding agency upholds (`guard_failed`)",
    },
)
def decide_objection_api(objection_id: int):
    from app.records.remedies import ObjectionDecision, decide_objection

    objection = _objection(objection_id)
    body = parse_body(ObjectionDecisionIn)
    publication = decide_objection(
        objection,
        current(),
        ObjectionDecision(body.outcome, body.reasons, resolution=body.resolution),
    )
    db.session.commit()
    publication.dispatch()
    return respond(ObjectionOut, objection_out(objection))


NO_REPAIR = {404: "No such repair request for your agency"}


@operation(
    bp,
    "/records/{record_uid}/repairs",
    "POST",
    "Register a subject's credit-repair request with the proof of remedy and the signed "
    "commitment (信用承诺) as files (multipart form); the deciding agency decides",
    response=RepairOut,
    status=201,
    upload=("statement",),
    upload_files=("proof", "commitment"),
    errors={
        **NO_RECORD,
        403: "Only officers and supervisors register (`not_allowed`)",
        409: "Before the minimum period, received from another node, revoked, repaired "
        "already or a request waiting (`guard_failed`)",
        413: "A file over the evidence size limit (`file_too_large`)",
        415: "A file whose content is not its type, or a type not accepted (`type_not_allowed`)",
        422: "No statement or a file missing (`invalid_input`)",
    },
)
def create_repair(record_uid: str):
    from app.records.remedies import RepairFile, request_repair

    record = _record(record_uid)

    def upload(name: str):
        sent = request.files.get(name)
        return RepairFile(sent.stream, sent.filename) if sent else None

    repair = request_repair(
        record,
        current(),
        request.form.get("statement"),
        upload("proof"),
        upload("commitment"),
    )
    db.session.commit()
    return respond(RepairOut, repair_out(repair), status=201)


@operation(
    bp,
    "/repairs/{repair_id}",
    "GET",
    "Read a credit-repair request registered or decided by your agency",
    response=RepairOut,
    errors=NO_REPAIR,
)
def get_repair(repair_id: int):
    return respond(RepairOut, repair_out(_repair(repair_id)))


@operation(
    bp,
    "/repairs/{repair_id}/decision",
    "POST",
    "Decide a credit-repair request: approved, the record leaves checks (a new version)",
    body=RepairDecisionIn,
    response=RepairOut,
    errors={
        **BAD_BODY,
        **NO_REPAIR,
        403: "Not a supervisor or administrator of the deciding agency (`not_allowed`)",
        409: "Decided already (`guard_failed`)",
    },
)
def decide_repair_api(repair_id: int):
    from app.records.remedies import decide_repair

    repair = _repair(repair_id)
    body = parse_body(RepairDecisionIn)
    publication = decide_repair(repair, current(), body.approve, body.reasons)
    db.session.commit()
    if publication is not None:
        publication.dispatch()
    return respond(RepairOut, repair_out(repair))
