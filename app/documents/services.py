"""Every state change of a document: templates, drafts, issuing with the agency's number,
and recording service, which starts the defence or review-request window."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.auth.models import Agency, User
from app.cases.models import Case, CaseState, Party
from app.cases.services import (
    start_defence_window,
    start_review_request_window,
    write_history,
)
from app.core import audit
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems, StaleVersion
from app.core.labels import id_type_label, label
from app.core.times import to_cst
from app.documents import permissions
from app.documents.models import (
    SIGNED_KIND,
    DocumentCounter,
    DocumentDesignation,
    DocumentKind,
    DocumentService,
    DocumentState,
    DocumentTemplate,
    OfficialDocument,
    ServiceMethod,
)
from app.documents.wording import BASIS, DEFAULTS, fill, unknown_placeholders
from app.extensions import db

K, S = DocumentKind, CaseState
TITLE_MAX, BODY_MAX = 200, 20000
PROOF_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})

# In which states of the case each kind of document may be drafted.
KIND_STATES: dict[DocumentKind, frozenset[CaseState]] = {
    K.acceptance_notice: frozenset(
        {S.investigating, S.suspended, S.findings, S.committee_review, S.pre_decision_notice}
    ),
    K.non_acceptance_notice: frozenset({S.not_accepted}),
    K.investigation_notice: frozenset({S.investigating, S.suspended, S.findings}),
    K.pre_decision_notice: frozenset({S.pre_decision_notice}),
    K.decision: frozenset({S.decided, S.under_review, S.closed}),
    K.review_decision: frozenset({S.decided, S.closed}),
}
ADDRESSED_TO_RESPONDENT = frozenset(
    {K.investigation_notice, K.pre_decision_notice, K.decision, K.review_decision}
)
DEFAULT_DESIGNATIONS = {"SH": "沪科诚", "JS": "苏科诚", "ZJ": "浙科诚", "AH": "皖科诚"}


def _stale() -> StaleVersion:
    return StaleVersion(
        _l("This document was changed by someone else at the same moment. Reload and try again.")
    )


def _check_version(obj, expected) -> None:
    if expected not in (None, "") and int(expected) != obj.version:
        raise _stale()


# --- templates -----------------------------------------------------------------------------


def designation(agency: Agency) -> str:
    row = db.session.scalar(
        select(DocumentDesignation).where(DocumentDesignation.agency_id == agency.id)
    )
    return row.designation if row else DEFAULT_DESIGNATIONS.get(agency.code, agency.code)


def agency_template(agency_id: int, kind: DocumentKind) -> DocumentTemplate | None:
    return db.session.scalar(
        select(DocumentTemplate).where(
            DocumentTemplate.agency_id == agency_id, DocumentTemplate.kind == kind
        )
    )


def template_wording(agency_id: int, kind: DocumentKind) -> tuple[str, str]:
    """(title, body) the agency uses for this kind: its own, else the built-in one."""
    own = agency_template(agency_id, kind)
    return (own.title, own.body) if own else DEFAULTS[kind]


def _text_problems(problems: Problems, title: str, body: str) -> None:
    if not title:
        problems.add("title", _l("The title is required."), label=_l("Title"))
    elif len(title) > TITLE_MAX:
        problems.add("title", _l("At most %(n)d characters.", n=TITLE_MAX), label=_l("Title"))
    if not body:
        problems.add("body", _l("The text is required."), label=_l("Text"))
    elif len(body) > BODY_MAX:
        problems.add("body", _l("At most %(n)d characters.", n=BODY_MAX), label=_l("Text"))


def save_template(
    actor: User,
    kind: DocumentKind | str,
    title: str,
    body: str,
    *,
    designation_text: str | None = None,
    expected_version=None,
) -> DocumentTemplate:
    """The agency administrator's wording of one kind; unknown placeholders are refused."""
    if not permissions.may_edit_templates(actor):
        raise NotAllowed(_l("Only the agency's administrator edits its document templates."))
    kind = DocumentKind(kind)
    title, body = (title or "").strip(), (body or "").strip()
    problems = Problems()
    _text_problems(problems, title, body)
    unknown = unknown_placeholders(title + "\n" + body)
    if unknown:
        problems.add(
            "body",
            _l("Unknown placeholders: %(names)s.", names=", ".join(unknown)),
            label=_l("Text"),
        )
    if designation_text is not None:
        designation_text = designation_text.strip()
        if not designation_text or len(designation_text) > 20:
            problems.add(
                "designation",
                _l("Enter the designation, at most 20 characters."),
                label=_l("Designation (机关代字)"),
            )
    problems.check()
    template = agency_template(actor.agency_id, kind)
    if template is None:
        template = DocumentTemplate(agency_id=actor.agency_id, kind=kind, updated_by_id=actor.id)
        db.session.add(template)
    else:
        _check_version(template, expected_version)
    template.title, template.body, template.updated_by_id = title, body, actor.id
    template.updated_at = dt.datetime.now(dt.UTC)
    if designation_text is not None:
        _set_designation(actor.agency_id, designation_text)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise _stale() from exc
    audit.record("document.template_saved", actor=actor, obj=template, details={"kind": kind.value})
    return template


