"""The exchange between deployments: peers, deliveries of record versions to them, and the
signed pull requests already answered."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import BigId, str_enum, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.records.models import RecordVersion


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class ExchangePeer(db.Model):
    """Another deployment whose signatures this node trusts."""

    __tablename__ = "exchange_peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(300))
    public_key: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The highest version id pulled from this peer, so a catch-up starts where it stopped.
    pull_cursor: Mapped[int] = mapped_column(BigId, default=0)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Delivery(db.Model):
    """One version on its way to one peer, and the peer's signed receipt once it arrived."""

    __tablename__ = "exchange_deliveries"
    __table_args__ = (
        UniqueConstraint("version_id", "peer_id"),
        Index("ix_exchange_deliveries_status", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("record_versions.id"))
    peer_id: Mapped[int] = mapped_column(ForeignKey("exchange_peers.id"))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    version: Mapped[RecordVersion] = relationship("RecordVersion")
    peer: Mapped[ExchangePeer] = relationship(lazy="joined")


class SeenRequest(db.Model):
    """A signed pull request already answered, remembered while its timestamp is still
    accepted, so the same signature cannot be replayed. In the database rather than in
    memory, so every web process refuses a replay answered by another."""

    __tablename__ = "exchange_seen_requests"

    signature_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    node_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class OutboundEnvelope(db.Model):
    """A signed envelope of a guest kind (`app.exchange.kinds`) on its way to one peer, and
    the peer's signed receipt once it arrived: the guests' counterpart of `Delivery`."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (Index("ix_exchange_outbox_status", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("exchange_peers.id"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    envelope_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    peer: Mapped[ExchangePeer] = relationship(lazy="joined")
