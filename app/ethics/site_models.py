"""The sites of a multi-site activity (协作审查, 互认): each participating unit's committee
confirms the lead committee's decision by the simplified procedure, and acknowledges every
later decision the lead takes.

One row per site on each node that takes part. On the lead's node a site is either a unit
here (`panel_id`, same deployment) or a committee on a peer (`peer_id`, with the site's
authority code and unit name). On a site's node, a site whose lead is elsewhere is a row
with `remote_lead` set: its `copy` holds what the lead sent (application, decision, letter
number, approved documents by name and SHA-256), and `peer_id` names the lead's node."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.committees.models import Panel
from app.core.models import BigId, str_enum, utcnow
from app.ethics.models import Application
from app.extensions import db


class SiteStatus(enum.StrEnum):
    awaiting = "awaiting"  # the lead's decision is with the site's committee
    recognised = "recognised"
    conditions = "conditions"  # recognised with local conditions on feasibility
    declined = "declined"


class UpdateKind(enum.StrEnum):
    decision = "decision"  # the lead's decision, to confirm
    amendment = "amendment"
    followup = "followup"  # a follow-up result
    suspend = "suspend"
    terminate = "terminate"


class Site(db.Model):
    __tablename__ = "ethics_sites"
    __table_args__ = (
        UniqueConstraint("activity_uid", "site_agency", "site_unit", name="uq_ethics_site"),
        Index("ix_ethics_sites_panel", "panel_id", "status"),
        CheckConstraint(
            "panel_id IS NOT NULL OR peer_id IS NOT NULL", name="ethics_site_is_somewhere"
        ),
        CheckConstraint(
            "status = 'awaiting' OR confirmed_at IS NOT NULL", name="ethics_site_confirmed_at"
        ),
        CheckConstraint(
            "status NOT IN ('conditions', 'declined') OR reasons IS NOT NULL",
            name="ethics_site_reasons",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The activity across nodes: the lead node's id and the application's reference.
    activity_uid: Mapped[str] = mapped_column(String(64), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("ethics_applications.id"))
    remote_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("committee_panels.id"))
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_peers.id"))
    site_agency: Mapped[str] = mapped_column(String(16))
    site_unit: Mapped[str] = mapped_column(String(200))
    status: Mapped[SiteStatus] = mapped_column(str_enum(SiteStatus, 16))
    confirm_by: Mapped[dt.date | None] = mapped_column(Date)
    reasons: Mapped[str | None] = mapped_column(Text)  # conditions, or why declined
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    copy: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[Application | None] = relationship(lazy="joined")
    panel: Mapped[Panel | None] = relationship(lazy="joined")
    updates: Mapped[list[SiteUpdate]] = relationship(
        back_populates="site", order_by="SiteUpdate.seq", lazy="selectin"
    )
    # On a site's node: the files the lead's notice listed, and whether they arrived.
    files: Mapped[list[SiteFile]] = relationship(
        back_populates="site", order_by="SiteFile.position"
    )

    @property
    def is_remote(self) -> bool:
        return self.peer_id is not None


class SiteUpdate(db.Model):
    """One decision of the lead as it reached one site (the first is the decision to
    confirm), and the site's acknowledgement. Both nodes keep the same sequence."""

    __tablename__ = "ethics_site_updates"
    __table_args__ = (UniqueConstraint("site_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("ethics_sites.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[UpdateKind] = mapped_column(str_enum(UpdateKind, 16))
    text: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    # The envelopes carrying it (lead → site) and the site's answer (site → lead).
    sent_outbox_id: Mapped[int | None] = mapped_column(BigId)
    reply_outbox_id: Mapped[int | None] = mapped_column(BigId)

    site: Mapped[Site] = relationship(back_populates="updates")


class FileState(enum.StrEnum):
    arriving = "arriving"  # listed by the lead's signed notice, not fetched yet
    arrived = "arrived"  # fetched, its SHA-256 and size as the notice said, in the store
    failed = "failed"  # the last fetch failed; tried again with the exchange's backoff


class SiteFile(db.Model):
    """On a site's node, one file the lead's signed decision notice listed (an approved
    document or the decision letter) and where its fetch from the lead's node stands
    (`app.ethics.site_files`). Once arrived, its content is the blob of that SHA-256."""

    __tablename__ = "ethics_site_files"
    __table_args__ = (
        UniqueConstraint("site_id", "position", name="uq_ethics_site_file"),
        Index("ix_ethics_site_files_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("ethics_sites.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the notice's order; the letter is 0
    role: Mapped[str] = mapped_column(String(16))  # "letter" or "document"
    item: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigId)  # None from a lead that did not say
    state: Mapped[FileState] = mapped_column(str_enum(FileState, 16))
    mime_type: Mapped[str | None] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    arrived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    site: Mapped[Site] = relationship(back_populates="files")