def _set_designation(agency_id: int, text: str) -> None:
    row = db.session.scalar(
        select(DocumentDesignation).where(DocumentDesignation.agency_id == agency_id)
    )
    if row is None:
        db.session.add(DocumentDesignation(agency_id=agency_id, designation=text))
    else:
        row.designation = text


# --- drafts --------------------------------------------------------------------------------


def _lines(items) -> str:
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, start=1))


def _identity(party: Party | None) -> str:
    if party is None:
        return ""
    parts = [party.name]
    if party.id_type and party.id_number:
        parts.append(f"{id_type_label(party.id_type)} {party.id_number}")
    parts.extend(p for p in (party.institution, party.position) if p)
    return "，".join(parts)


def _sanction_line(s) -> str:
    end = "终身" if s.lifetime else (s.end_date.isoformat() if s.end_date else "")
    span = f"（{s.start_date.isoformat()} 至 {end}）" if s.start_date else ""
    return f"{s.party.name}：{label(s.sanction_type)}{span}"


def _state_reason(case: Case) -> str:
    for entry in sorted(case.history, key=lambda h: h.id, reverse=True):
        if entry.to_state == case.state and entry.reason:
            return entry.reason
    return ""


def placeholder_values(case: Case, party: Party | None, recipient: str) -> dict[str, str]:
    policy = case.agency.policy
    return {
        "agency": case.agency.name_zh,
        "case_reference": case.reference,
        "case_title": case.title,
        "received_date": case.received_date.isoformat() if case.received_date else "",
        "recipient": recipient,
        "respondent": party.name if party else "",
        "respondent_identity": _identity(party),
        "allegations": _lines(
            f"{label(a.misconduct_type)}：{a.description}" for a in case.allegations
        ),
        "facts": case.findings_report or case.summary or "",
        "decision": case.decision_text or "",
        "sanctions": _lines(
            _sanction_line(s)
            for s in case.sanctions_in_force
            if party is None or s.party_id == party.id
        ),
        "reason": _state_reason(case),
        "defence_days": str(policy.defence_days),
        "review_days": str(policy.review_request_days),
        "review_outcome": str(label(case.review_outcome)) if case.review_outcome else "",
        "basis": BASIS,
    }


def create_draft(case: Case, actor: User, kind, party_id=None) -> OfficialDocument:
    """A draft filled from the agency's template and the case, for the team to edit."""
    if not permissions.may_draft(actor, case):
        raise NotAllowed(_l("Only the case team drafts the case's documents."))
    problems = Problems()
    try:
        kind = DocumentKind(kind)
    except ValueError:
        problems.add("kind", _l("Choose a kind of document."), label=_l("Document"))
        kind = None
    party = None
    if party_id not in (None, ""):
        party = next((p for p in case.respondents if str(p.id) == str(party_id)), None)
        if party is None:
            problems.add("party_id", _l("Choose a respondent of this case."), label=_l("Party"))
    elif kind in ADDRESSED_TO_RESPONDENT:
        problems.add("party_id", _l("Choose the respondent it is addressed to."), label=_l("Party"))
    problems.check()
    if case.state not in KIND_STATES[kind]:
        raise GuardFailed(
            _l(
                "A %(kind)s is not drafted while the case is in the state “%(state)s”.",
                kind=label(kind),
                state=label(case.state),
            )
        )
    title, body = template_wording(case.agency_id, kind)
    recipient = party.name if party else ""
    values = placeholder_values(case, party, recipient)
    document = OfficialDocument(
        case_id=case.id,
        agency_id=case.agency_id,
        kind=kind,
        party_id=party.id if party else None,
        recipient=recipient,
        title=fill(title, values),
        body=fill(body, values),
        created_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        "document.drafted", actor=actor, case=case, obj=document, details={"kind": kind.value}
    )
    return document


