"""The public portal: /report and /report/follow-up, no sign-in.

No cookie before a report is submitted or a code is entered: these pages use no session
(no CSRF token in a session, no flashed message) and the language is chosen in the URL.
Their posts are exempt from the session's CSRF check and instead refused when the browser
says they come from another site (Origin, Sec-Fetch-Site). A follow-up opened with a valid
code is kept in the session for a short while (`policy.FOLLOW_UP_IDLE_SECONDS`); its forms
then carry the usual CSRF token.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.cases.models import MisconductType
from app.core.errors import ServiceError
from app.core.i18n import committing
from app.core.pages import refuse
from app.evidence.services import Upload
from app.extensions import db
from app.reporting import bp, codes, policy, services
from app.reporting.models import Report, ReporterStatus
from app.reporting.receipt import receipt_pdf

FOLLOW_UP = "report_follow_up"
PORTAL_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # Bootstrap draws checkboxes and selects as data: SVG
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)


def lang() -> str:
    return str(get_locale() or "zh")


def portal_url(endpoint: str, **values) -> str:
    return url_for(endpoint, lang=lang(), **values)


def _page(template: str, status: int = 200, **context):
    response = render_template(template, portal_url=portal_url, **context), status
    return response


@bp.after_request
def _portal_headers(response):
    if request.path.startswith("/report"):
        response.headers["Content-Security-Policy"] = PORTAL_CSP
        response.headers["Cache-Control"] = "no-store"
    return response


def _same_site() -> None:
    """A cross-site post is refused: the portal's posts carry no session token."""
    if request.headers.get("Sec-Fetch-Site") not in (None, "same-origin", "none"):
        abort(400)
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        abort(400)
    if origin == "null":
        abort(400)


def _address() -> str | None:
    from app.auth.throttle import address_key

    return address_key(request.remote_addr).removeprefix("address:")


@bp.route("/report")
def portal_home():
    from app.core.portal_filings import portal_filings

    return _page("reporting/portal_home.html", rules=policy.rules(), filings=portal_filings())


def _types():
    from app.core.labels import label

    return [(m.value, label(m)) for m in MisconductType]


def _form_input() -> services.ReportInput:
    form = request.form
    names, institutions = form.getlist("respondent_name"), form.getlist("respondent_institution")
    return services.ReportInput(
        agency=form.get("agency", ""),
        respondents=[
            {"name": n, "institution": i} for n, i in zip(names, institutions, strict=False)
        ],
        misconduct_types=form.getlist("misconduct_types"),
        description=form.get("description", ""),
        leads=form.get("leads", ""),
        anonymous=form.get("identity", "anonymous") != "named",
        name=form.get("name", ""),
        contact=form.get("contact", ""),
        files=[Upload(f.stream, f.filename) for f in request.files.getlist("files") if f.filename],
    )


def _report_form(problems: dict | None = None, status: int = 200, message=None):
    return _page(
        "reporting/portal_form.html",
        status,
        agencies=services.portal_agencies(),
        types=_types(),
        problems={k: str(getattr(v, "message", v)) for k, v in (problems or {}).items()},
        message=message,
        values=request.form if request.method == "POST" else {},
        rules=dict(policy.rules()),
        max_files=policy.MAX_FILES,
    )


@bp.route("/report/new", methods=["GET", "POST"])
def report_form():
    if request.method == "GET":
        return _report_form()
    _same_site()
    try:
        report, code = services.submit_report(_form_input(), _address())
    except ServiceError as err:
        refuse(err, show=False)
        return _report_form(err.problems, err.status, err.message)
    db.session.commit()
    return _receipt_page(report, code)


def _receipt_page(report: Report, code: str, problem: str | None = None, status: int = 200):
    return _page(
        "reporting/portal_receipt.html",
        status,
        report=report,
        code=code,
        shown_code=codes.shown(code),
        problem=problem,
    )


def _by_code(action: str):
    """The report of the posted code, or the refusal as (None, err) after it is counted."""
    try:
        report = services.find_by_code(request.form.get("code"), _address(), action)
    except ServiceError as err:
        refuse(err, show=False)
        return None, err
    return report, None


