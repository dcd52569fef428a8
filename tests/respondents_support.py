"""A case against two respondents, for the tests of findings, notices and records per
respondent (pages, API, dossier)."""

from __future__ import annotations

from app.cases.models import CaseState, PartyType
from app.cases.services import RespondentInput
from app.demo import scenario
from tests.conftest import scenario_actors


def two_authors_case(make_case, state: CaseState):
    """A case against 王磊 and 陈静 walked to `state`; from the findings on, 王磊 is found at
    fault and 陈静 cleared."""
    case = make_case(
        state=CaseState.investigating,
        respondents=[
            RespondentInput(name="王磊", party_type=PartyType.person, institution="东大"),
            RespondentInput(name="陈静", party_type=PartyType.person, institution="东大"),
        ],
    )
    if state != CaseState.investigating:
        scenario.walk(
            case,
            state,
            scenario_actors(case),
            params={
                "submit_findings": lambda c: {
                    "findings": scenario.findings_for(c, cleared=lambda p: p.name == "陈静")
                }
            },
        )
    return case


def lead(case):
    return case.lead.user
