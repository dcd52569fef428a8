"""Password hashing with Argon2id."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
DEMO_PASSWORD = "demo-password"
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A fixed hash so that a login for an unknown user costs as much as for a known one.
DUMMY_HASH = hash_password("not-a-real-password-for-timing")
