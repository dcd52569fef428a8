"""A record's subject answers it: an objection (异议) or a request for credit repair (信用修复),
registered by an officer for the subject. Each step that changes what checks show — the
"under objection" mark, its clearing, a correction, a revocation, a repair — is a new
version of the record, published and sent to the peers like every other
(`services._publish`). The clocks are working days (`app.records.policy`). Every function
checks who and when, changes state, audits and flushes; the caller commits, then calls
`dispatch()` on the publication it returns."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.core import audit
from app.core.calendar import add_working_days, today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems
from app.core.limits import REASON
from app.extensions import db
from app.records import handoffs, policy
from app.records.extension_points import Publication
from app.records.models import (
    OBJECTION_OPEN,
    IntegrityRecord,
    ObjectionResolution,
    ObjectionState,
    RecordObjection,
    RecordStatus,
    RepairRequest,
    RepairState,
    in_force,
)
from app.records.permissions import CHECK_ROLES, DECIDE_ROLES
from app.records.services import RecordDraft, _apply_terms, _check_draft, _draft_json, _publish


def _text(problems: Problems, name: str, value: str | None, label, limit: int = REASON) -> str:
    value = (value or "").strip()
    if not value:
        problems.add(name, _l("This field is required."), label=label)
    elif len(value) > limit:
        problems.add(name, _l("At most %(limit)s characters, please.", limit=limit), label=label)
    return value


def _check_registrar(actor: User, record: IntegrityRecord) -> None:
    if not actor.has_role(*CHECK_ROLES):
        raise NotAllowed(_l("Only officers and supervisors register a subject's requests."))
    if not record.is_local:
        raise GuardFailed(
            _l(
                "This record was received from another node: the subject applies to its "
                "deciding agency there."
            )
        )


def open_objection(record: IntegrityRecord) -> RecordObjection | None:
    return db.session.scalar(
        select(RecordObjection).where(
            RecordObjection.record_id == record.id, RecordObjection.state.in_(OBJECTION_OPEN)
        )
    )


def _check_objectable(record: IntegrityRecord) -> None:
    if in_force(record.status, record.term_end) != RecordStatus.active:
        raise GuardFailed(_l("Only a record in force can be objected to."))
    if record.under_objection or open_objection(record) is not None:
        raise GuardFailed(_l("This record is already under objection."))


def _mark_objection(
    record: IntegrityRecord,
    actor: User | None,
    agency_id: int,
    grounds: str,
    contact: str,
    code_hash: str | None = None,
) -> tuple[RecordObjection, Publication]:
    """Opens the objection with its clocks and marks the record "under objection" at once (a
    new version, well within the day the rules allow). The registering agency decides it
    within 5 working days; when it is another agency's record, it may instead forward it
    within 2 to the deciding agency, which decides within 5."""
    day = today()
    own = agency_id == record.agency_id
    objection = RecordObjection(
        record=record,
        agency_id=agency_id,
        registered_agency_id=agency_id,
        state=ObjectionState.pending,
        grounds=grounds,
        subject_contact=contact,
        registered_by_id=actor.id if actor else None,
        code_hash=code_hash,
        registered_on=day,
        mark_due=add_working_days(day, policy.OBJECTION_MARK_DAYS),
        marked_on=day,
        forward_due=None if own else add_working_days(day, policy.OBJECTION_FORWARD_DAYS),
        decide_due=add_working_days(day, policy.OBJECTION_DECIDE_DAYS),
    )
    db.session.add(objection)
    record.under_objection = True
    db.session.flush()
    audit.record(
        "record.objection_portal" if code_hash else "record.objection_register",
        actor=actor,
        obj=record,
        agency_id=agency_id,
        keep_address=code_hash is None,  # the portal keeps a visitor's address for a time only
        details={"objection": objection.id, "decide_due": objection.decide_due.isoformat()},
    )
    handoffs.announce_objection(objection, actor)
    publication = _publish(
        record,
        record.status,
        actor,
        "record.objection_mark",
        reason=None,
        note="under objection",
    )
    return objection, publication


def register_objection(
    record: IntegrityRecord, actor: User, grounds: str | None, subject_contact: str | None
) -> tuple[RecordObjection, Publication]:
    """Registers the subject's objection and marks the record (`_mark_objection`)."""
    _check_registrar(actor, record)
    _check_objectable(record)
    problems = Problems()
    grounds = _text(problems, "grounds", grounds, _l("Grounds of the objection"))
    contact = _text(
        problems, "subject_contact", subject_contact, _l("How the subject is told"), limit=200
    )
    problems.check()
    return _mark_objection(record, actor, actor.agency_id, grounds, contact)


