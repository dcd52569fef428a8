"""API v1 endpoints: list, register, read, move and staff cases."""

from __future__ import annotations

import datetime as dt

from flask import Response, json, request, url_for
from flask_babel import gettext as _
from pydantic import BaseModel
from sqlalchemy import select

from app.api import bp
from app.api.handling import (
    ApiError,
    authenticate,
    current,
    parse_body,
    parse_query,
    register_error_handlers,
)
from app.api.schemas import (
    CaseCreate,
    CaseDetail,
    CaseList,
    CaseListQuery,
    ConflictDeclarationRequest,
    DefenceRequest,
    IntegrityCheckQuery,
    IntegrityCheckResult,
    StatisticsQuery,
    StatisticsResult,
    TeamRequest,
    TransitionRequest,
)
from app.api.serialize import case_detail, case_summary
from app.api.spec import build_document, operation
from app.auth.models import User
from app.cases.permissions import get_case_or_404
from app.cases.queries import CaseFilters, case_query, paginate_cases
from app.cases.services import (
    AllegationInput,
    CaseInput,
    ComplainantInput,
    RespondentInput,
    assign_member,
    record_defence,
    register_case,
)
from app.cases.workflow import find_transition, perform
from app.core.errors import InvalidInput
from app.extensions import db
from app.protection.conflicts import declare_conflicts

bp.before_request(authenticate)
register_error_handlers(bp)

NOT_FOUND = {404: "No case with this reference is visible to you"}
BAD_BODY = {
    400: "The body is not a JSON object",
    413: "The body is larger than 1 MiB",
    415: "The body is not application/json",
    422: "Invalid fields (`invalid_input`, with per-field `errors`)",
}


