"""Every state change of a report: submitted on the portal, followed up with the code,
decided in the intake (registered as a case, attached to one, not accepted), messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.auth.agencies import case_agencies
from app.auth.models import Agency, User
from app.cases.models import Case, CaseSource, MisconductType
from app.cases.permissions import can_contribute, check_case_open, visible_clause
from app.cases.services import (
    AllegationInput,
    CaseInput,
    ComplainantInput,
    RespondentInput,
    register_case,
    write_history,
)
from app.core import audit, limits
from app.core.calendar import CST, add_working_days, today
from app.core.errors import (
    GuardFailed,
    InvalidInput,
    NotAllowed,
    Problems,
    ServiceError,
    TooManyAttempts,
)
from app.core.models import utcnow
from app.core.portal_filings import PortalFiling, portal_filings
from app.evidence import storage
from app.evidence.services import Upload, add_file_evidence, store_upload
from app.extensions import db
from app.notifications.handoffs import hand_off, mark_done
from app.reporting import codes, policy
from app.reporting.models import (
    Author,
    PortalVisit,
    Report,
    ReporterStatus,
    ReportFile,
    ReportMessage,
    ReportState,
)
from app.reporting.permissions import can_act

HANDLED_CASE_STATES = {
    "not_accepted",
    "transferred",
    "terminated",
    "decided",
    "under_review",
    "closed",
}


@dataclass
class ReportInput:
    agency: str = ""
    respondents: list[dict] = field(default_factory=list)  # {"name", "institution"}
    misconduct_types: list[str] = field(default_factory=list)
    description: str = ""
    leads: str = ""
    anonymous: bool = True
    name: str = ""
    contact: str = ""
    files: list[Upload] = field(default_factory=list)


def portal_agencies() -> list[Agency]:
    return list(
        db.session.scalars(case_agencies().where(Agency.is_active.is_(True)).order_by(Agency.id))
    )


def _check_input(data: ReportInput) -> Agency | None:
    """Every problem of the report at once; the agency chosen when there are none."""
    problems = Problems()
    agency = db.session.scalar(
        case_agencies().where(Agency.code == (data.agency or ""), Agency.is_active.is_(True))
    )
    if agency is None:
        problems.add("agency", _l("Choose the authority the report is for."))
    respondents = [r for r in data.respondents if (r.get("name") or "").strip()]
    if not respondents:
        problems.add("respondents", _l("Name at least one person or institution reported."))
    for r in data.respondents:
        for key in ("name", "institution"):
            value = r.get(key)
            problems.attempt(lambda v=value: limits.check_length(v, limits.SHORT, "respondents"))
    known = {m.value for m in MisconductType}
    if not data.misconduct_types or any(t not in known for t in data.misconduct_types):
        problems.add("misconduct_types", _l("Choose at least one kind of misconduct."))
    if not (data.description or "").strip():
        problems.add("description", _l("Describe what happened."))
    problems.attempt(lambda: limits.check_length(data.description, limits.TEXT, "description"))
    problems.attempt(lambda: limits.check_length(data.leads, limits.REASON, "leads"))
    if data.anonymous:
        needs = policy.ANONYMOUS_NEEDS_EVIDENCE.value
        if needs and not data.files and not (data.leads or "").strip():
            problems.add(
                "leads",
                _l(
                    "An anonymous report needs concrete evidence or leads: attach files or "
                    "say where the evidence can be found."
                ),
            )
    else:
        if not (data.name or "").strip():
            problems.add("name", _l("Give your name, or choose to report anonymously."))
        if not (data.contact or "").strip():
            problems.add("contact", _l("Give a telephone number or address to reach you."))
        problems.attempt(lambda: limits.check_length(data.name, limits.SHORT, "name"))
        problems.attempt(lambda: limits.check_length(data.contact, limits.TITLE, "contact"))
    if len(data.files) > policy.MAX_FILES:
        problems.add(
            "files", _l("At most %(count)s files at once, please.", count=policy.MAX_FILES)
        )
    problems.check()
    return agency


def check_abuse_limits(agency: Agency, address: str | None) -> None:
    """The policy's limits: reports an hour from one address and into one agency."""
    since = utcnow() - dt.timedelta(hours=1)
    from_address = db.session.scalar(
        select(func.count()).where(
            PortalVisit.action == "submit", PortalVisit.address == address, PortalVisit.at >= since
        )
    )
    if address and from_address >= policy.REPORTS_PER_ADDRESS_HOUR.value:
        raise TooManyAttempts(
            _l("Too many reports from your network in the last hour. Please try again later.")
        )
    into_agency = db.session.scalar(
        select(func.count()).where(Report.agency_id == agency.id, Report.submitted_at >= since)
    )
    if into_agency >= policy.REPORTS_PER_AGENCY_HOUR.value:
        raise TooManyAttempts(
            _l("This authority receives too many reports just now. Please try again later.")
        )