def _check_handler(objection: RecordObjection, actor: User) -> None:
    if not (actor.has_role(*DECIDE_ROLES) and actor.agency_id == objection.agency_id):
        raise NotAllowed(
            _l("Only a supervisor or administrator of the agency handling it can decide it.")
        )
    if not objection.is_open:
        raise GuardFailed(_l("This objection is decided already."))


def forward_objection(objection: RecordObjection, actor: User) -> RecordObjection:
    """The registering agency cannot correct another agency's record: it hands the objection
    to the deciding agency, whose clock starts on the day it is forwarded."""
    _check_handler(objection, actor)
    if objection.agency_id == objection.record.agency_id:
        raise GuardFailed(_l("The objection is with the deciding agency already."))
    day = today()
    objection.state = ObjectionState.forwarded
    objection.agency_id = objection.record.agency_id
    objection.forwarded_on = day
    objection.decide_due = add_working_days(day, policy.OBJECTION_AGENCY_DECIDE_DAYS)
    db.session.flush()
    audit.record(
        "record.objection_forward",
        actor=actor,
        obj=objection.record,
        details={"objection": objection.id, "decide_due": objection.decide_due.isoformat()},
    )
    handoffs.announce_objection_forwarded(objection, actor)
    return objection


@dataclass
class ObjectionDecision:
    outcome: str  # "upheld" or "dismissed"
    reasons: str | None
    resolution: str | None = None  # upheld: "corrected" or "revoked"
    correction: RecordDraft | None = None  # the corrected terms


def decide_objection(
    objection: RecordObjection, actor: User, decision: ObjectionDecision
) -> Publication:
    """Dismissed: the reasons, sent to the subject, and the mark cleared. Upheld (by the
    deciding agency only, which alone may change its record): a corrected version or a
    revocation, the mark cleared with it. Either way a new version."""
    _check_handler(objection, actor)
    record = objection.record
    problems = Problems()
    reasons = _text(problems, "reasons", decision.reasons, _l("Reasons"))
    try:
        outcome = ObjectionState(decision.outcome)
    except ValueError:
        outcome = None
    if outcome not in (ObjectionState.upheld, ObjectionState.dismissed):
        problems.add("outcome", _l("Choose upheld or dismissed."), label=_l("Decision"))
    resolution = None
    if outcome == ObjectionState.upheld:
        if objection.agency_id != record.agency_id:
            raise GuardFailed(
                _l("Only the deciding agency can uphold it: forward the objection to it.")
            )
        try:
            resolution = ObjectionResolution(decision.resolution)
        except ValueError:
            problems.add(
                "resolution",
                _l("Choose a correction or a revocation."),
                label=_l("Upheld: the record is"),
            )
        if resolution == ObjectionResolution.corrected:
            if decision.correction is None:
                problems.add("conduct", _l("Give the corrected terms."), label=_l("Conduct"))
            else:
                _check_draft(decision.correction, problems)
    problems.check()
    if resolution == ObjectionResolution.corrected:
        terms = _draft_json(decision.correction)
        if terms == record.draft:
            raise InvalidInput(_l("The terms are unchanged: correct what the objection showed."))
        record.draft = terms
    objection.state = outcome
    objection.resolution = resolution
    objection.reasons = reasons
    objection.decided_on = today()
    objection.decided_by_id = actor.id
    record.under_objection = False
    db.session.flush()
    audit.record(
        "record.objection_decide",
        actor=actor,
        obj=record,
        details={
            "objection": objection.id,
            "outcome": outcome.value,
            "resolution": resolution.value if resolution else None,
            "on_time": objection.decided_on <= objection.decide_due,
        },
    )
    handoffs.announce_objection_decided(objection, actor)
    if resolution == ObjectionResolution.revoked:
        return _publish(record, RecordStatus.revoked, actor, "record.revoke", reason=reasons)
    if resolution == ObjectionResolution.corrected:
        status = _apply_terms(record)
        return _publish(record, status, actor, "record.amend", reason=reasons, amended=True)
    return _publish(
        record,
        record.status,
        actor,
        "record.objection_clear",
        reason=None,
        note="objection decided",
    )


# --- credit repair -------------------------------------------------------------------------


