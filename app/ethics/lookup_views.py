"""The approval look-up's page, its API v1 operation and its part of the case page (a link
on a case alleging ethics approval fraud). Both answer from `app.ethics.lookup` with the
same fields, which are all the region may know of an approval."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import abort, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from pydantic import BaseModel, StringConstraints
from sqlalchemy import select
from wtforms import StringField

from app.api import bp as api_bp
from app.api.handling import current, parse_query, respond
from app.api.spec import operation
from app.auth.models import Agency
from app.core.pages import attempt, form_status
from app.ethics import approval_numbers, bp
from app.ethics.lookup import MAX_INPUT, STATUS_LABELS, Answer, look_up, may_look_up
from app.ethics.reviewing import DECISION_LABELS
from app.extensions import db


class LookupForm(FlaskForm):
    # The service checks the number, so the page and the API refuse it in the same words.
    number = StringField(
        _l("Ethics approval number"),
        description=_l(
            "As on the decision letter's verification: ETH-, the year, the issuing node and "
            "the serial, e.g. ETH-2026-ZJ-NODE-000123. Letters issued before carry ETH-000123."
        ),
        render_kw={"maxlength": MAX_INPUT, "autocomplete": "off", "spellcheck": "false"},
    )


def _province_names(answers: list[Answer], locale: str) -> dict[str, str]:
    """Province codes in the reader's language where this node knows the agency."""
    codes = {a.approval["province"] for a in answers}
    if not codes:
        return {}
    rows = db.session.scalars(select(Agency).where(Agency.code.in_(codes))).all()
    names = {row.code: row.display_name(locale) for row in rows}
    return {code: names.get(code, code) for code in codes}


@bp.route("/lookup", methods=["GET", "POST"])
@login_required
def lookup():
    if not may_look_up(current_user):
        abort(403)
    form = LookupForm()
    number, answers = None, None
    if form.validate_on_submit():
        result, err = attempt(lambda: look_up(current_user, form.number.data), form=form)
        if err is not None:
            return _page(form, None, None), err.status
        db.session.commit()
        number, answers = result
    provinces = _province_names(answers or [], str(get_locale() or "zh"))
    return _page(form, number, answers, provinces), form_status(form)


def _page(form, number, answers, provinces=None) -> str:
    return render_template(
        "ethics/lookup.html",
        form=form,
        number=number,
        legacy=bool(number and approval_numbers.LEGACY_RE.fullmatch(number)),
        answers=answers,
        provinces=provinces or {},
        statuses=STATUS_LABELS,
        decisions=DECISION_LABELS,
    )


# --- API v1 ------------------------------------------------------------------------------


class LookupQuery(BaseModel):
    number: Annotated[str, StringConstraints(max_length=200)] = ""


class ApprovalOut(BaseModel):
    number: str
    committee: str
    unit: str
    province: str
    title: str
    decision: Literal["approve", "approve_modified"]
    decided_on: str
    valid_until: str | None
    status: Literal["valid", "suspended", "terminated", "expired"]
    status_since: str
    as_of: str
    origin: str | None


class LookupOut(BaseModel):
    number: str
    known: bool
    approvals: list[ApprovalOut]


@operation(
    api_bp,
    "/ethics/approval-lookup",
    "GET",
    "Look up an ethics approval number across the region (integrity officers and "
    "supervisors; audited). Never returns the application's material. A number is unique "
    "in the region (ETH-2026-ZJ-NODE-000123: year, issuing node, serial); an old letter's "
    "ETH-000123 answers every node's approval of that serial.",
    query=LookupQuery,
    response=LookupOut,
    errors={
        403: "Not an integrity officer or supervisor, or a research unit's account (`not_allowed`)",
        422: "An empty or malformed number (`invalid`, field `number`)",
    },
)
def ethics_approval_lookup():
    query = parse_query(LookupQuery)
    number, answers = look_up(current(), query.number)
    db.session.commit()
    return respond(
        LookupOut,
        {
            "number": number,
            "known": bool(answers),
            "approvals": [{**a.approval, "origin": a.origin} for a in answers],
        },
    )


# --- the case page -----------------------------------------------------------------------


def case_section_visible(user, case) -> bool:
    """On a case alleging ethics approval fraud, for those who may look approvals up."""
    from app.cases.models import MisconductType

    alleged = any(
        a.misconduct_type is MisconductType.ethics_approval_fraud for a in case.allegations
    )
    return alleged and may_look_up(user)
