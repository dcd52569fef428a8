"""The lead's files at a site on another deployment: the approved documents and the
decision letter the signed decision notice lists by SHA-256 and size reach the site's node
as files, through the exchange's signed requests (`app.exchange.files`).

- The lead's node serves a file (source `ethics_site`, key the activity's uid) only to the
  peer it sent the decision notice for that activity, and only a file that notice listed —
  read from the signed envelope in the outbox, so nothing beyond what was sent. Every file
  served is audited.
- The site's node keeps one `SiteFile` per listed file from the moment the notice is
  stored (arriving), fetches it in the periodic job `fetch_due`, checks its SHA-256 and
  size against the notice while streaming it into the store's temporary file, and only
  then adds it to the content-addressed store (arrived). A refusal, a mismatch or an
  unreachable lead stores nothing; the file stays listed as failed, with the error, and is
  tried again with the exchange's backoff. A file larger than `EXCHANGE_FILE_MAX_SIZE` is
  not fetched at all.
- The site's office and its named members who declared no conflict download an arrived
  file (as a local site's read the lead's application); each download is audited.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from app.auth.models import User
from app.core.models import utcnow
from app.ethics.site_models import FileState, Site, SiteFile
from app.evidence import storage
from app.extensions import db

SOURCE = "ethics_site"
BATCH = 50

STATE_LABELS = {
    FileState.arriving: _l("Documents arriving"),
    FileState.arrived: _l("Arrived"),
    FileState.failed: _l("Failed"),
}


def register() -> None:
    from app.exchange.files import register_file_source

    register_file_source(SOURCE, serve_site_file)


# --- the lead's node ----------------------------------------------------------------


def _listed(site: Site) -> dict | None:
    """The activity's copy as the signed decision notice sent to this site carried it."""
    from app.exchange.outbox import delivery_states

    first = next((u for u in site.updates if u.seq == 1), None)
    if first is None or first.sent_outbox_id is None:
        return None
    row = delivery_states([first.sent_outbox_id]).get(first.sent_outbox_id)
    if row is None:
        return None
    return (row.envelope.get("payload") or {}).get("activity")


def serve_site_file(peer, key: str, sha256: str):
    """The file the peer may fetch under the activity `key`, or None (answered 404)."""
    from pathlib import Path

    from app.ethics.letters import letter_path
    from app.ethics.models import DecisionLetter
    from app.ethics.sites import audit_site
    from app.evidence.models import Blob
    from app.exchange.files import ServedFile

    candidates = db.session.scalars(
        select(Site).where(
            Site.activity_uid == key, Site.remote_lead.is_(False), Site.peer_id == peer.id
        )
    )
    for site in candidates:
        copy = _listed(site) or {}
        served = None
        if any(d.get("sha256") == sha256 for d in copy.get("documents") or []):
            blob = db.session.get(Blob, sha256)
            if blob is not None:
                served = ServedFile(storage.blob_path(sha256), blob.size)
        elif copy.get("letter_sha256") == sha256:
            letter = db.session.scalar(
                select(DecisionLetter).where(
                    DecisionLetter.application_id == site.application_id,
                    DecisionLetter.sha256 == sha256,
                )
            )
            if letter is not None and letter.path:
                path: Path = letter_path(letter)
                served = ServedFile(path, path.stat().st_size if path.is_file() else 0)
        if served is not None:
            audit_site(
                "ethics.site.file_served", None, site, {"peer": peer.node_id, "sha256": sha256}
            )
            return served
    return None


# --- the site's node ----------------------------------------------------------------


def list_files(site: Site, activity) -> None:
    """At the decision notice: a row for every file it lists, arriving (or failed at once
    when it is larger than this node takes)."""
    limit = current_app.config["EXCHANGE_FILE_MAX_SIZE"]
    listed = []
    if activity.letter_sha256:
        letter = (0, "letter", None, activity.letter_number or "", activity.letter_sha256)
        listed.append((*letter, activity.letter_size))
    listed += [
        (n, "document", d.item, d.name, d.sha256, d.size)
        for n, d in enumerate(activity.documents, start=1)
    ]
    for position, role, item, name, sha256, size in listed:
        row = SiteFile(
            position=position,
            role=role,
            item=item,
            name=name or sha256[:16],
            sha256=sha256,
            size=size,
            state=FileState.arriving,
            attempts=0,
        )
        if size is not None and size > limit:
            row.state = FileState.failed
            row.last_error = f"too_large: {size} bytes, more than this node's limit of {limit}"
        site.files.append(row)


def _due(now):
    return or_(
        SiteFile.state == FileState.arriving,
        and_(SiteFile.state == FileState.failed, SiteFile.next_attempt_at <= now),
    )


