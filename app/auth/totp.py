"""Second factor (TOTP, RFC 6238): enrolment, codes at sign-in, recovery codes, devices.

A password proves who signs in; a code from the user's authenticator proves they hold the
device enrolled. Codes are checked against the time steps around now, each step is accepted
once, and failures lock the account's second step for a growing time, wherever the guesses
come from. Recovery codes stand in for a lost device, once each.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from app.auth.models import RecoveryCode, Role, User, UserTotp
from app.auth.permissions import require_manage_user
from app.auth.throttle import require_current_password
from app.core import audit
from app.core.errors import InvalidInput, NotAllowed
from app.core.models import utcnow
from app.extensions import db

SECOND_FACTOR_ROLES = (Role.supervisor, Role.agency_admin, Role.sysadmin)
STEP_SECONDS = 30
DRIFT_STEPS = 1  # the step before and after now are accepted too: clocks drift
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
FREE_FAILURES = 4  # the fifth wrong code in a row starts the lock
LONGEST_LOCK = dt.timedelta(hours=24)
DEVICE_COOKIE = "yrd_device"
_DEVICE_SALT = "yrd.totp.device"


class Outcome(enum.StrEnum):
    accepted = "accepted"
    recovery = "recovery"  # accepted by a recovery code, now used up
    wrong = "wrong"
    replayed = "replayed"
    locked = "locked"

    @property
    def ok(self) -> bool:
        return self in (Outcome.accepted, Outcome.recovery)


@dataclass(frozen=True)
class SecondFactorStatus:
    enrolled: bool
    required: bool
    since: dt.datetime | None
    recovery_codes_left: int


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives back naive datetimes; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def totp_row(user: User, for_update: bool = False) -> UserTotp | None:
    """`for_update` holds the row until commit, so two requests racing with one code cannot
    both pass the replay check (PostgreSQL; SQLite transactions already run one at a time)."""
    stmt = select(UserTotp).where(UserTotp.user_id == user.id)
    return db.session.scalar(stmt.with_for_update() if for_update else stmt)


def is_enrolled(user: User) -> bool:
    row = totp_row(user)
    return row is not None and row.confirmed_at is not None


def is_required(user: User) -> bool:
    """The agency's policy asks supervisors and administrators for a second factor."""
    if not user.has_role(*SECOND_FACTOR_ROLES):
        return False
    policy = user.agency.policy if user.agency else None
    return True if policy is None else policy.totp_required


def status_of(user: User) -> SecondFactorStatus:
    row = totp_row(user)
    enrolled = row is not None and row.confirmed_at is not None
    left = 0
    if enrolled:
        left = db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
    return SecondFactorStatus(
        enrolled, is_required(user), _aware(row.confirmed_at) if enrolled else None, left
    )


def second_step_for(user: User, device_token: str | None) -> str | None:
    """What a user whose password was accepted still has to do: "code", "enrol" or nothing."""
    row = totp_row(user)
    if row is not None and row.confirmed_at is not None:
        if device_token and _device_remembered(user, row, device_token):
            audit.record("auth.totp_device_remembered", actor=user, obj=user)
            return None
        return "code"
    return "enrol" if is_required(user) else None


# Enrolment


def start_enrolment(user: User) -> UserTotp:
    """A fresh secret waiting for its first code; the same one while the page is reloaded."""
    row = totp_row(user)
    if row is not None and row.confirmed_at is not None:
        raise InvalidInput(_l("Two-step sign-in is already on for this account."))
    if row is None:
        row = UserTotp(
            user_id=user.id,
            secret=pyotp.random_base32(),
            device_key=secrets.token_hex(16),
            last_step=0,
            failed_count=0,
        )
        db.session.add(row)
        db.session.flush()
    return row


def provisioning_uri(user: User, row: UserTotp) -> str:
    return pyotp.TOTP(row.secret).provisioning_uri(
        name=user.username, issuer_name=current_app.config["TOTP_ISSUER"]
    )


