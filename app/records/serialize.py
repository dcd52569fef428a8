"""The public face of a record (API, checks and exports): no complainant, no full identifier."""

from __future__ import annotations

from app.core.times import to_cst
from app.records.models import IntegrityRecord


def record_json(record: IntegrityRecord) -> dict:
    payload = record.payload or {}
    return {
        "record_id": record.record_uid,
        "version": record.current_version,
        "status": record.status.value,
        "origin_node": record.origin_node,
        "local": record.is_local,
        "subject": {"name": record.subject_name, "id_masked": record.subject_id_masked},
        "deciding_agency": record.deciding_agency,
        "conduct": payload.get("conduct"),
        "outcome": payload.get("outcome"),
        "legal_basis": payload.get("legal_basis"),
        "severity": payload.get("severity"),
        "effective_date": record.effective_date.isoformat() if record.effective_date else None,
        "term_end": record.term_end.isoformat() if record.term_end else None,
        "lifetime": record.lifetime,
        "publish_until": record.publish_until.isoformat() if record.publish_until else None,
        "query_until": record.query_until.isoformat() if record.query_until else None,
        "under_objection": bool(record.under_objection),
        # Every version this node holds; all but the latest read as superseded.
        "versions": [
            {
                "version": v.version,
                "status": v.status.value,
                "superseded": v.superseded,
                "stored_at": to_cst(v.stored_at).isoformat(),
            }
            for v in record.versions
        ],
        "recognitions": [
            {"agency": r.agency_code, "decision": r.decision.value, "version": r.version}
            for r in record.recognitions
        ],
    }
