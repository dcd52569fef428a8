"""The OpenAPI 3.1 description of the exchange API, served at /api/exchange/v1/openapi.json."""

from __future__ import annotations

from app.core.envelopes import PROTOCOL

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problems(*codes: int) -> dict:
    return {
        str(code): {
            "description": "Refused; nothing stored",
            "content": {"application/problem+json": {"schema": PROBLEM}},
        }
        for code in codes
    }


ENVELOPE = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "protocol",
        "kind",
        "sender",
        "record_id",
        "version",
        "issued_at",
        "payload",
        "signature",
    ],
    "properties": {
        "protocol": {"const": PROTOCOL},
        "kind": {"enum": ["record", "recognition", "receipt"]},
        "sender": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "Node id of the signer",
        },
        "record_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "version": {"type": "integer", "minimum": 1},
        "issued_at": {"type": "string", "format": "date-time"},
        "payload": {"type": "object"},
        "signature": {
            "type": "string",
            "description": "base64url Ed25519 signature over the RFC 8785 canonical JSON of "
            "the envelope without `signature`",
        },
    },
}

RECORD_PAYLOAD = {
    "type": "object",
    "required": ["status", "subject", "deciding_agency", "effective_date"],
    "properties": {
        "status": {"enum": ["active", "expired", "revoked"]},
        "subject": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "matching_hash": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
                "id_masked": {"type": ["string", "null"]},
                "party_type": {"enum": ["person", "institution"]},
                "institution": {"type": ["string", "null"]},
            },
        },
        "conduct": {"type": "string"},
        "outcome": {"type": "string"},
        "deciding_agency": {"type": "string"},
        "deciding_agency_code": {"type": ["string", "null"]},
        "legal_basis": {"type": "string"},
        "case_reference": {"type": ["string", "null"]},
        "decided_on": {"type": ["string", "null"], "format": "date"},
        "effective_date": {"type": "string", "format": "date"},
        "term_end": {"type": ["string", "null"], "format": "date"},
        "lifetime": {"type": "boolean"},
        "severity": {"enum": ["minor", "serious", "severe"]},
        "revocation_reason": {"type": ["string", "null"]},
        "amendment_reason": {
            "type": ["string", "null"],
            "description": "set on a version that changes the terms after a review",
        },
        "publish_until": {
            "type": ["string", "null"],
            "format": "date",
            "description": "last day of the public-query period (by severity)",
        },
        "query_until": {
            "type": ["string", "null"],
            "format": "date",
            "description": "last day a check or screening returns the record (5-year limit)",
        },
        "under_objection": {
            "type": "boolean",
            "description": "the subject's objection is being handled",
        },
        "repaired_on": {
            "type": ["string", "null"],
            "format": "date",
            "description": "credit repair approved: the record leaves checks and screenings",
        },
        "note": {
            "type": "string",
            "description": "why a version that changes no terms was published",
        },
    },
}

RECOGNITION_PAYLOAD = {
    "type": "object",
    "required": ["agency_code", "decision", "decided_at"],
    "properties": {
        "agency_code": {"type": "string"},
        "agency_name": {"type": "string"},
        "decision": {"enum": ["recognise", "recognise_modified", "decline"]},
        "modified_terms": {"type": ["string", "null"]},
        "reason": {"type": ["string", "null"]},
        "decided_at": {"type": "string", "format": "date-time"},
    },
}

SIGNED_HEADERS = [
    {"name": "X-YRD-Node", "in": "header", "required": True, "schema": {"type": "string"}},
    {
        "name": "X-YRD-Timestamp",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "format": "date-time"},
    },
    {
        "name": "X-YRD-Signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "base64url Ed25519 signature over RFC 8785 JSON of "
        '{"method","path","node","at"} (path with query string)',
    },
]


def _envelope() -> dict:
    """The envelope, its kinds including those registered by other features
    (`app.exchange.kinds`), whose payloads their registering modules describe."""
    from app.exchange.kinds import registered

    kinds = ["record", "recognition", "receipt", *registered()]
    return {**ENVELOPE, "properties": {**ENVELOPE["properties"], "kind": {"enum": kinds}}}


