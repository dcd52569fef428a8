"""The case page, shown by the case view and again after a refused step taken from it."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.cases.decisions import decision_steps
from app.cases.models import (
    CaseState,
    FindingOutcome,
    ReviewOutcome,
    SanctionType,
    Severity,
    TeamRole,
)
from app.cases.permissions import (
    can_handle,
    get_case_or_404,
    is_shared_part,
    is_supervisor_of,
    reads_shared_level,
)
from app.cases.services import active_agencies_except, assignable_users
from app.cases.transfers import case_transfers, state_label
from app.cases.workflow import available_transitions
from app.core.errors import ServiceError
from app.core.extension_points import load_case_sections

# Sanctions the decision form offers per respondent found at fault (a ban and a notice of
# criticism together are common); the service takes any number.
SANCTION_SLOTS = 3


def render_case(case, *, error=None, posted=None, open_form=None, status=200):
    """The case page; after a refused step it shows why and keeps what the user typed.
    A reader outside the owning agency gets the shared page: its own template, so nothing
    internal can reach it by a condition forgotten in the full one."""
    if reads_shared_level(current_user, case):
        sections = load_case_sections(case, current_user, only=is_shared_part)
        joint = next((s.data for s in sections if s.name == "joint"), None)
        return render_template(
            "joint/case_shared.html", case=case, sections=sections, jt=joint, error=error
        ), status
    supervisor = is_supervisor_of(current_user, case)
    handler = can_handle(current_user, case)
    return render_template(
        "cases/detail.html",
        case=case,
        transitions=available_transitions(case, current_user),
        can_handle=handler,
        may_record_defence=handler and case.state == CaseState.pre_decision_notice,
        decisions=decision_steps(case),
        sanction_slots=SANCTION_SLOTS,
        is_supervisor=supervisor,
        assignable=assignable_users(case) if supervisor else [],
        other_agencies=active_agencies_except(case.agency_id),
        transfers=case_transfers(case),
        transfer_state_label=state_label,
        sections=load_case_sections(case, current_user),
        error=error,
        posted=posted or {},
        open_form=open_form,
        enums={
            "outcome": FindingOutcome,
            "severity": Severity,
            "sanction": SanctionType,
            "review": ReviewOutcome,
            "team_role": TeamRole,
        },
    ), status


def refused_on_case_page(reference: str, open_form: str | None = None):
    """The page a refused step taken from the case page answers with (for `run_step`): the
    case again, reloaded after the undo, with why and what the user typed in `open_form`."""

    def page(err: ServiceError):
        case = get_case_or_404(reference, current_user)
        return render_case(
            case, error=err, posted=request.form.to_dict(), open_form=open_form, status=err.status
        )

    return page
