"""Every state change of ethics review up to acceptance: units and their people, the
committee arrangement (own panel or entrustment), the list of activities for re-review,
applications with their attachments and versions, and the office's acceptance or notice.

Each function checks who and when, changes the rows, writes the audit entry and flushes;
the caller commits. A refusal raises a `ServiceError` before anything is changed."""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.services import create_user
from app.committees.models import Panel, PanelKind
from app.core import audit
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems, StaleVersion
from app.core.models import utcnow
from app.ethics import handoffs, items, policy
from app.ethics import permissions as perm
from app.ethics.models import (
    Application,
    ApplicationVersion,
    AppState,
    Attachment,
    AttachmentCustody,
    CustodyAction,
    Entrustment,
    ListedActivity,
    Notice,
    NoticeKind,
    Procedure,
    Unit,
    UnitKind,
    UnitRole,
    UnitUser,
)
from app.evidence import storage
from app.evidence.services import FileTooLarge, TypeNotAllowed, claim_blob_row, size_label
from app.extensions import db


def _text(value, field: str, label, *, required=True, limit=300, problems: Problems) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.add(field, _l("This field is required."), label=label)
    elif len(value) > limit:
        problems.add(field, _l("At most %(limit)s characters, please.", limit=limit), label=label)
    return value


def _date(value, field: str, label, problems: Problems) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        problems.add(field, _l("Enter the date as YYYY-MM-DD."), label=label)
        return None


def _require_admin_of(actor: User, agency_id: int) -> None:
    if not perm.may_manage_units(actor) or actor.agency_id != agency_id:
        raise NotAllowed(_l("Only the authority's administrator manages its research units."))


# --- units, people, committees -------------------------------------------------------


def create_unit(actor: User, name, kind) -> Unit:
    _require_admin_of(actor, actor.agency_id)
    problems = Problems()
    name = _text(name, "name", _l("Name"), limit=200, problems=problems)
    try:
        kind = UnitKind(kind)
    except ValueError:
        problems.add("kind", _l("Choose the kind of unit."), label=_l("Kind"))
    problems.check()
    taken = db.session.scalar(
        select(func.count()).where(Unit.agency_id == actor.agency_id, Unit.name == name)
    )
    if taken:
        raise InvalidInput(_l("The authority already has a unit of that name."), field="name")
    unit = Unit(agency_id=actor.agency_id, name=name, kind=kind, active=True)
    db.session.add(unit)
    db.session.flush()
    audit.record("ethics.unit.create", actor=actor, obj=unit, details={"name": name})
    return unit


def add_unit_user(actor: User, unit: Unit, username, display_name, password, roles) -> User:
    """An account of the unit: it belongs to the unit's authority and holds no agency role,
    so it reaches ethics review of its unit only (never cases or records)."""
    _require_admin_of(actor, unit.agency_id)
    try:
        wanted = sorted({UnitRole(r) for r in roles})
    except ValueError:
        wanted = []
    if not wanted:
        raise InvalidInput(_l("Give the user at least one unit role."), field="roles")
    user = create_user(
        username, display_name, unit.agency, [], password, actor=actor, roleless=True
    )
    for role in wanted:
        db.session.add(UnitUser(user_id=user.id, unit_id=unit.id, role=role))
    db.session.flush()
    audit.record(
        "ethics.unit.user",
        actor=actor,
        obj=unit,
        details={"username": user.username, "roles": [r.value for r in wanted]},
    )
    return user


def _ethics_panel(panel_id, agency_id: int, field: str) -> Panel:
    try:
        panel = db.session.get(Panel, int(panel_id))
    except (TypeError, ValueError):
        panel = None
    if panel is None or panel.agency_id != agency_id or panel.kind is not PanelKind.ethics:
        raise InvalidInput(_l("Choose one of the authority's ethics committees."), field=field)
    if not panel.active:
        raise GuardFailed(_l("The committee is not active."), field=field)
    return panel