def fetch_due(now=None) -> dict:
    """Periodic: fetches every listed file not yet arrived whose next try is due."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(SiteFile.id).where(_due(now)).order_by(SiteFile.id).limit(BATCH)
    ).all()
    db.session.commit()
    arrived = sum(fetch_one(file_id) for file_id in ids)
    return {"arrived": arrived, "failed": len(ids) - arrived}


class Refused(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code


def fetch_one(file_id: int) -> bool:
    """Fetches one listed file from the lead's node; True when it has arrived."""
    from app.exchange.files import FileUnavailable, next_attempt

    row = db.session.get(SiteFile, file_id)
    if row is None or row.state is FileState.arrived:
        return row is not None
    site = row.site
    sha256, expected, key, peer_id = row.sha256, row.size, site.activity_uid, site.peer_id
    try:
        mime_type = _have(sha256, expected)
        if mime_type is None:
            mime_type = _fetch(peer_id, key, sha256, expected)
    except (Refused, FileUnavailable) as exc:
        db.session.rollback()
        row = db.session.get(SiteFile, file_id)
        row.attempts += 1
        row.state = FileState.failed
        row.last_error = str(exc)[:2000]
        row.next_attempt_at = next_attempt(row.attempts)
        _audit("ethics.site.file_failed", row, {"error": exc.code, "attempts": row.attempts})
        db.session.commit()
        return False
    row = db.session.get(SiteFile, file_id)
    row.attempts += 1
    row.state = FileState.arrived
    row.mime_type = mime_type
    row.arrived_at = utcnow()
    row.last_error = row.next_attempt_at = None
    _audit("ethics.site.file_arrived", row, {"size": expected})
    db.session.commit()
    return True


def _have(sha256: str, expected: int | None) -> str | None:
    """The type of that content when this node's store holds it already."""
    from app.evidence.models import Blob

    blob = db.session.get(Blob, sha256)
    if blob is None or (expected is not None and blob.size != expected):
        return None
    return blob.mime_type if storage.blob_path(sha256).is_file() else None


def _fetch(peer_id: int, key: str, sha256: str, expected: int | None) -> str:
    """Streams the file into the store's temporary file, checks it against the notice and
    only then stores it; raises Refused (nothing stored) when it is not what was listed."""
    from app.evidence.services import claim_blob_row
    from app.exchange.files import open_peer_file

    most = current_app.config["EXCHANGE_FILE_MAX_SIZE"]
    limit = most if expected is None else min(most, expected)
    allowed = current_app.config["EVIDENCE_ALLOWED_TYPES"]
    try:
        with (
            open_peer_file(peer_id, SOURCE, key, sha256) as stream,
            storage.receive(stream, limit, allowed) as got,
        ):
            if got.sha256 != sha256:
                raise Refused("sha256_mismatch", f"the lead's node served {got.sha256}")
            if expected is not None and got.size != expected:
                raise Refused("size_mismatch", f"{got.size} bytes, the notice said {expected}")
            claim_blob_row(got)
            storage.place(got)
            return got.mime_type
    except storage.TooLarge:
        if limit != most:
            raise Refused("size_mismatch", f"more than the {expected} bytes listed") from None
        raise Refused("too_large", f"more than this node's limit of {most} bytes") from None
    except storage.TypeRejected as exc:
        raise Refused("type_not_allowed", exc.mime_type) from None


def _audit(action: str, row: SiteFile, details: dict) -> None:
    from app.ethics.sites import audit_site

    audit_site(action, None, row.site, {"sha256": row.sha256, "name": row.name, **details})


# --- who reads them -----------------------------------------------------------------


def may_read(user: User, site: Site) -> bool:
    """The site's office, and its named members once they declared no conflict."""
    from app.ethics import sites
    from app.ethics.site_review import member_of

    if not site.remote_lead:
        return False
    if sites.is_site_office(user, site):
        return True
    member = member_of(site, user)
    return member is not None and member.declared_at is not None and not member.recused


def file_of(site: Site, file_id: int) -> SiteFile | None:
    row = db.session.get(SiteFile, file_id)
    if row is None or row.site_id != site.id or row.state is not FileState.arrived:
        return None
    return row


def audit_download(user: User, row: SiteFile) -> None:
    from app.ethics.sites import audit_site

    audit_site("ethics.site.file_download", user, row.site, {"sha256": row.sha256})


def files_out(site: Site) -> list[dict]:
    """The listed files and their state, for the API."""
    return [
        {
            "role": f.role,
            "item": f.item,
            "name": f.name,
            "sha256": f.sha256,
            "size": f.size,
            "state": f.state.value,
            "arrived_at": f.arrived_at.isoformat() if f.arrived_at else None,
            "error": f.last_error if f.state is FileState.failed else None,
        }
        for f in site.files
    ]
