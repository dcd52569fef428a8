"""What an audit entry's object is, in words: the case reference, the evidence title, the
person on the team. Entries store only the object's class name and id; a page of entries
is described with one query per kind of object on it, whatever the page size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.cases.models import Case, CaseTransfer, TransferState
from app.core.labels import label, object_type_label
from app.extensions import db


@dataclass(frozen=True)
class Describe:
    text: Callable[[object], str]
    load: tuple[str, ...] = ()  # relationships the text reads, loaded with the objects


# The complainant is left out on purpose: who complained is need-to-know, and the audit
# page is not the place that grants it.
DESCRIBE: dict[str, Describe] = {
    "Case": Describe(lambda o: o.reference),
    "EvidenceItem": Describe(lambda o: o.title),
    "CaseNote": Describe(lambda o: o.title),
    "Dossier": Describe(lambda o: label(o.level)),
    "IntegrityRecord": Describe(lambda o: o.name, ("case",)),
    "ExchangePeer": Describe(lambda o: o.node_id),
    "User": Describe(lambda o: o.display_name),
    "CaseMember": Describe(lambda o: o.user.display_name, ("user",)),
    "ConflictDeclaration": Describe(lambda o: o.user.display_name, ("user",)),
}


def _model(type_name: str):
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == type_name:
            return mapper.class_
    return None


def _key(object_id: str):
    return int(object_id) if object_id.isdigit() else object_id


def describe_objects(entries) -> dict[tuple[str, str], str]:
    """{(object_type, object_id): "Case SH-2026-000123"} for the entries' objects."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.object_type:
            wanted[entry.object_type].add(entry.object_id or "")
    found: dict[tuple[str, str], str] = {}
    for type_name, object_ids in wanted.items():
        kind = object_type_label(type_name)
        for object_id in object_ids:
            found[(type_name, object_id)] = kind
        spec, model = DESCRIBE.get(type_name), _model(type_name)
        ids = [i for i in object_ids if i]
        if spec is None or model is None or not ids:
            continue
        stmt = select(model).where(model.__mapper__.primary_key[0].in_([_key(i) for i in ids]))
        stmt = stmt.options(*(selectinload(getattr(model, rel)) for rel in spec.load))
        for obj in db.session.scalars(stmt):
            object_id = str(obj.id)
            found[(type_name, object_id)] = f"{kind} {spec.text(obj)}"
    return found


def references_at(rows) -> dict[int, str]:
    """{entry id: the case's reference when the entry was written} for (entry id, case id,
    at) rows. A case transferred since carries the receiver's reference now; an entry written
    before its transfer names the case as the sender did (the transfer keeps that reference),
    so an agency's log reads as it was written. One query for the cases, one for transfers."""
    rows = [r for r in rows if r[1]]
    case_ids = {case_id for _, case_id, _ in rows}
    if not case_ids:
        return {}
    current = {
        case_id: reference
        for case_id, reference in db.session.execute(
            select(Case.id, Case.reference).where(Case.id.in_(case_ids))
        )
    }
    moves: dict[int, list] = defaultdict(list)
    for case_id, answered_at, sender_reference in db.session.execute(
        select(CaseTransfer.case_id, CaseTransfer.answered_at, CaseTransfer.sender_reference)
        .where(CaseTransfer.case_id.in_(case_ids), CaseTransfer.state == TransferState.accepted)
        .order_by(CaseTransfer.answered_at)
    ):
        moves[case_id].append((answered_at, sender_reference))
    found = {}
    for entry_id, case_id, at in rows:
        later = next((ref for answered, ref in moves[case_id] if answered > at), None)
        found[entry_id] = later or current.get(case_id, "")
    return found
