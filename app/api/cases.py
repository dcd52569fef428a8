"""API v1: cases — the list, registration, a case, its workflow steps, team, defence and
conflict declarations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from flask import url_for
from flask_babel import gettext as _
from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
)
from sqlalchemy import select

from app.api import bp
from app.api.handling import (
    BAD_BODY,
    NOT_FOUND,
    ApiError,
    current,
    parse_body,
    parse_query,
    respond,
)
from app.api.schemas import IsoDate, LongText, Name, Request, Short, Text, Timestamp, WithIdNumber
from app.api.serialize import case_detail, case_summary
from app.api.spec import operation
from app.auth.models import User
from app.cases import queries
from app.cases.models import (
    CaseSource,
    CaseState,
    DecisionKind,
    FindingOutcome,
    MisconductType,
    PartyType,
    ReviewOutcome,
    SanctionType,
    Severity,
    TeamRole,
)
from app.cases.permissions import get_case_or_404
from app.cases.queries import SORTS, CaseFilters, paginate_cases
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
from app.core import limits
from app.core.errors import InvalidInput
from app.extensions import db
from app.protection.conflicts import declare_conflicts

# A case list's page key, "2026-03-02.123" (received date, case id).
PageKey = Annotated[
    str, StringConstraints(max_length=24, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\.[0-9]+$")
]


class CaseListQuery(Request):
    state: CaseState | None = None
    type: MisconductType | None = Field(None, description="Cases with an allegation of this type")
    agency: Annotated[str, StringConstraints(max_length=8)] | None = None
    from_: IsoDate | None = Field(None, alias="from", description="Received on or after")
    to: IsoDate | None = Field(None, description="Received on or before")
    q: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="Substring of reference, title or a respondent's name"
    )
    sort: Literal[tuple(SORTS)] = "received"  # type: ignore[valid-type]
    dir: Literal["asc", "desc"] = "desc"
    page: int = Field(1, ge=1, le=100000)
    per_page: int = Field(25, ge=1, le=100)
    after: PageKey | None = Field(
        None,
        description="The previous page's `next_after`: this page read from the previous page's "
        "last case instead of counted from the first (in the `received` order; `page` is then "
        "the number the page is given)",
    )
    before: PageKey | None = Field(None, description="The next page's `prev_before`, likewise")


def _unconfirmed():
    return Field(
        description="The deadline beside it runs into a year whose working-day calendar is not"
        " confirmed: it may move once the State Council's notice is entered"
    )


class CaseSummary(BaseModel):
    reference: str
    title: str
    state: CaseState
    agency: str
    source: CaseSource
    received_date: dt.date
    due_date: dt.date | None
    due_date_calendar_unconfirmed: bool = _unconfirmed()
    updated_at: Timestamp
    version: int


class CaseList(BaseModel):
    items: list[CaseSummary]
    total: int
    total_estimated: bool = Field(
        False,
        description="true when `total` (and so `pages`) is the database's estimate: "
        "more cases match than the list counts exactly",
    )
    page: int
    pages: int
    per_page: int
    next_after: str | None = Field(
        None, description="`after` for the next page (sort `received`; none on the last page)"
    )
    prev_before: str | None = Field(None, description="`before` for the previous page")


class RespondentIn(WithIdNumber):
    name: Name
    party_type: PartyType = PartyType.person
    id_type: Annotated[str, StringConstraints(max_length=32)] | None = None
    id_number: Annotated[str, StringConstraints(max_length=64)] | None = None
    institution: Short | None = None
    position: Annotated[str, StringConstraints(max_length=limits.SHORT)] | None = None


class AllegationIn(Request):
    misconduct_type: MisconductType
    description: Annotated[str, StringConstraints(min_length=1, max_length=limits.TEXT)]
    work_reference: Annotated[str, StringConstraints(max_length=limits.TITLE)] | None = None


class ComplainantIn(WithIdNumber):
    anonymous: bool = True
    name: Short | None = None
    contact: Annotated[str, StringConstraints(max_length=limits.TITLE)] | None = None
    id_type: Annotated[str, StringConstraints(max_length=32)] | None = None
    id_number: Annotated[str, StringConstraints(max_length=64)] | None = None


class CaseCreate(Request):
    title: Annotated[str, StringConstraints(min_length=1, max_length=limits.TITLE)]
    source: CaseSource
    received_date: IsoDate
    summary: LongText = ""
    respondents: list[RespondentIn] = Field(min_length=1, max_length=50)
    allegations: list[AllegationIn] = Field(min_length=1, max_length=50)
    complainant: ComplainantIn | None = None


class FindingIn(Request):
    allegation_id: int
    party_id: int | None = Field(
        None, description="The respondent it is about; may be left out when there is one"
    )
    outcome: FindingOutcome
    severity: Severity | None = None
    aggravating: Text | None = None
    mitigating: Text | None = None


class SanctionIn(Request):
    party_id: int
    sanction_type: SanctionType
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    lifetime: bool = False
    description: Text | None = None


class TransitionRequest(Request):
    """`to` names the target state; the step is found from the case's current state. The
    remaining fields are parameters, each accepted only by the steps that use it."""

    to: CaseState
    version: int = Field(description="The case version the client last read")
    reason: Text | None = None
    target_agency: Annotated[str, StringConstraints(max_length=8)] | None = None
    identity_travels: bool | None = None
    report: LongText | None = None
    findings: list[FindingIn] | None = Field(None, max_length=50)
    panel_id: int | None = Field(None, description="refer_to_committee: a panel of your agency")
    questions: Text | None = None
    meeting_date: IsoDate | None = None
    review_deadline: IsoDate | None = Field(
        None, description="Default: the agency's review period from today"
    )
    decision_text: LongText | None = None
    decided_on: IsoDate | None = None
    sanctions: list[SanctionIn] | None = Field(None, max_length=50)
    requested_on: IsoDate | None = None
    outcome: ReviewOutcome | None = None


class TeamRequest(Request):
    user: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    team_role: TeamRole
    version: int | None = Field(None, description="The case version the client last read")


class DefenceRequest(Request):
    party_id: int | None = Field(
        None, description="The respondent whose statement it is; may be left out when there is one"
    )
    received_on: IsoDate
    statement: Annotated[str, StringConstraints(min_length=1, max_length=limits.REPORT)]
    version: int | None = Field(None, description="The case version the client last read")


class ConflictDeclarationRequest(Request):
    kinds: list[
        Literal["relative", "coauthor", "supervisor_student", "same_institution", "other"]
    ] = Field(
        default_factory=list,
        max_length=5,
        description="Conflicts the caller declares; an empty list declares none",
    )
    details: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ComplainantOut(BaseModel):
    anonymous: bool
    name: str | None
    contact: str | None
    id_type: str | None
    id_number: str | None


class RespondentOut(BaseModel):
    id: int
    party_type: PartyType
    name: str
    id_type: str | None
    id_number_masked: str | None = Field(
        description="Masked: the first and last four characters of a number of 15 or more, "
        "the last three of one of 8 to 14, none of a shorter one"
    )
    institution: str | None
    position: str | None


class AllegationOut(BaseModel):
    id: int
    misconduct_type: MisconductType
    description: str
    work_reference: str | None


class TeamMemberOut(BaseModel):
    user: str
    display_name: str
    team_role: TeamRole


class HistoryOut(BaseModel):
    at: Timestamp
    action: str
    from_state: CaseState | None
    to_state: CaseState | None
    actor: str | None
    reason: str | None
    details: dict[str, Any]


class FindingOut(BaseModel):
    allegation_id: int
    party_id: int = Field(description="The respondent the finding is about")
    outcome: FindingOutcome
    severity: Severity | None
    aggravating: str | None
    mitigating: str | None


class NoticeOut(BaseModel):
    """The pre-decision notice served on one respondent, and their statement or waiver."""

    party_id: int
    served_on: dt.date
    defence_due: dt.date
    defence_due_calendar_unconfirmed: bool = _unconfirmed()
    defence_received_on: dt.date | None
    defence_statement: str | None


class SanctionOut(BaseModel):
    id: int
    party_id: int
    sanction_type: SanctionType
    start_date: dt.date
    end_date: dt.date | None
    lifetime: bool
    description: str | None
    revoked_on: dt.date | None
    decision_id: int | None = Field(None, description="The decision or review that imposed it")
    revoked_by_id: int | None = Field(None, description="The review that revoked or replaced it")


class DecisionOut(BaseModel):
    """A 处理决定 or a review of it; the review keeps the decision it reviewed beside it."""

    id: int
    kind: DecisionKind
    review_outcome: ReviewOutcome | None
    decided_on: dt.date
    requested_on: dt.date | None
    text: str | None = Field(description="None for a review that upheld or overturned")
    reason: str | None


class Deadlines(BaseModel):
    """A participating agency (the shared level) gets every field None: its case page shows
    no deadline of the leading agency's procedure."""

    due_date: dt.date | None
    due_date_calendar_unconfirmed: bool = _unconfirmed()
    preliminary_due: dt.date | None
    preliminary_due_calendar_unconfirmed: bool = _unconfirmed()
    investigation_opened_on: dt.date | None
    investigation_due: dt.date | None
    investigation_due_calendar_unconfirmed: bool = _unconfirmed()
    extension_months: int | None
    suspended_on: dt.date | None
    notice_served_on: dt.date | None
    defence_due: dt.date | None
    defence_due_calendar_unconfirmed: bool = _unconfirmed()
    defence_received_on: dt.date | None
    review_request_due: dt.date | None
    review_request_due_calendar_unconfirmed: bool = _unconfirmed()
    review_requested_on: dt.date | None
    review_decision_due: dt.date | None
    review_decision_due_calendar_unconfirmed: bool = _unconfirmed()
    closed_on: dt.date | None


