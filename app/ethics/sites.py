"""Collaborative review of multi-site activities (协作审查, 互认): the lead unit's committee
reviews in full; on its approving decision every participating unit's committee receives
the application, the decision letter and the approved documents and confirms by the
simplified procedure — recognise, recognise with local conditions on feasibility, or
decline with reasons — by a date from the lead authority's policy (`site_confirm_days`,
unverified). Amendments, follow-up results, suspensions and terminations the lead decides
reach every site, which acknowledges each.

A site on this deployment takes part directly (its office sees the lead's application);
a site on another deployment through the exchange (`app.ethics.site_exchange`): the lead's
decision and updates travel as signed `ethics_site_notice` envelopes, the site's
confirmation and acknowledgements back as `ethics_site_reply`, so both nodes show the same
status. Who sees a site: the site's committee office, and the lead's office and applicant."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select

from app.auth.models import User
from app.core import audit
from app.core.calendar import today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.core.models import utcnow
from app.ethics import permissions as perm
from app.ethics import policy
from app.ethics.models import Application, AppState, Unit, UnitRole
from app.ethics.site_models import Site, SiteStatus, SiteUpdate, UpdateKind
from app.extensions import db

APPROVED = ("approve", "approve_modified")
LEAD_UPDATES = (UpdateKind.amendment, UpdateKind.followup)
ANSWERS = (SiteStatus.recognised, SiteStatus.conditions, SiteStatus.declined)
MAX_TEXT = 5000


# --- who sees what ------------------------------------------------------------------


def _lead_application_ids(user: User):
    """Applications whose sites this user follows as the lead: its committee's office and
    the unit's applicants."""
    return select(Application.id).where(
        or_(
            Application.panel_id.in_(perm.office_panel_ids(user)),
            Application.unit_id.in_(perm.unit_ids(user, UnitRole.applicant)),
        )
    )


def visible_sites(user: User):
    """The condition on `Site` that a user sees it: the site's committee office, or the
    lead's office and applicants."""
    if user is None or not user.is_authenticated:
        return false()
    from app.ethics.site_review import named_site_ids

    return or_(
        Site.panel_id.in_(perm.office_panel_ids(user)),
        Site.id.in_(named_site_ids(user)),
        and_(Site.remote_lead.is_(False), Site.application_id.in_(_lead_application_ids(user))),
    )


def site_full_condition(user: User):
    """A local site's committee office sees the lead's application in full once the lead
    decided: the application, the letter and the approved documents; so does a member
    named for its confirmation once they declared no conflict."""
    from app.ethics.site_review import declared_site_ids

    shared = select(Site.application_id).where(
        or_(Site.panel_id.in_(perm.office_panel_ids(user)), Site.id.in_(declared_site_ids(user))),
        Site.remote_lead.is_(False),
    )
    return and_(Application.id.in_(shared), Application.state == AppState.decided)


def is_site_office(user: User, site: Site) -> bool:
    return site.panel_id is not None and site.panel_id in set(
        db.session.scalars(perm.office_panel_ids(user))
    )


def is_lead_office(user: User, site: Site) -> bool:
    return site.application is not None and perm.is_office_of(user, site.application)


def sites_of(application: Application) -> list[Site]:
    return list(
        db.session.scalars(
            select(Site)
            .where(Site.application_id == application.id, Site.remote_lead.is_(False))
            .order_by(Site.id)
        )
    )


def queue_for(user: User) -> dict[str, list]:
    """The site office's queue: decisions to confirm and updates to acknowledge."""
    mine = Site.panel_id.in_(perm.office_panel_ids(user))
    to_confirm = db.session.scalars(
        select(Site)
        .where(mine, Site.status == SiteStatus.awaiting, Site.updates.any())
        .order_by(Site.confirm_by, Site.id)
    ).all()
    to_acknowledge = db.session.scalars(
        select(SiteUpdate)
        .join(Site, Site.id == SiteUpdate.site_id)
        .where(mine, SiteUpdate.seq > 1, SiteUpdate.acknowledged_at.is_(None))
        .order_by(SiteUpdate.decided_at)
    ).all()
    return {"confirm": list(to_confirm), "acknowledge": list(to_acknowledge)}


