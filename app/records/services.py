"""Integrity records: drafting, approval (publishing), amendment, revocation, expiry,
recognition and integrity checks. Every function checks who and when, changes state, audits
and flushes; the caller commits. A publishing step announces its version to the listeners of
`hooks.version_published` (the exchange) and returns the `Publication`: after committing,
the caller calls its `dispatch()`. After committing a recognition decision, the caller calls
`hooks.recognition_decided`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.cases.models import (
    DECIDED_STATES,
    Case,
    CaseState,
    FindingOutcome,
    Party,
    ReviewOutcome,
    Severity,
)
from app.cases.permissions import can_handle
from app.core import audit, envelopes, node
from app.core.calendar import today
from app.core.crypto import matching_hash
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems
from app.core.identifiers import clean_id_number, mask_id_number
from app.core.limits import REASON
from app.core.models import utcnow
from app.extensions import db
from app.records import extension_points as hooks
from app.records import handoffs, policy
from app.records.extension_points import Publication
from app.records.matching import match_subjects
from app.records.models import (
    AckStatus,
    DraftStage,
    IntegrityRecord,
    Recognition,
    RecognitionDecision,
    RecordStatus,
    RecordVersion,
    in_force,
)
from app.records.permissions import (
    CHECK_ROLES,
    can_recognise,
    can_withdraw,
    is_admin_of,
    is_drafter_of,
    misconduct_found,
    published,
    visible_records,
)

DECIDED = DECIDED_STATES
SEVERITY_ORDER = [Severity.minor, Severity.serious, Severity.severe]


@dataclass
class RecordDraft:
    party_id: int
    conduct: str
    outcome: str
    legal_basis: str
    effective_date: dt.date
    term_end: dt.date | None
    lifetime: bool
    severity: Severity


def suggested_draft(case: Case, party: Party) -> RecordDraft:
    """Prefills the form from the decision, so the officer only corrects what differs."""
    from app.core.labels import label

    sanctions = [s for s in case.sanctions if s.party_id == party.id and s.revoked_on is None]
    found = [
        f
        for f in case.findings
        if f.party_id == party.id and f.outcome == FindingOutcome.misconduct
    ]
    severities = [f.severity for f in found if f.severity is not None] or [Severity.minor]
    ends = [s.end_date for s in sanctions if s.end_date]
    return RecordDraft(
        party_id=party.id,
        conduct="；".join(label(f.allegation.misconduct_type) for f in found),
        outcome=case.decision_text or "",
        legal_basis=case.rule_version,
        effective_date=min((s.start_date for s in sanctions), default=case.decided_on or today()),
        term_end=max(ends) if ends and not any(s.lifetime for s in sanctions) else None,
        lifetime=any(s.lifetime for s in sanctions),
        severity=max(severities, key=SEVERITY_ORDER.index),
    )


def draft_record(case: Case, actor: User, data: RecordDraft) -> IntegrityRecord:
    if not can_handle(actor, case):
        raise NotAllowed(_l("Only the case's officers and supervisor can draft its record."))
    if case.state not in DECIDED or not misconduct_found(case):
        raise GuardFailed(_l("Only a decided case with a misconduct finding yields a record."))
    problems = Problems()  # every problem of the draft at once
    party = next((p for p in case.respondents if p.id == data.party_id), None)
    if party is None:
        problems.add(
            "party_id", _l("Choose a respondent of this case."), label=_l("Responsible party")
        )
    elif not case.at_fault(party):
        raise GuardFailed(
            _l("No misconduct was found against %(name)s: they get no record.", name=party.name)
        )
    elif not any(s.party_id == party.id and s.revoked_on is None for s in case.sanctions):
        raise GuardFailed(_l("The decision names no sanction for this respondent."))
    _check_draft(data, problems)
    existing = db.session.scalar(
        select(IntegrityRecord.id).where(
            IntegrityRecord.case_id == case.id,
            IntegrityRecord.party_id == party.id,
            IntegrityRecord.status.not_in((RecordStatus.revoked, RecordStatus.withdrawn)),
        )
    )
    if existing:
        raise GuardFailed(_l("This respondent already has a record for this case."))
    record = IntegrityRecord(
        record_uid=str(uuid.uuid4()),
        origin_node=_node_id_or_local(),
        is_local=True,
        case=case,
        party=party,
        agency_id=case.agency_id,
        deciding_agency=case.agency.name_zh,
        subject_name=party.name,
        subject_hash=party.id_hash,
        subject_id_masked=mask_id_number(party.id_number),
        status=RecordStatus.draft,
        draft_stage=DraftStage.submitted,
        approval_log=[],
        drafted_by_id=actor.id,
        draft=_draft_json(data),
    )
    db.session.add(record)
    db.session.flush()
    audit.record("record.draft", actor=actor, case=case, obj=record, details=record.draft)
    handoffs.announce_draft(record, actor)
    return record


def _node_id_or_local() -> str:
    return node.node_id() if node.is_initialised() else "local"


def _check_draft(data: RecordDraft, problems: Problems | None = None) -> None:
    """Refuses once with every problem of the terms (and those already in `problems`)."""
    problems = problems if problems is not None else Problems()
    labels = {"conduct": _l("Conduct"), "outcome": _l("Outcome"), "legal_basis": _l("Legal basis")}
    for name, label in labels.items():
        value = (getattr(data, name) or "").strip()
        if not value:
            problems.add(name, _l("This field is required."), label=label)
        elif len(value) > 5000:
            problems.add(name, _l("At most 5000 characters."), label=label)
    term_end = _l("Sanction term ends")
    if data.lifetime and data.term_end:
        problems.add("term_end", _l("A lifetime sanction has no end date."), label=term_end)
    elif not data.lifetime and not data.term_end:
        problems.add(
            "term_end",
            _l("Give the end of the sanction term, or mark it lifetime."),
            label=term_end,
        )
    if data.effective_date is None:
        problems.add("effective_date", _l("This field is required."), label=_l("Effective date"))
    elif data.term_end and data.term_end < data.effective_date:
        problems.add("term_end", _l("The term cannot end before it starts."), label=term_end)
    problems.check()


def _draft_json(data: RecordDraft) -> dict:
    return {
        "conduct": data.conduct.strip(),
        "outcome": data.outcome.strip(),
        "legal_basis": data.legal_basis.strip(),
        "effective_date": data.effective_date.isoformat(),
        "term_end": data.term_end.isoformat() if data.term_end else None,
        "lifetime": bool(data.lifetime),
        "severity": Severity(data.severity).value,
    }


@dataclass
class PendingReview:
    """The record's decision may still change: a review can be requested until `until`, or
    one is under way (due `until`)."""

    under_review: bool
    until: dt.date | None


def pending_review(record: IntegrityRecord) -> PendingReview | None:
    case = record.case
    if case is None:
        return None
    if case.state == CaseState.under_review:
        return PendingReview(under_review=True, until=case.review_decision_due)
    window = case.review_request_due
    if (
        case.state == CaseState.decided
        and case.review_outcome is None
        and window is not None
        and today() <= window
    ):
        return PendingReview(under_review=False, until=window)
    return None


@dataclass
class ApprovalContext:
    """What an administrator approves, from the case they cannot open: the decision, the
    sanctions of the record's party, the dates and whether a review may still change it."""

    reference: str
    state: CaseState
    decision_text: str | None
    decided_on: dt.date | None
    review_request_due: dt.date | None
    review_outcome: Any
    sanctions: list
    pending: PendingReview | None