def _check_draft(document: OfficialDocument) -> None:
    if document.state != DocumentState.draft:
        raise GuardFailed(
            _l(
                "Document %(number)s is issued and can no longer be changed.",
                number=document.number,
            ),
            code="already_issued",
        )


def update_draft(
    document: OfficialDocument, actor: User, *, title, recipient, body, expected_version=None
) -> OfficialDocument:
    if not permissions.may_draft(actor, document.case):
        raise NotAllowed(_l("Only the case team edits the case's drafts."))
    _check_draft(document)
    _check_version(document, expected_version)
    title, recipient, body = (title or "").strip(), (recipient or "").strip(), (body or "").strip()
    problems = Problems()
    _text_problems(problems, title, body)
    if len(recipient) > 200:
        problems.add("recipient", _l("At most %(n)d characters.", n=200), label=_l("Recipient"))
    problems.check()
    document.title, document.recipient, document.body = title, recipient, body
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise _stale() from exc
    audit.record("document.draft_saved", actor=actor, case=document.case, obj=document)
    return document


def discard_draft(document: OfficialDocument, actor: User) -> None:
    if not permissions.may_draft(actor, document.case):
        raise NotAllowed(_l("Only the case team discards the case's drafts."))
    _check_draft(document)
    audit.record(
        "document.draft_discarded",
        actor=actor,
        case=document.case,
        obj=document,
        details={"kind": document.kind.value},
    )
    db.session.delete(document)
    db.session.flush()


# --- issuing -------------------------------------------------------------------------------