def remind_unconfirmed(day: dt.date | None = None) -> dict:
    """Daily: the office of each site here not yet confirmed is reminded the policy's
    `site_reminder_days` before `confirm_by` (and after it), once per site."""
    day = day or today()
    rows = db.session.scalars(
        select(Site)
        .where(
            Site.status == SiteStatus.awaiting,
            Site.panel_id.is_not(None),
            Site.confirm_by.is_not(None),
        )
        .order_by(Site.confirm_by, Site.id)
    ).all()
    from app.ethics import site_handoffs

    sent = 0
    for site in rows:
        days = policy.value(site.panel.agency_id, "site_reminder_days")
        if site.confirm_by - dt.timedelta(days=days) <= day:
            sent += site_handoffs.remind_due(site)
    return {"notified": sent}


# --- the lead -----------------------------------------------------------------------


def activity_uid(application: Application) -> str:
    """The activity's name across nodes: this node's id and the reference."""
    from app.core import node

    prefix = node.identity()[0] if node.is_initialised() else "local"
    return f"{prefix}:{application.reference}"


def _require_lead(actor: User, application: Application) -> None:
    if not perm.is_office_of(actor, application):
        raise NotAllowed(_l("Only the lead committee's office manages the sites."))
    if not application.multi_site:
        raise GuardFailed(
            _l("The application is not a multi-site activity."), code="not_multi_site"
        )


def _already(application: Application, agency_code: str, unit_name: str) -> None:
    taken = db.session.scalar(
        select(Site.id).where(
            Site.application_id == application.id,
            Site.site_agency == agency_code,
            Site.site_unit == unit_name,
        )
    )
    if taken is not None or (
        application.unit.name == unit_name and application.unit.agency.code == agency_code
    ):
        raise GuardFailed(_l("This unit is a site of the activity already."), code="duplicate")


def add_local_site(actor: User, application: Application, unit_id) -> Site:
    """A unit on this deployment (any province) with its own committee."""
    _require_lead(actor, application)
    try:
        unit = db.session.get(Unit, int(unit_id))
    except (TypeError, ValueError):
        unit = None
    if unit is None or unit.panel_id is None or not unit.active:
        raise InvalidInput(_l("Choose a unit with its own ethics committee."), field="unit_id")
    if unit.panel_id == application.panel_id:
        raise InvalidInput(_l("The lead committee is not a site of its own activity."))
    _already(application, unit.agency.code, unit.name)
    site = Site(
        activity_uid=activity_uid(application),
        application_id=application.id,
        remote_lead=False,
        panel_id=unit.panel_id,
        site_agency=unit.agency.code,
        site_unit=unit.name,
        status=SiteStatus.awaiting,
        added_by_id=actor.id,
    )
    return _added(actor, application, site)


def add_remote_site(actor: User, application: Application, peer_id, agency_code, unit_name):
    """A unit's committee on another deployment, named by its authority's code and the
    unit's name there; its node must be an active exchange peer."""
    from app.core import node
    from app.exchange.models import ExchangePeer

    _require_lead(actor, application)
    try:
        peer = db.session.get(ExchangePeer, int(peer_id))
    except (TypeError, ValueError):
        peer = None
    if peer is None or not peer.active:
        raise InvalidInput(_l("Choose an active exchange peer."), field="peer_id")
    if not node.is_initialised():
        raise GuardFailed(_l("This node has no key pair yet: nothing can be signed."))
    agency_code = (agency_code or "").strip().upper()
    unit_name = (unit_name or "").strip()
    if not 1 <= len(agency_code) <= 16:
        raise InvalidInput(_l("Give the site's authority code (e.g. ZJ)."), field="agency")
    if not 1 <= len(unit_name) <= 200:
        raise InvalidInput(_l("Give the site unit's name as registered there."), field="unit")
    _already(application, agency_code, unit_name)
    site = Site(
        activity_uid=activity_uid(application),
        application_id=application.id,
        remote_lead=False,
        peer_id=peer.id,
        site_agency=agency_code,
        site_unit=unit_name,
        status=SiteStatus.awaiting,
        added_by_id=actor.id,
    )
    return _added(actor, application, site)


def _added(actor: User, application: Application, site: Site) -> Site:
    db.session.add(site)
    db.session.flush()
    audit_site("ethics.site.add", actor, site, {"unit": site.site_unit, "agency": site.site_agency})
    if application.state is AppState.decided and application.decision in APPROVED:
        _send_decision(site, actor)
    return site