def approval_context(record: IntegrityRecord, user: User) -> ApprovalContext | None:
    case = record.case
    if case is None or not is_admin_of(user, record):
        return None
    return ApprovalContext(
        reference=case.reference,
        state=case.state,
        decision_text=case.decision_text,
        decided_on=case.decided_on,
        review_request_due=case.review_request_due,
        review_outcome=case.review_outcome,
        sanctions=[s for s in case.sanctions if s.party_id == record.party_id],
        pending=pending_review(record),
    )


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("A reason is required for this step."), field="reason")
    if len(reason) > REASON:
        raise InvalidInput(
            _l("At most %(limit)s characters, please.", limit=REASON), field="reason"
        )
    return reason


def _log(record: IntegrityRecord, step: str, actor: User | None, **values) -> None:
    """One step of the approval, kept on the record and shown on its page."""
    entry = {"step": step, "at": utcnow().isoformat(), "by": actor.display_name if actor else None}
    entry.update({k: v for k, v in values.items() if v is not None})
    record.approval_log = [*(record.approval_log or []), entry]


def respondent_cleared(record: IntegrityRecord) -> bool:
    """The decision in force imposes nothing on the record's respondent any more (a review
    overturned it, or replaced the sanctions without them): the record is revoked, not
    amended, and a draft is not published."""
    case = record.case
    if case is None:
        return False
    return not any(s.party_id == record.party_id for s in case.sanctions_in_force)


