"""Sites on other deployments: two envelope kinds registered with the exchange
(`app.exchange.kinds`), same protocol, signatures, receipts and retries as records.

- `ethics_site_notice` (lead → site): `record_id` is the activity's uid, `version` the
  update's sequence number for that site (1 is the decision to confirm, which carries the
  application's copy: items, decision, letter number and SHA-256, approved documents by
  name, SHA-256 and size; the site's node fetches the files themselves from the lead's,
  `app.ethics.site_files`). Refused: a committee not known here (`unknown_committee`), an
  update for an activity not known here (`unknown_activity`), another node's activity
  (`not_origin`).
- `ethics_site_reply` (site → lead): the confirmation (version 1) or an acknowledgement.
  Refused: an activity or site not led here (`unknown_activity`), a second, different
  confirmation (`already_confirmed`), an update not sent (`unknown_update`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from app.auth.models import Agency
from app.ethics.models import Application, Unit
from app.ethics.site_models import Site, SiteStatus, SiteUpdate, UpdateKind
from app.extensions import db

NOTICE = "ethics_site_notice"
REPLY = "ethics_site_reply"
ITEM_LIMIT = 2000  # per item in the copy, so the decision fits one envelope (64 KiB)


def _when(value: str) -> str:
    from app.exchange.envelopes import parse_timestamp

    parse_timestamp(value)
    return value


class DocumentShape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=255)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int | None = Field(default=None, ge=0, le=2**62)


class CopyShape(BaseModel):
    """The lead's application as a site's committee receives it."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=300)
    lead_unit: str = Field(min_length=1, max_length=200)
    lead_agency: str = Field(min_length=1, max_length=16)
    lead_committee: str = Field(min_length=1, max_length=200)
    decision: Literal["approve", "approve_modified"]
    decision_reasons: str = Field(min_length=1, max_length=5000)
    decided_at: str = Field(min_length=20, max_length=40)
    letter_number: str | None = Field(default=None, max_length=60)
    letter_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    letter_size: int | None = Field(default=None, ge=0, le=2**62)
    items: dict[str, str] = Field(default_factory=dict, max_length=40)
    documents: list[DocumentShape] = Field(default_factory=list, max_length=100)

    check_decided_at = field_validator("decided_at")(_when)


class NoticePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_agency: str = Field(min_length=1, max_length=16)
    site_unit: str = Field(min_length=1, max_length=200)
    type: Literal["decision", "amendment", "followup", "suspend", "terminate"]
    text: str = Field(min_length=1, max_length=5000)
    decided_at: str = Field(min_length=20, max_length=40)
    confirm_by: dt.date | None = None
    activity: CopyShape | None = None

    check_decided_at = field_validator("decided_at")(_when)


class ReplyPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_agency: str = Field(min_length=1, max_length=16)
    site_unit: str = Field(min_length=1, max_length=200)
    type: Literal["confirmation", "acknowledgement"]
    status: Literal["recognised", "conditions", "declined"] | None = None
    reasons: str | None = Field(default=None, max_length=5000)
    at: str = Field(min_length=20, max_length=40)
    by: str = Field(min_length=1, max_length=200)

    check_at = field_validator("at")(_when)


def register() -> None:
    from app.exchange.kinds import register_envelope_kind

    register_envelope_kind(NOTICE, payload=NoticePayload, store=store_notice)
    register_envelope_kind(REPLY, payload=ReplyPayload, store=store_reply)


def _iso(at: dt.datetime) -> str:
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))


def _refused(status: int, code: str, title: str, detail: str):
    from app.exchange.receive import ExchangeRefused

    return ExchangeRefused(status, code, title, detail)


# --- sending ------------------------------------------------------------------------


def _copy(application: Application) -> dict:
    from app.ethics import services
    from app.ethics.letters import letter_of

    letter = letter_of(application)
    content = application.content or {}
    return {
        "reference": application.reference,
        "title": application.title,
        "lead_unit": application.unit.name,
        "lead_agency": application.unit.agency.code,
        "lead_committee": application.panel.name if application.panel else application.unit.name,
        "decision": application.decision,
        "decision_reasons": application.decision_reasons[:5000],
        "decided_at": _iso(application.decided_at),
        "letter_number": letter.number if letter else None,
        "letter_sha256": letter.sha256 if letter else None,
        "letter_size": _letter_size(letter),
        "items": {k: str(v)[:ITEM_LIMIT] for k, v in content.items() if isinstance(v, str) and v},
        "documents": [
            {"item": a.item, "name": a.original_name, "sha256": a.blob_sha256, "size": a.blob.size}
            for a in services.current_attachments(application)
        ],
    }


def _letter_size(letter) -> int | None:
    from app.ethics.letters import letter_path

    if letter is None or not letter.sha256 or not letter.path:
        return None
    path = letter_path(letter)
    return path.stat().st_size if path.is_file() else None


def send_notice(site: Site, update: SiteUpdate, application: Application) -> int:
    from app.exchange.outbox import send_envelope

    payload = {
        "site_agency": site.site_agency,
        "site_unit": site.site_unit,
        "type": update.kind.value,
        "text": update.text[:5000],
        "decided_at": _iso(update.decided_at),
        "confirm_by": site.confirm_by.isoformat() if site.confirm_by else None,
        "activity": _copy(application) if update.kind is UpdateKind.decision else None,
    }
    return send_envelope(site.peer_id, NOTICE, site.activity_uid, update.seq, payload).id