@dataclass
class RepairFile:
    stream: object
    filename: str | None


def open_repair(record: IntegrityRecord) -> RepairRequest | None:
    return db.session.scalar(
        select(RepairRequest).where(
            RepairRequest.record_id == record.id, RepairRequest.state == RepairState.pending
        )
    )


def repair_from(record: IntegrityRecord):
    """The first day the record's subject may ask for repair."""
    return policy.repair_from(record.effective_date, (record.payload or {}).get("severity"))


def request_repair(
    record: IntegrityRecord,
    actor: User,
    statement: str | None,
    proof: RepairFile | None,
    commitment: RepairFile | None,
) -> RepairRequest:
    """The subject asks for repair after the minimum period, with the proof that the conduct
    was remedied and the signed commitment; the deciding agency decides."""
    _check_registrar(actor, record)
    if record.status not in (RecordStatus.active, RecordStatus.expired):
        raise GuardFailed(_l("Only a published record that is not revoked can be repaired."))
    if record.repaired_on is not None:
        raise GuardFailed(_l("This record was repaired already."))
    if open_repair(record) is not None:
        raise GuardFailed(_l("A repair request for this record is waiting for its decision."))
    earliest = repair_from(record)
    if today() < earliest:
        raise GuardFailed(
            _l(
                "Repair can be asked for from %(date)s, once the minimum period for the "
                "record's severity has passed.",
                date=earliest.isoformat(),
            )
        )
    problems = Problems()
    statement = _text(problems, "statement", statement, _l("How the conduct was remedied"))
    for name, upload, label in (
        ("proof", proof, _l("Proof of remedy")),
        ("commitment", commitment, _l("Signed commitment (信用承诺)")),
    ):
        if upload is None or not upload.filename:
            problems.add(name, _l("Attach the file."), label=label)
    problems.check()
    proof_sha = _store(proof)
    commitment_sha = _store(commitment)
    day = today()
    repair = RepairRequest(
        record=record,
        agency_id=record.agency_id,
        state=RepairState.pending,
        statement=statement,
        proof_name=_name(proof),
        proof_sha256=proof_sha,
        commitment_name=_name(commitment),
        commitment_sha256=commitment_sha,
        requested_by_id=actor.id,
        requested_on=day,
        decide_due=add_working_days(day, policy.REPAIR_DECIDE_DAYS),
    )
    db.session.add(repair)
    db.session.flush()
    audit.record(
        "record.repair_request",
        actor=actor,
        obj=record,
        details={
            "repair": repair.id,
            "proof_sha256": proof_sha,
            "commitment_sha256": commitment_sha,
        },
    )
    handoffs.announce_repair(repair, actor)
    return repair


def _name(upload: RepairFile) -> str:
    from app.evidence import storage

    return storage.sanitise_name(upload.filename)[:255]


def _store(upload: RepairFile) -> str:
    """Into the content-addressed file store, under the evidence limits, as evidence is."""
    from app.evidence.services import Upload, store_upload

    return store_upload(Upload(upload.stream, upload.filename), _name(upload)).sha256


def decide_repair(
    repair: RepairRequest, actor: User, approve: bool, reasons: str | None
) -> Publication | None:
    """Approved: the record is repaired today, a new version that takes it out of checks and
    screenings here and at every peer (it stays in the case file and the statistics).
    Refused: the reasons. Returns the publication when there is one."""
    record = repair.record
    if not (actor.has_role(*DECIDE_ROLES) and actor.agency_id == record.agency_id):
        raise NotAllowed(_l("Only a supervisor or administrator of the deciding agency decides."))
    if repair.state != RepairState.pending:
        raise GuardFailed(_l("This repair request is decided already."))
    problems = Problems()
    reasons = _text(problems, "reasons", reasons, _l("Reasons"))
    problems.check()
    if approve and record.status == RecordStatus.revoked:
        raise GuardFailed(_l("The record is revoked: it is out of checks already."))
    repair.state = RepairState.approved if approve else RepairState.refused
    repair.reasons = reasons
    repair.decided_on = today()
    repair.decided_by_id = actor.id
    db.session.flush()
    audit.record(
        "record.repair_decide",
        actor=actor,
        obj=record,
        details={"repair": repair.id, "approved": approve},
    )
    handoffs.announce_repair_decided(repair)
    if not approve:
        return None
    record.repaired_on = repair.decided_on
    return _publish(
        record, record.status, actor, "record.repair", reason=None, note="credit repaired"
    )
