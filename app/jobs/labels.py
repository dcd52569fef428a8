"""Display names of the jobs' statuses, added to the shared label table."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels
from app.jobs.models import JobStatus


def register() -> None:
    """Adds the jobs' display names to core's label table (from `init_app`)."""
    register_labels(
        values=[
            (JobStatus.queued, _l("Queued")),
            (JobStatus.running, _l("Running")),
            (JobStatus.retrying, _l("Retrying")),
            (JobStatus.finished, _l("Finished")),
            (JobStatus.failed, _l("Failed")),
        ]
    )
