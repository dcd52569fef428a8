"""Who may see and act on a case. Visibility is a SQL clause, applied inside every query.

Other features widen visibility (a joint investigation's participants, a panel's members)
by registering a clause builder (`app.cases.extension_points.visibility`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true

from app.auth.models import Role, User
from app.cases import extension_points
from app.cases.models import Case, CaseMember, Decision, DecisionKind, TeamRole
from app.core.calendar import today
from app.core.errors import GuardFailed
from app.core.sql import id_among
from app.extensions import db

AGENCY_READ_ROLES = (Role.officer, Role.supervisor, Role.auditor)


def _visibility(user: User) -> list[ColumnElement[bool]]:
    if user is None or not user.is_authenticated:
        return []
    clauses: list[ColumnElement[bool]] = []
    if user.has_role(*AGENCY_READ_ROLES):
        # Teams are drawn from the owning agency only (assign_member), so for these roles a
        # team clause would add nothing; leaving it out lets PostgreSQL walk the agency's
        # (agency_id, received_date, id) index instead of filtering every case in the region.
        clauses.append(Case.agency_id == user.agency_id)
    for builder in extension_points.visibility:
        clause = builder(user)
        if clause is not None:
            clauses.append(clause)
    return clauses


def visible_clause(user: User) -> ColumnElement[bool]:
    if not isinstance(user, User):  # no one signed in
        return false()
    return built_for(user, "visible_clause", _visible_clause)


def _visible_clause(user: User) -> ColumnElement[bool]:
    clauses = _visibility(user)
    return or_(*clauses) if clauses else false()


def visible_parts(user: User) -> list[ColumnElement[bool]]:
    """`visible_clause` as parts no case is in twice (each part leaves out the cases of the
    parts before it), for counts added up part by part: a count over the agency's part
    alone is read from an (agency_id, ...) index without visiting the table, which the OR
    of all parts never allows."""
    if not isinstance(user, User):
        return [false()]
    return list(built_for(user, "visible_parts", _visible_parts))


def _visible_parts(user: User) -> tuple[ColumnElement[bool], ...]:
    clauses = _visibility(user)
    if not clauses:
        return (false(),)
    return tuple(
        and_(clause, *(~before for before in clauses[:i])) for i, clause in enumerate(clauses)
    )


# Statements built per user, kept by the process (`built_for`); emptied when this full
# (an entry takes 2-10 KiB: a few MiB at most).
_BUILT: dict[tuple, Any] = {}
_BUILT_MAX = 1024


def built_for(user: User, name: str, build: Callable[[User], Any]) -> Any:
    """`build(user)`, a clause or statement of the user's cases, built once per process for
    what it is built from: the user's id, agency and roles, today's date (a deadline's
    arm compares with it), the database's dialect and the visibility builders registered.
    What the database holds (teams, participations) is read when the statement runs, never
    when it is built. The work queue's count is built from the whole transition table for
    the navigation's badge on every page: with the visibility clauses, 2.5-4.4 ms of the
    18-31 ms of CPU a list page took at a million cases."""
    key = (
        name,
        user.id,
        user.agency_id,
        frozenset(user.roles),
        today(),
        db.engine.dialect.name,
        tuple(extension_points.visibility),
    )
    built = _BUILT.get(key)
    if built is None:
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        built = _BUILT[key] = build(user)
    return built


def is_supervisor_of(user: User, case: Case) -> bool:
    return user.has_role(Role.supervisor) and user.agency_id == case.agency_id


def issued_the_decision(user: User, case: Case) -> bool:
    """The user issued the case's decision (处理决定), the one a review (复查) examines."""
    return any(
        d.kind is DecisionKind.decision and d.decided_by_id == user.id for d in case.decisions
    )


def may_decide_review(user: User, case: Case) -> bool:
    """A review is decided by a supervisor of the owning agency other than the one who issued
    the decision under review: nobody reviews their own decision. (The platform has no
    agency-head role; another supervisor is the policy's other decider.)"""
    return is_supervisor_of(user, case) and not issued_the_decision(user, case)


def is_handling_officer(user: User, case: Case) -> bool:
    """An officer of the owning agency who is on the team or registered the case."""
    if user.agency_id != case.agency_id or not user.has_role(Role.officer):
        return False
    return case.member_for(user) is not None or case.created_by_id == user.id


def can_handle(user: User, case: Case) -> bool:
    return is_supervisor_of(user, case) or is_handling_officer(user, case)


def check_case_open(case: Case) -> None:
    """Every service that adds to or changes a case's record calls this first: a case that
    ended (not accepted, transferred, terminated, closed) is a closed record. Only the
    workflow's own steps (an appeal ruling reopening a closed case) move it again."""
    if case.is_terminal:
        from app.core.labels import label

        raise GuardFailed(
            _l(
                "The case has ended (%(state)s): its record is read-only, so nothing can be "
                "added or changed.",
                state=label(case.state),
            )
        )


def can_change(user: User, case: Case) -> bool:
    """Whether the page offers the case team's forms (evidence, notes, ...) to this user."""
    return can_handle(user, case) and not case.is_terminal


def reads_shared_level(user: User, case: Case) -> bool:
    """Anyone outside the owning agency who can see the case sees only its shared part:
    never the complainant, internal notes or evidence, findings or the decision's workings."""
    return user.agency_id != case.agency_id