def approve_record(
    record: IntegrityRecord, actor: User, *, publish_now: bool = False, reason: str | None = None
) -> Publication | None:
    """Approves a submitted draft. Once the decision's review window has closed (and no
    review is under way) version 1 is published to the region at once: visible to every
    agency here, sent to every peer. While a review may still change the decision, the
    approved record is held and `publish_held_records` publishes it when the window has
    closed (returns None); or the administrator publishes now (`publish_now`), with the
    reason why it may not wait, recorded on the record and in the audit."""
    if not is_admin_of(actor, record):
        raise NotAllowed(_l("Only an administrator of the deciding agency can approve it."))
    if record.status != RecordStatus.draft:
        raise GuardFailed(_l("Only a draft can be approved."))
    if record.draft_stage == DraftStage.returned:
        raise GuardFailed(
            _l("The draft was returned to its officer: it can be approved once resubmitted.")
        )
    if record.draft_stage == DraftStage.held and not publish_now:
        raise GuardFailed(
            _l("The record is approved already and waits for the review window to close.")
        )
    if respondent_cleared(record):
        raise GuardFailed(
            _l("The decision in force imposes nothing on this respondent: no record is published.")
        )
    pending = pending_review(record)
    early = _reason(reason) if publish_now and pending is not None else None
    record.approved_by_id = actor.id
    record.origin_node = _node_id_or_local()
    handoffs.announce_approval_taken(record)
    if pending is None:
        _log(record, "approved", actor)
        return _publish_first(record, actor, "record.approve")
    if early is None:
        record.draft_stage = DraftStage.held
        record.publish_on = None if pending.under_review else pending.until + dt.timedelta(days=1)
        _log(
            record,
            "held",
            actor,
            until=record.publish_on.isoformat() if record.publish_on else None,
        )
        audit.record(
            "record.hold",
            actor=actor,
            case=record.case,
            obj=record,
            details={
                "publish_on": record.publish_on.isoformat() if record.publish_on else None,
                "under_review": pending.under_review,
            },
        )
        db.session.flush()
        return None
    record.early_reason = early
    _log(record, "published_early", actor, reason=early)
    return _publish_first(record, actor, "record.publish_early", early_reason=early)


def _publish_first(
    record: IntegrityRecord, actor: User | None, action: str, early_reason: str | None = None
) -> Publication:
    record.draft_stage = None
    record.publish_on = None
    handoffs.announce_published(record)
    return _publish(record, _apply_terms(record), actor, action, reason=early_reason, first=True)


def held_record_due(record: IntegrityRecord) -> bool:
    """A held record is published once no review may change its decision any more, and the
    review (if any) left the decision as it was."""
    if record.status != RecordStatus.draft or record.draft_stage != DraftStage.held:
        return False
    case = record.case
    if case is not None and case.review_outcome not in (None, ReviewOutcome.upheld):
        return False
    return pending_review(record) is None and not respondent_cleared(record)


def publish_held_record(record: IntegrityRecord) -> Publication | None:
    """Publishes a held record whose review window has closed (the periodic job)."""
    if not held_record_due(record):
        return None
    _log(record, "published", None)
    return _publish_first(record, None, "record.publish_held")


def publish_held_records() -> list[Publication]:
    """Every held record now due, each published as the administrator's approval said;
    the caller commits, then dispatches each publication."""
    held = db.session.scalars(
        select(IntegrityRecord)
        .where(
            IntegrityRecord.status == RecordStatus.draft,
            IntegrityRecord.draft_stage == DraftStage.held,
        )
        .order_by(IntegrityRecord.id)
    ).all()
    publications = []
    for record in held:
        publication = publish_held_record(record)
        if publication is not None:
            publications.append(publication)
    return publications


