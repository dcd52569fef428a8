"""API v1 of collaborative review: the sites a caller sees (their committee's, or their
application's as the lead), a site's answer and acknowledgements, and the lead's steps."""

from __future__ import annotations

from typing import Any, Literal

from flask import abort
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.api import bp
from app.api.handling import BAD_BODY, current, parse_body, respond
from app.api.schemas import Request, Short, Text
from app.api.spec import operation
from app.ethics import site_files, sites
from app.ethics.api import NOT_VISIBLE, _load
from app.ethics.site_models import Site
from app.extensions import db

SITE_NOT_VISIBLE = {404: "No site with this id is visible to you"}
SITE_ERRORS = {
    **BAD_BODY,
    **SITE_NOT_VISIBLE,
    403: "Your committee is not a site of this activity (`not_a_site`)",
    409: "Answered or acknowledged already (`already_confirmed`, `acknowledged`), the "
    "lead has not decided (`not_decided`), or the named members are answering "
    "(`simplified_open`)",
}
LEAD_ERRORS = {
    **BAD_BODY,
    **NOT_VISIBLE,
    403: "Not the lead committee's office (`not_allowed`)",
    409: "Not multi-site, the unit is a site already, or no approved decision",
}


class UpdateOut(BaseModel):
    seq: int
    kind: str
    text: str
    decided_at: str
    acknowledged_at: str | None
    acknowledged_by: str | None


class SiteFileOut(BaseModel):
    role: Literal["letter", "document"]
    item: str | None
    name: str
    sha256: str
    size: int | None
    state: Literal["arriving", "arrived", "failed"] = Field(
        description="Fetched from the lead's node and verified against its signed notice "
        "(arrived), not yet (arriving), or the last fetch failed and is tried again (failed)"
    )
    arrived_at: str | None
    error: str | None = Field(description="Why the last fetch failed")


class SiteOut(BaseModel):
    id: int
    activity: str
    reference: str | None
    title: str | None
    site_agency: str
    site_unit: str
    remote: bool = Field(
        description="The site (for the lead) or the lead (for a site) is on another deployment"
    )
    status: Literal["awaiting", "recognised", "conditions", "declined"]
    confirm_by: str | None
    reasons: str | None
    confirmed_at: str | None
    updates: list[UpdateOut]
    lead_copy: dict[str, Any] | None = Field(description="The lead's application, to its site only")
    lead_files: list[SiteFileOut] | None = Field(
        None,
        description="A site of a lead on another deployment, to its office: the decision "
        "letter and approved documents the lead's notice listed, and whether each arrived",
    )


class SiteList(BaseModel):
    items: list[SiteOut]


class ConfirmRequest(Request):
    status: Literal["recognised", "conditions", "declined"]
    reasons: Text | None = None


class AcknowledgeRequest(Request):
    seq: int


class AddSiteRequest(Request):
    unit_id: int | None = Field(None, description="A unit on this deployment")
    peer_id: int | None = Field(None, description="Or an exchange peer, with agency and unit")
    agency: Short | None = None
    unit: Short | None = None


class SiteUpdateRequest(Request):
    kind: Literal["amendment", "followup"]
    text: Text


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def site_out(site: Site) -> dict:
    copy = site.copy or {}
    own_site = site.remote_lead and sites.is_site_office(current(), site)
    return {
        "id": site.id,
        "activity": site.activity_uid,
        "reference": site.application.reference if site.application else copy.get("reference"),
        "title": site.application.title if site.application else copy.get("title"),
        "site_agency": site.site_agency,
        "site_unit": site.site_unit,
        "remote": site.remote_lead or site.is_remote,
        "status": site.status.value,
        "confirm_by": _iso(site.confirm_by),
        "reasons": site.reasons,
        "confirmed_at": _iso(site.confirmed_at),
        "updates": [
            {
                "seq": u.seq,
                "kind": u.kind.value,
                "text": u.text,
                "decided_at": _iso(u.decided_at),
                "acknowledged_at": _iso(u.acknowledged_at),
                "acknowledged_by": u.acknowledged_by,
            }
            for u in site.updates
        ],
        "lead_copy": copy if own_site else None,
        "lead_files": site_files.files_out(site) if own_site else None,
    }


def _site(site_id: int) -> Site:
    site = db.session.scalar(select(Site).where(Site.id == site_id, sites.visible_sites(current())))
    if site is None:
        abort(404)
    return site


@operation(bp, "/ethics/sites", "GET", "List the sites visible to you", response=SiteList)
def ethics_sites():
    rows = db.session.scalars(
        select(Site).where(sites.visible_sites(current())).order_by(Site.id.desc()).limit(200)
    )
    return respond(SiteList, {"items": [site_out(s) for s in rows]})


@operation(
    bp,
    "/ethics/sites/{site_id}",
    "GET",
    "Read a site of a multi-site activity",
    response=SiteOut,
    errors=SITE_NOT_VISIBLE,
)
def ethics_site(site_id: int):
    return respond(SiteOut, site_out(_site(site_id)))


@operation(
    bp,
    "/ethics/sites/{site_id}/confirmation",
    "POST",
    "Answer the lead's decision for your site (the site committee's office)",
    body=ConfirmRequest,
    response=SiteOut,
    errors=SITE_ERRORS,
)
def ethics_site_confirm(site_id: int):
    site = _site(site_id)
    body = parse_body(ConfirmRequest)
    sites.record_meeting_answer(current(), site, body.status, body.reasons)
    db.session.commit()
    return respond(SiteOut, site_out(site))


@operation(
    bp,
    "/ethics/sites/{site_id}/acknowledgement",
    "POST",
    "Acknowledge an update of the lead (the site committee's office)",
    body=AcknowledgeRequest,
    response=SiteOut,
    errors=SITE_ERRORS,
)
def ethics_site_acknowledge(site_id: int):
    site = _site(site_id)
    body = parse_body(AcknowledgeRequest)
    sites.acknowledge(current(), site, body.seq)
    db.session.commit()
    return respond(SiteOut, site_out(site))


@operation(
    bp,
    "/ethics/applications/{reference}/sites",
    "POST",
    "Add a site to a multi-site activity (the lead committee's office)",
    body=AddSiteRequest,
    response=SiteOut,
    status=201,
    errors=LEAD_ERRORS,
)
def ethics_add_site(reference: str):
    application, _level = _load(reference, need="summary")
    body = parse_body(AddSiteRequest)
    if body.peer_id is not None:
        site = sites.add_remote_site(current(), application, body.peer_id, body.agency, body.unit)
    else:
        site = sites.add_local_site(current(), application, body.unit_id)
    db.session.commit()
    return respond(SiteOut, site_out(site), 201)


@operation(
    bp,
    "/ethics/applications/{reference}/site-updates",
    "POST",
    "Send an amendment or follow-up result the lead decided to every site",
    body=SiteUpdateRequest,
    response=SiteList,
    errors=LEAD_ERRORS,
)
def ethics_site_update(reference: str):
    application, _level = _load(reference, need="summary")
    body = parse_body(SiteUpdateRequest)
    sites.send_update(current(), application, body.kind, body.text)
    db.session.commit()
    return respond(SiteList, {"items": [site_out(s) for s in sites.sites_of(application)]})