def set_unit_committee(actor: User, unit: Unit, panel_id) -> Unit:
    """The unit's own ethics committee: a panel of kind ethics no other unit holds."""
    _require_admin_of(actor, unit.agency_id)
    panel = _ethics_panel(panel_id, unit.agency_id, "panel_id")
    holder = db.session.scalar(select(Unit).where(Unit.panel_id == panel.id, Unit.id != unit.id))
    if holder is not None:
        raise GuardFailed(
            _l("That committee is already %(unit)s's own.", unit=holder.name), field="panel_id"
        )
    unit.panel_id = panel.id
    db.session.flush()
    audit.record("ethics.unit.committee", actor=actor, obj=unit, details={"panel": panel.name})
    return unit


def entrust(
    actor: User,
    unit: Unit,
    panel_id,
    scope,
    document_ref,
    starts_on,
    ends_on,
    excludes_listed=False,
):
    """Records a written entrustment (委托, art. 13) of another committee — another unit's
    or the regional review centre's — with its scope and dates; `excludes_listed` leaves
    activities on the expert re-review list out of it."""
    _require_admin_of(actor, unit.agency_id)
    problems = Problems()
    panel = problems.attempt(lambda: _ethics_panel(panel_id, unit.agency_id, "panel_id"))
    scope = _text(scope, "scope", _l("Scope"), limit=2000, problems=problems)
    ref = _text(document_ref, "document_ref", _l("Agreement number"), limit=120, problems=problems)
    start = _date(starts_on, "starts_on", _l("From"), problems)
    end = _date(ends_on, "ends_on", _l("Until"), problems)
    if start and end and end < start:
        problems.add("ends_on", _l("The end cannot be before the start."), label=_l("Until"))
    if panel is not None and panel.id == unit.panel_id:
        problems.add("panel_id", _l("A unit does not entrust its own committee."))
    problems.check()
    row = Entrustment(
        unit_id=unit.id,
        panel_id=panel.id,
        scope=scope,
        document_ref=ref,
        starts_on=start,
        ends_on=end,
        excludes_listed=bool(excludes_listed),
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "ethics.entrust",
        actor=actor,
        obj=unit,
        details={"panel": panel.name, "from": start.isoformat(), "until": end.isoformat()},
    )
    return row


def reviewing_committee(unit: Unit, on: dt.date) -> tuple[Panel | None, Entrustment | None]:
    """The unit's own committee, else the latest entrustment in force on the day."""
    if unit.panel_id is not None:
        return unit.panel, None
    row = db.session.scalar(
        select(Entrustment)
        .where(
            Entrustment.unit_id == unit.id,
            Entrustment.ended_at.is_(None),
            Entrustment.starts_on <= on,
            Entrustment.ends_on >= on,
        )
        .order_by(Entrustment.starts_on.desc(), Entrustment.id.desc())
        .limit(1)
    )
    return (row.panel, row) if row is not None else (None, None)


def require_entrusted(application: Application, on: dt.date) -> None:
    """An entrusted committee reviews only the entrusting unit's applications, within the
    entrustment's scope and dates, while it is in force; otherwise the step is refused
    naming the entrustment and why. A unit's own committee passes."""
    if application.entrustment_id is None:
        return
    row = db.session.get(Entrustment, application.entrustment_id)
    ref = {"ref": row.document_ref, "committee": row.panel.name}
    if row.unit_id != application.unit_id or row.panel_id != application.panel_id:
        raise GuardFailed(
            _l(
                "Entrustment %(ref)s is not this unit's entrustment of %(committee)s: "
                "the committee cannot review this application.",
                **ref,
            ),
            code="entrustment_unit",
        )
    if not row.in_force(on):
        raise GuardFailed(
            _l(
                "Entrustment %(ref)s of %(committee)s is not in force on %(day)s (it runs "
                "%(start)s – %(end)s%(ended)s): the committee cannot review this application.",
                day=on.isoformat(),
                start=row.starts_on.isoformat(),
                end=row.ends_on.isoformat(),
                ended=_l(", ended early") if row.ended_at is not None else "",
                **ref,
            ),
            code="entrustment_dates",
        )
    if row.excludes_listed and application.listed_id is not None:
        raise GuardFailed(
            _l(
                "Entrustment %(ref)s of %(committee)s leaves out activities on the expert "
                "re-review list: the committee cannot review this application.",
                **ref,
            ),
            code="entrustment_scope",
        )


