"""Pages of the exchange: this node's identity and its peers, and the deliveries section of
a record's page."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.core import node
from app.core.pages import form_status, run_step
from app.exchange import bp
from app.exchange.forms import PeerForm
from app.exchange.models import Delivery, ExchangePeer
from app.exchange.services import add_peer, can_manage_peers, set_peer_active
from app.extensions import db
from app.records.models import IntegrityRecord, RecordVersion


@bp.route("/exchange/peers", methods=["GET", "POST"])
@login_required
def peers():
    if not can_manage_peers(current_user):
        abort(403)
    form = PeerForm()
    if form.validate_on_submit():
        return run_step(
            lambda: add_peer(form.node_id.data, form.url.data, form.public_key.data, current_user),
            refused=lambda err: _peers_page(form),
            form=form,
            to=url_for("exchange.peers"),
            done=_("The peer is registered."),
        )
    return _peers_page(form), form_status(form)


def _peers_page(form: PeerForm) -> str:
    rows = db.session.scalars(select(ExchangePeer).order_by(ExchangePeer.node_id)).all()
    identity = node.identity() if node.is_initialised() else None
    return render_template("exchange/peers.html", form=form, peers=rows, identity=identity)


@bp.post("/exchange/peers/<int:peer_id>/active")
@login_required
def peer_active(peer_id: int):
    if not can_manage_peers(current_user):
        abort(403)
    peer = db.session.get(ExchangePeer, peer_id) or abort(404)
    return run_step(
        lambda: set_peer_active(peer, request.form.get("active") == "1", current_user),
        refused=lambda err: _peers_page(PeerForm(formdata=None)),
        to=url_for("exchange.peers"),
    )


def deliveries_shown(user, record: IntegrityRecord) -> bool:
    """A published record of this node: where its versions went."""
    return record.is_local and bool(record.current_version)


def record_deliveries(record: IntegrityRecord, user) -> list[Delivery]:
    """The record page's delivery section: each version's delivery to each peer."""
    return db.session.scalars(
        select(Delivery)
        .join(Delivery.version)
        .where(RecordVersion.record_id == record.id)
        .options(contains_eager(Delivery.version))
        .order_by(Delivery.id)
    ).all()
