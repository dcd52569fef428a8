"""Case registration and the changes to a case that are not state transitions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

import app.cases.handoffs  # noqa: F401  (declares the case hand-offs)
from app.auth.agencies import case_agencies
from app.auth.models import Agency, Role, User
from app.cases import extension_points
from app.cases.models import (
    Allegation,
    Case,
    CaseMember,
    CaseSequence,
    CaseSource,
    CaseState,
    Complainant,
    HistoryEntry,
    MisconductType,
    Party,
    PartyType,
    RespondentNotice,
    TeamRole,
)
from app.cases.permissions import can_handle, check_case_open, is_supervisor_of
from app.cases.policy import check_not_before_floor
from app.core import audit, limits
from app.core.calendar import add_months, add_working_days, today
from app.core.crypto import matching_hash
from app.core.errors import GuardFailed, InvalidInput, NotAllowed, Problems, StaleVersion
from app.core.identifiers import clean_id_number
from app.extensions import db
from app.notifications.handoffs import case_todo, hand_off, mark_done

RULE_VERSION = "国科发监〔2022〕221号"


@dataclass
class RespondentInput:
    name: str
    party_type: PartyType = PartyType.person
    id_type: str | None = None
    id_number: str | None = None
    institution: str | None = None
    position: str | None = None


@dataclass
class AllegationInput:
    misconduct_type: MisconductType
    description: str
    work_reference: str | None = None


@dataclass
class ComplainantInput:
    anonymous: bool = True
    name: str | None = None
    contact: str | None = None
    id_type: str | None = None
    id_number: str | None = None


@dataclass
class CaseInput:
    title: str
    source: CaseSource
    received_date: dt.date
    summary: str = ""
    respondents: list[RespondentInput] = field(default_factory=list)
    allegations: list[AllegationInput] = field(default_factory=list)
    complainant: ComplainantInput | None = None


def next_sequence(agency_id: int, year: int) -> int:
    """Hands out the next number atomically; concurrent registrations never share one."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(CaseSequence)
        .values(agency_id=agency_id, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["agency_id", "year"])
    )
    return db.session.execute(
        update(CaseSequence)
        .where(CaseSequence.agency_id == agency_id, CaseSequence.year == year)
        .values(last_value=CaseSequence.last_value + 1)
        .returning(CaseSequence.last_value)
    ).scalar_one()


def write_history(
    case: Case,
    actor: User | None,
    action: str,
    *,
    from_state=None,
    to_state=None,
    reason: str | None = None,
    details: dict | None = None,
) -> None:
    db.session.add(
        HistoryEntry(
            case_id=case.id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_id=getattr(actor, "id", None),
            reason=reason,
            details=details or {},
        )
    )


def check_version(case: Case, expected: int | None) -> None:
    if expected is not None and int(expected) != case.version:
        raise StaleVersion(
            _l(
                "This case was changed by someone else after you opened it. "
                "Reload the page to see the current state, then try again."
            )
        )


def registered_with(once: str | None, actor: User) -> Case | None:
    """The case a registration form with this one-time token already made, if the actor's."""
    if not once:
        return None
    case = db.session.scalar(select(Case).where(Case.registration_token == once))
    if case is not None and case.created_by_id != actor.id:
        raise InvalidInput(
            _l("This form was already used. Open a new registration form."), field="once"
        )
    return case


def register_case(data: CaseInput, actor: User, once: str | None = None) -> Case:
    """Registers an allegation as a new case (登记) of the actor's agency. With the form's
    one-time token `once`, a second submit of the same form returns the first case: one
    after the other through `registered_with`, at the same moment through the token's
    unique index (the later transaction waits for the earlier's and then finds its case)."""
    if not actor.has_role(Role.officer, Role.supervisor):
        raise NotAllowed(_l("Only integrity officers and supervisors can register allegations."))
    _validate_case_input(data)
    earlier = registered_with(once, actor)
    if earlier is not None:
        return earlier
    try:
        with db.session.begin_nested():
            case = _new_case(data, actor, once)
    except IntegrityError:
        earlier = registered_with(once, actor)
        if earlier is None:
            raise
        return earlier
    write_history(case, actor, "register", to_state=CaseState.received)
    extension_points.case_changed(case)
    audit.record(
        "case.register", actor=actor, case=case, obj=case, details={"reference": case.reference}
    )
    hand_off("case.register", case, actor=actor)
    return case


