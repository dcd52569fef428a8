"""Joint investigations (联合调查): invitations, participants' shared access, tasks."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

bp = Blueprint("joint", __name__)


def init_app(app: Flask) -> None:
    from app.auth.models import Role
    from app.cases.extension_points import (
        after_transition,
        contributors,
        shared_events,
        transfer_checks,
        visibility,
    )
    from app.core.extension_points import (
        register_case_section,
        register_dashboard_panel,
        register_nav,
    )
    from app.core.labels import register_labels
    from app.evidence.labels import register_title_form
    from app.joint import views
    from app.joint.figures import register_joint_figures
    from app.joint.models import ParticipationStatus, TaskKind, TaskStatus
    from app.joint.permissions import is_participant, participant_clause, shared_joint_event
    from app.joint.services import (
        TASK_REPORT_TITLE,
        end_with_case,
        refuse_transfer_of_joint_case,
        task_report_title,
    )

    register_joint_figures()
    register_title_form(TASK_REPORT_TITLE, task_report_title)
    visibility.register(participant_clause)
    transfer_checks.register(refuse_transfer_of_joint_case)
    contributors.register(is_participant)
    shared_events.register(shared_joint_event)
    after_transition.register(end_with_case)
    # Pairs, not a dict: ParticipationStatus.accepted and TaskStatus.accepted are equal
    # strings, and a dict literal would keep one key with the other's label.
    register_labels(
        values=[
            (ParticipationStatus.pending, _l("Awaiting answer")),
            (ParticipationStatus.accepted, _l("Taking part")),
            (ParticipationStatus.declined, _lp("invitation", "Declined")),
            (ParticipationStatus.expired, _l("Lapsed")),
            (ParticipationStatus.withdrawn, _l("Withdrew")),
            (ParticipationStatus.removed, _l("Removed")),
            (ParticipationStatus.ended, _l("Joint investigation ended")),
            (TaskKind.interview, _l("Interview")),
            (TaskKind.obtain_records, _l("Obtain records")),
            (TaskKind.expert_opinion, _l("Expert opinion")),
            (TaskKind.site_visit, _l("Site visit")),
            (TaskKind.other, _l("Other")),
            (TaskStatus.open, _l("Assigned")),
            (TaskStatus.accepted, _l("In progress")),
            (TaskStatus.completed, _l("Completed, awaiting review")),
            (TaskStatus.closed, _lp("task", "Closed")),
            (TaskStatus.ended, _l("Ended with the case")),
        ]
    )
    register_labels(
        actions={
            "joint.start": _l("Joint investigation started"),
            "joint.invite": _l("Agency invited to the joint investigation"),
            "joint.accept": _l("Invitation accepted"),
            "joint.decline": _l("Invitation declined"),
            "joint.remove": _l("Participant removed"),
            "joint.withdraw": _l("Participant withdrew"),
            "joint.end": _l("Joint investigation ended"),
            "joint.task": _l("Task assigned"),
            "joint.task_complete": _l("Task completed"),
            "joint.task_send_back": _l("Task sent back"),
            "joint.task_ended": _l("Task ended with the case"),
            "joint.ended_not_accepted": _l(
                "Joint investigation ended: the case was not accepted, so every participation, "
                "invitation and open task ended with it"
            ),
            "joint.ended_transferred": _l(
                "Joint investigation ended: the case was transferred, so every participation, "
                "invitation and open task ended with it"
            ),
            "joint.ended_terminated": _l(
                "Joint investigation ended: the investigation was terminated, so every "
                "participation, invitation and open task ended with it"
            ),
            "joint.ended_closed": _l(
                "Joint investigation ended: the case was closed, so every participation, "
                "invitation and open task ended with it"
            ),
        }
    )
    register_labels(
        audit={
            "joint.start": _l("Joint investigation started"),
            "joint.invite": _l("Agency invited to the joint investigation"),
            "joint.accept": _l("Invitation accepted"),
            "joint.decline": _l("Invitation declined"),
            "joint.remove": _l("Participant removed"),
            "joint.withdraw": _l("Participant withdrew"),
            "joint.end": _l("Joint investigation ended"),
            "joint.task_create": _l("Task assigned"),
            "joint.task_accept": _l("Task accepted"),
            "joint.task_progress": _l("Task progress reported"),
            "joint.task_complete": _l("Task completed"),
            "joint.task_close": _l("Task closed"),
            "joint.task_send_back": _l("Task sent back"),
            "joint.end_with_case": _l("Joint investigation ended with the case"),
        }
    )
    register_nav(
        35,
        "joint.index",
        _l("Joint cases"),
        lambda user: user.has_role(Role.officer, Role.supervisor),
    )
    register_case_section(30, "joint/_case_section.html", load=views.joint_for_case, name="joint")
    register_dashboard_panel(50, "joint/_dashboard.html", views.joint_dashboard)
    from app.core.identifiers import mask_id_number

    app.jinja_env.filters["masked_id"] = mask_id_number
    _register_dossier_section()
    app.register_blueprint(bp)


def _register_dossier_section() -> None:
    from app.dossiers import register_section
    from app.joint.dossier import load_joint

    register_section(
        45,
        "joint",
        _l("Joint investigation: agencies, invitations and tasks"),
        "dossiers/sections/joint.html",
        load_joint,
    )
