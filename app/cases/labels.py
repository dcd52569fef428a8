"""Display names of the cases feature's closed sets and audited actions, added to core's
label table from the feature's `init_app`."""

from flask_babel import lazy_gettext as _l

from app.cases.models import (
    CaseSource,
    CaseState,
    FindingOutcome,
    MisconductType,
    PartyType,
    PreliminaryRecommendation,
    ReviewOutcome,
    SanctionType,
    Severity,
    TeamRole,
)
from app.core.labels import register_labels


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    from app.cases.workflow import TRANSITIONS

    steps = {name: step.label for name, step in TRANSITIONS.items()}
    # Workflow steps are named by the transition table; the labels given here win.
    register_labels(actions=steps, audit={f"case.{name}": label for name, label in steps.items()})
    register_labels(
        values=[
            (PreliminaryRecommendation.open_investigation, _l("Open an investigation")),
            (PreliminaryRecommendation.not_accept, _l("Do not accept")),
            (PreliminaryRecommendation.transfer, _l("Transfer to another agency")),
            (CaseState.received, _l("Received")),
            (CaseState.preliminary_review, _l("Preliminary review")),
            (CaseState.transfer_pending, _l("Transfer pending")),
            (CaseState.not_accepted, _l("Not accepted")),
            (CaseState.transferred, _l("Transferred")),
            (CaseState.investigating, _l("Investigating")),
            (CaseState.suspended, _l("Suspended")),
            (CaseState.terminated, _l("Terminated")),
            (CaseState.findings, _l("Findings")),
            (CaseState.committee_review, _l("Committee review")),
            (CaseState.pre_decision_notice, _l("Pre-decision notice")),
            (CaseState.decided, _l("Decided")),
            (CaseState.under_review, _l("Under review")),
            (CaseState.closed, _l("Closed")),
            (CaseSource.letter, _l("Letter")),
            (CaseSource.phone, _l("Phone")),
            (CaseSource.online, _l("Online")),
            (CaseSource.media, _l("Media report")),
            (CaseSource.referral, _l("Referral")),
            (CaseSource.supervision, _l("Routine supervision")),
            (MisconductType.plagiarism, _l("Plagiarism")),
            (MisconductType.fabrication_falsification, _l("Fabrication or falsification")),
            (MisconductType.paper_trading_ghostwriting, _l("Paper trading or ghostwriting")),
            (
                MisconductType.fraudulent_acquisition,
                _l("Fraudulent acquisition of funds or awards"),
            ),
            (MisconductType.ethics_approval_fraud, _l("Ethics approval fraud")),
            (MisconductType.authorship_violation, _l("Authorship violation")),
            (MisconductType.publication_norm_violation, _l("Publication norm violation")),
            (MisconductType.other, _l("Other misconduct")),
            (PartyType.person, _l("Person")),
            (PartyType.institution, _l("Institution")),
            (TeamRole.lead, _l("Lead investigator")),
            (TeamRole.investigator, _l("Investigator")),
            (FindingOutcome.misconduct, _l("Misconduct")),
            (FindingOutcome.no_misconduct, _l("No misconduct")),
            (FindingOutcome.not_determinable, _l("Not determinable")),
            (Severity.minor, _l("Minor")),
            (Severity.serious, _l("Serious")),
            (Severity.severe, _l("Severe")),
            (ReviewOutcome.upheld, _l("Upheld")),
            (ReviewOutcome.modified, _l("Modified")),
            (ReviewOutcome.overturned, _l("Overturned")),
            (SanctionType.admonition_talk, _l("Admonition talk")),
            (SanctionType.notice_of_criticism, _l("Notice of criticism")),
            (SanctionType.suspend_project, _l("Suspend project")),
            (
                SanctionType.terminate_project_recover_funds,
                _l("Terminate project and recover funds"),
            ),
            (SanctionType.ban_state_funded_activity, _l("Ban from state-funded S&T activity")),
            (SanctionType.revoke_award_title, _l("Revoke award or title")),
            (SanctionType.revoke_degree, _l("Revoke degree")),
            (
                SanctionType.bar_awards_titles_promotion,
                _l("Bar from awards, talent titles and promotion"),
            ),
            (SanctionType.bar_reviewer_nominator, _l("Bar from reviewer and nominator roles")),
            (SanctionType.serious_misconduct_list, _l("Entry in the serious-misconduct list")),
            (SanctionType.other, _l("Other sanction")),
        ],
        actions={
            "preliminary_report": _l("Preliminary review report recorded"),
            "register": _l("Registered"),
            "assign_member": _l("Team member assigned"),
            "remove_member": _l("Team member removed"),
            "extend_investigation": _l("Investigation extended"),
            "record_defence": _l("Defence statement recorded"),
            "accept_transfer": _l("Transfer accepted"),
            "refuse_transfer": _l("Transfer refused"),
            "withdraw_transfer": _l("Transfer withdrawn"),
        },
        audit={
            "case.preliminary_report": _l("Preliminary review report recorded"),
            "case.register": _l("Case registered"),
            "case.accept_transfer": _l("Transfer accepted"),
            "case.refuse_transfer": _l("Transfer refused"),
            "case.withdraw_transfer": _l("Transfer withdrawn"),
            "transfer.offer": _l("Transfer offered"),
            "transfer.accepted": _l("Transfer accepted"),
            "transfer.refused": _l("Transfer refused"),
            "complainant.transferred": _l("Complainant identity sent with a transfer"),
            "complainant.kept_by_sender": _l("Complainant identity kept by the sending agency"),
            "case.assign_member": _l("Team member assigned"),
            "case.remove_member": _l("Team member removed"),
            "case.extend_investigation": _l("Investigation extended"),
            "case.record_defence": _l("Defence statement recorded"),
        },
        objects={
            "PreliminaryReport": _l("Preliminary review report"),
            "Case": _l("Case"),
            "CaseTransfer": _l("Transfer"),
            "CaseMember": _l("Team member"),
            "Complainant": _l("Complainant"),
        },
    )