def return_record(record: IntegrityRecord, actor: User, reason: str | None) -> IntegrityRecord:
    """An administrator returns a draft (waiting for approval, or approved and held) to its
    officer with the reason; the officer corrects it and submits it again."""
    if not is_admin_of(actor, record):
        raise NotAllowed(_l("Only an administrator of the deciding agency can return it."))
    if record.status != RecordStatus.draft:
        raise GuardFailed(_l("Only a draft can be returned: a published record is amended."))
    if record.draft_stage == DraftStage.returned:
        raise GuardFailed(_l("The draft is with its officer already."))
    reason = _reason(reason)
    _send_back(record, actor, reason)
    audit.record(
        "record.return", actor=actor, case=record.case, obj=record, details={"reason": reason}
    )
    return record


def _send_back(
    record: IntegrityRecord, actor: User | None, reason: str | None, step: str = "returned"
) -> None:
    record.draft_stage = DraftStage.returned
    record.publish_on = None
    record.approved_by_id = None
    _log(record, step, actor, reason=reason)
    db.session.flush()
    handoffs.announce_returned(record, actor)


def withdraw_record(record: IntegrityRecord, actor: User, reason: str | None) -> IntegrityRecord:
    """Discards a draft that is not to be published (a review cleared its respondent, or it
    should never have been drafted): waiting, returned or held, it becomes withdrawn, a
    terminal state never published nor exchanged. Its agency's administrator or the officer
    who drafted it withdraws it, with the reason; the to-dos about it end."""
    if not (record.is_local and (is_admin_of(actor, record) or is_drafter_of(actor, record))):
        raise NotAllowed(
            _l(
                "Only an administrator of the deciding agency or the officer who drafted it "
                "can withdraw a draft."
            )
        )
    if record.status == RecordStatus.withdrawn:
        raise GuardFailed(_l("The draft is withdrawn already."))
    if not can_withdraw(actor, record):
        raise GuardFailed(
            _l("Only a draft can be withdrawn: a published record is amended or revoked.")
        )
    reason = _reason(reason)
    stage = record.draft_stage
    record.status = RecordStatus.withdrawn
    record.draft_stage = None
    record.publish_on = None
    record.approved_by_id = None
    _log(record, "withdrawn", actor, reason=reason)
    db.session.flush()
    handoffs.announce_withdrawn(record)
    audit.record(
        "record.withdraw",
        actor=actor,
        case=record.case,
        obj=record,
        details={"reason": reason, "stage": stage.value if stage else None},
    )
    return record


def can_revise(user: User, record: IntegrityRecord) -> bool:
    """A returned draft is corrected by the case's officers (who drafted it)."""
    return (
        record.status == RecordStatus.draft
        and record.draft_stage == DraftStage.returned
        and record.case is not None
        and record.agency_id == user.agency_id
        and can_handle(user, record.case)
    )


def resubmit_record(record: IntegrityRecord, actor: User, data: RecordDraft) -> IntegrityRecord:
    """The officer's corrected draft goes back to the administrators for approval."""
    if record.case is None or not (
        record.agency_id == actor.agency_id and can_handle(actor, record.case)
    ):
        raise NotAllowed(_l("Only the case's officers and supervisor can correct its record."))
    if record.status != RecordStatus.draft or record.draft_stage != DraftStage.returned:
        raise GuardFailed(_l("Only a returned draft can be corrected and submitted again."))
    _check_draft(data)
    record.draft = _draft_json(data)
    record.draft_stage = DraftStage.submitted
    _log(record, "resubmitted", actor)
    db.session.flush()
    audit.record("record.resubmit", actor=actor, case=record.case, obj=record, details=record.draft)
    handoffs.announce_resubmitted(record, actor)
    return record


def revoke_record(record: IntegrityRecord, actor: User, reason: str) -> Publication:
    """Revocation is a new version, published and delivered like the first. Who may revoke
    is asked first, the record's state second, so a draft or a revoked record gets the
    state conflict, not a refusal of the administrator."""
    if not (is_admin_of(actor, record) and record.is_local):
        raise NotAllowed(_l("Only an administrator of the deciding agency can revoke it."))
    if record.status == RecordStatus.draft:
        raise GuardFailed(_l("A draft is not published: there is nothing to revoke."))
    if record.status == RecordStatus.withdrawn:
        raise GuardFailed(_l("A withdrawn draft was never published: there is nothing to revoke."))
    if record.status == RecordStatus.revoked:
        raise GuardFailed(_l("This record is already revoked."))
    if record.case is None or not (
        record.case.review_outcome == ReviewOutcome.overturned
        or (record.case.review_outcome == ReviewOutcome.modified and respondent_cleared(record))
    ):
        raise GuardFailed(
            _l(
                "A record is revoked only when a review overturns its decision or sets it "
                "aside for the record's respondent."
            )
        )
    reason = _reason(reason)
    handoffs.announce_revised(record)
    return _publish(record, RecordStatus.revoked, actor, "record.revoke", reason=reason)


