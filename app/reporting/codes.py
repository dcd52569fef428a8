"""The receipt code: 16 random digits, the reporter's only credential, stored as a keyed hash.

Why a keyed hash (HMAC-SHA256) and not argon2: the code is the only thing the reporter
brings, so the report must be found from the code alone. A salted hash (argon2) cannot be
looked up; it would mean hashing the guess against every report. The code itself carries
10^16 possibilities (53 bits) chosen by `secrets`, so a slow hash adds nothing against
guessing online (which the rate limit stops); what must not happen is a leaked database
letting someone test codes offline, and the HMAC key lives outside the database
(`RECEIPT_CODE_KEY`, by default derived from the instance's SECRET_KEY).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app

DIGITS = 16


def new_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def shown(code: str) -> str:
    """Four groups of four, as it is read aloud and written down."""
    return " ".join(code[i : i + 4] for i in range(0, DIGITS, 4))


def normalise(typed: str | None) -> str | None:
    """The 16 digits of what was typed (spaces and dashes allowed), or None."""
    digits = re.sub(r"[\s\-]", "", typed or "")
    return digits if re.fullmatch(rf"\d{{{DIGITS}}}", digits) else None


def _key() -> bytes:
    configured = current_app.config.get("RECEIPT_CODE_KEY")
    if configured:
        return configured.encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"yrd.receipt-code", hashlib.sha256).digest()


def code_hash(code: str) -> str:
    return hmac.new(_key(), code.encode(), hashlib.sha256).hexdigest()
