"""Display names of the closed sets and of every code a page shows, in the user's language."""

import enum

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
from app.committees.models import PanelKind, SeatStatus
from app.committees.rules import Category, Gender, SeatRole
from app.core.identifiers import IdType


class LabelTable(dict):
    """Labels keyed by member *and* enum: several closed sets share a value ("other" is a
    misconduct type and a sanction type), and a plain dict would let the later label win.
    It takes (member, label) pairs and refuses a dict: equal string-enum members collapse
    into one key of a dict literal before the table could tell them apart."""

    @staticmethod
    def _key(value):
        return (type(value), value.value) if isinstance(value, enum.Enum) else (str, value)

    def __init__(self, pairs=()):
        super().__init__()
        self.update(pairs)

    def __setitem__(self, key, label) -> None:
        super().__setitem__(self._key(key), label)

    def __getitem__(self, key):
        return super().__getitem__(self._key(key))

    def __contains__(self, key) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key, default=None):
        return super().get(self._key(key), default)

    def update(self, pairs=()) -> None:
        if isinstance(pairs, dict):
            raise TypeError("give LabelTable (member, label) pairs, not a dict")
        for key, label in pairs:
            self[key] = label


LABELS = LabelTable(
    [
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
        (MisconductType.fraudulent_acquisition, _l("Fraudulent acquisition of funds or awards")),
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
        (SanctionType.terminate_project_recover_funds, _l("Terminate project and recover funds")),
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
        (Role.officer, _l("Integrity officer")),
        (Role.supervisor, _l("Supervisor")),
        (Role.committee_member, _l("Committee member")),
        (Role.agency_admin, _l("Agency administrator")),
        (Role.auditor, _l("Auditor")),
        (Role.sysadmin, _l("System administrator")),
        (IdType.resident_id, _l("Resident ID card")),
        (IdType.passport, _l("Passport")),
        (IdType.uscc, _l("Unified social credit code")),
        (IdType.other, _l("Other")),
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
        (SeatStatus.declined, _l("Declined")),
        (SeatStatus.ended, _l("Ended")),
    ]
)


def label(value) -> str:
    found = LABELS.get(value)
    return str(found) if found is not None else str(getattr(value, "value", value) or "")


def id_type_label(value: str | None) -> str:
    """ID types are stored as plain strings; unknown old values show as "other"."""
    if not value:
        return ""
    try:
        return label(IdType(value))
    except ValueError:
        return label(IdType.other)


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
    """A timeline entry: the changes listed here, a workflow step by its name in the
    transition table, never the code itself."""
    found = ACTION_LABELS.get(action)
    if found is not None:
        return str(found)
    from app.cases.workflow import TRANSITIONS

    step = TRANSITIONS.get(action)
    return str(step.label) if step is not None else str(_l("Other action"))


