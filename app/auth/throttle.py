"""Failed sign-ins, counted per account and per address, with lockouts that double.

Only failures count, so colleagues behind one office address sign in as often as they
like. After `LOGIN_FAILURES_PER_ACCOUNT` failures for one username (or
`LOGIN_FAILURES_PER_ADDRESS` from one address), each within `LOGIN_FAILURE_WINDOW` seconds
of the one before, that username (address) is locked for `LOGIN_LOCKOUT_SECONDS`; each
further lockout in a row lasts twice as long, up to `LOGIN_LOCKOUT_MAX_SECONDS`. While
locked, every attempt is refused before the password is checked, the right password
included, so guessing gains nothing. Unknown usernames are counted like known ones, so a
lockout tells nothing about which accounts exist. The counters are rows in the database,
shared by every web process.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth.models import LoginThrottle, User
from app.auth.passwords import check_password
from app.auth.sessions import as_utc
from app.core import audit
from app.core.errors import InvalidInput, TooManyAttempts
from app.core.models import utcnow
from app.core.times import local_time
from app.extensions import db

LOCKOUTS_FORGOTTEN_AFTER = dt.timedelta(days=1)  # a quiet day and the doubling starts over


def account_key(username: str) -> str:
    return f"account:{(username or '').strip().lower()[:64]}"


def address_key(address: str | None) -> str:
    """An IPv6 client can change the low 64 bits at will, so its /64 is the address."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "address:unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return f"address:{ip.ipv4_mapped}"
        return f"address:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"address:{ip}"


def locked_until(keys: list[str]) -> dt.datetime | None:
    """When the latest lockout among these keys ends, or None if none is locked."""
    now = utcnow()
    ends = [
        as_utc(until)
        for until in db.session.scalars(
            select(LoginThrottle.locked_until).where(
                LoginThrottle.key.in_(keys), LoginThrottle.locked_until.is_not(None)
            )
        )
    ]
    latest = max(ends, default=None)
    return latest if latest is not None and latest > now else None


def _row_for_update(key: str) -> LoginThrottle:
    """The key's row, created if missing and locked, so two processes counting the same
    key at once add up instead of overwriting each other."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, lockouts=0, last_failure_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return db.session.scalar(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _limit(key: str) -> int:
    name = "ACCOUNT" if key.startswith("account:") else "ADDRESS"
    return current_app.config[f"LOGIN_FAILURES_PER_{name}"]


def _count(row: LoginThrottle, now: dt.datetime) -> dt.datetime | None:
    config = current_app.config
    quiet = now - as_utc(row.last_failure_at)
    if quiet > dt.timedelta(seconds=config["LOGIN_FAILURE_WINDOW"]):
        row.failures = 0
    if quiet > LOCKOUTS_FORGOTTEN_AFTER:
        row.lockouts = 0
    row.failures += 1
    row.last_failure_at = now
    if row.failures < _limit(row.key):
        return None
    seconds = min(
        config["LOGIN_LOCKOUT_SECONDS"] * 2**row.lockouts, config["LOGIN_LOCKOUT_MAX_SECONDS"]
    )
    row.failures = 0
    row.lockouts += 1
    row.locked_until = now + dt.timedelta(seconds=seconds)
    return row.locked_until


def record_failure(keys: list[str], agency_id: int | None = None) -> dt.datetime | None:
    """Counts one failed sign-in against each key; returns when a lockout it started ends.
    Each lockout is audited (the failure itself is audited by the caller)."""
    now = utcnow()
    started = None
    for key in sorted(keys):  # one order everywhere, so two requests never wait on each other
        row = _row_for_update(key)
        until = _count(row, now)
        if until is not None:
            started = max(started or until, until)
            audit.record(
                "auth.login_locked",
                actor=None,
                agency_id=agency_id if key.startswith("account:") else None,
                details={
                    "key": key,
                    "until": until.isoformat(timespec="seconds"),
                    "lockouts": row.lockouts,
                },
            )
    db.session.flush()
    return started


def clear_failures(username: str) -> None:
    """A completed sign-in forgets the account's failures. The address keeps its count:
    an attacker's own valid account must not wipe the record of their guesses."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(username)))


def require_current_password(user: User, password: str | None, *, field: str) -> None:
    """The password asked again on the account pages (changing it, the second factor).
    A wrong one counts against the account and the address exactly as a failed sign-in
    does, and a lockout refuses it too, so an unattended session is no faster a way to
    guess the password than the sign-in page. The count outlives the refusal (`keep`)."""
    address = request.remote_addr if has_request_context() else None
    keys = [account_key(user.username), address_key(address)]
    until = locked_until(keys)
    if until is not None:
        raise TooManyAttempts(
            _(
                "Too many wrong passwords. Try again after %(time)s (China Standard Time).",
                time=local_time(until, "seconds"),
            ),
            field=field,
        )
    if check_password(user.password_hash, password or ""):
        return

    def count_failure() -> None:
        audit.record("auth.password_check_failed", actor=user, obj=user)
        record_failure(keys, agency_id=user.agency_id)

    raise InvalidInput(_l("The current password is wrong."), field=field, keep=count_failure)