def amend_record(
    record: IntegrityRecord, actor: User, data: RecordDraft, reason: str
) -> Publication:
    """A review that modified the decision changes the record's terms: a new version with
    the new terms and the reason, published and delivered like the first. The responsible
    party stays the same; a record for another party is drafted on its own."""
    if not (is_admin_of(actor, record) and record.is_local):
        raise NotAllowed(_l("Only an administrator of the deciding agency can amend it."))
    if record.status not in (RecordStatus.active, RecordStatus.expired):
        raise GuardFailed(_l("Only a published record that is not revoked can be amended."))
    if record.case is None or record.case.review_outcome != ReviewOutcome.modified:
        raise GuardFailed(_l("A record is amended only when a review modified its decision."))
    problems = Problems()  # the reason's problem and the terms' at once
    reason = problems.attempt(lambda: _reason(reason))
    _check_draft(data, problems)
    terms = _draft_json(data)
    if terms == record.draft:
        raise InvalidInput(_l("The terms are unchanged: change what the review modified."))
    record.draft = terms
    handoffs.announce_revised(record)
    return _publish(
        record, _apply_terms(record), actor, "record.amend", reason=reason, amended=True
    )


def amendment_suggestion(record: IntegrityRecord) -> RecordDraft:
    """The amend form's prefill: the record's terms, with what the decision in force now
    says (its text, the respondent's sanctions and their dates) in place of the old."""
    terms = terms_of(record)
    case, party = record.case, record.party
    if case is None or party is None or respondent_cleared(record):
        return terms
    new = suggested_draft(case, party)
    terms.outcome = new.outcome
    terms.effective_date = new.effective_date
    terms.term_end = new.term_end
    terms.lifetime = new.lifetime
    return terms


def terms_of(record: IntegrityRecord) -> RecordDraft:
    """The record's current terms as a draft (the inverse of `_draft_json`)."""
    d = record.draft
    return RecordDraft(
        party_id=record.party_id,
        conduct=d["conduct"],
        outcome=d["outcome"],
        legal_basis=d["legal_basis"],
        effective_date=dt.date.fromisoformat(d["effective_date"]),
        term_end=dt.date.fromisoformat(d["term_end"]) if d["term_end"] else None,
        lifetime=d["lifetime"],
        severity=Severity(d["severity"]),
    )


def _apply_terms(record: IntegrityRecord) -> RecordStatus:
    """Copies the dates of the record's terms to its columns; returns the status to publish."""
    terms = terms_of(record)
    record.effective_date = terms.effective_date
    record.term_end = terms.term_end
    record.lifetime = terms.lifetime
    record.publish_until = policy.publish_until(terms.effective_date, terms.severity)
    record.query_until = policy.query_until(terms.effective_date)
    return in_force(RecordStatus.active, record.term_end)


def build_payload(
    record: IntegrityRecord,
    status: RecordStatus,
    reason: str | None,
    amended: bool = False,
    first: bool = False,
) -> dict:
    """What leaves the node: the subject's name, matching hash and masked ID, never the
    complainant, never the full identifier."""
    draft = record.draft
    case = record.case
    return {
        "status": status.value,
        "subject": {
            "name": record.subject_name,
            "matching_hash": record.subject_hash,
            "id_masked": record.subject_id_masked,
            "party_type": record.party.party_type.value if record.party else "person",
            "institution": record.party.institution if record.party else None,
        },
        "conduct": draft["conduct"],
        "outcome": draft["outcome"],
        "deciding_agency": record.deciding_agency,
        "deciding_agency_code": record.agency.code if record.agency else None,
        "legal_basis": draft["legal_basis"],
        "case_reference": case.reference if case else None,
        "decided_on": case.decided_on.isoformat() if case and case.decided_on else None,
        "effective_date": draft["effective_date"],
        "term_end": draft["term_end"],
        "lifetime": draft["lifetime"],
        "severity": draft["severity"],
        "revocation_reason": None if amended or first else reason,
        "amendment_reason": reason if amended else None,
        **period_fields(record),
    }


