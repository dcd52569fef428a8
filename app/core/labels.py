"""Display names of the closed sets, in the user's language."""

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from app.auth.models import Role
from app.cases.models import (
    CaseSource,
    CaseState,
    FindingOutcome,
    MisconductType,
    PartyType,
    ReviewOutcome,
    SanctionType,
    Severity,
    TeamRole,
)

LABELS = {
    CaseState.received: _l("Received"),
    CaseState.preliminary_review: _l("Preliminary review"),
    CaseState.transfer_pending: _l("Transfer pending"),
    CaseState.not_accepted: _l("Not accepted"),
    CaseState.transferred: _l("Transferred"),
    CaseState.investigating: _l("Investigating"),
    CaseState.suspended: _l("Suspended"),
    CaseState.terminated: _l("Terminated"),
    CaseState.findings: _l("Findings"),
    CaseState.committee_review: _l("Committee review"),
    CaseState.pre_decision_notice: _l("Pre-decision notice"),
    CaseState.decided: _l("Decided"),
    CaseState.under_review: _l("Under review"),
    CaseState.closed: _l("Closed"),
    CaseSource.letter: _l("Letter"),
    CaseSource.phone: _l("Phone"),
    CaseSource.online: _l("Online"),
    CaseSource.media: _l("Media report"),
    CaseSource.referral: _l("Referral"),
    CaseSource.supervision: _l("Routine supervision"),
    MisconductType.plagiarism: _l("Plagiarism"),
    MisconductType.fabrication_falsification: _l("Fabrication or falsification"),
    MisconductType.paper_trading_ghostwriting: _l("Paper trading or ghostwriting"),
    MisconductType.fraudulent_acquisition: _l("Fraudulent acquisition of funds or awards"),
    MisconductType.ethics_approval_fraud: _l("Ethics approval fraud"),
    MisconductType.authorship_violation: _l("Authorship violation"),
    MisconductType.publication_norm_violation: _l("Publication norm violation"),
    MisconductType.other: _l("Other misconduct"),
    PartyType.person: _l("Person"),
    PartyType.institution: _l("Institution"),
    TeamRole.lead: _l("Lead investigator"),
    TeamRole.investigator: _l("Investigator"),
    FindingOutcome.misconduct: _l("Misconduct"),
    FindingOutcome.no_misconduct: _l("No misconduct"),
    FindingOutcome.not_determinable: _l("Not determinable"),
    Severity.minor: _l("Minor"),
    Severity.serious: _l("Serious"),
    Severity.severe: _l("Severe"),
    ReviewOutcome.upheld: _l("Upheld"),
    ReviewOutcome.modified: _l("Modified"),
    ReviewOutcome.overturned: _l("Overturned"),
    SanctionType.admonition_talk: _l("Admonition talk"),
    SanctionType.notice_of_criticism: _l("Notice of criticism"),
    SanctionType.suspend_project: _l("Suspend project"),
    SanctionType.terminate_project_recover_funds: _l("Terminate project and recover funds"),
    SanctionType.ban_state_funded_activity: _l("Ban from state-funded S&T activity"),
    SanctionType.revoke_award_title: _l("Revoke award or title"),
    SanctionType.revoke_degree: _l("Revoke degree"),
    SanctionType.bar_awards_titles_promotion: _l("Bar from awards, talent titles and promotion"),
    SanctionType.bar_reviewer_nominator: _l("Bar from reviewer and nominator roles"),
    SanctionType.serious_misconduct_list: _l("Entry in the serious-misconduct list"),
    SanctionType.other: _l("Other sanction"),
    Role.officer: _l("Integrity officer"),
    Role.supervisor: _l("Supervisor"),
    Role.committee_member: _l("Committee member"),
    Role.agency_admin: _l("Agency administrator"),
    Role.auditor: _l("Auditor"),
    Role.sysadmin: _l("System administrator"),
}


def label(value) -> str:
    found = LABELS.get(value)
    return str(found) if found is not None else str(getattr(value, "value", value) or "")


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a WTForms select field."""
    return [SelectChoice(value, text) for value, text in pairs]


def choices(enum_cls) -> list[SelectChoice]:
    return options((member.value, label(member)) for member in enum_cls)


ACTION_LABELS = {
    "register": _l("Registered"),
    "assign_member": _l("Team member assigned"),
    "remove_member": _l("Team member removed"),
    "extend_investigation": _l("Investigation extended"),
    "record_defence": _l("Defence statement recorded"),
    "accept_transfer": _l("Transfer accepted"),
    "refuse_transfer": _l("Transfer refused"),
    "withdraw_transfer": _l("Transfer withdrawn"),
}


def action_label(action: str) -> str:
    found = ACTION_LABELS.get(action)
    return str(found) if found is not None else action.replace("_", " ")
