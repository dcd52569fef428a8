"""The preliminary review report (初核报告): what the officer checked and what they recommend,
read by the supervisor who accepts, does not accept or transfers the case."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User
from app.cases.models import Case, CaseState, PreliminaryRecommendation, PreliminaryReport
from app.cases.permissions import can_handle
from app.cases.services import write_history
from app.core import audit
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, StaleVersion
from app.extensions import db

# Field limits: a report is read on one screen before a decision, not a dossier of its own.
FACTS_MAX = 20_000
REASONS_MAX = 5_000


def current_report(case: Case) -> PreliminaryReport | None:
    return db.session.scalar(
        select(PreliminaryReport)
        .where(PreliminaryReport.case_id == case.id)
        .order_by(PreliminaryReport.id.desc())
        .limit(1)
    )


def may_record_report(user: User, case: Case) -> bool:
    return case.state == CaseState.preliminary_review and can_handle(user, case)


def record_preliminary_report(
    case: Case,
    user: User,
    *,
    facts_checked: str | None,
    recommendation: str | None,
    reasons: str | None,
    based_on: int | None,
) -> PreliminaryReport:
    """Saves the report as a new version. `based_on` is the version the author was reading
    (None for the first): if someone saved another meanwhile, nothing is saved and the
    author is told, so neither text is lost."""
    if not can_handle(user, case):
        raise NotAllowed(_l("Only the case team and the agency's supervisors record this report."))
    if case.state != CaseState.preliminary_review:
        raise GuardFailed(_l("The report is recorded during the preliminary review."))
    facts, why = (facts_checked or "").strip(), (reasons or "").strip()
    _check_text(facts, "facts_checked", FACTS_MAX, _l("Say which facts were checked."))
    try:
        choice = PreliminaryRecommendation(recommendation or "")
    except ValueError:
        raise InvalidInput(_l("Choose a recommendation."), field="recommendation") from None
    _check_text(why, "reasons", REASONS_MAX, _l("Give the reasons for the recommendation."))
    latest = current_report(case)
    if (latest.id if latest else None) != based_on:
        raise StaleVersion(
            _l("Someone saved this report meanwhile. Reload to read it, then save yours again.")
        )
    report = PreliminaryReport(
        case_id=case.id, facts_checked=facts, recommendation=choice, reasons=why, author_id=user.id
    )
    db.session.add(report)
    db.session.flush()
    details = {"recommendation": choice.value, "version": report_count(case)}
    write_history(case, user, "preliminary_report", details=details)
    audit.record("case.preliminary_report", actor=user, case=case, obj=report, details=details)
    return report


def _check_text(text: str, field: str, limit: int, missing) -> None:
    if not text:
        raise InvalidInput(missing, field=field)
    if len(text) > limit:
        raise InvalidInput(_l("At most %(limit)s characters, please.", limit=limit), field=field)


def report_count(case: Case) -> int:
    return db.session.scalar(select(func.count()).where(PreliminaryReport.case_id == case.id))


def preliminary_section(case: Case, user: User) -> dict | None:
    """The case page's part: the report, how many versions it has, and whether this user
    may save a new one. Nothing before the preliminary review has begun."""
    report = current_report(case)
    may_record = may_record_report(user, case)
    if report is None and not may_record:
        return None
    return {
        "report": report,
        "versions": report_count(case) if report else 0,
        "may_record": may_record,
        "recommendations": list(PreliminaryRecommendation),
    }