def document() -> dict:
    receipt = {
        "type": "object",
        "properties": {"receipt": {"$ref": "#/components/schemas/Envelope"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "YRD integrity record exchange",
            "version": "1",
            "description": "Signed exchange of integrity records between independent "
            "deployments. See the README section 'Exchange protocol'.",
        },
        "paths": {
            "/api/exchange/v1/envelopes": {
                "post": {
                    "operationId": "receiveEnvelope",
                    "summary": "Deliver one signed record version or recognition",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Envelope"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Stored, or already held (idempotent)",
                            "content": {"application/json": {"schema": receipt}},
                        },
                        **_problems(400, 401, 403, 404, 409, 413, 415, 422, 503),
                    },
                }
            },
            "/api/exchange/v1/envelopes/batch": {
                "post": {
                    "operationId": "receiveBatch",
                    "summary": "Deliver up to 500 envelopes in one request",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["envelopes"],
                                    "properties": {
                                        "envelopes": {
                                            "type": "array",
                                            "minItems": 1,
                                            "maxItems": 500,
                                            "items": {"$ref": "#/components/schemas/Envelope"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "One result per envelope: a receipt or a problem",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_problems(400, 413, 415, 422, 503),
                    },
                }
            },
            "/api/exchange/v1/records": {
                "get": {
                    "operationId": "listRecords",
                    "summary": "Versions published by this node after a cursor (catch-up)",
                    "description": (
                        "Signed with X-YRD-Signature over the method, path, node and timestamp; "
                        "the timestamp must be within five minutes of the server's clock and "
                        "each signature is answered once (a replay is refused with "
                        "replayed_request). A page shorter than `limit` is the last one."
                    ),
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                        },
                        *SIGNED_HEADERS,
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of envelopes and the next cursor",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "envelopes": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Envelope"},
                                            },
                                            "next": {"type": "integer"},
                                        },
                                    }
                                }
                            },
                        },
                        **_problems(400, 401, 403, 503),
                    },
                }
            },
            "/api/exchange/v1/files/{source}/{key}/{sha256}": {
                "get": {
                    "operationId": "getFile",
                    "summary": "A file a signed envelope of this node listed for the caller",
                    "description": (
                        "Signed as the catch-up is (X-YRD-Signature over the method, path, "
                        "node and timestamp; each signature answered once). `source` is the "
                        "registered guest's (e.g. ethics_site), `key` the envelopes' "
                        "record_id. Answered only to the peer the listing envelope was sent "
                        "to, only for a file it listed (else 404 unknown_file, whatever is "
                        "missing); streamed as application/octet-stream. The caller checks "
                        "the SHA-256 and size against the envelope before keeping it."
                    ),
                    "parameters": [
                        {
                            "name": "source",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 40},
                        },
                        {
                            "name": "key",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
                        },
                        {
                            "name": "sha256",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        },
                        *SIGNED_HEADERS,
                    ],
                    "responses": {
                        "200": {
                            "description": "The file's bytes",
                            "content": {
                                "application/octet-stream": {
                                    "schema": {"type": "string", "format": "binary"}
                                }
                            },
                        },
                        **_problems(401, 403, 404, 503),
                    },
                }
            },
            "/.well-known/yrd-node": {
                "get": {
                    "operationId": "describeNode",
                    "summary": "This node's id and Ed25519 public key",
                    "responses": {
                        "200": {
                            "description": "Node description",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "node_id": {"type": "string"},
                                            "public_key": {"type": "string"},
                                            "algorithm": {"const": "Ed25519"},
                                            "protocol": {"type": "string"},
                                            "api": {"type": "string"},
                                        },
                                    }
                                }
                            },
                        },
                        **_problems(503),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Envelope": _envelope(),
                "RecordPayload": RECORD_PAYLOAD,
                "RecognitionPayload": RECOGNITION_PAYLOAD,
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "code"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "code": {"type": "string"},
                        "detail": {"type": "string"},
                    },
                },
            }
        },
    }