def respond(model: type[BaseModel], data: dict, status: int = 200, **headers) -> Response:
    """Validates the response against its declared model, so the OpenAPI document holds.
    Every time in a response carries its zone (`zoned`), however a model declares it."""
    body = model.model_validate(zoned(data)).model_dump(mode="json")
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def zoned(value):
    """Times are stored in UTC and SQLite hands them back without an offset, which RFC 3339
    requires: a naive time anywhere in a response (nested dicts and lists too) is UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    if isinstance(value, dict):
        return {k: zoned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [zoned(v) for v in value]
    return value


@operation(
    bp,
    "/cases",
    "GET",
    "List the cases visible to you, filtered, sorted and paginated",
    query=CaseListQuery,
    response=CaseList,
    errors={422: "Invalid query parameter (`invalid_input`)"},
)
def list_cases():
    q = parse_query(CaseListQuery)
    filters = CaseFilters(
        state=q.state,
        misconduct_type=q.type,
        agency=q.agency or None,
        received_from=q.from_,
        received_to=q.to,
        q=q.q or None,
        sort=q.sort,
        direction=q.dir,
    )
    page = paginate_cases(
        case_query(current(), filters), page=q.page, per_page=q.per_page, error_out=False
    )
    return respond(
        CaseList,
        {
            "items": [case_summary(c) for c in page.items],
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "per_page": page.per_page,
        },
    )


@operation(
    bp,
    "/cases",
    "POST",
    "Register an allegation as a new case of your agency",
    body=CaseCreate,
    response=CaseDetail,
    status=201,
    errors={**BAD_BODY, 403: "You are not an officer or supervisor (`not_allowed`)"},
)
def create_case():
    body = parse_body(CaseCreate)
    case = register_case(_case_input(body), current())
    db.session.commit()
    return respond(
        CaseDetail,
        case_detail(case, current()),
        201,
        Location=url_for("api.get_case", reference=case.reference),
    )


def _case_input(body: CaseCreate) -> CaseInput:
    c = body.complainant
    return CaseInput(
        title=body.title,
        source=body.source,
        received_date=body.received_date,
        summary=body.summary,
        respondents=[RespondentInput(**r.model_dump()) for r in body.respondents],
        allegations=[AllegationInput(**a.model_dump()) for a in body.allegations],
        complainant=ComplainantInput(**c.model_dump()) if c else None,
    )


@operation(
    bp,
    "/cases/{reference}",
    "GET",
    "Read a case: parties, allegations, team, deadlines, history, findings, sanctions",
    response=CaseDetail,
    errors=NOT_FOUND,
)
def get_case(reference: str):
    case = get_case_or_404(reference, current())
    detail = case_detail(case, current())
    db.session.commit()
    return respond(CaseDetail, detail)


@operation(
    bp,
    "/cases/{reference}/transitions",
    "POST",
    "Move a case to another state of the procedure",
    body=TransitionRequest,
    response=CaseDetail,
    errors={
        **BAD_BODY,
        **NOT_FOUND,
        403: "The step is not yours to take (`not_allowed`)",
        409: "`illegal_transition`, `stale_version` or `guard_failed`",
    },
)
def transition_case(reference: str):
    case = get_case_or_404(reference, current())
    body = parse_body(TransitionRequest)
    t = find_transition(case, body.to.value)
    given = body.model_dump(mode="json", exclude_unset=True, exclude={"to", "version", "reason"})
    unexpected = sorted(set(given) - set(t.fields))
    if unexpected:
        raise InvalidInput(
            _(
                "The step “%(step)s” does not take: %(fields)s.",
                step=t.name,
                fields=", ".join(unexpected),
            ),
            field=unexpected[0],
        )
    perform(case, current(), t.name, expected_version=body.version, reason=body.reason, **given)
    db.session.commit()
    return respond(CaseDetail, case_detail(case, current()))


@operation(
    bp,
    "/cases/{reference}/team",
    "POST",
    "Put a colleague on the case team, or change their team role",
    body=TeamRequest,
    response=CaseDetail,
    errors={
        **BAD_BODY,
        **NOT_FOUND,
        403: "Only a supervisor of the owning agency assigns the team (`not_allowed`)",
        409: "`stale_version`, or the case is closed (`guard_failed`)",
    },
)
def assign_team(reference: str):
    case = get_case_or_404(reference, current())
    body = parse_body(TeamRequest)
    member = db.session.scalar(select(User).where(User.username == body.user.lower()))
    if member is None or member.agency_id != case.agency_id:
        raise ApiError(
            422,
            "invalid_input",
            _("No such colleague in the case's agency."),
            field="user",
            errors=[{"field": "user", "message": _("No such colleague in the case's agency.")}],
        )
    assign_member(case, member, body.team_role, current(), body.version)
    db.session.commit()
    return respond(CaseDetail, case_detail(case, current()))


@operation(
    bp,
    "/cases/{reference}/defence",
    "POST",
    "Record the party's statement or waiver while the pre-decision notice runs",
    body=DefenceRequest,
    response=CaseDetail,
    errors={
        **BAD_BODY,
        **NOT_FOUND,
        403: "Only the case team records the defence (`not_allowed`)",
        409: "`stale_version`, or no notice is running (`guard_failed`)",
    },
)
def record_case_defence(reference: str):
    case = get_case_or_404(reference, current())
    body = parse_body(DefenceRequest)
    record_defence(
        case, body.received_on, body.statement, current(), body.version, party_id=body.party_id
    )
    db.session.commit()
    return respond(CaseDetail, case_detail(case, current()))


@operation(
    bp,
    "/cases/{reference}/conflict-declarations",
    "POST",
    "Declare one's own conflicts of interest in a case (required before joining its team)",
    body=ConflictDeclarationRequest,
    response=CaseDetail,
    status=201,
    errors={
        **BAD_BODY,
        **NOT_FOUND,
        403: "Only officers and supervisors of the owning agency declare (`not_allowed`)",
    },
)
def declare_case_conflicts(reference: str):
    case = get_case_or_404(reference, current())
    body = parse_body(ConflictDeclarationRequest)
    declare_conflicts(case, current(), list(body.kinds), body.details)
    db.session.commit()
    return respond(CaseDetail, case_detail(case, current()), status=201)


@operation(
    bp,
    "/integrity-check",
    "GET",
    "Integrity records held anywhere in the region for a person (name and ID number)",
    query=IntegrityCheckQuery,
    response=IntegrityCheckResult,
    errors={422: "Missing or invalid name or ID number (`invalid_input`)"},
)
def integrity_check_api():
    """For grant systems: matched by the keyed hash of the ID across own and received records;
    each check is audited."""
    from app.records.serialize import record_json
    from app.records.services import integrity_check

    q = parse_query(IntegrityCheckQuery)
    records = integrity_check(current(), q.name, q.id_type, q.id_number)
    db.session.commit()
    return respond(
        IntegrityCheckResult,
        {
            "matches": len(records),
            "active": sum(1 for r in records if r.status.value == "active"),
            "records": [record_json(r) for r in records],
        },
    )


@operation(
    bp,
    "/statistics",
    "GET",
    "The figures of the statistics pages: your agency's, the region's or an institution's",
    query=StatisticsQuery,
    response=StatisticsResult,
    errors={
        403: "Your roles do not include these statistics (`not_allowed`)",
        422: "Invalid period or scope, or a range of days for the region or an institution"
        " (`invalid_input`)",
    },
)
def statistics_api():
    """The same tables as the pages and exports, with the same small-count rule."""
    from app.statistics.periods import parse_period
    from app.statistics.services import compute_tables, scope_for, table_as_dict

    q = parse_query(StatisticsQuery)
    args = {"year": q.year, "quarter": q.quarter, "month": q.month, "from": q.from_, "to": q.to}
    period = parse_period({k: str(v) for k, v in args.items() if v is not None})
    scope = scope_for(current(), q.scope, period, q.institution)
    return respond(
        StatisticsResult,
        {
            "scope": scope.kind,
            "period": {"start": period.start, "end": period.end, "label": period.label},
            "suppressed": scope.suppressed,
            "figures": [table_as_dict(t) for t in compute_tables(scope)],
        },
    )


@operation(bp, "/openapi.json", "GET", "This API's OpenAPI 3.1 document", public=True)
def openapi_document():
    return Response(
        json.dumps(build_document(request.script_root + bp.url_prefix), ensure_ascii=False),
        mimetype="application/json",
    )