def on_decided(application: Application, actor: User) -> None:
    """At the lead's decision: an approval goes to every site to confirm."""
    if not application.multi_site or application.decision not in APPROVED:
        return
    for site in sites_of(application):
        if not site.updates:
            _send_decision(site, actor)


def _send_decision(site: Site, actor: User | None) -> None:
    application = site.application
    days = policy.value(application.unit.agency_id, "site_confirm_days")
    site.confirm_by = today() + dt.timedelta(days=days)
    _add_update(site, UpdateKind.decision, application.decision_reasons, actor)


def send_update(actor: User, application: Application, kind, text) -> list[SiteUpdate]:
    """An amendment or follow-up result the lead committee decided, to every site."""
    _require_lead(actor, application)
    try:
        kind = UpdateKind(kind)
    except ValueError:
        kind = None
    if kind not in LEAD_UPDATES:
        raise InvalidInput(_l("Choose what the lead decided."), field="kind")
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(_l("Write what was decided (up to 5000 characters)."), field="text")
    return _to_every_site(actor, application, kind, text)


def on_stopped(application: Application, actor: User, terminate: bool, reason: str) -> None:
    """The lead suspended or terminated the activity: every site is told."""
    if application.multi_site:
        kind = UpdateKind.terminate if terminate else UpdateKind.suspend
        _to_every_site(actor, application, kind, reason, quiet=True)


def _to_every_site(actor, application, kind, text, quiet=False) -> list[SiteUpdate]:
    if application.state is not AppState.decided or application.decision not in APPROVED:
        if quiet:
            return []
        raise GuardFailed(_l("Only an approved activity has decisions for its sites."))
    sites = [s for s in sites_of(application) if s.updates]
    if not sites and not quiet:
        raise GuardFailed(_l("No site has received the decision yet."), code="no_sites")
    return [_add_update(site, kind, text, actor) for site in sites]


def _add_update(site: Site, kind: UpdateKind, text: str, actor: User | None) -> SiteUpdate:
    application = site.application
    update = SiteUpdate(
        site_id=site.id, seq=len(site.updates) + 1, kind=kind, text=text, decided_at=utcnow()
    )
    site.updates.append(update)
    db.session.flush()
    if site.is_remote:
        if not _held(site, update):
            from app.ethics.site_exchange import send_notice

            update.sent_outbox_id = send_notice(site, update, application)
    else:
        from app.ethics import site_handoffs

        site_handoffs.to_site(site, update, actor)
    audit_site(f"ethics.site.{kind.value}", actor, site, {"seq": update.seq})
    return update


def _held(site: Site, update: SiteUpdate) -> bool:
    """A remote site's decision waits for its letter: the notice lists the letter's SHA-256
    and size, which exist once the background job has rendered it (with Redis, usually
    after the decision's request ends). Whatever the lead decides meanwhile waits behind
    it, so the site's node receives the updates in their order."""
    from app.ethics.letters import letter_of

    if any(u.sent_outbox_id is None for u in site.updates if u.seq < update.seq):
        return True
    if update.kind is not UpdateKind.decision:
        return False
    letter = letter_of(site.application)
    return letter is not None and not letter.sha256


def send_held(application: Application) -> int:
    """Sends what waited for the decision letter, in order; the letter job calls it once
    the letter is stored. Returns how many notices went."""
    from app.ethics.site_exchange import send_notice

    sent = 0
    for site in sites_of(application):
        if not site.is_remote or site.remote_lead:
            continue
        for update in site.updates:
            if update.sent_outbox_id is None:
                update.sent_outbox_id = send_notice(site, update, application)
                sent += 1
    return sent


def is_held(site: Site, update: SiteUpdate) -> bool:
    """On the lead's node: the notice of this update has not gone yet (see `_held`)."""
    return site.is_remote and not site.remote_lead and update.sent_outbox_id is None


# --- the site -----------------------------------------------------------------------


def require_site_office(actor: User, site: Site) -> None:
    if not is_site_office(actor, site):
        raise NotAllowed(_l("Your committee is not a site of this activity."), code="not_a_site")


