"""The panel's composition rules in words, for the panel page and for a refused vote."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from app.committees.models import PanelKind, SeatStatus
from app.committees.rules import Category, Check, Gender, SeatRole
from app.core.labels import label, register_labels

_RULES = {
    "min_members": _l("At least %(minimum)s voting members"),
    "categories": _l("Peer, ethics and legal experts and outside members all represented"),
    "both_genders": _l("Both genders represented"),
    "terms": _l("No term longer than %(years)s years"),
    "one_chair": _l("Exactly one chair"),
}
_FIGURES = {
    "min_members": _l("%(count)s voting members now"),
    "categories": _l("missing: %(missing)s"),
    "both_genders": _l("only one gender among the voting members"),
    "terms": _l("%(count)s terms too long"),
    "one_chair": _l("%(count)s chairs"),
}


def _params(check: Check) -> dict:
    params = dict(check.params)
    if "missing" in params:
        params["missing"] = "、".join(label(Category(c)) for c in params["missing"])
    return params


def rule_text(check: Check) -> str:
    return str(_RULES[check.code]) % _params(check)


def figures_text(check: Check) -> str:
    """The figures behind a check, shown beside it (and why it fails)."""
    params = _params(check)
    if check.code == "both_genders" and check.met:
        return ""
    if check.code == "categories" and check.met:
        return ""
    return str(_FIGURES[check.code]) % params


def category_label(value) -> str:
    try:
        return label(Category(value))
    except ValueError:
        return str(value)


# The review's closed sets have their own words: their values ("other", "open", "return")
# are shared with other features' enums, so they are not keyed in the common label table.
REVIEW_LABELS = {
    "conflict": {
        "none": _l("No conflict"),
        "relative": _l("Relative of a party"),
        "coauthor": _l("Co-author of a respondent"),
        "supervisor_student": _l("Supervisor or student of a respondent"),
        "same_institution": _l("Same institution as a respondent"),
        "other": _l("Other conflict"),
    },
    "choice": {
        "endorse": _l("Endorse the findings"),
        "return": _l("Return for further investigation"),
        "abstain": _l("Abstain"),
    },
    "attendance": {
        "present": _l("Present"),
        "absent": _l("Absent"),
        "recused": _l("Recused"),
    },
    "status": {"open": _l("Open"), "closed": _lp("review", "Closed")},
    "outcome": {
        "endorse": _l("Endorsed the findings"),
        "return": _l("Returned for further investigation"),
    },
}


def review_label(value, kind: str) -> str:
    """`{{ member.choice|review_label('choice') }}`; an empty value reads as a dash."""
    if value is None or value == "":
        return "—"
    found = REVIEW_LABELS[kind].get(getattr(value, "value", value))
    return str(found) if found is not None else "—"


REVIEW_ACTION_LABELS = {
    "review_declaration": _l("Committee member declared no conflict"),
    "review_recusal": _l("Committee member recused"),
    "review_screen_dismissed": _l("Screening proposal dismissed by the chair"),
    "review_vote": _l("Committee member voted"),
    "review_vote_changed": _l("Committee member changed their vote"),
    "review_meeting": _l("Committee meeting attendance and minutes recorded"),
    "review_advice": _l("Committee consultant gave an advisory opinion"),
    "review_advice_changed": _l("Committee consultant changed their advisory opinion"),
    "review_declaration_corrected": _l(
        "Committee member corrected their declaration and is recused"
    ),
    "review_recusal_lifted": _l("Recusal lifted by the chair"),
    "review_screen_flag_dismissed": _l("Screening flag dismissed, with the reason"),
    "review_screen_flag_confirmed": _l("Screening flag confirmed: the member is recused"),
}
REVIEW_AUDIT_LABELS = {
    "committee.refer": _l("Case referred to a panel"),
    "committee.declare": _l("Conflict declaration for a review"),
    "committee.recuse": _l("Member recused from a review"),
    "committee.dismiss_screen": _l("Screening proposal dismissed"),
    "committee.vote": _l("Vote cast in a review"),
    "committee.change_vote": _l("Vote changed in a review"),
    "committee.record_meeting": _l("Review meeting recorded"),
    "committee.close_review": _l("Review closed"),
    "committee.advise": _l("Advisory opinion given in a review"),
    "committee.change_advice": _l("Advisory opinion changed in a review"),
    "committee.correct_declaration": _l("Conflict declaration corrected in a review"),
    "committee.lift_recusal": _l("Recusal lifted in a review"),
    "committee.confirm_screen": _l("Screening flag confirmed in a review"),
}


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    register_labels(
        values=[
            (PanelKind.ethics, _l("Science and technology ethics committee")),
            (PanelKind.academic, _l("Academic committee")),
            (Category.peer, _l("Peer expert")),
            (Category.ethics, _l("Ethics expert")),
            (Category.legal, _l("Legal expert")),
            (Category.outside, _l("Outside member")),
            (Gender.female, _l("Female")),
            (Gender.male, _l("Male")),
            (SeatRole.chair, _l("Chair")),
            (SeatRole.vice_chair, _l("Vice-chair")),
            (SeatRole.member, _l("Member")),
            (SeatRole.consultant, _l("Consultant (no vote)")),
            (SeatStatus.invited, _l("Invited")),
            (SeatStatus.active, _l("Seated")),
            (SeatStatus.declined, _lp("invitation", "Declined")),
            (SeatStatus.ended, _l("Ended")),
        ],
        audit={
            "committee.register_expert": _l("Expert registered in the pool"),
            "committee.update_expert": _l("Expert changed"),
            "committee.create_expert_account": _l("Committee account created for an expert"),
            "committee.link_expert_account": _l("Account linked to an expert"),
            "committee.create_panel": _l("Panel created"),
            "committee.update_panel_rules": _l("Panel rules changed"),
            "committee.seat_expert": _l("Expert seated on a panel"),
            "committee.invite_expert": _l("Expert invited to a panel"),
            "committee.accept_seat": _l("Panel seat accepted"),
            "committee.decline_seat": _l("Panel seat declined"),
            "committee.end_seat": _l("Panel seat ended"),
        },
        objects={
            "Expert": _l("Expert"),
            "Panel": _l("Panel"),
            "PanelSeat": _l("Panel seat"),
        },
    )