def period_fields(record: IntegrityRecord) -> dict:
    """The periods, the objection mark and the repair as a version carries them to peers."""
    return {
        "publish_until": _iso(record.publish_until),
        "query_until": _iso(record.query_until),
        "under_objection": bool(record.under_objection),
        "repaired_on": _iso(record.repaired_on),
    }


def _publish(
    record: IntegrityRecord,
    status: RecordStatus,
    actor: User | None,
    action: str,
    reason: str | None,
    amended: bool = False,
    first: bool = False,
    note: str | None = None,
) -> Publication:
    """`note` says why a version that changes no terms was published (an objection's mark, a
    repair): kept on the version and sent with it."""
    version = record.current_version + 1
    payload = build_payload(record, status, reason, amended, first)
    if note:
        payload["note"] = note
    envelope = (
        envelopes.seal("record", record.record_uid, version, payload)
        if node.is_initialised()
        else {"record_id": record.record_uid, "version": version, "payload": payload}
    )
    row = RecordVersion(
        record=record,
        version=version,
        is_local=True,
        status=status,
        envelope=envelope,
        envelope_sha256=envelopes.digest(envelope),
        reason=reason or note,
    )
    record.current_version = version
    record.status = status
    record.payload = payload
    db.session.add(row)
    db.session.flush()
    publication = hooks.version_published(row)
    audit.record(
        action,
        actor=actor,
        case=record.case,
        obj=record,
        details={"version": version, "status": status.value, "peers": publication.recipients},
    )
    return publication


def expire_records(on: dt.date | None = None) -> int:
    """Active records whose term has ended become expired, local and received alike: the
    term is in every copy, so each node reaches the same status without a message."""
    on = on or today()
    result = db.session.execute(
        update(IntegrityRecord)
        .where(
            IntegrityRecord.status == RecordStatus.active,
            IntegrityRecord.term_end.is_not(None),
            IntegrityRecord.term_end < on,
        )
        .values(status=RecordStatus.expired, updated_at=utcnow())
    )
    if result.rowcount:
        audit.record("record.expire", details={"count": result.rowcount, "on": on.isoformat()})
    db.session.flush()
    return result.rowcount


def record_recognition(
    record: IntegrityRecord,
    actor: User,
    decision: str,
    modified_terms: str | None = None,
    reason: str | None = None,
) -> Recognition:
    """The acting user's agency decides; a later decision replaces an earlier one and is sent
    again. The caller calls `hooks.recognition_decided` after committing."""
    if not can_recognise(actor, record):
        raise NotAllowed(_l("Only a supervisor or administrator can decide on recognition."))
    problems = Problems()  # the decision's, the terms' and the reason's problems at once
    choice = next((c for c in RecognitionDecision if c.value == decision), None)
    if choice is None:
        problems.add("decision", _l("Choose a recognition decision."))
    modified_terms = (modified_terms or "").strip() or None
    reason = (reason or "").strip() or None
    if choice == RecognitionDecision.recognise_modified and not modified_terms:
        problems.add("modified_terms", _l("Describe the modified terms."))
    if choice == RecognitionDecision.decline and not reason:
        problems.add("reason", _l("A reason is required to decline."))
    for field, text in (("modified_terms", modified_terms), ("reason", reason)):
        if len(text or "") > 5000:
            problems.add(field, _l("At most 5000 characters."))
    problems.check()
    row = db.session.scalar(
        select(Recognition).where(
            Recognition.record_id == record.id,
            Recognition.peer_id.is_(None),
            Recognition.agency_id == actor.agency_id,
        )
    )
    if row is None:
        row = Recognition(record=record, agency_id=actor.agency_id, agency_code=actor.agency.code)
        db.session.add(row)
    row.agency_name = actor.agency.name_zh
    row.version = record.current_version
    row.decision = choice
    row.modified_terms = (
        modified_terms if choice == RecognitionDecision.recognise_modified else None
    )
    row.reason = reason
    row.decided_by_id = actor.id
    row.decided_at = utcnow()
    row.ack_status = None if record.peer_id is None else AckStatus.pending
    row.ack_error = None
    row.ack_receipt = None
    db.session.flush()
    audit.record(
        "record.recognition",
        actor=actor,
        obj=record,
        details={"decision": choice.value, "version": row.version, "origin": record.origin_node},
    )
    handoffs.announce_recognised(record, actor.agency_id)
    return row


