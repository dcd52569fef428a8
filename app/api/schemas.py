"""What the API accepts and returns. Request models forbid unknown fields, so a typo is a
clear 422 instead of a silently ignored value."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

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
from app.cases.queries import SORTS
from app.core import limits
from app.core.identifiers import pydantic_check

# The lengths are app.core.limits', which the forms and services read too.
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=limits.REASON)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=limits.REPORT)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=limits.SHORT)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.SHORT)
]


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _iso_date(value):
    """Only YYYY-MM-DD: pydantic would otherwise read 0 or "0" as 1 January 1970."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return dt.date.fromisoformat(value)  # ValueError for 2026-02-30 becomes a field error


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

# Stored as UTC; SQLite hands them back without an offset, which RFC 3339 requires.
Timestamp = Annotated[dt.datetime, AfterValidator(_as_utc)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WithIdNumber(Request):
    """An ID number is checked against its type (app/core/identifiers.py) and normalised."""

    @model_validator(mode="after")
    def _check_id_number(self):
        self.id_number = pydantic_check(self.id_type, self.id_number)
        return self


class Problem(BaseModel):
    """An RFC 9457 problem document; `code` is stable, `title`/`detail` are for people."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    field: str | None = None
    errors: list[FieldError] | None = None


class FieldError(BaseModel):
    field: str
    message: str


Problem.model_rebuild()


# ---- list ---------------------------------------------------------------------------------


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


class CaseSummary(BaseModel):
    reference: str
    title: str
    state: CaseState
    agency: str
    source: CaseSource
    received_date: dt.date
    due_date: dt.date | None
    updated_at: Timestamp
    version: int


class CaseList(BaseModel):
    items: list[CaseSummary]
    total: int
    page: int
    pages: int
    per_page: int


# ---- registration -------------------------------------------------------------------------


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


# ---- transitions and team -----------------------------------------------------------------


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


# ---- detail -------------------------------------------------------------------------------


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
    due_date: dt.date | None
    preliminary_due: dt.date | None
    investigation_opened_on: dt.date | None
    investigation_due: dt.date | None
    extension_months: int
    suspended_on: dt.date | None
    notice_served_on: dt.date | None
    defence_due: dt.date | None
    defence_received_on: dt.date | None
    review_request_due: dt.date | None
    review_requested_on: dt.date | None
    review_decision_due: dt.date | None
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


# ---- integrity check ----------------------------------------------------------------------


class IntegrityCheckQuery(WithIdNumber):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    id_type: Annotated[str, StringConstraints(max_length=32)] = "resident_id"
    id_number: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class RecordSubject(BaseModel):
    name: str
    id_masked: str | None


class RecordRecognition(BaseModel):
    agency: str
    decision: str
    version: int


class IntegrityRecordOut(BaseModel):
    record_id: str
    version: int
    status: str
    origin_node: str | None
    local: bool
    subject: RecordSubject
    deciding_agency: str | None
    conduct: str | None
    outcome: str | None
    legal_basis: str | None
    severity: str | None
    effective_date: str | None
    term_end: str | None
    lifetime: bool
    recognitions: list[RecordRecognition]


class IntegrityCheckResult(BaseModel):
    matches: int
    active: int
    records: list[IntegrityRecordOut]


class StatisticsQuery(Request):
    scope: Literal["agency", "region", "institution"] = Field(
        "agency",
        description="Your agency's own figures, the region's (small counts withheld), or one "
        "institution's profile (`institution` required)",
    )
    year: Annotated[int, Field(ge=2000, le=2100)] | None = Field(
        None, description="The calendar year (default: this year)"
    )
    quarter: Annotated[int, Field(ge=1, le=4)] | None = Field(
        None, description="A quarter of `year`"
    )
    month: Annotated[int, Field(ge=1, le=12)] | None = Field(None, description="A month of `year`")
    from_: IsoDate | None = Field(
        None,
        alias="from",
        description="Start of a custom period (your agency's figures; the region's and an "
        "institution's take a whole month, quarter or year)",
    )
    to: IsoDate | None = Field(None, description="End of a custom period (inclusive)")
    institution: Name | None = Field(None, description="The institution, for scope=institution")


class StatisticsColumn(BaseModel):
    key: str
    label: str


class StatisticsRow(BaseModel):
    key: str
    label: str
    kind: Literal["count", "days", "percent"]
    values: dict[str, int | float | None] = Field(
        description="Per column; null where withheld (see `marks`) or not applicable"
    )
    marks: dict[str, Literal["small", "withheld"]] = Field(
        description='"small": a count of 1 or 2 (shown "<3"); "withheld": hidden so that a '
        "small count cannot be worked out from the totals"
    )
    total: int | float | None
    total_mark: Literal["small", "withheld"] | None


class StatisticsFigure(BaseModel):
    key: str
    title: str
    caption: str
    columns: list[StatisticsColumn]
    rows: list[StatisticsRow]


class StatisticsPeriod(BaseModel):
    start: dt.date
    end: dt.date
    label: str


class StatisticsResult(BaseModel):
    scope: str
    period: StatisticsPeriod
    suppressed: bool
    figures: list[StatisticsFigure]


class TransferCreate(Request):
    """Offer the case to another agency; it waits in `transfer_pending` for their answer."""

    target_agency: Annotated[str, StringConstraints(min_length=1, max_length=8)]
    reason: Text
    identity_travels: bool = Field(False, description="Whether the complainant identity goes")
    version: int | None = Field(None, description="The case version the client last read")


class TransferAnswer(Request):
    reason: Text | None = Field(None, description="Required to refuse; optional to withdraw")


class TransferListQuery(Request):
    direction: Literal["incoming", "sent"] = Field(
        "incoming", description="`incoming`: waiting for your agency's answer; `sent`: yours"
    )


class TransferOut(BaseModel):
    id: int
    state: Literal["pending", "accepted", "refused", "withdrawn"]
    from_agency: str
    to_agency: str
    sender_reference: str
    receiver_reference: str | None
    title: str
    reason: str
    identity_travels: bool
    sent_at: Timestamp
    answered_at: Timestamp | None
    answer_reason: str | None


class TransferList(BaseModel):
    items: list[TransferOut]


class ReviewPart(BaseModel):
    """The caller's own part in a review."""

    declared: bool
    conflict: str | None = Field(description="`none` or the kind of conflict declared")
    recused: bool
    chair: bool
    consultant: bool = Field(
        description="A consultant advises (`/advice`) but never votes or counts"
    )
    choice: str | None
    opinion: str | None
    vote_changes: int


class ReviewSummaryOut(BaseModel):
    id: int
    reference: str
    title: str
    agency: str
    panel: str
    questions: str
    meeting_date: str
    deadline: str
    status: str
    outcome: str | None
    respondents: list[dict[str, str]]


class ReviewListItem(ReviewSummaryOut):
    mine: ReviewPart


class ReviewList(BaseModel):
    items: list[ReviewListItem]


class ReviewOut(ReviewListItem):
    package: dict[str, Any] | None = Field(
        description="The review package, once you declared no conflict; never the complainant"
    )
    record: dict[str, Any] | None = Field(
        description="After closing: attendance, the count, each member's vote and opinion"
    )


class DeclarationRequest(Request):
    conflict: Literal[
        "none", "relative", "coauthor", "supervisor_student", "same_institution", "other"
    ]
    note: Text | None = None


class CorrectionRequest(Request):
    """A member who declared no conflict declares one before voting: it recuses them."""

    conflict: Literal["relative", "coauthor", "supervisor_student", "same_institution", "other"]
    note: Text | None = None


class AdviceRequest(Request):
    opinion: Text


class VoteRequest(Request):
    choice: Literal["endorse", "return", "abstain"]
    opinion: Text


class CloseRequest(Request):
    """The chair may record attendance (member id → `present` / `absent`) and minutes in
    the same call; the count then decides."""

    attendance: dict[int, Literal["present", "absent"]] | None = None
    minutes: LongText | None = None
    reasons: Text | None = Field(None, description="The panel's reasons; required for a return")