# --- the shared level ---------------------------------------------------------------------
# What a reader at the shared level (a joint investigation's participant; a shared dossier)
# sees of a case, defined once for the page, the API, the notifications and the dossier.
# The parts by name, as the case page's sections and the dossier's sections are registered;
# every other part (the team and declarations, findings and the investigation report, the
# committee's review, the decision, sanctions and review, transfers, routing hints) stays
# with the owning agency. Within a shared part only the material marked shared is shown
# (evidence, notes), and the complainant's identity never is.
SHARED_PARTS = frozenset(
    {
        "summary",
        "parties",
        "allegations",
        "timeline",
        "evidence",
        "interviews",  # the dossier's name for the notes part
        "notes",
        "joint",
        "dossiers",  # the page's list of the reader's own dossiers
    }
)


# The shared level shows no deadline: the lead's procedure runs on the lead's clock, and when
# it served a notice or received a defence or a review request is the lead's to know. The
# participant's page, the API's shared case and the shared dossier all leave them out.
SHARED_DEADLINES: frozenset[str] = frozenset()


def is_shared_part(name: str) -> bool:
    return name in SHARED_PARTS


def is_shared_step(entry, reader: User | None) -> bool:
    """Whether a timeline entry is shown at the shared level: the procedure's steps (a change
    of state) and the events features declare shared. Who acted and why never are; a
    reader at this level learns only the acting agency."""
    if entry.to_state is not None and entry.from_state != entry.to_state:
        return True
    return any(check(entry, reader) for check in extension_points.shared_events)


def can_contribute(user: User, case: Case) -> bool:
    """May add evidence, interviews and notes: the case team, or a registered contributor."""
    return can_handle(user, case) or any(
        check(user, case) for check in extension_points.contributors
    )


def can_add_material(user: User, case: Case) -> bool:
    """Whether the page offers the evidence and note forms to this user."""
    return can_contribute(user, case) and not case.is_terminal


def is_lead(user: User, case: Case) -> bool:
    member = case.member_for(user)
    return member is not None and member.team_role == TeamRole.lead


def supervisor_clause(user: User) -> ColumnElement[bool]:
    """`is_supervisor_of` as SQL, for the work queues."""
    return Case.agency_id == user.agency_id if user.has_role(Role.supervisor) else false()


def may_decide_review_clause(user: User) -> ColumnElement[bool]:
    """`may_decide_review` as SQL, for the work queues."""
    if not user.has_role(Role.supervisor):
        return false()
    issued = exists().where(
        Decision.case_id == Case.id,
        Decision.kind == DecisionKind.decision,
        Decision.decided_by_id == user.id,
    )
    return and_(supervisor_clause(user), ~issued)


def _team_cases(user: User, *roles: TeamRole) -> Select:
    team = select(CaseMember.case_id).where(CaseMember.user_id == user.id)
    return team.where(CaseMember.team_role.in_(roles)) if roles else team


def _on_team(user: User) -> ColumnElement[bool]:
    """The user's team cases as `id IN (...)`, not a correlated EXISTS: inside the queue's
    OR, PostgreSQL hashes the user's team rows once, where it costed an EXISTS as one probe
    per case and crossed its JIT threshold (hundreds of milliseconds compiling a query that
    runs in tens). The agency and state beside it pick the cases from the index.

    With the registrant beside it (`can_handle_clause`) it is `id = ANY(ARRAY(...))`
    (`id_among`), so PostgreSQL looks the few team cases up by id and the registered ones
    in the (created_by_id, state) index, instead of filtering every case of the agency in
    the arm's states (an officer's queue badge at a million cases: 700 ms)."""
    return id_among(Case.id, _team_cases(user))


def can_handle_clause(user: User) -> ColumnElement[bool]:
    """`can_handle` as SQL. A supervisor handles every case of the agency, which covers the
    cases they could handle as an officer: the clause is then the agency alone, which the
    (agency_id, state) index answers without looking at teams."""
    if user.has_role(Role.supervisor):
        return supervisor_clause(user)
    officer = (
        and_(
            Case.agency_id == user.agency_id,
            or_(_on_team(user), Case.created_by_id == user.id),
        )
        if user.has_role(Role.officer)
        else false()
    )
    return or_(supervisor_clause(user), officer)


def lead_clause(user: User) -> ColumnElement[bool]:
    """`is_lead` as SQL. Leading is not bound to an agency, so nothing else in the queue's
    arm narrows the cases: the few the user leads are looked up by id."""
    return id_among(Case.id, _team_cases(user, TeamRole.lead))


# Each check a transition's `may` uses, as the SQL clause the work queues filter with; the
# queue property test holds the two forms to the same answer.
SQL_FORMS: dict[Callable[[User, Case], bool], Callable[[User], ColumnElement[bool]]] = {
    is_supervisor_of: supervisor_clause,
    can_handle: can_handle_clause,
    is_lead: lead_clause,
    may_decide_review: may_decide_review_clause,
}


NEEDS: dict[str, Callable[[User, Case], bool]] = {
    "view": lambda user, case: True,
    "edit": can_handle,
    "contribute": can_contribute,
    "supervise": is_supervisor_of,
}


def agency_or_shared(user: User, case: Case, visibility: ColumnElement) -> ColumnElement[bool]:
    """Material of a case (evidence, notes) marked internal or shared: the owning agency sees
    all of it, anyone else who can see the case (joint investigations) the shared part."""
    if user.agency_id == case.agency_id:
        return true()
    return visibility == "shared"


def get_case_or_404(reference: str, user: User, need: str = "view") -> Case:
    """Invisible cases are 404 (their existence is not confirmed); visible but not allowed, 403."""
    case = db.session.scalar(select(Case).where(Case.reference == reference, visible_clause(user)))
    if case is None:
        abort(404)
    if not NEEDS[need](user, case):
        abort(403)
    return case