def _digest(data: ReportInput, agency: Agency, files: list[ReportFile]) -> str:
    content = {
        "agency": agency.code,
        "respondents": data.respondents,
        "misconduct_types": sorted(data.misconduct_types),
        "description": data.description,
        "leads": data.leads,
        "anonymous": data.anonymous,
        "name": None if data.anonymous else data.name,
        "contact": None if data.anonymous else data.contact,
        "files": [f.blob_sha256 for f in files],
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _store_files(uploads: list[Upload]) -> list[ReportFile]:
    stored = []
    for upload in uploads:
        name = storage.sanitise_name(upload.filename)
        blob = store_upload(upload, name)
        stored.append(
            ReportFile(
                blob_sha256=blob.sha256,
                original_name=name,
                size=blob.size,
                mime_type=blob.mime_type,
            )
        )
    return stored


def visit(action: str, address: str | None, report: Report | None = None, agency_id=None):
    row = PortalVisit(
        action=action,
        address=address,
        report_id=getattr(report, "id", None),
        agency_id=agency_id or getattr(report, "agency_id", None),
    )
    db.session.add(row)
    db.session.flush()
    return row


def submit_report(data: ReportInput, address: str | None) -> tuple[Report, str]:
    """Files the report into the agency's intake; returns it with its receipt code, which
    is shown once and kept only as a keyed hash."""
    data.respondents = [
        {"name": (r.get("name") or "").strip(), "institution": (r.get("institution") or "").strip()}
        for r in data.respondents
        if (r.get("name") or "").strip() or (r.get("institution") or "").strip()
    ]
    agency = _check_input(data)
    check_abuse_limits(agency, address)
    files = _store_files(data.files)
    code = codes.new_code()
    now = utcnow()
    report = Report(
        agency_id=agency.id,
        code_hash=codes.code_hash(code),
        submitted_at=now,
        outcome_due=add_working_days(today(), policy.OUTCOME_WORKING_DAYS.value),
        respondents=data.respondents,
        misconduct_types=sorted(set(data.misconduct_types)),
        description=data.description.strip(),
        leads=(data.leads or "").strip() or None,
        anonymous=data.anonymous,
        reporter_name=None if data.anonymous else data.name.strip(),
        reporter_contact=None if data.anonymous else data.contact.strip(),
        content_digest=_digest(data, agency, files),
        files=files,
    )
    db.session.add(report)
    db.session.flush()
    report.number = f"{agency.code}-WB-{now.astimezone(CST).year}-{report.id:06d}"
    row = visit("submit", address, report)
    audit.record(
        "report.submit",
        actor=None,
        obj=report,
        agency_id=agency.id,
        keep_address=False,
        details={
            "number": report.number,
            "digest": report.content_digest,
            "files": len(files),
            "visit": row.id,
        },
    )
    hand_off("report.received", report)
    return report, code


def _limit_wrong_codes(address: str | None) -> None:
    since = utcnow() - dt.timedelta(hours=1)
    wrong = db.session.scalar(
        select(func.count()).where(
            PortalVisit.action == "wrong_code",
            PortalVisit.address == address,
            PortalVisit.at >= since,
        )
    )
    if address and wrong >= policy.WRONG_CODES_PER_ADDRESS_HOUR.value:
        raise TooManyAttempts(
            _l("Too many wrong receipt codes from your network. Try again in an hour."),
            field="code",
        )


def _wrong_code(address: str | None) -> InvalidInput:
    """The refusal of an unknown code, which counts it (kept although the refusal undoes
    the request's work)."""

    def count_wrong() -> None:
        row = visit("wrong_code", address)
        audit.record("report.wrong_code", actor=None, keep_address=False, details={"visit": row.id})

    return InvalidInput(
        _l("This receipt code is not known. Check the 16 digits and try again."),
        field="code",
        keep=count_wrong,
    )


def find_by_code(typed: str | None, address: str | None, action: str = "follow_up") -> Report:
    """The report of a receipt code; a wrong code is refused and counted."""
    _limit_wrong_codes(address)
    code = codes.normalise(typed)
    report = (
        db.session.scalar(select(Report).where(Report.code_hash == codes.code_hash(code)))
        if code
        else None
    )
    if report is None:
        raise _wrong_code(address)
    row = visit(action, address, report)
    audit.record(
        f"report.{action}",
        actor=None,
        obj=report,
        agency_id=report.agency_id,
        keep_address=False,
        details={"visit": row.id},
    )
    return report


def confirm_code(report: Report) -> None:
    if report.code_confirmed_at is None:
        report.code_confirmed_at = utcnow()
        db.session.flush()


def reporter_status(report: Report, case_state: str | None) -> ReporterStatus:
    if report.state == ReportState.not_accepted:
        return ReporterStatus.not_accepted
    if report.state == ReportState.received:
        return ReporterStatus.received
    if case_state in HANDLED_CASE_STATES:
        return ReporterStatus.handled
    return ReporterStatus.accepted


def case_state_of(report: Report) -> str | None:
    if report.case_id is None:
        return None
    state = db.session.scalar(select(Case.state).where(Case.id == report.case_id))
    return state.value if state is not None else None


# --- messages and evidence from the reporter --------------------------------------------


def _check_body(body: str | None) -> str:
    problems = Problems()
    if not (body or "").strip():
        problems.add("body", _l("Write the message."))
    problems.attempt(lambda: limits.check_length(body, limits.REASON, "body"))
    problems.check()
    return body.strip()


def post_reporter_message(report: Report, body: str, address: str | None) -> ReportMessage:
    message = ReportMessage(report_id=report.id, author=Author.reporter, body=_check_body(body))
    db.session.add(message)
    db.session.flush()
    row = visit("message", address, report)
    audit.record(
        "report.reporter_message",
        actor=None,
        obj=report,
        agency_id=report.agency_id,
        keep_address=False,
        details={"visit": row.id, "message": message.id},
    )
    hand_off("report.message", report)
    return message


def add_reporter_files(report: Report, uploads: list[Upload], address: str | None) -> int:
    uploads = [u for u in uploads if u.filename]
    if not uploads:
        raise InvalidInput(_l("Choose at least one file."), field="files")
    if len(uploads) + len(report.files) > policy.MAX_FILES * 3:
        raise InvalidInput(_l("This report holds as many files as it can."), field="files")
    files = _store_files(uploads)
    report.files.extend(files)
    db.session.flush()
    row = visit("evidence", address, report)
    audit.record(
        "report.reporter_evidence",
        actor=None,
        obj=report,
        agency_id=report.agency_id,
        keep_address=False,
        details={"visit": row.id, "files": [f.blob_sha256 for f in files]},
    )
    hand_off("report.message", report)
    return len(files)


def mark_seen(report: Report) -> None:
    report.reporter_seen_at = utcnow()
    db.session.flush()


# --- the intake ----------------------------------------------------------------------------


def _check_act(report: Report, actor: User) -> None:
    if not can_act(actor, report):
        raise NotAllowed(_l("Only the agency's integrity officers and supervisors decide reports."))


def _claim(report: Report, state: ReportState, actor: User, **values) -> None:
    """Moves the report out of the intake once: a second officer deciding at the same moment
    finds it decided and changes nothing."""
    done = db.session.execute(
        update(Report)
        .where(Report.id == report.id, Report.state == ReportState.received)
        .values(state=state, decided_by_id=actor.id, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise GuardFailed(_l("This report was already dealt with by someone else."))
    db.session.refresh(report)
    mark_done(f"report:{report.id}")


def _move_files(report: Report, case: Case, actor: User) -> None:
    for f in report.files:
        if f.evidence_item_id is not None:
            continue
        with storage.blob_path(f.blob_sha256).open("rb") as stream:
            item = add_file_evidence(
                case,
                Upload(stream, f.original_name),
                actor,
                description=str(_l("From online report %(ref)s", ref=report.number)),
            )
        f.evidence_item_id = item.id
    db.session.flush()


def _case_input(report: Report, title: str | None) -> CaseInput:
    names = ", ".join(r["name"] for r in report.respondents if r.get("name"))
    return CaseInput(
        title=(title or "").strip() or f"{names} ({report.number})"[: limits.TITLE],
        source=CaseSource.online,
        received_date=report.submitted_at.astimezone(CST).date(),
        summary=report.description + (f"\n\n{report.leads}" if report.leads else ""),
        respondents=[
            RespondentInput(name=r["name"], institution=r.get("institution") or None)
            for r in report.respondents
            if r.get("name")
        ],
        allegations=[
            AllegationInput(misconduct_type=MisconductType(t), description=report.description)
            for t in report.misconduct_types
        ],
        complainant=ComplainantInput(
            anonymous=report.anonymous, name=report.reporter_name, contact=report.reporter_contact
        ),
    )


def register_report_as_case(report: Report, actor: User, title: str | None = None) -> Case:
    """The report becomes a case: its text the allegations, its files evidence, the reporter
    the complainant (need-to-know from here on, as every complainant)."""
    _check_act(report, actor)
    if not report.is_open:
        raise GuardFailed(_l("This report was already dealt with by someone else."))
    case = register_case(_case_input(report, title), actor)
    _claim(report, ReportState.registered, actor, case_id=case.id)
    _move_files(report, case, actor)
    write_history(case, actor, "register_report", details={"report": report.number})
    audit.record(
        "report.register", actor=actor, case=case, obj=report, details={"case": case.reference}
    )
    return case


def attach_report(report: Report, reference: str, actor: User) -> Case:
    _check_act(report, actor)
    case = db.session.scalar(
        select(Case).where(Case.reference == (reference or "").strip(), visible_clause(actor))
    )
    if case is None or case.agency_id != actor.agency_id:
        raise InvalidInput(_l("No case of your agency has this reference."), field="reference")
    check_case_open(case)
    if not can_contribute(actor, case):
        raise NotAllowed(_l("Only the case team can add a report to this case."))
    _claim(report, ReportState.attached, actor, case_id=case.id)
    _move_files(report, case, actor)
    write_history(case, actor, "attach_report", details={"report": report.number})
    audit.record(
        "report.attach", actor=actor, case=case, obj=report, details={"case": case.reference}
    )
    return case


def not_accept_report(report: Report, reason: str, actor: User, internal_note: str = "") -> None:
    _check_act(report, actor)
    problems = Problems()
    if not (reason or "").strip():
        problems.add("reason", _l("Give the reason the reporter will read."))
    problems.attempt(lambda: limits.check_length(reason, limits.REASON, "reason"))
    problems.attempt(lambda: limits.check_length(internal_note, limits.REASON, "internal_note"))
    problems.check()
    _claim(
        report,
        ReportState.not_accepted,
        actor,
        decision_reason=reason.strip(),
        internal_note=(internal_note or "").strip() or None,
    )
    audit.record("report.not_accept", actor=actor, obj=report, agency_id=report.agency_id)


def post_officer_message(report: Report, body: str, actor: User) -> ReportMessage:
    _check_act(report, actor)
    message = ReportMessage(
        report_id=report.id, author=Author.officer, user_id=actor.id, body=_check_body(body)
    )
    db.session.add(message)
    db.session.flush()
    audit.record("report.officer_message", actor=actor, obj=report, details={"message": message.id})
    mark_done(f"report:{report.id}:message")
    return message


def reporter_identity(report: Report, actor: User) -> dict | None:
    """The named reporter's identity for a supervisor, each view audited; None otherwise."""
    from app.reporting.permissions import may_see_reporter

    if report.anonymous or not may_see_reporter(actor, report):
        return None
    audit.record("report.identity_view", actor=actor, obj=report, agency_id=report.agency_id)
    return {"name": report.reporter_name, "contact": report.reporter_contact}


def erase_old_addresses(now: dt.datetime | None = None) -> int:
    """Addresses older than the policy's retention are erased; the visits stay counted."""
    cutoff = (now or utcnow()) - dt.timedelta(days=policy.ADDRESS_RETENTION_DAYS.value)
    result = db.session.execute(
        update(PortalVisit)
        .where(PortalVisit.at < cutoff, PortalVisit.address.is_not(None))
        .values(address=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def overdue_clause():
    return (Report.state == ReportState.received) & (Report.outcome_due < today())


def intake_figures(agency_id: int, year: int | None = None) -> dict:
    """Reports received online in a year and how long acceptance took (days, median)."""
    import statistics

    from app.core.times import cst_day_start

    year = year or today().year
    start, end = cst_day_start(dt.date(year, 1, 1)), cst_day_start(dt.date(year + 1, 1, 1))
    rows = db.session.execute(
        select(Report.state, Report.submitted_at, Report.decided_at).where(
            Report.agency_id == agency_id, Report.submitted_at >= start, Report.submitted_at < end
        )
    ).all()
    counts = {state.value: 0 for state in ReportState}
    waits = []
    for state, submitted, decided in rows:
        counts[state.value] += 1
        if state in (ReportState.registered, ReportState.attached) and decided is not None:
            waits.append((_aware(decided) - _aware(submitted)).total_seconds() / 86400)
    return {
        "year": year,
        "received": len(rows),
        "counts": counts,
        "median_days_to_acceptance": round(statistics.median(waits), 1) if waits else None,
    }


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# --- filings of other features on the portal (app.core.portal_filings) -------------


def find_follow_up(typed: str | None, address: str | None):
    """What a receipt code follows up: its report, or (filing, filed) for another feature's
    filing. A wrong code is refused and counted once, whatever the portal takes."""
    code = codes.normalise(typed)
    if code:
        digest = codes.code_hash(code)
        if db.session.scalar(select(Report.id).where(Report.code_hash == digest)) is None:
            _limit_wrong_codes(address)
            for filing in portal_filings():
                filed = filing.find(digest)
                if filed is not None:
                    visit(f"{filing.name}_follow_up", address, agency_id=filing.agency_of(filed))
                    return filing, filed
    return find_by_code(typed, address, "follow_up")


def file_on_portal(
    filing: PortalFiling, form, files: list[Upload], address: str | None
) -> tuple[object, str, object]:
    """Files another feature's filing under the report's abuse limit per address; every
    attempt counts, a refused one too (guessing whose record a number is costs the same).
    Returns the filing, its receipt code (shown once, kept as a keyed hash) and what to
    call once committed."""
    since = utcnow() - dt.timedelta(hours=1)
    action = f"{filing.name}_submit"[:32]
    attempts = db.session.scalar(
        select(func.count()).where(
            PortalVisit.action == action, PortalVisit.address == address, PortalVisit.at >= since
        )
    )
    if address and attempts >= policy.REPORTS_PER_ADDRESS_HOUR.value:
        raise TooManyAttempts(
            _l("Too many attempts from your network in the last hour. Please try again later.")
        )
    if len(files) > policy.MAX_FILES:
        raise InvalidInput(
            _l("At most %(count)s files at once, please.", count=policy.MAX_FILES), field="files"
        )
    code = codes.new_code()
    try:
        filed, after_commit = filing.submit(form, files, codes.code_hash(code))
    except ServiceError as err:
        earlier = err.keep

        def count_attempt() -> None:
            if earlier is not None:
                earlier()
            visit(action, address)

        err.keep = count_attempt
        raise
    visit(action, address, agency_id=filing.agency_of(filed))
    return filed, code, after_commit
