"""Records in force of respondents being registered, for the registration form's related
matters (`app.cases.extension_points.related_matters`)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.cases.hints import RelatedMatter
from app.core.calendar import today
from app.extensions import db
from app.records.models import IntegrityRecord, RecordStatus
from app.records.permissions import visible_records


def records_in_force(user, hashes: dict[str, str]) -> list[RelatedMatter]:
    """Every record in force of these subjects the node holds (local or received). One the
    user may see is named and linked; any other only said to exist, never described."""
    in_force = (
        IntegrityRecord.subject_hash.in_(list(hashes)),
        IntegrityRecord.status == RecordStatus.active,
        (IntegrityRecord.term_end.is_(None)) | (IntegrityRecord.term_end >= today()),
    )
    rows = db.session.execute(
        select(IntegrityRecord.id, IntegrityRecord.subject_hash)
        .where(*in_force)
        .order_by(IntegrityRecord.id.desc())
        .limit(50)
    ).all()
    visible = set(
        db.session.scalars(
            visible_records(user)
            .with_only_columns(IntegrityRecord.id)
            .where(IntegrityRecord.id.in_([r.id for r in rows]))
        )
    )
    found, unnamed = [], set()
    for row in rows:
        name = hashes[row.subject_hash]
        if row.id in visible:
            found.append(
                RelatedMatter(
                    name,
                    str(_l("Integrity record %(id)s in force", id=row.id)),
                    url_for("records.record_detail", record_id=row.id),
                )
            )
        elif name not in unnamed:
            unnamed.add(name)
            found.append(RelatedMatter(name, str(_l("A record in force exists"))))
    return found
