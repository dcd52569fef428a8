"""Agencies, users, roles, API tokens, sign-in sessions and failed sign-in counters."""

from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.crypto import EncryptedText
from app.core.models import utcnow
from app.extensions import db


class Role(enum.StrEnum):
    officer = "officer"
    supervisor = "supervisor"
    committee_member = "committee_member"
    agency_admin = "agency_admin"
    auditor = "auditor"
    sysadmin = "sysadmin"
    # A programme office of an authority: batch screening of applicant lists, nothing of cases.
    screener = "screener"


# The platform pseudo-agency: system administrators belong to it, it owns no case.
PLATFORM_CODE = "PLATFORM"


class Agency(db.Model):
    """A case-owning authority, or the one platform pseudo-agency (`is_platform`) that holds
    the system administrators, so that no agency administrator ever counts them as theirs."""

    __tablename__ = "agencies"
    __table_args__ = (
        Index(
            "uq_agencies_one_platform",
            "is_platform",
            unique=True,
            sqlite_where=text("is_platform"),
            postgresql_where=text("is_platform"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_platform: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    policy: Mapped[DeadlinePolicy] = relationship(back_populates="agency", lazy="joined")

    def display_name(self, locale: str = "zh") -> str:
        return self.name_en if locale == "en" else self.name_zh


class DeadlinePolicy(db.Model):
    """Statutory day counts and the longest API token lifetime, kept as data an agency
    administrator can change."""

    __tablename__ = "deadline_policies"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    preliminary_review_days: Mapped[int] = mapped_column(Integer, default=15)
    investigation_months: Mapped[int] = mapped_column(Integer, default=6)
    extension_max_months: Mapped[int] = mapped_column(Integer, default=6)
    defence_days: Mapped[int] = mapped_column(Integer, default=10)
    review_request_days: Mapped[int] = mapped_column(Integer, default=15)
    review_decision_days: Mapped[int] = mapped_column(Integer, default=90)
    due_soon_days: Mapped[int] = mapped_column(Integer, default=5)
    token_max_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    # Supervisors and administrators sign in with a second factor unless the agency opts out.
    totp_required: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    joint_response_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    review_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")

    agency: Mapped[Agency] = relationship(back_populates="policy")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    agency: Mapped[Agency] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        for role in wanted - self.roles:
            self.role_rows.append(UserRole(role=role))


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=24, validate_strings=True), primary_key=True
    )

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")

    def status(self, now: dt.datetime | None = None) -> str:
        """`active`, `expired` or `revoked`; SQLite hands back naive UTC datetimes."""
        if self.revoked_at is not None:
            return "revoked"
        now = now or dt.datetime.now(dt.UTC)
        expires = self.expires_at
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.UTC)
        return "active" if now < expires else "expired"


class UserTotp(db.Model):
    """A user's TOTP secret (RFC 6238), encrypted at rest; it counts once confirmed by a code.

    `last_step` is the time step of the last code accepted, so the same code (or an older
    one) is refused; `failed_count` and `locked_until` limit guessing per account, whatever
    address the guesses come from. Remembered devices carry `device_key`, which a new
    enrolment replaces, so resetting the second factor forgets every device.
    """

    __tablename__ = "user_totp"

    id: Mapped[int] = mapped_column(primary_key=True)  # key rotation walks rows by id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    secret: Mapped[str] = mapped_column(EncryptedText(200))
    device_key: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(db.Model):
    """A one-time code for when the authenticator is lost; only its SHA-256 is stored."""

    __tablename__ = "totp_recovery_codes"
    __table_args__ = (UniqueConstraint("code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SessionEnd(enum.StrEnum):
    """Why a sign-in session ended."""

    logout = "logout"
    ended_by_user = "ended_by_user"
    ended_by_admin = "ended_by_admin"
    password_change = "password_change"
    password_reset = "password_reset"
    role_change = "role_change"
    deactivated = "deactivated"


class UserSession(db.Model):
    """A signed-in browser. Its cookie carries only a random key whose SHA-256 is stored here,
    so ending the row signs that browser out, even where the cookie was copied."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
        Index("ix_user_sessions_user_live", "user_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[SessionEnd | None] = mapped_column(
        Enum(SessionEnd, native_enum=False, length=24, validate_strings=True)
    )

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(db.Model):
    """Failed sign-ins of one account or one address; a row exists only after a failure.

    `key` is "account:<username>" or "address:<ip>"; `lockouts` counts the lockouts in a row,
    each twice as long as the one before."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
