"""Evidence's periodic job (scheduled in app.jobs.schedule)."""

from app.evidence.sweep import sweep_orphans


def sweep_job() -> dict[str, int]:
    """Nightly: remove blob files no evidence references and stale upload leftovers."""
    return sweep_orphans().as_dict()
