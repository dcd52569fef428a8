"""Display names of the reporting feature's closed sets, history and audit actions."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels
from app.reporting.models import ReporterStatus, ReportState


def register() -> None:
    register_labels(
        values=[
            (ReportState.received, _l("In intake")),
            (ReportState.registered, _l("Registered as a case")),
            (ReportState.attached, _l("Added to a case")),
            (ReportState.not_accepted, _l("Not accepted")),
            (ReporterStatus.received, _l("Received, being examined")),
            (ReporterStatus.accepted, _l("Accepted and being handled")),
            (ReporterStatus.not_accepted, _l("Not accepted")),
            (ReporterStatus.handled, _l("Handling concluded")),
        ],
        actions={
            "register_report": _l("Registered from an online report"),
            "attach_report": _l("Online report added"),
        },
        audit={
            "report.submit": _l("Online report submitted"),
            "report.follow_up": _l("Online report followed up with its code"),
            "report.receipt": _l("Online report's receipt downloaded"),
            "report.confirm": _l("Online report's code confirmed as written down"),
            "report.wrong_code": _l("Wrong receipt code entered"),
            "report.reporter_message": _l("Reporter's message received"),
            "report.reporter_evidence": _l("Reporter's further evidence received"),
            "report.register": _l("Online report registered as a case"),
            "report.attach": _l("Online report added to a case"),
            "report.not_accept": _l("Online report not accepted"),
            "report.officer_message": _l("Message sent to a reporter"),
            "report.identity_view": _l("Reporter's identity viewed"),
            "report.file_download": _l("Online report's file downloaded"),
            "report.addresses_erased": _l("Portal addresses erased after their retention"),
        },
        objects={"Report": _l("Online report")},
    )
