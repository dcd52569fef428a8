"""The portal's pages for another feature's filing (`app.core.portal_filings`): its
form at /report/file/<name>, the receipt with its code, and its follow-up once the code was
entered on the follow-up page. The same rules as a report's pages (`portal.py`): no session
before the code, a same-site post, the portal's headers."""

from __future__ import annotations

import time

from flask import abort, redirect, request, session

from app.core.errors import ServiceError
from app.core.pages import refuse
from app.core.portal_filings import PortalFiling, portal_filing
from app.evidence.services import Upload
from app.extensions import db
from app.reporting import bp, codes, policy, services
from app.reporting.portal import _address, _page, _same_site, portal_url

FOLLOW_UP_FILING = "filing_follow_up"


def _filing_or_404(name: str) -> PortalFiling:
    filing = portal_filing(name)
    if filing is None:
        abort(404)
    return filing


def _form_page(filing: PortalFiling, err: ServiceError | None = None):
    problems = (err.problems or {}) if err else {}
    return _page(
        "reporting/portal_filing_form.html",
        err.status if err else 200,
        filing=filing,
        problems={k: str(getattr(v, "message", v)) for k, v in problems.items()},
        message=str(err.message) if err and not problems else None,
        values=request.form if request.method == "POST" else {},
        max_files=policy.MAX_FILES,
        **filing.form_context(),
    )


@bp.route("/report/file/<name>", methods=["GET", "POST"])
def filing_form(name: str):
    filing = _filing_or_404(name)
    if request.method == "GET":
        return _form_page(filing)
    _same_site()
    files = [Upload(f.stream, f.filename) for f in request.files.getlist("files") if f.filename]
    try:
        filed, code, after_commit = services.file_on_portal(filing, request.form, files, _address())
    except ServiceError as err:
        refuse(err, show=False)
        return _form_page(filing, err)
    db.session.commit()
    if after_commit is not None:
        after_commit()
    return _page(
        "reporting/portal_filing_receipt.html",
        filing=filing,
        shown_code=codes.shown(code),
        **filing.follow_up(filed),
    )


def follow_filing(filing: PortalFiling, filed) -> None:
    session[FOLLOW_UP_FILING] = {"name": filing.name, "id": filed.id, "at": int(time.time())}


@bp.route("/report/file/<name>/follow-up")
def filing_follow_up(name: str):
    filing = _filing_or_404(name)
    held = session.get(FOLLOW_UP_FILING)
    fresh = held and time.time() - held.get("at", 0) <= policy.FOLLOW_UP_IDLE_SECONDS
    filed = filing.load(held["id"]) if fresh and held.get("name") == name else None
    if filed is None:
        session.pop(FOLLOW_UP_FILING, None)
        return redirect(portal_url("reporting.follow_up_login"))
    held["at"] = int(time.time())
    session[FOLLOW_UP_FILING] = held
    return _page("reporting/portal_filing_follow_up.html", filing=filing, **filing.follow_up(filed))
