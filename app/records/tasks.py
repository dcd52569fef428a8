"""Background work of records: publishing the approved records held until their decision's
review window closed. Jobs reload what they need and commit themselves."""

from __future__ import annotations

from app.extensions import db


def publish_held_records_job() -> int:
    """Daily: every held record whose review window has closed (and no review changed its
    decision) is published as approved; its versions go to the peers after the commit."""
    from app.records.services import publish_held_records

    publications = publish_held_records()
    db.session.commit()
    for publication in publications:
        publication.dispatch()
    return len(publications)