def integrity_check(actor: User, name: str, id_type: str, id_number: str) -> list[IntegrityRecord]:
    """Matches by the region-wide keyed hash, so records from every node are found without any
    node holding another's identifiers. Each check is audited."""
    if not actor.has_role(*CHECK_ROLES):
        raise NotAllowed(_l("Only officers and supervisors can run integrity checks."))
    name = (name or "").strip()
    id_number = clean_id_number(id_type or "resident_id", id_number)
    if not id_number:
        raise InvalidInput(_l("Enter the ID number."), field="id_number")
    if len(name) > 200:
        raise InvalidInput(_l("At most 200 characters."), field="name")
    subject = matching_hash(id_type or "resident_id", id_number)
    base = (
        visible_records(actor)
        .where(published(), IntegrityRecord.checkable_at(today()))
        .options(selectinload(IntegrityRecord.recognitions), selectinload(IntegrityRecord.versions))
    )
    records = match_subjects([subject], base).get(subject, [])[:200]
    audit.record(
        "record.integrity_check",
        actor=actor,
        details={
            "name": name,
            "id_masked": mask_id_number(id_number),
            "matches": len(records),
            "name_matches": sum(1 for r in records if r.subject_name == name),
        },
    )
    return records


def after_review(case: Case, actor: User, step: str, from_state, reason: str | None) -> None:
    """Registered on `app.cases.extension_points.after_transition`. When a review is
    requested (or the case reopened on appeal) after the record was published, the agency's
    administrators are told that its decision is under review; the record's page says so
    until the review is decided. When a review changes the decision, each of the case's
    records follows: a published record becomes a to-do of the administrators (amend it from
    the new decision, or revoke it when the respondent is cleared); a draft goes back to its
    officer, since what it says is no longer the decision in force."""
    if step in REVIEW_OPENED:
        _announce_review_opened(case, actor, step)
        return
    if step != "decide_review" or case.review_outcome in (None, ReviewOutcome.upheld):
        return
    for record in _case_records(case):
        cleared = respondent_cleared(record)
        if record.status == RecordStatus.draft:
            if record.draft_stage == DraftStage.returned:
                continue
            _send_back(record, None, None, step="review_changed")
        else:
            handoffs.announce_revision_due(record, revoke=cleared)
        audit.record(
            "record.review_changed",
            actor=actor,
            case=case,
            obj=record,
            details={"outcome": case.review_outcome.value, "cleared": cleared},
        )


# The case's steps that open a review of its decision: requested, or reopened on appeal.
REVIEW_OPENED = ("request_review", "reopen_case")


def _case_records(case: Case) -> list[IntegrityRecord]:
    """The case's local records that still stand (neither revoked nor withdrawn)."""
    return list(
        db.session.scalars(
            select(IntegrityRecord)
            .where(
                IntegrityRecord.case_id == case.id,
                IntegrityRecord.is_local.is_(True),
                IntegrityRecord.status.not_in((RecordStatus.revoked, RecordStatus.withdrawn)),
            )
            .order_by(IntegrityRecord.id)
        )
    )


def _announce_review_opened(case: Case, actor: User, step: str) -> None:
    """A published record's decision is under review: its administrators hear of it (a
    notification, nothing to do yet; a decided review that changes the decision makes the
    to-do). A draft needs no word: it is not published while the review is under way."""
    for record in _case_records(case):
        if record.status not in (RecordStatus.active, RecordStatus.expired):
            continue
        handoffs.announce_under_review(record, actor)
        audit.record(
            "record.under_review",
            actor=actor,
            case=case,
            obj=record,
            details={"step": step, "due": _iso(case.review_decision_due)},
        )


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def decision_under_review(record: IntegrityRecord) -> bool:
    """A record published here whose case's decision is under review (requested, or the
    case reopened on appeal) until the review is decided."""
    case = record.case
    return (
        record.is_local
        and record.status in (RecordStatus.active, RecordStatus.expired)
        and case is not None
        and case.state == CaseState.under_review
    )
