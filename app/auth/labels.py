"""Display names of the auth feature's closed sets and audited actions, added to core's
label table from the feature's `init_app`."""

from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.core.labels import register_labels


def register() -> None:
    """Adds this feature's display names to core's label table (from `init_app`)."""
    register_labels(
        values=[
            (Role.officer, _l("Integrity officer")),
            (Role.supervisor, _l("Supervisor")),
            (Role.committee_member, _l("Committee member")),
            (Role.agency_admin, _l("Agency administrator")),
            (Role.auditor, _l("Auditor")),
            (Role.sysadmin, _l("System administrator")),
            (Role.screener, _l("Screener (programme office)")),
        ],
        audit={
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
            "auth.login": _l("Signed in"),
            "auth.login_failed": _l("Sign-in failed"),
            "auth.logout": _l("Signed out"),
            "auth.login_locked": _l("Sign-in locked after failed attempts"),
            "auth.password_check_failed": _l("Wrong current password on the account page"),
            "auth.session_end": _l("Session ended"),
            "auth.sessions_end": _l("Sessions ended"),
            "token.create": _l("API token created"),
            "user.create": _l("User created"),
            "user.update": _l("User changed"),
            "user.activate": _l("User activated"),
            "user.deactivate": _l("User deactivated"),
            "user.change_password": _l("Password changed"),
            "user.reset_password": _l("Password reset"),
            "user.set_language": _l("Language changed"),
        },
        objects={
            "DeadlinePolicy": _l("Deadline policy"),
            "User": _l("User"),
            "ApiToken": _l("API token"),
        },
    )