def _locked(document: OfficialDocument) -> OfficialDocument:
    """The document's row locked and read afresh: of two concurrent issues, the second
    waits here and then sees the first one's result."""
    return db.session.scalar(
        select(OfficialDocument)
        .where(OfficialDocument.id == document.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def next_number(agency_id: int, year: int) -> int:
    """The next number of the agency's year, gap-free: the counter row is locked until the
    issuing transaction ends, and a rolled-back issue gives its number back."""
    query = (
        select(DocumentCounter)
        .where(DocumentCounter.agency_id == agency_id, DocumentCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter = db.session.scalar(query)
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(DocumentCounter(agency_id=agency_id, year=year, last_number=0))
        except IntegrityError:
            pass  # another issue created the year's counter first: take its lock below
        counter = db.session.scalar(query)
    counter.last_number += 1
    db.session.flush()
    return counter.last_number


def issue_document(document: OfficialDocument, actor: User, expected_version=None):
    """Numbers the draft and makes it final; its PDF is rendered in the background."""
    if not permissions.may_issue(actor, document.case):
        raise NotAllowed(_l("Only a supervisor of the owning agency issues documents."))
    _check_version(document, expected_version)
    document = _locked(document)
    _check_draft(document)
    if not document.body.strip() or not document.title.strip():
        raise InvalidInput(_l("The document has no text; complete the draft first."))
    now = dt.datetime.now(dt.UTC)
    year = to_cst(now).year
    prefix = designation(document.case.agency)
    sequence = next_number(document.agency_id, year)
    document.state = DocumentState.issued
    document.year, document.sequence = year, sequence
    document.number = f"{prefix}〔{year}〕{sequence}号"
    document.issued_by_id, document.issued_at, document.issued_on = actor.id, now, today()
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise _stale() from exc
    details = {"kind": document.kind.value, "number": document.number}
    write_history(document.case, actor, "document_issued", details=details)
    audit.record("document.issued", actor=actor, case=document.case, obj=document, details=details)
    return document


def request_pdf(document: OfficialDocument, actor: User):
    """Queues the rendering of an issued document's PDF (after the issue is committed)."""
    from app.documents.tasks import render_issued_document
    from app.jobs import enqueue

    return enqueue(
        render_issued_document,
        document.id,
        queue="dossiers",
        description=document.number or "",
        user=actor,
        case=document.case,
    )


def pdf_job(document: OfficialDocument):
    """The newest job rendering the document's PDF, if one is left."""
    from app.documents.tasks import render_issued_document
    from app.jobs import last_run

    return last_run(render_issued_document, document.id, case=document.case)


def pdf_missing(document: OfficialDocument) -> bool:
    """Issued, with no PDF and no job that will make it: its job could not be queued after
    the issue was committed, or failed for good. The page offers to prepare it again."""
    from app.jobs import may_run_again

    return document.is_issued and not document.sha256 and may_run_again(pdf_job(document))


def prepare_pdf_again(document: OfficialDocument, actor: User):
    """Queues the rendering again for a PDF whose job never ran or failed. The document
    stays the one issued: the job renders it under its number, and a PDF stored meanwhile
    (a job thought lost that ran after all) stays the document (`store_issued_pdf`)."""
    if not permissions.may_issue(actor, document.case):
        raise NotAllowed(_l("Only a supervisor of the owning agency issues documents."))
    document = _locked(document)
    if not document.is_issued:
        raise GuardFailed(_l("Only an issued document has a PDF to prepare."))
    if document.sha256:
        raise GuardFailed(_l("The PDF is ready already."))
    if not pdf_missing(document):
        raise GuardFailed(_l("The PDF is being prepared already."))
    audit.record(
        "document.pdf_prepare_again",
        actor=actor,
        case=document.case,
        obj=document,
        details={"number": document.number},
    )
    return request_pdf(document, actor)


def finalise_issued_pdf(document: OfficialDocument, pdf: bytes) -> bytes:
    """The one place an issued document's PDF becomes final: signed (PAdES) with the node's
    key and registered under its number, so any node's verify page answers for it; what is
    returned is stored and its SHA-256 recorded."""
    from app.core import pdfsign

    signed, _row = pdfsign.sign_and_record(
        pdf, kind=SIGNED_KIND, code=document.number, reason=f"{document.number}"
    )
    return signed


def store_issued_pdf(document: OfficialDocument, pdf: bytes, pages: int) -> None:
    import hashlib

    document = _locked(document)  # two jobs of one document store one after the other
    if document.sha256:
        return  # rendered already (a retried job): the first stored PDF is the document
    pdf = finalise_issued_pdf(document, pdf)
    digest = hashlib.sha256(pdf).hexdigest()
    relative = Path("documents") / document.case.reference / f"{document.id}-{digest[:12]}.pdf"
    target = Path(current_app.config["FILE_STORE"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(pdf)
    tmp.replace(target)
    document.sha256, document.pdf_path = digest, str(relative)
    document.pdf_size, document.pages = len(pdf), pages
    db.session.flush()
    audit.record(
        "document.pdf_stored",
        actor=document.issued_by,
        case=document.case,
        obj=document,
        details={"number": document.number, "sha256": digest},
    )


def document_file(document: OfficialDocument) -> Path:
    return Path(current_app.config["FILE_STORE"]) / document.pdf_path


def verify_document(data: bytes, user: User) -> dict | None:
    """For the dossiers' verify page: the issued document these bytes are, named with its
    case only for a user who may read the case's documents."""
    import hashlib

    from app.core.labels import label as label_of

    digest = hashlib.sha256(data).hexdigest()
    document = db.session.scalar(select(OfficialDocument).where(OfficialDocument.sha256 == digest))
    if document is None:
        return None
    what = f"{document.number} · {label_of(document.kind)} · {document.issued_on.isoformat()}"
    if permissions.may_read(user, document.case) and user.agency_id == document.agency_id:
        what += f" · {document.case.reference}"
    return {"what": what, "number": document.number}


# --- service -------------------------------------------------------------------------------


def _date(value, problems: Problems, field: str, label_text) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        problems.add(field, _l("Enter the date as YYYY-MM-DD."), label=label_text)
        return None


def _service_problems(document, method, served_on, tracking, consent, proof) -> tuple:
    problems = Problems()
    try:
        method = ServiceMethod(method)
    except ValueError:
        problems.add("method", _l("Choose how it was served."), label=_l("Method"))
        method = None
    day = _date(served_on, problems, "served_on", _l("Date of service"))
    if day is not None and day > today():
        problems.add(
            "served_on", _l("The date cannot be in the future."), label=_l("Date of service")
        )
    elif day is not None and day < document.issued_on:
        problems.add(
            "served_on",
            _l(
                "A document cannot be served before it was issued (%(date)s).",
                date=document.issued_on.isoformat(),
            ),
            label=_l("Date of service"),
        )
    if method == ServiceMethod.post and not tracking:
        problems.add(
            "tracking_number", _l("Enter the tracking number."), label=_l("Tracking number")
        )
    if method == ServiceMethod.electronic and not consent:
        problems.add(
            "consent",
            _l("Electronic service needs the party's written consent: say where it is."),
            label=_l("Written consent"),
        )
    if proof is None or not getattr(proof, "filename", ""):
        problems.add("proof", _l("Upload the proof of service."), label=_l("Proof"))
    return problems, method, day


def record_service(
    document: OfficialDocument,
    actor: User,
    *,
    method,
    served_on,
    tracking_number: str | None = None,
    consent: str | None = None,
    proof=None,
) -> DocumentService:
    """Records the service; a notice before a decision starts the defence window and a
    decision the review-request window, from the service date."""
    if not permissions.may_draft(actor, document.case):
        raise NotAllowed(_l("Only the case team records the service of the case's documents."))
    document = _locked(document)
    if document.state != DocumentState.issued:
        raise GuardFailed(_l("Only an issued document can be served."))
    if document.service is not None:
        raise GuardFailed(
            _l("The service of this document is recorded already."), code="already_served"
        )
    tracking = (tracking_number or "").strip()[:60] or None
    consent = (consent or "").strip()[:300] or None
    problems, method, day = _service_problems(document, method, served_on, tracking, consent, proof)
    problems.check()
    stored = _store_proof(proof)
    service = DocumentService(
        document_id=document.id,
        method=method,
        served_on=day,
        tracking_number=tracking if method == ServiceMethod.post else None,
        consent=consent if method == ServiceMethod.electronic else None,
        recorded_by_id=actor.id,
        **stored,
    )
    db.session.add(service)
    document.service = service
    details = {"number": document.number, "served_on": day.isoformat(), "method": method.value}
    details.update(_start_window(document, day))
    db.session.flush()
    write_history(document.case, actor, "document_served", details=details)
    audit.record("document.served", actor=actor, case=document.case, obj=document, details=details)
    return service


def _start_window(document: OfficialDocument, day: dt.date) -> dict:
    case = document.case
    if document.kind == DocumentKind.pre_decision_notice:
        due = start_defence_window(case, day, document.party)
        return {"defence_due": due.isoformat()} if due else {}
    if document.kind == DocumentKind.decision:
        due = start_review_request_window(case, day)
        return {"review_request_due": due.isoformat()} if due else {}
    return {}


def _store_proof(upload) -> dict:
    from app.evidence import storage
    from app.evidence.services import size_label

    name = storage.sanitise_name(upload.filename)
    try:
        limit = current_app.config["DOCUMENT_PROOF_MAX_SIZE"]
        with storage.receive(upload.stream, limit, PROOF_TYPES) as received:
            target = proof_path(received.sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(received.tmp_path, target)
            return {
                "proof_sha256": received.sha256,
                "proof_name": name,
                "proof_type": received.mime_type,
                "proof_size": received.size,
            }
    except storage.TooLarge:
        raise InvalidInput(
            _l(
                "The proof is larger than the limit of %(limit)s; nothing was saved.",
                limit=size_label(limit),
            ),
            field="proof",
        ) from None
    except storage.TypeRejected:
        raise InvalidInput(
            _l("The proof must be a PDF, JPEG or PNG file; nothing was saved."), field="proof"
        ) from None


def proof_path(sha256: str) -> Path:
    return Path(current_app.config["FILE_STORE"]) / "documents" / "proofs" / sha256