FILE_TYPE_LABELS = {
    "application/pdf": _l("PDF document"),
    "image/png": _l("PNG image"),
    "image/jpeg": _l("JPEG image"),
    "image/gif": _l("GIF image"),
    "image/tiff": _l("TIFF image"),
    "image/webp": _l("WebP image"),
    "text/plain": _l("Text file"),
    "text/csv": _l("CSV table"),
    "application/msword": _l("Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _l("Word document"),
    "application/vnd.ms-excel": _l("Excel workbook"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _l("Excel workbook"),
    "application/zip": _l("ZIP archive"),
    "message/rfc822": _l("E-mail message"),
    "audio/mpeg": _l("MP3 audio"),
    "audio/x-wav": _l("WAV audio"),
    "video/mp4": _l("MP4 video"),
    "application/x-dosexec": _l("Windows program"),
    "application/x-executable": _l("Program"),
    "application/x-pie-executable": _l("Program"),
    "application/x-sharedlib": _l("Program library"),
    "application/x-mach-binary": _l("Program"),
    "text/x-shellscript": _l("Script"),
    "text/x-script.python": _l("Script"),
    "application/javascript": _l("Script"),
    "text/html": _l("Web page"),
    "image/svg+xml": _l("SVG drawing"),
    "application/x-rar": _l("RAR archive"),
    "application/x-7z-compressed": _l("7-Zip archive"),
    "application/gzip": _l("Compressed archive"),
    "application/x-tar": _l("Compressed archive"),
    "application/octet-stream": _l("Unrecognised binary data"),
}


def file_type_label(mime_type: str | None) -> str:
    """Detected content types in words; any other type is named by its family."""
    found = FILE_TYPE_LABELS.get((mime_type or "").lower())
    if found is not None:
        return str(found)
    family = (mime_type or "").partition("/")[0]
    return str(
        {
            "image": _l("Image of another format"),
            "audio": _l("Audio of another format"),
            "video": _l("Video of another format"),
            "text": _l("Text of another format"),
        }.get(family, _l("File of another type"))
    )


AUDIT_ACTION_LABELS = {
    "auth.second_step_code": _l("Second sign-in step asked"),
    "auth.totp_device_remembered": _l("Device remembered for two-step sign-in"),
    "auth.totp_disable": _l("Two-step sign-in switched off"),
    "auth.totp_enrol": _l("Two-step sign-in set up"),
    "auth.totp_failed": _l("Wrong second-step code"),
    "auth.totp_locked": _l("Second step locked after wrong codes"),
    "auth.totp_ok": _l("Second step passed"),
    "auth.totp_recovery_codes": _l("Recovery codes renewed"),
    "auth.totp_recovery_used": _l("Recovery code used"),
    "auth.totp_setup": _l("Two-step sign-in set-up started"),
    "token.revoke": _l("API token revoked"),
    "token.revoke_all": _l("All API tokens of a user revoked"),
    "user.totp_reset": _l("Second factor reset by an administrator"),
    "agency.policy_update": _l("Deadline policy changed"),
    "audit.export": _l("Audit log exported"),
    "audit.view": _l("Audit log viewed"),
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.logout": _l("Signed out"),
    "auth.login_locked": _l("Sign-in locked after failed attempts"),
    "auth.password_check_failed": _l("Wrong current password on the account page"),
    "auth.session_end": _l("Session ended"),
    "auth.sessions_end": _l("Sessions ended"),
    "calendar.add": _l("Calendar day set"),
    "calendar.remove": _l("Calendar day removed"),
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
    "case.declare_conflicts": _l("Conflicts of interest declared"),
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
    "complainant.view": _l("Complainant identity viewed"),
    "complainant.grant": _l("Complainant identity access granted"),
    "complainant.revoke": _l("Complainant identity access revoked"),
    "dossier.requested": _l("Dossier requested"),
    "dossier.generated": _l("Dossier generated"),
    "dossier.downloaded": _l("Dossier downloaded"),
    "evidence.add": _l("Evidence added"),
    "evidence.added": _l("Evidence added"),
    "evidence.viewed": _l("Evidence viewed"),
    "evidence.downloaded": _l("Evidence downloaded"),
    "evidence.exported": _l("Evidence exported in a dossier"),
    "evidence.withdraw": _l("Evidence withdrawn"),
    "evidence.withdrawn": _l("Evidence withdrawn"),
    "evidence.marked_for_panel": _l("Evidence marked for the review panel"),
    "evidence.unmarked_for_panel": _l("Evidence no longer marked for the review panel"),
    "evidence.sweep": _l("Unreferenced files removed"),
    "exchange.add_peer": _l("Exchange peer registered"),
    "exchange.disable_peer": _l("Exchange peer disabled"),
    "exchange.enable_peer": _l("Exchange peer enabled"),
    "exchange.sign_earlier_versions": _l("Earlier record versions signed for the exchange"),
    "note.add.interview": _l("Interview record added"),
    "note.add.note": _l("Note added"),
    "note.marked_for_panel": _l("Note marked for the review panel"),
    "note.unmarked_for_panel": _l("Note no longer marked for the review panel"),
    "record.draft": _l("Integrity record drafted"),
    "record.approve": _l("Integrity record approved for publishing"),
    "record.amend": _l("Integrity record amended"),
    "record.revoke": _l("Integrity record revoked"),
    "record.expire": _l("Integrity record expired"),
    "record.integrity_check": _l("Integrity check run"),
    "record.recognition": _l("Recognition decided"),
    "record.recognition_received": _l("Recognition received from a peer"),
    "token.create": _l("API token created"),
    "user.create": _l("User created"),
    "user.update": _l("User changed"),
    "user.activate": _l("User activated"),
    "user.deactivate": _l("User deactivated"),
    "user.change_password": _l("Password changed"),
    "user.reset_password": _l("Password reset"),
    "user.set_language": _l("Language changed"),
    "notifications.email_mode": _l("Email mode changed"),
}


def audit_action_label(code: str) -> str:
    """Case transitions are named by their step in the transition table; other actions here.
    An action not listed yet reads as "other action", never as its code."""
    found = AUDIT_ACTION_LABELS.get(code)
    if found is not None:
        return str(found)
    from app.cases.workflow import TRANSITIONS

    area, _sep, name = code.partition(".")
    if area == "case" and name in TRANSITIONS:
        return str(TRANSITIONS[name].label)
    return str(_l("Other action"))


OBJECT_TYPE_LABELS = {
    "Case": _l("Case"),
    "CaseTransfer": _l("Transfer"),
    "CaseMember": _l("Team member"),
    "Complainant": _l("Complainant"),
    "Expert": _l("Expert"),
    "Panel": _l("Panel"),
    "PanelSeat": _l("Panel seat"),
    "ConflictDeclaration": _l("Conflict declaration"),
    "DeadlinePolicy": _l("Deadline policy"),
    "Dossier": _l("Dossier"),
    "EvidenceItem": _l("Evidence"),
    "CaseNote": _l("Note"),
    "IntegrityRecord": _l("Integrity record"),
    "ExchangePeer": _l("Exchange peer"),
    "User": _l("User"),
    "ApiToken": _l("API token"),
}


def object_type_label(type_name: str | None) -> str:
    if not type_name:
        return ""
    return str(OBJECT_TYPE_LABELS.get(type_name, _l("Other object")))


# What the audit page filters by: the first part of an action code, named.
AUDIT_AREAS = (
    ("case.", _l("Cases")),
    ("evidence.", _l("Evidence")),
    ("note.", _l("Interviews and notes")),
    ("complainant.", _l("Complainant identity")),
    ("dossier.", _l("Dossiers")),
    ("committee.", _l("Committees and the expert pool")),
    ("record.", _l("Integrity records")),
    ("exchange.", _l("Exchange peers")),
    ("auth.", _l("Signing in and out")),
    ("user.", _l("Users")),
    ("token.", _l("API tokens")),
    ("agency.", _l("Deadline policy")),
    ("calendar.", _l("Working-day calendar")),
    ("audit.", _l("Audit log")),
)