def qr_svg(uri: str) -> bytes:
    """The otpauth URI as an SVG QR code, drawn here: the secret never leaves the server."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", scale=5, border=4, dark="#000", light="#fff", xmldecl=False
    )
    return out.getvalue()


def confirm_enrolment(user: User, code: str, password: str | None) -> list[str]:
    """Switches the second factor on once the authenticator shows a valid code; returns the
    recovery codes, which are shown this once.

    From a running session the password is asked again, so that someone at an unattended
    browser cannot bind the account to their own phone; `password=None` only where it was
    given a moment ago, in the sign-in this enrolment interrupts.
    """
    if password is not None:
        _require_password(user, password)
    row = totp_row(user)
    if row is None or row.confirmed_at is not None:
        raise InvalidInput(_l("Start the set-up again from your account page."), field="code")
    step = _matching_step(row, code)
    if step is None:
        raise InvalidInput(
            _l("That code does not match. Check the time on your phone and try the next code."),
            field="code",
        )
    row.confirmed_at = utcnow()
    row.last_step = step
    row.device_key = secrets.token_hex(16)
    codes = _replace_recovery_codes(user)
    audit.record("auth.totp_enrol", actor=user, obj=user)
    return codes


def regenerate_recovery_codes(user: User, password: str) -> list[str]:
    """New recovery codes replace all the old ones; the caller has checked a current code."""
    _require_password(user, password)
    codes = _replace_recovery_codes(user)
    audit.record("auth.totp_recovery_codes", actor=user, obj=user)
    return codes


def disable_totp(user: User, password: str) -> None:
    """The user switches the second factor off; the caller has checked a current code."""
    _require_password(user, password)
    if is_required(user):
        raise NotAllowed(
            _l("Your agency requires two-step sign-in for your role; it cannot be switched off.")
        )
    _remove(user)
    audit.record("auth.totp_disable", actor=user, obj=user)


def reset_second_factor(user: User, actor: User | None) -> None:
    """An administrator clears a user's lost second factor: they enrol again at next sign-in
    (if their role requires it), and every remembered device is forgotten. `actor=None` is
    the operator at the command line, the way back in for a system administrator."""
    require_manage_user(actor, user)
    if totp_row(user) is None:
        raise InvalidInput(_l("This user has no second factor to reset."))
    _remove(user)
    from app.auth.models import SessionEnd
    from app.auth.sessions import end_sessions

    # Whoever holds a session on the lost phone is signed out.
    end_sessions(user, SessionEnd.ended_by_admin, actor=actor)
    db.session.flush()
    audit.record("user.totp_reset", actor=actor, obj=user, agency_id=user.agency_id)


def _require_password(user: User, password: str) -> None:
    require_current_password(user, password, field="password")


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(UserTotp).where(UserTotp.user_id == user.id))
    db.session.flush()


# Codes


def check_code(user: User, code: str) -> Outcome:
    """Checks an authenticator or recovery code and records the result (the caller commits
    either way, so failures count). A locked second step checks nothing."""
    row = totp_row(user, for_update=True)
    if row is None or row.confirmed_at is None:
        return Outcome.wrong
    now = utcnow()
    until = _aware(row.locked_until)
    if until is not None and until > now:
        audit.record("auth.totp_locked", actor=user, obj=user)
        db.session.flush()
        return Outcome.locked
    outcome = _try_code(user, row, normalise(code))
    if outcome.ok:
        row.failed_count = 0
        row.locked_until = None
        audit.record(
            "auth.totp_recovery_used" if outcome is Outcome.recovery else "auth.totp_ok",
            actor=user,
            obj=user,
        )
    else:
        row.failed_count += 1
        if row.failed_count > FREE_FAILURES:
            minutes = 2 ** min(row.failed_count - FREE_FAILURES - 1, 11)
            row.locked_until = now + min(dt.timedelta(minutes=minutes), LONGEST_LOCK)
        audit.record(
            "auth.totp_failed",
            actor=user,
            obj=user,
            details={"reason": outcome.value, "failures": row.failed_count},
        )
    db.session.flush()
    return outcome


def locked_until(user: User) -> dt.datetime | None:
    """When a locked second step opens again (None if it is not locked)."""
    row = totp_row(user)
    until = _aware(row.locked_until) if row is not None else None
    return until if until is not None and until > utcnow() else None


def normalise(code: str | None) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:40]


def _try_code(user: User, row: UserTotp, code: str) -> Outcome:
    if code.isdigit() and len(code) == 6:
        step = _matching_step(row, code, replays=True)
        if step is None:
            return Outcome.wrong
        if step <= row.last_step:
            return Outcome.replayed
        row.last_step = step
        return Outcome.accepted
    recovery = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(user, code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is None:
        return Outcome.wrong
    recovery.used_at = utcnow()
    return Outcome.recovery


def _matching_step(row: UserTotp, code: str | None, replays: bool = False) -> int | None:
    """The time step whose code this is, among those around now; with replays=False only
    steps after the last one accepted count."""
    code = normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(row.secret, interval=STEP_SECONDS)
    now = totp.timecode(utcnow())
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if (replays or step > row.last_step) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def usable_code(user: User) -> str:
    """A code the second step accepts now: this step's, or the next one's if this step's was
    used already (for `flask demo-logins`, which prints it for those without an app)."""
    row = totp_row(user)
    generator = pyotp.TOTP(row.secret, interval=STEP_SECONDS)
    return generator.generate_otp(max(generator.timecode(utcnow()), row.last_step + 1))


def _recovery_hash(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.id}:{code}".encode()).hexdigest()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user, code)) for code in codes
    )
    db.session.flush()
    return [f"{code[:5]}-{code[5:]}" for code in codes]


# Remembered devices


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_DEVICE_SALT)


def device_token(user: User) -> str:
    """A signed cookie value naming this user and their current enrolment."""
    row = totp_row(user)
    return _serializer().dumps({"user": user.id, "key": row.device_key})


def device_max_age() -> int:
    return int(current_app.config["TOTP_REMEMBER_DAYS"]) * 86400


def _device_remembered(user: User, row: UserTotp, token: str) -> bool:
    try:
        data = _serializer().loads(token, max_age=device_max_age())
    except BadSignature:
        return False
    return (
        isinstance(data, dict)
        and data.get("user") == user.id
        and hmac.compare_digest(str(data.get("key", "")), row.device_key)
    )