def _new_case(data: CaseInput, actor: User, once: str | None) -> Case:
    year = today().year  # the year it is registered in, whatever the letter's date
    seq = next_sequence(actor.agency_id, year)
    case = Case(
        registration_token=once or None,
        reference=f"{actor.agency.code}-{year}-{seq:06d}",
        agency_id=actor.agency_id,
        year=year,
        seq=seq,
        title=data.title.strip(),
        summary=(data.summary or "").strip(),
        source=data.source,
        received_date=data.received_date,
        rule_version=RULE_VERSION,
        state=CaseState.received,
        created_by_id=actor.id,
    )
    for r in data.respondents:
        case.respondents.append(_new_party(r))
    for a in data.allegations:
        case.allegations.append(
            Allegation(
                misconduct_type=a.misconduct_type,
                description=a.description.strip(),
                work_reference=(a.work_reference or "").strip() or None,
            )
        )
    if data.complainant is not None:
        c = data.complainant
        case.complainant = Complainant(
            anonymous=c.anonymous,
            name=None if c.anonymous else (c.name or None),
            contact=c.contact or None,
            id_type=(c.id_type or "").strip() or None,
            id_number=clean_id_number(c.id_type, c.id_number, field="complainant"),
        )
    case.refresh_search_text()
    db.session.add(case)
    db.session.flush()
    return case


def _new_party(r: RespondentInput) -> Party:
    id_number = clean_id_number(r.id_type, r.id_number, field="respondents")
    return Party(
        party_type=r.party_type,
        name=r.name.strip(),
        id_type=(r.id_type or "").strip() or None,
        id_number=id_number,
        id_hash=matching_hash(r.id_type or "", id_number) if id_number else None,
        institution=(r.institution or "").strip() or None,
        position=(r.position or "").strip() or None,
    )


def _validate_case_input(data: CaseInput) -> None:
    """Refuses once with every problem of the registration (each field's first), so the
    form is corrected in one round."""
    problems = Problems()
    if not data.title or not data.title.strip():
        problems.add("title", _l("A title is required."))
    elif len(data.title) > limits.TITLE:
        problems.add("title", _l("The title is longer than 300 characters."))
    problems.attempt(lambda: limits.check_length(data.summary, limits.TEXT, "summary"))
    for r in data.respondents:
        for value in (r.name, r.institution, r.position):
            problems.attempt(lambda v=value: limits.check_length(v, limits.SHORT, "respondents"))
    for a in data.allegations:
        problems.attempt(lambda a=a: limits.check_length(a.description, limits.TEXT, "allegations"))
        problems.attempt(
            lambda a=a: limits.check_length(a.work_reference, limits.TITLE, "allegations")
        )
    c = data.complainant
    if c is not None:
        problems.attempt(lambda: limits.check_length(c.name, limits.SHORT, "complainant"))
        problems.attempt(lambda: limits.check_length(c.contact, limits.TITLE, "complainant"))
    if data.received_date > today():
        problems.add("received_date", _l("The received date cannot be in the future."))
    problems.attempt(lambda: check_not_before_floor(data.received_date, "received_date"))
    if not data.respondents:
        problems.add("respondents", _l("Name at least one respondent."))
    if not data.allegations:
        problems.add("allegations", _l("Describe at least one allegation."))
    for r in data.respondents:
        if not r.name or not r.name.strip():
            problems.add("respondents", _l("Every respondent needs a name."))
        problems.attempt(lambda r=r: clean_id_number(r.id_type, r.id_number, field="respondents"))
    for a in data.allegations:
        if not a.description or not a.description.strip():
            problems.add("allegations", _l("Every allegation needs a description."))
    if c is not None and not c.anonymous and not (c.name or "").strip():
        problems.add(
            "complainant", _l("Give the complainant's name, or mark the complaint anonymous.")
        )
    if c is not None:
        problems.attempt(lambda: clean_id_number(c.id_type, c.id_number, field="complainant"))
    problems.check()


