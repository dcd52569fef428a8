"""Annual reports of registered committees: the work report and the listed-activities
report of each ended year, due by 31 March of the next (policy data in
`registry_policy`). Their figures are counted from the committee's own reviews on the
platform; the office may change a figure only with a reason, which is kept. Reminders go
out before the day, an overdue list and notice after it."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, distinct, func, select

from app.auth.models import User
from app.core import audit
from app.core.calendar import CST, procedural_now, today
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems
from app.core.times import local_year
from app.ethics import policy
from app.ethics import registry as reg
from app.ethics import registry_handoffs as handoffs
from app.ethics import registry_policy as rp
from app.ethics.models import Application, Rereview, Unit
from app.ethics.policy import DECISIONS
from app.ethics.registry_models import AnnualReport, ListedRegistration, ReportKind
from app.extensions import db

WORK_KEYS = (
    "applications",
    "decided",
    *(f"decision_{d}" for d in DECISIONS),
    "decided_in_time",
    "decided_late",
    "median_days",
    "followups_overdue",
    "rereviews_filed",
    "rereviews_agreed",
    "rereviews_disagreed",
)
LISTED_KEYS = (
    "listed_applications",
    "listed_approved",
    "listed_registered",
    "listed_registered_late",
    "listed_running",
    "listed_suspended",
    "listed_terminated",
    "rereviews_agreed",
    "rereviews_disagreed",
)
KEYS = {ReportKind.work: WORK_KEYS, ReportKind.listed: LISTED_KEYS}

FIGURE_LABELS = {
    "applications": _l("Applications submitted"),
    "decided": _l("Decisions taken"),
    "decision_approve": _l("Decisions: approved"),
    "decision_approve_modified": _l("Decisions: approved after modification"),
    "decision_modify_resubmit": _l("Decisions: modify and resubmit"),
    "decision_disapprove": _l("Decisions: not approved"),
    "decided_in_time": _l("Decided within the days allowed (30 by default)"),
    "decided_late": _l("Decided after the days allowed"),
    "median_days": _l("Median days from acceptance to decision"),
    "followups_overdue": _l("Follow-ups overdue at the year's end (activities still running)"),
    "rereviews_filed": _l("Expert re-reviews filed"),
    "rereviews_agreed": _l("Expert re-reviews: agreed"),
    "rereviews_disagreed": _l("Expert re-reviews: disagreed"),
    "listed_applications": _l("Listed activities applied for"),
    "listed_approved": _l("Listed activities approved"),
    "listed_registered": _l("Listed activities registered with the authority"),
    "listed_registered_late": _l("Listed activities registered late"),
    "listed_running": _l("Listed activities under way"),
    "listed_suspended": _l("Listed activities suspended"),
    "listed_terminated": _l("Listed activities terminated"),
}


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, 1, 1, tzinfo=CST)
    return start, dt.datetime(year + 1, 1, 1, tzinfo=CST)


def _in_year(column, year: int) -> list:
    start, end = year_bounds(year)
    return [column >= start, column < end]


def figures(panel_id: int, agency_id: int, year: int, kind: ReportKind) -> dict[str, int]:
    """The report's figures counted from the committee's applications of the year."""
    apps = list(db.session.scalars(select(Application).where(Application.panel_id == panel_id)))
    rereviews = list(
        db.session.scalars(
            select(Rereview)
            .join(Application, Application.id == Rereview.application_id)
            .where(Application.panel_id == panel_id)
        )
    )
    if kind is ReportKind.work:
        return _work(apps, rereviews, agency_id, year)
    return _listed(apps, rereviews, panel_id, year)


def _year_of(value: dt.datetime | None) -> int | None:
    return None if value is None else reg.local_day(value).year


def _rereview_counts(rereviews, year: int) -> dict[str, int]:
    decided = [r for r in rereviews if _year_of(r.decided_at) == year]
    return {
        "rereviews_filed": sum(1 for r in rereviews if _year_of(r.filed_at) == year),
        "rereviews_agreed": sum(1 for r in decided if r.state.value == "agreed"),
        "rereviews_disagreed": sum(1 for r in decided if r.state.value == "disagreed"),
    }


def _work(apps, rereviews, agency_id: int, year: int) -> dict[str, int]:
    allowed = policy.value(agency_id, "decision_days")
    decided = [a for a in apps if a.decision and _year_of(a.decided_at) == year]
    days = [
        (reg.local_day(a.decided_at) - reg.local_day(a.accepted_at)).days
        for a in decided
        if a.accepted_at is not None
    ]
    year_end = dt.date(year, 12, 31)
    out = {
        "applications": sum(1 for a in apps if _year_of(a.submitted_at) == year),
        "decided": len(decided),
        **{f"decision_{d}": sum(1 for a in decided if a.decision == d) for d in DECISIONS},
        "decided_in_time": sum(1 for d in days if d <= allowed),
        "decided_late": sum(1 for d in days if d > allowed),
        "median_days": round(statistics.median(days)) if days else 0,
        "followups_overdue": sum(
            1
            for a in apps
            if a.followup_due is not None
            and a.followup_due <= year_end
            and a.activity in ("active", "suspended")
        ),
        **_rereview_counts(rereviews, year),
    }
    return {k: out[k] for k in WORK_KEYS}


def _listed(apps, rereviews, panel_id: int, year: int) -> dict[str, int]:
    listed = [a for a in apps if a.listed_id is not None]
    ids = {a.id for a in listed}
    registered = list(
        db.session.scalars(
            select(ListedRegistration).where(
                ListedRegistration.panel_id == panel_id,
                *_in_year(ListedRegistration.registered_at, year),
            )
        )
    )
    out = {
        "listed_applications": sum(1 for a in listed if _year_of(a.submitted_at) == year),
        "listed_approved": sum(
            1 for a in listed if a.decision in reg.APPROVED and _year_of(a.decided_at) == year
        ),
        "listed_registered": len(registered),
        "listed_registered_late": sum(
            1 for r in registered if reg.local_day(r.registered_at) > r.due_on
        ),
        "listed_running": sum(1 for a in listed if a.activity == "active"),
        "listed_suspended": sum(1 for a in listed if a.activity == "suspended"),
        "listed_terminated": sum(1 for a in listed if a.activity == "terminated"),
        **_rereview_counts([r for r in rereviews if r.application_id in ids], year),
    }
    return {k: out[k] for k in LISTED_KEYS}


def _kind(value) -> ReportKind:
    try:
        return ReportKind(value)
    except ValueError:
        raise InvalidInput(
            _l("Choose the report: work or listed activities."), field="kind"
        ) from None


def _year(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_l("Enter the report's year."), field="year") from None


def check_reportable(unit: Unit, year, kind) -> tuple[int, ReportKind]:
    """A report may be filed for an ended year, once, by a registered committee."""
    year, kind = _year(year), _kind(kind)
    if year >= today().year:
        raise GuardFailed(
            _l("The year %(year)s has not ended: its report is filed from 1 January.", year=year),
            code="year_not_ended",
        )
    set_up = reg.set_up_on(unit.panel).year
    if year < set_up:
        raise InvalidInput(
            _l("The committee was set up in %(year)s: no report is owed before.", year=set_up),
            field="year",
        )
    if reg.accepted_of(unit.panel_id) is None:
        raise GuardFailed(
            _l("Register the committee with the authority before filing reports."),
            code="not_registered",
        )
    if report_of(unit.panel_id, year, kind) is not None:
        raise GuardFailed(
            _l("The %(year)s report of this kind was filed already.", year=year),
            code="filed_twice",
        )
    return year, kind


def report_of(panel_id: int, year: int, kind: ReportKind) -> AnnualReport | None:
    return db.session.scalar(
        select(AnnualReport).where(
            AnnualReport.panel_id == panel_id,
            AnnualReport.year == year,
            AnnualReport.kind == kind,
        )
    )


def _corrections(computed: dict, given: dict, reasons: dict, actor: User) -> tuple[dict, list]:
    problems = Problems()
    filed, corrections = dict(computed), []
    for key, counted in computed.items():
        raw = given.get(key)
        if raw is None or str(raw).strip() == "":
            continue
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = -1
        if value < 0:
            problems.add(key, _l("Enter a whole number, 0 or more."), label=FIGURE_LABELS[key])
            continue
        if value == counted:
            continue
        reason = (reasons.get(key) or "").strip()
        if not reason:
            problems.add(
                key,
                _l("Give the reason for changing the counted figure (%(n)s).", n=counted),
                label=FIGURE_LABELS[key],
            )
            continue
        filed[key] = value
        corrections.append(
            {"figure": key, "counted": counted, "filed": value, "reason": reason, "by": actor.id}
        )
    problems.check()
    return filed, corrections


def file_report(
    actor: User, unit: Unit, year, kind, given: dict, reasons: dict, summary
) -> AnnualReport:
    """Files the report with the figures counted, changed only where a reason is given."""
    if unit.panel is None or not reg.is_office(actor, unit):
        raise NotAllowed(_l("Only the committee's own office files its reports."))
    year, kind = check_reportable(unit, year, kind)
    summary = (summary or "").strip()
    if not summary:
        problems = Problems()
        problems.add("summary", _l("Summarise the year's work."), label=_l("Summary"))
        problems.check()
    computed = figures(unit.panel_id, unit.agency_id, year, kind)
    filed, corrections = _corrections(computed, given or {}, reasons or {}, actor)
    row = AnnualReport(
        panel_id=unit.panel_id,
        unit_id=unit.id,
        agency_id=unit.agency_id,
        year=year,
        kind=kind,
        computed=computed,
        figures=filed,
        corrections=corrections,
        summary=summary,
        due_on=rp.report_due(year),
        filed_by_id=actor.id,
        filed_at=procedural_now(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "ethics.report.file",
        actor=actor,
        obj=row,
        agency_id=unit.agency_id,
        details={"year": year, "kind": kind.value, "corrected": [c["figure"] for c in corrections]},
    )
    if _filed_kinds(unit.panel_id, year) == set(ReportKind):
        handoffs.reports_filed(unit.panel_id, year)
    return row


def _filed_kinds(panel_id: int, year: int) -> set[ReportKind]:
    return set(
        db.session.scalars(
            select(AnnualReport.kind).where(
                AnnualReport.panel_id == panel_id, AnnualReport.year == year
            )
        )
    )


def reports_of(panel_id: int) -> list[AnnualReport]:
    return list(
        db.session.scalars(
            select(AnnualReport)
            .where(AnnualReport.panel_id == panel_id)
            .order_by(AnnualReport.year.desc(), AnnualReport.kind)
        )
    )


@dataclass(frozen=True)
class Owed:
    unit: Unit
    year: int
    kinds: tuple[ReportKind, ...]  # the kinds not filed
    due_on: dt.date
    overdue: bool


def owed(units: list[Unit], on: dt.date | None = None) -> list[Owed]:
    """Reports not filed of each registered committee: every ended year from the year it
    was first registered, due soon or overdue."""
    on = on or today()
    panel_ids = [u.panel_id for u in units]
    first = dict(db.session.execute(_first_registered_years(panel_ids)).all())
    filed: dict[tuple[int, int], set] = {}
    for panel_id, year, kind in db.session.execute(
        select(AnnualReport.panel_id, AnnualReport.year, AnnualReport.kind).where(
            AnnualReport.panel_id.in_(panel_ids)
        )
    ):
        filed.setdefault((panel_id, year), set()).add(ReportKind(kind))
    out = []
    for unit in units:
        start = first.get(unit.panel_id)
        if start is None:
            continue
        for year in range(start, on.year):
            missing = tuple(
                k for k in ReportKind if k not in filed.get((unit.panel_id, year), set())
            )
            if missing:
                due = rp.report_due(year)
                out.append(Owed(unit, year, missing, due, on > due))
    return sorted(out, key=lambda o: (o.due_on, o.unit.name))


def overdue_count(agency_id: int, on: dt.date | None = None) -> Select:
    """How many of `owed(committee_units(agency_id))` are overdue, as one statement (the
    authority's navigation badge, asked with the page's other badges): every ended year
    whose day has passed, from each committee's first registration, less the years it
    filed every kind of report for."""
    on = on or today()
    last = on.year - 1 if on > rp.report_due(on.year - 1, fresh=False) else on.year - 2
    panels = select(Unit.panel_id).where(
        Unit.agency_id == agency_id, Unit.panel_id.is_not(None), Unit.active.is_(True)
    )
    first = _first_registered_years(panels).subquery()
    years = select(
        func.coalesce(func.sum(case((first.c.start <= last, last - first.c.start + 1), else_=0)), 0)
    )
    complete = (
        select(AnnualReport.panel_id)
        .join(first, first.c.panel_id == AnnualReport.panel_id)
        .where(AnnualReport.year >= first.c.start, AnnualReport.year <= last)
        .group_by(AnnualReport.panel_id, AnnualReport.year)
        .having(func.count(distinct(AnnualReport.kind)) == len(ReportKind))
        .subquery()
    )
    filed = select(func.count()).select_from(complete)
    return select(years.scalar_subquery() - filed.scalar_subquery())


def _first_registered_years(panel_ids) -> Select:
    """Each committee's year of its first accepted registration, in China Standard Time:
    rows of (panel_id, start) for the panels of `panel_ids` (a list or a statement)."""
    from app.ethics.registry_models import Registration, RegistrationState

    return (
        select(
            Registration.panel_id,
            local_year(func.min(Registration.answered_at)).label("start"),
        )
        .where(
            Registration.panel_id.in_(panel_ids),
            Registration.state == RegistrationState.accepted,
        )
        .group_by(Registration.panel_id)
    )


def remind(on: dt.date | None = None) -> int:
    """Notices for every report owed: due within the reminder days, or overdue. Each is
    sent once per committee and year (deduplicated). Returns how many were added."""
    on = on or today()
    added = 0
    for item in owed(reg.committee_units(), on):
        if item.overdue:
            added += handoffs.report_overdue(item.due_on, item.unit.panel, item.unit, item.year)
        elif (item.due_on - on).days <= rp.REMIND_DAYS:
            added += handoffs.report_due(item.due_on, item.unit.panel, item.unit, item.year)
    return added