class TransitionOut(BaseModel):
    name: str
    to: CaseState
    label: str
    reason_required: bool
    fields: list[str]


class CaseDetail(BaseModel):
    reference: str
    title: str
    summary: str
    source: CaseSource
    received_date: dt.date
    rule_version: str
    state: CaseState
    agency: str
    transfer_agency: str | None
    former_references: list[str] = Field(
        default_factory=list, description="References the case had at agencies that sent it"
    )
    version: int
    created_at: Timestamp
    updated_at: Timestamp
    deadlines: Deadlines
    respondents: list[RespondentOut]
    allegations: list[AllegationOut]
    team: list[TeamMemberOut]
    history: list[HistoryOut]
    findings_report: str | None
    findings: list[FindingOut]
    notices: list[NoticeOut] = Field(default_factory=list)
    decided_on: dt.date | None
    decision_text: str | None
    review_outcome: ReviewOutcome | None
    sanctions: list[SanctionOut]
    decisions: list[DecisionOut]
    available_transitions: list[TransitionOut]
    complainant: ComplainantOut | None = Field(
        None,
        description="Only for team members a supervisor granted access; every read is audited",
    )


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
        current(),
        filters,
        page=q.page,
        per_page=q.per_page,
        error_out=False,
        cursor=queries.Cursor.parse(q.after, q.before),
    )
    return respond(
        CaseList,
        {
            "items": [case_summary(c) for c in page.items],
            "total": page.total,
            "total_estimated": page.estimated,
            "page": page.page,
            "pages": page.pages,
            "per_page": page.per_page,
            "next_after": page.next_cursor.get("after"),
            "prev_before": page.prev_cursor.get("before"),
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