def assign_member(
    case: Case, member: User, team_role: TeamRole, actor: User, expected_version: int | None = None
) -> CaseMember:
    if not is_supervisor_of(actor, case):
        raise NotAllowed(_l("Only a supervisor of the owning agency assigns the case team."))
    check_version(case, expected_version)
    check_case_open(case)
    if member.agency_id != case.agency_id or not member.has_role(Role.officer, Role.supervisor):
        raise InvalidInput(
            _l("Team members must be officers or supervisors of the owning agency."),
            field="user",
        )
    if not member.active:
        raise InvalidInput(_l("This user account is deactivated."), field="user")
    for check in extension_points.assignment_checks:
        check(case, member, team_role)
    existing = case.member_for(member)
    if team_role == TeamRole.lead and case.lead and case.lead is not existing:
        case.lead.team_role = TeamRole.investigator
    if existing is None:
        existing = CaseMember(user=member, team_role=team_role, added_by_id=actor.id)
        case.members.append(existing)
    else:
        existing.team_role = team_role
    case.updated_at = dt.datetime.now(dt.UTC)  # bumps the version: the team is part of the case
    db.session.flush()
    write_history(
        case,
        actor,
        "assign_member",
        from_state=case.state,
        to_state=case.state,
        details={"user": member.username, "team_role": team_role.value},
    )
    audit.record(
        "case.assign_member",
        actor=actor,
        case=case,
        obj=existing,
        details={"user_id": member.id, "team_role": team_role.value},
    )
    hand_off("case.assign_member", case, actor=actor, to=[member])
    return existing


def remove_member(
    case: Case, member_id: int, actor: User, expected_version: int | None = None
) -> None:
    if not is_supervisor_of(actor, case):
        raise NotAllowed(_l("Only a supervisor of the owning agency assigns the case team."))
    check_version(case, expected_version)
    check_case_open(case)
    member = next((m for m in case.members if m.id == member_id), None)
    if member is None:
        raise InvalidInput(_l("That person is not on the case team."), field="member")
    if case.state in (CaseState.investigating, CaseState.suspended) and len(case.members) <= 2:
        raise GuardFailed(_l("An investigation needs at least two investigators on the team."))
    username = member.user.username
    case.members.remove(member)
    case.updated_at = dt.datetime.now(dt.UTC)
    db.session.flush()
    write_history(
        case,
        actor,
        "remove_member",
        from_state=case.state,
        to_state=case.state,
        details={"user": username},
    )
    audit.record("case.remove_member", actor=actor, case=case, details={"user": username})


def extend_investigation(
    case: Case, months: int, reason: str, actor: User, expected_version: int | None = None
) -> None:
    """The one extension of the investigation period, approved by a supervisor."""
    if not is_supervisor_of(actor, case):
        raise NotAllowed(_l("Only a supervisor can approve an extension."))
    check_version(case, expected_version)
    check_case_open(case)
    if case.state not in (CaseState.investigating, CaseState.suspended):
        raise GuardFailed(_l("Only a running investigation can be extended."))
    if case.extension_months:
        raise GuardFailed(_l("The investigation has already been extended once."))
    limit = case.agency.policy.extension_max_months
    problems = Problems()  # the months' and the reason's problems at once
    if not 1 <= months <= limit:
        problems.add("months", _l("An extension is from 1 to %(limit)s months.", limit=limit))
    if not (reason or "").strip():
        problems.add("reason", _l("Give the reason for the extension."))
    problems.check()
    old_due = case.investigation_due
    case.extension_months = months
    case.investigation_due = add_months(old_due, months)
    case.due_date = case.current_due()
    db.session.flush()
    write_history(
        case,
        actor,
        "extend_investigation",
        from_state=case.state,
        to_state=case.state,
        reason=reason.strip(),
        details={
            "months": months,
            "old_due": old_due.isoformat(),
            "new_due": case.investigation_due.isoformat(),
        },
    )
    extension_points.case_changed(case)  # a later deadline
    audit.record("case.extend_investigation", actor=actor, case=case, details={"months": months})