def record_meeting_answer(actor: User, site: Site, status, reasons) -> Site:
    """The site's office records the answer its committee gave at a meeting: where no
    members were named for the simplified procedure, or where the named members differ or
    one sent it to a meeting (`app.ethics.site_review`)."""
    require_site_office(actor, site)
    if site.status is not SiteStatus.awaiting:
        raise GuardFailed(
            _l("The site has answered already: %(status)s.", status=status_label(site.status)),
            code="already_confirmed",
        )
    if not site.updates:
        raise GuardFailed(_l("The lead has not decided yet."), code="not_decided")
    from app.ethics.site_review import state

    simplified = state(site)
    if simplified["named"] and not simplified["meeting"]:
        raise GuardFailed(
            _l("The named members are answering: the committee meets only if they differ."),
            code="simplified_open",
        )
    try:
        status = SiteStatus(status)
    except ValueError:
        status = None
    if status not in ANSWERS:
        raise InvalidInput(
            _l("Choose recognise, recognise with conditions or decline."), field="status"
        )
    reasons = (reasons or "").strip()
    if status is not SiteStatus.recognised and not reasons:
        raise InvalidInput(
            _l("Give the local conditions or the reasons for declining."), field="reasons"
        )
    if len(reasons) > MAX_TEXT:
        raise InvalidInput(_l("At most 5000 characters."), field="reasons")
    return confirm(actor, site, status, reasons or None, _name(actor))


def confirm(actor: User, site: Site, status: SiteStatus, reasons, by: str) -> Site:
    """The site's confirmation, by its named members or its office after a meeting: the
    decision to confirm is acknowledged with it and the answer goes to the lead."""
    apply_confirmation(site, status, reasons, utcnow(), by)
    site.updates[0].acknowledged_at = site.confirmed_at
    site.updates[0].acknowledged_by = site.confirmed_by
    db.session.flush()
    _reply(actor, site, site.updates[0], "confirmation")
    audit_site("ethics.site.confirm", actor, site, {"status": status.value})
    return site


def apply_confirmation(site: Site, status: SiteStatus, reasons, at: dt.datetime, by: str):
    site.status = status
    site.reasons = reasons
    site.confirmed_at = at
    site.confirmed_by = by[:200]


def acknowledge(actor: User, site: Site, seq) -> SiteUpdate:
    require_site_office(actor, site)
    update = next((u for u in site.updates if str(u.seq) == str(seq) and u.seq > 1), None)
    if update is None:
        raise InvalidInput(_l("No such update of the lead."), field="seq")
    if update.acknowledged_at is not None:
        raise GuardFailed(_l("This update was acknowledged already."), code="acknowledged")
    update.acknowledged_at = utcnow()
    update.acknowledged_by = _name(actor)
    db.session.flush()
    _reply(actor, site, update, "acknowledgement")
    audit_site("ethics.site.acknowledge", actor, site, {"seq": update.seq})
    return update


def _reply(actor: User, site: Site, update: SiteUpdate, kind: str) -> None:
    from app.ethics import site_handoffs

    site_handoffs.done(site, update)
    if site.remote_lead:
        from app.ethics.site_exchange import send_reply

        update.reply_outbox_id = send_reply(site, update, kind)
    else:
        site_handoffs.to_lead(site, actor)


def _name(actor: User) -> str:
    unit = perm.unit_of(actor, UnitRole.office)
    who = actor.display_name or actor.username
    return f"{who} ({unit.name})" if unit else who


def audit_site(action: str, actor, site: Site, details: dict) -> None:
    agency_id = None
    if site.application is not None:
        agency_id = site.application.unit.agency_id
    elif site.panel is not None:
        agency_id = site.panel.agency_id
    audit.record(
        action,
        actor=actor,
        obj=site,
        agency_id=agency_id,
        details={"activity": site.activity_uid, **details},
    )


STATUS_LABELS = {
    SiteStatus.awaiting: _l("Awaiting confirmation"),
    SiteStatus.recognised: _l("Recognised"),
    SiteStatus.conditions: _l("Recognised with local conditions"),
    SiteStatus.declined: _l("Declined"),
}
UPDATE_LABELS = {
    UpdateKind.decision: _l("Decision to confirm"),
    UpdateKind.amendment: _l("Amendment"),
    UpdateKind.followup: _l("Follow-up result"),
    UpdateKind.suspend: _l("Suspended by the committee"),
    UpdateKind.terminate: _l("Terminated by the committee"),
}


def status_label(status) -> str:
    return str(STATUS_LABELS.get(SiteStatus(status), status))
