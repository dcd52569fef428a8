"""A record's subject objects on the public portal (`app.core.portal_filings`): they
name the record by its number or by the verification code of the integrity report listing
it, and prove who they are by their ID number, which must give the record's subject hash.
An unknown record and an identity that does not match get the same answer, so the portal
never says whom a record names. The objection then runs as one an officer registered: the
record is marked under objection at once, and the deciding agency decides it on its clocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.crypto import matching_hash
from app.core.errors import GuardFailed, InvalidInput, Problems
from app.core.identifiers import IdType, clean_id_number
from app.core.labels import label
from app.extensions import db
from app.records.extension_points import Publication, records_of_report
from app.records.models import (
    UNPUBLISHED,
    IntegrityRecord,
    ObjectionFile,
    RecordObjection,
    RecordStatus,
    in_force,
)
from app.records.remedies import _check_objectable, _mark_objection, _text

NAME = "objection"
NO_MATCH = _l(
    "No record matches this number and identity. Check the number or code and your ID "
    "number as they appear on the record or the report."
)


@dataclass
class PortalObjection:
    reference: str = ""
    name: str = ""
    id_type: str = "resident_id"
    id_number: str = ""
    grounds: str = ""
    contact: str = ""
    files: list = field(default_factory=list)  # app.evidence.services.Upload


def _subjects_records(reference: str, subject_hash: str) -> list[IntegrityRecord]:
    """The published records of that number, or of the report of that code, whose subject
    has this hash: none when either does not match."""
    uids = records_of_report(reference) or [reference]
    return list(
        db.session.scalars(
            select(IntegrityRecord)
            .where(
                IntegrityRecord.record_uid.in_(uids),
                IntegrityRecord.subject_hash == subject_hash,
                IntegrityRecord.status.not_in(UNPUBLISHED),
            )
            .order_by(IntegrityRecord.id)
        )
    )


def _check_input(data: PortalObjection) -> tuple[str, str, str, str]:
    problems = Problems()
    reference = (data.reference or "").strip()
    if not reference:
        problems.add("reference", _l("Give the record's number or the report's code."))
    if not (data.name or "").strip():
        problems.add("name", _l("Give your name as on the record."))
    id_type = data.id_type if data.id_type in IdType.__members__ else None
    if id_type is None:
        problems.add("id_type", _l("Choose the type of your ID."))
    id_number = problems.attempt(lambda: clean_id_number(id_type, data.id_number))
    if id_type and not id_number and "id_number" not in problems:
        problems.add("id_number", _l("Enter the ID number."))
    grounds = _text(problems, "grounds", data.grounds, _l("Grounds of the objection"))
    contact = (data.contact or "").strip()
    if len(contact) > 200:
        problems.add("contact", _l("At most %(limit)s characters, please.", limit=200))
    problems.check()
    return reference, matching_hash(id_type, id_number), grounds, contact


def file_portal_objection(
    data: PortalObjection, code_hash: str
) -> tuple[RecordObjection, Publication]:
    """Files the subject's objection with the deciding agency, which handles it (no forward:
    the portal goes to it directly). Every refusal stores nothing."""
    reference, subject_hash, grounds, contact = _check_input(data)
    found = _subjects_records(reference, subject_hash)
    if not found:
        raise InvalidInput(NO_MATCH, field="reference")
    if len(found) > 1:
        in_force_now = [r for r in found if in_force(r.status, r.term_end) == RecordStatus.active]
        if len(in_force_now) != 1:
            raise InvalidInput(
                _l("The report lists several records: enter the number of the one you object to."),
                field="reference",
            )
        found = in_force_now
    record = found[0]
    if not record.is_local:
        raise GuardFailed(
            _l(
                "This record was received from another node: object on the portal of its "
                "deciding agency (%(agency)s).",
                agency=record.deciding_agency,
            )
        )
    _check_objectable(record)
    files = _store_files(data.files)
    objection, publication = _mark_objection(
        record, None, record.agency_id, grounds, contact, code_hash=code_hash
    )
    objection.files.extend(files)
    db.session.flush()
    return objection, publication


def _store_files(uploads: list) -> list[ObjectionFile]:
    """Into the evidence store under its rules: a file whose content is not what its name
    says is refused (`TypeNotAllowed`), and so is the whole objection."""
    from app.evidence import storage
    from app.evidence.services import store_upload

    stored = []
    for upload in uploads:
        name = storage.sanitise_name(upload.filename)[:200]
        blob = store_upload(upload, name)
        stored.append(
            ObjectionFile(
                blob_sha256=blob.sha256,
                original_name=name,
                size=blob.size,
                mime_type=blob.mime_type,
            )
        )
    return stored


# --- the portal's callbacks -----------------------------------------------------------------


def _submit(form, files: list, code_hash: str):
    data = PortalObjection(
        reference=form.get("reference", ""),
        name=form.get("name", ""),
        id_type=form.get("id_type", ""),
        id_number=form.get("id_number", ""),
        grounds=form.get("grounds", ""),
        contact=form.get("contact", ""),
        files=files,
    )
    objection, publication = file_portal_objection(data, code_hash)
    return objection, publication.dispatch


def _find(code_hash: str) -> RecordObjection | None:
    return db.session.scalar(select(RecordObjection).where(RecordObjection.code_hash == code_hash))


def _load(objection_id: int) -> RecordObjection | None:
    objection = db.session.get(RecordObjection, objection_id)
    return objection if objection is not None and objection.via_portal else None


def follow_up(objection: RecordObjection) -> dict:
    """What the subject may know: the record's number, the state and its dates, and once
    decided the outcome with the reasons. Never the officers' names nor their notes."""
    return {
        "objection": objection,
        "record_number": objection.record.record_uid,
        "decided": not objection.is_open,
    }


def _form_context() -> dict:
    return {"id_types": [(t.value, label(t)) for t in IdType]}


def register() -> None:
    from app.core.portal_filings import PortalFiling, register_portal_filing

    register_portal_filing(
        PortalFiling(
            name=NAME,
            title=_l("Object to an integrity record"),
            summary=_l(
                "If an integrity record names you, object to it here: the record is marked "
                "under objection within a working day and the deciding agency answers with "
                "its reasons."
            ),
            form_template="records/portal_objection_form.html",
            follow_up_template="records/portal_objection_follow_up.html",
            submit=_submit,
            find=_find,
            load=_load,
            agency_of=lambda objection: objection.agency_id,
            follow_up=follow_up,
            form_context=_form_context,
        )
    )