def send_reply(site: Site, update: SiteUpdate, kind: str) -> int:
    from app.exchange.outbox import send_envelope

    confirmation = kind == "confirmation"
    payload = {
        "site_agency": site.site_agency,
        "site_unit": site.site_unit,
        "type": kind,
        "status": site.status.value if confirmation else None,
        "reasons": site.reasons if confirmation else None,
        "at": _iso(update.acknowledged_at),
        "by": update.acknowledged_by or "—",
    }
    return send_envelope(site.peer_id, REPLY, site.activity_uid, update.seq, payload).id


# --- receiving ----------------------------------------------------------------------


def store_notice(shape, peer, envelope: dict, sha: str) -> str:
    payload = NoticePayload.model_validate(shape.payload)
    unit = db.session.scalar(
        select(Unit)
        .join(Agency, Agency.id == Unit.agency_id)
        .where(
            Agency.code == payload.site_agency,
            Unit.name == payload.site_unit,
            Unit.panel_id.is_not(None),
        )
    )
    if unit is None:
        raise _refused(
            404,
            "unknown_committee",
            "Unknown committee",
            f"no unit {payload.site_unit!r} of {payload.site_agency} with its own committee here",
        )
    site = db.session.scalar(
        select(Site).where(
            Site.activity_uid == shape.record_id,
            Site.site_agency == payload.site_agency,
            Site.site_unit == payload.site_unit,
        )
    )
    if site is not None and (not site.remote_lead or site.peer_id != peer.id):
        raise _refused(409, "not_origin", "Not the origin", "the activity is led by another node")
    if site is None and (payload.type != "decision" or payload.activity is None):
        raise _refused(
            404,
            "unknown_activity",
            "Unknown activity",
            "the decision to confirm (with the activity's copy) must come first",
        )
    if site is not None:
        known = next((u for u in site.updates if u.seq == shape.version), None)
        if known is not None:
            if known.kind.value == payload.type and known.text == payload.text:
                return "duplicate"
            raise _refused(
                409, "version_conflict", "Version conflict", "this update came before, different"
            )
    if site is None:
        site = Site(
            activity_uid=shape.record_id,
            remote_lead=True,
            panel_id=unit.panel_id,
            peer_id=peer.id,
            site_agency=payload.site_agency,
            site_unit=payload.site_unit,
            status=SiteStatus.awaiting,
            copy=payload.activity.model_dump(),
        )
        db.session.add(site)
        from app.ethics.site_files import list_files

        list_files(site, payload.activity)
    if payload.confirm_by is not None and payload.type == "decision":
        site.confirm_by = payload.confirm_by
    if payload.type in ("suspend", "terminate"):
        site.copy = {**(site.copy or {}), "activity_state": payload.type}
    update = SiteUpdate(
        seq=shape.version,
        kind=UpdateKind(payload.type),
        text=payload.text,
        decided_at=_parse(payload.decided_at),
    )
    site.updates.append(update)
    db.session.flush()
    from app.ethics import site_handoffs
    from app.ethics.sites import audit_site

    site_handoffs.to_site(site, update, None)
    audit_site(f"ethics.site.received_{payload.type}", None, site, {"peer": peer.node_id})
    return "stored"


def store_reply(shape, peer, envelope: dict, sha: str) -> str:
    payload = ReplyPayload.model_validate(shape.payload)
    site = db.session.scalar(
        select(Site).where(
            Site.activity_uid == shape.record_id,
            Site.site_agency == payload.site_agency,
            Site.site_unit == payload.site_unit,
            Site.remote_lead.is_(False),
            Site.peer_id == peer.id,
        )
    )
    if site is None:
        raise _refused(
            404, "unknown_activity", "Unknown activity", "no such activity with that site here"
        )
    update = next((u for u in site.updates if u.seq == shape.version), None)
    if update is None:
        raise _refused(404, "unknown_update", "Unknown update", "this update was not sent")
    if payload.type == "confirmation":
        if shape.version != 1 or payload.status is None:
            raise _refused(
                422, "malformed_envelope", "Malformed envelope", "a confirmation answers v1"
            )
        if payload.status != "recognised" and not payload.reasons:
            raise _refused(
                422, "malformed_envelope", "Malformed envelope", "conditions need reasons"
            )
        if site.status is not SiteStatus.awaiting:
            if site.status.value == payload.status and site.reasons == payload.reasons:
                return "duplicate"
            raise _refused(
                409, "already_confirmed", "Already confirmed", "the site answered before"
            )
        from app.ethics.sites import apply_confirmation

        apply_confirmation(
            site, SiteStatus(payload.status), payload.reasons, _parse(payload.at), payload.by
        )
    elif update.acknowledged_at is not None:
        return "duplicate"
    update.acknowledged_at = _parse(payload.at)
    update.acknowledged_by = payload.by
    db.session.flush()
    from app.ethics import site_handoffs
    from app.ethics.sites import audit_site

    site_handoffs.to_lead(site, None)
    audit_site(f"ethics.site.received_{payload.type}", None, site, {"peer": peer.node_id})
    return "stored"