def record_defence(
    case: Case,
    received_on: dt.date,
    statement: str,
    actor: User,
    expected_version: int | None = None,
    party_id: int | None = None,
) -> None:
    """Records one respondent's statement or waiver (陈述申辩) during the notice period; the
    respondent may go unnamed when the case has one. Once every respondent's is in, the
    decision no longer waits for the window to pass."""
    if not can_handle(actor, case):
        raise NotAllowed(_l("Only the case team can record the defence."))
    check_version(case, expected_version)
    check_case_open(case)
    if case.state != CaseState.pre_decision_notice:
        raise GuardFailed(_l("A defence is recorded only while the pre-decision notice runs."))
    problems = Problems()  # every problem of the statement at once
    notice = problems.attempt(lambda: _notice_for(case, party_id))
    if received_on > today() or (notice is not None and received_on < notice.served_on):
        problems.add("received_on", _l("The date must lie between the notice's service and today."))
    if not (statement or "").strip():
        problems.add("statement", _l("Record the statement, or note that the party waived it."))
    problems.attempt(lambda: limits.check_length(statement, limits.REPORT, "statement"))
    problems.check()
    notice.defence_received_on = received_on
    notice.defence_statement = statement.strip()
    if all(n.defence_received_on for n in case.notices):
        case.defence_received_on = max(n.defence_received_on for n in case.notices)
    case.updated_at = dt.datetime.now(dt.UTC)  # bumps the version: the notice is the case's
    db.session.flush()
    write_history(
        case,
        actor,
        "record_defence",
        from_state=case.state,
        to_state=case.state,
        details={"received_on": received_on.isoformat(), "party": notice.party.name},
    )
    audit.record(
        "case.record_defence", actor=actor, case=case, details={"party_id": notice.party_id}
    )
    if case.defence_received_on is not None:
        mark_done(case_todo(case))  # the team's "record the defence"
        hand_off("case.record_defence", case, actor=actor)


def _notice_for(case: Case, party_id: int | None) -> RespondentNotice:
    if party_id is None and len(case.notices) == 1:
        return case.notices[0]
    notice = next((n for n in case.notices if n.party_id == party_id), None)
    if notice is None:
        raise InvalidInput(_l("Choose the respondent whose statement this is."), field="party_id")
    return notice


def assignable_users(case: Case) -> list[User]:
    from app.auth.models import UserRole

    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(
                User.agency_id == case.agency_id,
                User.active.is_(True),
                UserRole.role.in_([Role.officer, Role.supervisor]),
            )
            .distinct()
            .order_by(User.display_name)
        )
    )


def active_agencies_except(agency_id: int) -> list[Agency]:
    return list(
        db.session.scalars(
            case_agencies()
            .where(Agency.id != agency_id, Agency.is_active.is_(True))
            .order_by(Agency.id)
        )
    )


# --- windows that run from the service of a document ---------------------------------------
# The defence window (陈述申辩) runs from the day the notice before a decision (告知书) was
# served, the review-request window (复查申请) from the day the decision (处理决定书) was. The
# workflow sets both provisionally when the case enters the state (the day the panel's review
# closed, the decision date typed with the decision): a case whose documents were served
# outside the platform, or that predates recorded service, keeps running on those. Once the
# service of the document is recorded, its date is the source and these functions move the
# window; a later service date can only move it later (issue <= service <= today).


def start_defence_window(case: Case, served_on: dt.date, party: Party | None = None):
    """The defence window from the service of the notice on `party` (every respondent when
    None); returns the new due date, or None when the case no longer awaits a defence."""
    if case.state != CaseState.pre_decision_notice:
        return None
    due = add_working_days(served_on, case.agency.policy.defence_days)
    for notice in case.notices:
        if party is None or notice.party_id == party.id:
            notice.served_on, notice.defence_due = served_on, due
    if case.notices:
        case.notice_served_on = max(n.served_on for n in case.notices)
        case.defence_due = max(n.defence_due for n in case.notices)
    else:
        case.notice_served_on, case.defence_due = served_on, due
    case.due_date = case.current_due()
    return case.defence_due


def start_review_request_window(case: Case, served_on: dt.date):
    """The review-request window from the service of the decision; None when the decision
    can no longer be asked to be reviewed (a review was requested or decided)."""
    if case.state != CaseState.decided or case.review_outcome is not None:
        return None
    case.review_request_due = add_working_days(served_on, case.agency.policy.review_request_days)
    case.due_date = case.current_due()
    return case.review_request_due
