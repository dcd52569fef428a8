"""Password hashing with Argon2id, and the password policy.

The strength estimate is zxcvbn's: it ships its own frequency lists (common passwords,
words, names) and keyboard patterns, so nothing is fetched. Its feedback is English only,
so it is mapped onto our own translated messages.
"""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from app.core.secrets import ConfigurationError

# New hashes are Argon2id at argon2-cffi's defaults (RFC 9106's low-memory profile: 3 passes
# over 64 MiB). PASSWORD_HASH_COST = "minimal" (Argon2's least parameters) is for test suites,
# which create accounts by the hundred; production refuses it. A hash carries its own
# parameters, so verification works whichever cost made it.
_HASHERS = {
    "standard": PasswordHasher(),
    "minimal": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}
DEMO_PASSWORD = "demo-password"
MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn 0-4; 3 is "safely unguessable: moderate protection from offline attack"
_ESTIMATED_PREFIX = 72  # zxcvbn refuses longer input; the first 72 characters decide
_NAME_PART = 3  # shorter parts of a name are too common to refuse (e.g. "li", "wu")

# zxcvbn's warning (English, stable across releases) -> why, in the user's language.
_WHY = {
    'Repeats like "aaa" are easy to guess.': _l("repeated characters are easy to guess."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        "repeated characters are easy to guess."
    ),
    'Sequences like "abc" or "6543" are easy to guess.': _l(
        "sequences such as “abc” or “6543” are easy to guess."
    ),
    "Straight rows of keys are easy to guess.": _l("keyboard patterns are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("keyboard patterns are easy to guess."),
    "This is a top-10 common password.": _l("it is one of the most common passwords."),
    "This is a top-100 common password.": _l("it is one of the most common passwords."),
    "This is a very common password.": _l("it is one of the most common passwords."),
    "This is similar to a commonly used password.": _l("it is close to a common password."),
    "A word by itself is easy to guess.": _l("a single word is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("names are easy to guess."),
    "Common names and surnames are easy to guess.": _l("names are easy to guess."),
    "Recent years are easy to guess.": _l("dates and years are easy to guess."),
    "Dates are often easy to guess.": _l("dates and years are easy to guess."),
}


def check_cost(config) -> None:
    """PASSWORD_HASH_COST, checked when the app starts."""
    cost = config.get("PASSWORD_HASH_COST")
    if cost not in _HASHERS:
        raise ConfigurationError(
            f"PASSWORD_HASH_COST: must be one of {', '.join(_HASHERS)}, not {cost!r}"
        )
    if config.get("PRODUCTION") and cost != "standard":
        raise ConfigurationError("PASSWORD_HASH_COST: only 'standard' is allowed in production")


def _hasher() -> PasswordHasher:
    cost = current_app.config["PASSWORD_HASH_COST"] if has_app_context() else "standard"
    return _HASHERS[cost]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _personal_parts(names) -> list[str]:
    parts = []
    for name in names:
        name = (name or "").strip().lower()
        parts += [name, name.replace(" ", ""), *name.replace(".", " ").replace("-", " ").split()]
    return [p for p in dict.fromkeys(parts) if len(p) >= _NAME_PART]


def password_problem(password: str, *, personal=(), demo: bool = False):
    """Why the password may not be used (a message in the user's language), or None.

    `personal` are the account's username and display name: a password containing one is
    guessed first. The published demo password is accepted in demo mode only.
    """
    password = password or ""
    if password == DEMO_PASSWORD:
        return None if demo else _l("The demo password is allowed only in demo mode.")
    if len(password) < MIN_LENGTH:
        return _l("A password needs at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("A password has at most %(n)s characters.", n=MAX_LENGTH)
    lowered = password.lower()
    parts = _personal_parts(personal)
    if any(part in lowered for part in parts):
        return _l("A password must not contain the username or the display name.")
    from zxcvbn import zxcvbn  # its frequency lists take ≈12 MiB: loaded when first needed

    result = zxcvbn(password[:_ESTIMATED_PREFIX], user_inputs=parts)
    if result["score"] >= MIN_SCORE:
        return None
    why = _WHY.get(result["feedback"]["warning"], _l("it is easy to guess."))
    return _l(
        "This password is too weak: %(why)s Use several unrelated words, or a longer password.",
        why=why,
    )


def one_time_password(*, username: str, display_name: str) -> str:
    """A random password the policy accepts for this account, for an account whose owner sets
    their own later. A random string may contain a part of the name ("eth" in "…zEThT…"), which
    the policy refuses: such a draw is drawn again."""
    while True:
        password = secrets.token_urlsafe(12)
        if password_problem(password, personal=(username, display_name)) is None:
            return password


def dummy_hash() -> str:
    """A fixed hash, so that a sign-in for an unknown user costs as much as for a known one
    (made on first use: a process that never signs anyone in never pays for it)."""
    return _dummy_hash(_hasher())


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-password-for-timing")