def add_listed_activity(actor: User, code, title_zh, title_en) -> ListedActivity:
    if not perm.may_manage_units(actor):
        raise NotAllowed(_l("Only an administrator keeps the list."))
    problems = Problems()
    code = _text(code, "code", _l("Code"), limit=20, problems=problems)
    zh = _text(title_zh, "title_zh", _l("Title (Chinese)"), problems=problems)
    en = _text(title_en, "title_en", _l("Title (English)"), required=False, problems=problems)
    if code and db.session.scalar(select(func.count()).where(ListedActivity.code == code)):
        problems.add("code", _l("That code is on the list already."), label=_l("Code"))
    problems.check()
    row = ListedActivity(code=code, title_zh=zh, title_en=en or zh, created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record("ethics.list.add", actor=actor, obj=row, details={"code": code})
    return row


# --- applications ----------------------------------------------------------------------


def _next_reference(unit: Unit) -> str:
    year = today().year
    prefix = f"ETH-{unit.agency.code}-{year}-"
    taken = db.session.scalar(select(func.count()).where(Application.reference.like(prefix + "%")))
    return f"{prefix}{taken + 1:04d}"


def create_application(actor: User, title) -> Application:
    unit = perm.unit_of(actor, UnitRole.applicant)
    if unit is None:
        raise NotAllowed(_l("Only a research unit's applicant opens an application."))
    problems = Problems()
    title = _text(title, "title", _l("Name of the activity"), problems=problems)
    problems.check()
    application = Application(
        reference=_next_reference(unit),
        unit_id=unit.id,
        applicant_id=actor.id,
        title=title,
        state=AppState.draft,
        content={},
        multi_site=False,
        versions_count=0,
    )
    db.session.add(application)
    db.session.flush()
    _audited("ethics.app.create", actor, application, {"title": title})
    return application


def _audited(action: str, actor: User, application: Application, details: dict) -> None:
    db.session.flush()
    audit.record(
        action,
        actor=actor,
        obj=application,
        agency_id=application.unit.agency_id,
        details={"ref": application.reference, **details},
    )


def _require_editable(actor: User, application: Application, expected_version=None) -> None:
    if not perm.is_applicant_of(actor, application):
        raise NotAllowed(_l("Only the unit's applicants edit its applications."))
    if application.state not in (AppState.draft, AppState.returned):
        raise GuardFailed(
            _l("The application was submitted: it can be changed once it is returned.")
        )
    if expected_version is not None and str(expected_version) != str(application.version):
        raise StaleVersion(
            _l("Someone changed the application meanwhile; nothing was saved. Reload it.")
        )


def update_application(actor: User, application: Application, data: dict, expected_version=None):
    """Saves the applicant's text of every item and the flags; required items are only
    demanded at submission, so a draft can be saved half-written."""
    _require_editable(actor, application, expected_version)
    problems = Problems()
    title = _text(data.get("title"), "title", _l("Name of the activity"), problems=problems)
    content = dict(application.content or {})
    for key in items.TEXT_KEYS:
        if key in data:
            content[key] = _text(
                data.get(key),
                key,
                items.item_label(key),
                required=False,
                limit=items.TEXT_LIMIT,
                problems=problems,
            )
    multi_site = _flag(data.get("multi_site"))
    lead = _text(
        data.get("lead_unit"), "lead_unit", _l("Lead unit"), required=multi_site, problems=problems
    )
    listed = _listed(data.get("listed_id"), problems)
    problems.check()
    application.title = title
    application.content = content
    application.multi_site = multi_site
    application.lead_unit = lead if multi_site else None
    application.listed_id = listed.id if listed else None
    _audited("ethics.app.edit", actor, application, {})
    return application


def _flag(value) -> bool:
    return str(value).lower() in ("1", "true", "on", "yes", "y")


def _listed(value, problems: Problems) -> ListedActivity | None:
    if value in (None, "", "0", 0):
        return None
    try:
        row = db.session.get(ListedActivity, int(value))
    except (TypeError, ValueError):
        row = None
    if row is None or not row.active:
        problems.add("listed_id", _l("Choose an entry of the list."), label=_l("Listed activity"))
        return None
    return row


@dataclass
class Upload:
    stream: BinaryIO
    filename: str | None


def _disguised(name: str, mime_type: str) -> bool:
    """A name whose extension claims another type than the content (a program named .pdf
    is refused by type already; a picture named .pdf is refused here)."""
    guessed, _enc = mimetypes.guess_type(name)
    if guessed is None or guessed == mime_type:
        return False
    return not (guessed.startswith("text/") and mime_type.startswith("text/"))


def add_attachment(actor: User, application: Application, item, upload: Upload) -> Attachment:
    """Stores the file in the content-addressed store (one blob per content, as evidence)
    and attaches it to an item of the draft; the custody starts with its adding."""
    _require_editable(actor, application)
    if item not in items.ATTACHABLE:
        raise InvalidInput(_l("Choose the item the file belongs to."), field="item")
    name = storage.sanitise_name(upload.filename)
    limit = current_app.config["EVIDENCE_MAX_FILE_SIZE"]
    try:
        with storage.receive(
            upload.stream, limit, current_app.config["EVIDENCE_ALLOWED_TYPES"]
        ) as stored:
            if _disguised(name, stored.mime_type):
                raise storage.TypeRejected(stored.mime_type)
            claim_blob_row(stored)
            storage.place(stored)
    except storage.TooLarge:
        raise FileTooLarge(
            _l(
                "“%(name)s” is larger than the limit of %(limit)s a file; nothing was stored.",
                name=name,
                limit=size_label(limit),
            ),
            field="file",
        ) from None
    except storage.TypeRejected:
        raise TypeNotAllowed(
            _l("“%(name)s” is not of a type accepted, or its name disguises its type.", name=name),
            field="file",
        ) from None
    row = Attachment(
        application_id=application.id,
        item=item,
        original_name=name,
        blob_sha256=stored.sha256,
        added_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    record_custody(row, CustodyAction.added, actor)
    _audited("ethics.app.attach", actor, application, {"item": item, "sha256": stored.sha256})
    return row


def remove_attachment(actor: User, attachment: Attachment) -> None:
    _require_editable(actor, attachment.application)
    if attachment.removed_at is not None:
        raise GuardFailed(_l("The file was removed already."))
    attachment.removed_at = utcnow()
    record_custody(attachment, CustodyAction.removed, actor)
    _audited("ethics.app.detach", actor, attachment.application, {"item": attachment.item})


def record_custody(attachment: Attachment, action: CustodyAction, actor: User) -> None:
    db.session.add(AttachmentCustody(attachment_id=attachment.id, action=action, actor_id=actor.id))
    db.session.flush()


def current_attachments(application: Application) -> list[Attachment]:
    return [a for a in application.attachments if a.removed_at is None]


def missing_items(application: Application) -> list[str]:
    """Every required item without its text or its file, in the form's order."""
    content = application.content or {}
    filed = {a.item for a in current_attachments(application)}
    missing = []
    for item in items.ITEMS:
        if (item.text and not (content.get(item.key) or "").strip()) or (
            item.file and item.key not in filed
        ):
            missing.append(item.key)
    return missing


def submit_application(actor: User, application: Application, expected_version=None):
    """Submits (or, after a notice, resubmits) the application: every required item is
    there, or the refusal names each one; the submission is kept as a version."""
    _require_editable(actor, application, expected_version)
    problems = Problems()
    for key in missing_items(application):
        problems.add(key, _l("This item is required."), label=items.item_label(key))
    if application.multi_site and not application.lead_unit:
        problems.add("lead_unit", _l("Name the lead unit."), label=_l("Lead unit"))
    problems.check()
    panel, entrustment = reviewing_committee(application.unit, today())
    if panel is None:
        raise GuardFailed(
            _l(
                "Your unit has no ethics committee and no entrustment in force: "
                "ask its administrator."
            ),
            code="no_committee",
        )
    application.panel_id = panel.id
    application.entrustment_id = entrustment.id if entrustment else None
    require_entrusted(application, today())
    application.versions_count += 1
    db.session.add(
        ApplicationVersion(
            application_id=application.id,
            number=application.versions_count,
            content=dict(application.content or {}),
            attachments=[
                {"item": a.item, "name": a.original_name, "sha256": a.blob_sha256}
                for a in current_attachments(application)
            ],
            submitted_by_id=actor.id,
        )
    )
    resubmission = application.state is AppState.returned
    application.state = AppState.submitted
    application.submitted_at = utcnow()
    _audited(
        "ethics.app.resubmit" if resubmission else "ethics.app.submit",
        actor,
        application,
        {"version": application.versions_count, "committee": panel.name},
    )
    handoffs.submitted(application, actor)
    return application


def _require_office(actor: User, application: Application) -> None:
    if not perm.is_office_of(actor, application):
        raise NotAllowed(_l("Only the committee's office accepts or returns applications."))
    if application.state is not AppState.submitted:
        raise GuardFailed(_l("Only a submitted application is accepted or returned."))


def accept_application(actor: User, application: Application, procedure) -> Notice:
    """Accepts the application naming its procedure (art. 10); the decision is due within
    the policy's days of acceptance, an emergency within its hours."""
    try:
        procedure = Procedure(procedure)
    except ValueError:
        raise InvalidInput(_l("Name the procedure."), field="procedure") from None
    _require_office(actor, application)
    require_entrusted(application, today())
    agency_id = application.unit.agency_id
    now = utcnow()
    due = policy.decision_due(agency_id, today())
    hours = policy.value(agency_id, "emergency_hours")
    application.state = AppState.accepted
    application.procedure = procedure
    application.accepted_at = now
    application.decision_due = due
    if procedure is Procedure.emergency:
        application.emergency_due = now + dt.timedelta(hours=hours)
    notice = _notice(application, actor, NoticeKind.accepted, procedure=procedure)
    _audited("ethics.app.accept", actor, application, {"procedure": procedure.value})
    handoffs.accepted(application, actor)
    return notice


def return_application(actor: User, application: Application, missing, note) -> Notice:
    """Returns the application with one notice listing every missing item."""
    keys = [k for k in (missing or []) if k]
    problems = Problems()
    unknown = [k for k in keys if k not in items.BY_KEY]
    if not keys or unknown:
        problems.add("missing", _l("Tick every missing item."), label=_l("Missing items"))
    note = _text(note, "note", _l("Note"), required=False, limit=5000, problems=problems)
    problems.check()
    _require_office(actor, application)
    application.state = AppState.returned
    ordered = [i.key for i in items.ITEMS if i.key in set(keys)]
    notice = _notice(application, actor, NoticeKind.returned, missing=ordered, note=note or None)
    _audited("ethics.app.return", actor, application, {"missing": ordered})
    handoffs.returned(application, actor)
    return notice


def _notice(application, actor, kind, *, procedure=None, missing=(), note=None) -> Notice:
    notice = Notice(
        application_id=application.id,
        version_number=application.versions_count,
        kind=kind,
        procedure=procedure,
        missing=[{"item": k} for k in missing],
        note=note,
        by_id=actor.id,
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def notices_of(application: Application) -> list[Notice]:
    return list(
        db.session.scalars(
            select(Notice).where(Notice.application_id == application.id).order_by(Notice.id)
        )
    )


def versions_of(application: Application) -> list[ApplicationVersion]:
    return list(
        db.session.scalars(
            select(ApplicationVersion)
            .where(ApplicationVersion.application_id == application.id)
            .order_by(ApplicationVersion.number)
        )
    )
