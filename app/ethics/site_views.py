"""Pages of collaborative review: the lead's sites of one activity, one site (its copy of
the lead's decision, the updates and the answers), and the site office's queue."""

from __future__ import annotations

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.core.calendar import today
from app.core.pages import run_step
from app.ethics import bp, site_files, site_review, sites
from app.ethics import permissions as perm
from app.ethics.models import Unit
from app.ethics.site_models import Site
from app.extensions import db


def load_site(site_id: int) -> Site:
    """The site, or 404 when the user is neither its committee's office nor the lead's."""
    site = db.session.scalar(
        select(Site).where(Site.id == site_id, sites.visible_sites(current_user))
    )
    if site is None:
        abort(404)
    return site


def _site_page(site: Site):
    from app.exchange.outbox import delivery_states

    ids = [u.sent_outbox_id for u in site.updates] + [u.reply_outbox_id for u in site.updates]
    return render_template(
        "ethics/site.html",
        site=site,
        copy=site.copy or {},
        deliveries=delivery_states(ids),
        is_site_office=sites.is_site_office(current_user, site),
        statuses=sites.STATUS_LABELS,
        kinds=sites.UPDATE_LABELS,
        answers=sites.ANSWERS,
        simplified=site_review.page_data(site, current_user),
        may_download=site_files.may_read(current_user, site),
        file_states=site_files.STATE_LABELS,
        held=sites.is_held,
    )


@bp.route("/sites")
@login_required
def site_queue():
    """The site office's queue: decisions to confirm, updates to acknowledge."""
    if not perm.may_see_ethics(current_user):
        abort(403)
    return render_template(
        "ethics/site_queue.html",
        queue=sites.queue_for(current_user),
        today=today(),
        statuses=sites.STATUS_LABELS,
        kinds=sites.UPDATE_LABELS,
    )


@bp.route("/sites/<int:site_id>")
@login_required
def site(site_id: int):
    return _site_page(load_site(site_id))


@bp.route("/sites/<int:site_id>/files/<int:file_id>")
@login_required
def site_file(site_id: int, file_id: int):
    """A file of the lead's on a site's node: its office and its named members who
    declared no conflict download it, as a local site's read the lead's application."""
    from app.evidence import storage

    site = load_site(site_id)
    if not site_files.may_read(current_user, site):
        abort(403)
    row = site_files.file_of(site, file_id)
    if row is None:
        abort(404)
    site_files.audit_download(current_user, row)
    db.session.commit()
    mime_type = row.mime_type or "application/octet-stream"
    return send_file(
        storage.blob_path(row.sha256),
        mimetype=mime_type,
        as_attachment=True,
        download_name=storage.download_name(row.name, mime_type),
    )


@bp.route("/sites/<int:site_id>/confirm", methods=["POST"])
@login_required
def site_confirm(site_id: int):
    site = load_site(site_id)
    return run_step(
        lambda: sites.record_meeting_answer(
            current_user, site, request.form.get("status"), request.form.get("reasons")
        ),
        refused=lambda err: _site_page(load_site(site_id)),
        to=url_for("ethics.site", site_id=site_id),
        done=_("Your answer was recorded and sent to the lead committee."),
    )


@bp.route("/sites/<int:site_id>/acknowledge", methods=["POST"])
@login_required
def site_acknowledge(site_id: int):
    site = load_site(site_id)
    return run_step(
        lambda: sites.acknowledge(current_user, site, request.form.get("seq")),
        refused=lambda err: _site_page(load_site(site_id)),
        to=url_for("ethics.site", site_id=site_id),
        done=_("Acknowledged."),
    )


_SIMPLIFIED_STEPS = {
    "name": (
        lambda s, f: site_review.name_members(current_user, s, f.getlist("members")),
        "The members are named and told.",
    ),
    "declare": (
        lambda s, f: site_review.declare(current_user, s, f.get("conflict") == "1", f.get("note")),
        "Your declaration was recorded.",
    ),
    "answer": (
        lambda s, f: site_review.answer(current_user, s, f.get("status"), f.get("text")),
        "Your answer was recorded.",
    ),
}


@bp.route("/sites/<int:site_id>/simplified/<step>", methods=["POST"])
@login_required
def site_simplified(site_id: int, step: str):
    """The simplified procedure: the office names members, each declares and answers."""
    if step not in _SIMPLIFIED_STEPS:
        abort(404)
    site = load_site(site_id)
    action, done = _SIMPLIFIED_STEPS[step]
    return run_step(
        lambda: action(site, request.form),
        refused=lambda err: _site_page(load_site(site_id)),
        to=url_for("ethics.site", site_id=site_id),
        done=_(done),
    )


def _lead_page(application):
    from app.exchange.models import ExchangePeer

    rows = sites.sites_of(application)
    data = {
        "application": application,
        "sites": rows,
        "statuses": sites.STATUS_LABELS,
        "today": today(),
    }
    if perm.is_office_of(current_user, application):
        data["units"] = list(
            db.session.scalars(
                select(Unit)
                .where(
                    Unit.panel_id.is_not(None), Unit.active, Unit.panel_id != application.panel_id
                )
                .order_by(Unit.agency_id, Unit.name)
            )
        )
        data["peers"] = list(db.session.scalars(select(ExchangePeer).where(ExchangePeer.active)))
        data["is_lead_office"] = True
    return render_template("ethics/sites.html", **data)


def _load_lead(reference: str):
    from app.ethics.views import load_application

    application, _level = load_application(reference, need=perm.FULL)
    if not (
        perm.is_office_of(current_user, application)
        or perm.is_applicant_of(current_user, application)
    ):
        abort(403)
    return application


@bp.route("/<reference>/sites")
@login_required
def lead_sites(reference: str):
    return _lead_page(_load_lead(reference))


_LEAD_STEPS = {
    "local": (
        lambda a, f: sites.add_local_site(current_user, a, f.get("unit_id")),
        "Site added.",
    ),
    "remote": (
        lambda a, f: sites.add_remote_site(
            current_user, a, f.get("peer_id"), f.get("agency"), f.get("unit")
        ),
        "Site added.",
    ),
    "update": (
        lambda a, f: sites.send_update(current_user, a, f.get("kind"), f.get("text")),
        "Sent to every site.",
    ),
}


@bp.route("/<reference>/sites/<step>", methods=["POST"])
@login_required
def lead_sites_step(reference: str, step: str):
    if step not in _LEAD_STEPS:
        abort(404)
    application = _load_lead(reference)
    action, done = _LEAD_STEPS[step]
    return run_step(
        lambda: action(application, request.form),
        refused=lambda err: _lead_page(_load_lead(reference)),
        to=url_for("ethics.lead_sites", reference=reference),
        done=_(done),
    )