@bp.route("/report/receipt", methods=["POST"])
def receipt():
    _same_site()
    report, err = _by_code("receipt")
    if report is None:
        return _follow_up_login(err)
    db.session.commit()
    headers = {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="receipt-{report.number}.pdf"',
    }
    return receipt_pdf(report), 200, headers


@bp.route("/report/confirm", methods=["POST"])
def confirm():
    _same_site()
    report, err = _by_code("confirm")
    if report is None:
        return _follow_up_login(err)
    code = codes.normalise(request.form.get("code"))
    if request.form.get("written") != "yes":
        db.session.rollback()
        problem = _("Tick the box once you have written the code down.")
        return _receipt_page(report, code, problem, 422)
    services.confirm_code(report)
    db.session.commit()
    return _page("reporting/portal_confirmed.html", report=report)


def _follow_up_login(err: ServiceError | None = None):
    return _page(
        "reporting/portal_follow_up_login.html",
        err.status if err else 200,
        problem=str(err.message) if err else None,
    )


@bp.route("/report/follow-up", methods=["GET", "POST"])
def follow_up_login():
    if request.method == "GET":
        return _follow_up_login()
    _same_site()
    try:
        found = services.find_follow_up(request.form.get("code"), _address())
    except ServiceError as err:
        refuse(err, show=False)
        return _follow_up_login(err)
    db.session.commit()
    if isinstance(found, tuple):  # another feature's filing (app.core.portal_filings)
        from app.reporting.filing_pages import follow_filing

        filing, filed = found
        follow_filing(filing, filed)
        return redirect(portal_url("reporting.filing_follow_up", name=filing.name))
    session[FOLLOW_UP] = {"id": found.id, "at": int(time.time())}
    return redirect(portal_url("reporting.follow_up"))


def _followed_report() -> Report | None:
    held = session.get(FOLLOW_UP)
    if not held or time.time() - held.get("at", 0) > policy.FOLLOW_UP_IDLE_SECONDS:
        session.pop(FOLLOW_UP, None)
        return None
    held["at"] = int(time.time())
    session[FOLLOW_UP] = held
    return db.session.get(Report, held["id"])


def _follow_up_page(report: Report, problems: dict | None = None, status: int = 200):
    status_value = services.reporter_status(report, services.case_state_of(report))
    seen = report.reporter_seen_at
    page = _page(
        "reporting/portal_follow_up.html",
        status,
        report=report,
        status_value=status_value,
        statuses=ReporterStatus,
        messages=report.messages,
        new_since=seen,
        problems={k: str(getattr(v, "message", v)) for k, v in (problems or {}).items()},
        values=request.form if request.method == "POST" else {},
    )
    return page


@bp.route("/report/follow-up/report")
def follow_up():
    report = _followed_report()
    if report is None:
        return redirect(portal_url("reporting.follow_up_login"))
    page = _follow_up_page(report)
    with committing():
        services.mark_seen(report)
        db.session.commit()
    return page


def _posted_step(action):
    report = _followed_report()
    if report is None:
        return redirect(portal_url("reporting.follow_up_login"))
    try:
        action(report)
    except ServiceError as err:
        refuse(err, show=False)
        report = db.session.get(Report, report.id)
        return _follow_up_page(report, err.problems or {"": err.message}, err.status)
    db.session.commit()
    return redirect(portal_url("reporting.follow_up"))


@bp.route("/report/follow-up/message", methods=["POST"])
def follow_up_message():
    return _posted_step(
        lambda report: services.post_reporter_message(report, request.form.get("body"), _address())
    )


@bp.route("/report/follow-up/evidence", methods=["POST"])
def follow_up_evidence():
    return _posted_step(
        lambda report: services.add_reporter_files(
            report,
            [Upload(f.stream, f.filename) for f in request.files.getlist("files")],
            _address(),
        )
    )


@bp.route("/report/follow-up/end", methods=["POST"])
def follow_up_end():
    from app.reporting.filing_pages import FOLLOW_UP_FILING

    session.pop(FOLLOW_UP, None)
    session.pop(FOLLOW_UP_FILING, None)
    return redirect(portal_url("reporting.portal_home"))
