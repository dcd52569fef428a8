"""The system administrator's part of the dashboard on the exchange: this node's identity,
each peer with its deliveries waiting or failed, and the latest failed deliveries with
their error. Read from the deliveries' (status, next_attempt_at) index."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.core import node
from app.exchange.models import Delivery, DeliveryStatus, ExchangePeer
from app.extensions import db

# The dashboard shows this many failed deliveries, the latest first.
FAILURES_SHOWN = 5


@dataclass
class ExchangeOverview:
    node_id: str | None  # None: `flask exchange init` has not been run
    peers: list[tuple[ExchangePeer, int, int]]  # each with deliveries pending and failed
    failed: list[Delivery]
    failed_count: int


def exchange_overview(user: User) -> ExchangeOverview | None:
    if not user.has_role(Role.sysadmin):
        return None
    waiting = dict(
        ((peer_id, DeliveryStatus(status)), n)
        for peer_id, status, n in db.session.execute(
            select(Delivery.peer_id, Delivery.status, func.count())
            .where(Delivery.status.in_([DeliveryStatus.pending, DeliveryStatus.failed]))
            .group_by(Delivery.peer_id, Delivery.status)
        )
    )
    peers = db.session.scalars(select(ExchangePeer).order_by(ExchangePeer.node_id)).all()
    failed = db.session.scalars(
        select(Delivery)
        .where(Delivery.status == DeliveryStatus.failed)
        .order_by(Delivery.last_attempt_at.desc(), Delivery.id.desc())
        .limit(FAILURES_SHOWN)
    ).all()
    return ExchangeOverview(
        node.node_id() if node.is_initialised() else None,
        [
            (
                p,
                waiting.get((p.id, DeliveryStatus.pending), 0),
                waiting.get((p.id, DeliveryStatus.failed), 0),
            )
            for p in peers
        ],
        list(failed),
        sum(n for (_peer, status), n in waiting.items() if status == DeliveryStatus.failed),
    )
