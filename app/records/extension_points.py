"""Where other features plug into integrity records. Records knows none of them: a feature
registers in its `init_app`, and registering the same function or template again changes
nothing (one registration however many apps are created).

- `register_version_published(fn)`: `fn(version)` is called for every version this node
  publishes (approved, amended, revoked), inside the publishing transaction once the
  version row is flushed. It returns an `Announcement` (how many other deployments the
  version goes to, what to do once the transaction is committed, what to tell the user) or
  None. The publishing service returns a `Publication`; its caller commits, then calls
  `publication.dispatch()`. The exchange creates the deliveries here and schedules them.
- `register_recognition_decided(fn)`: `fn(recognition)` is called once a recognition
  decision taken here is committed (the caller calls `recognition_decided`). The exchange
  sends it to the record's origin.
- `register_record_section(order, template, *, load, visible)`: a part of the record page.
  `visible(user, record)` says whether it is shown; `load(record, user)` returns what its
  template shows (as `section.data`). The record view calls it, so every query of the page
  is made in the view, never from a template.
- `register_report_records(fn)`: `fn(code)` returns the record ids (`record_uid`) a signed
  document of that verification code states, or None when the code is not one of its
  documents. A subject objecting on the public portal names the record by its number or by
  the code of the integrity report that lists it (`app.reports`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.records.models import IntegrityRecord, Recognition, RecordVersion


@dataclass(frozen=True)
class Announcement:
    """What one listener makes of a published version."""

    recipients: int = 0  # how many other deployments it goes to
    after_commit: Callable[[], None] = lambda: None
    summary: Any = None  # a sentence for the user (a lazy string), or None


@dataclass
class Publication:
    """A version just published and what its listeners do once it is committed."""

    version_id: int
    announcements: list[Announcement] = field(default_factory=list)

    @property
    def recipients(self) -> int:
        return sum(a.recipients for a in self.announcements)

    def summaries(self) -> list[str]:
        return [str(a.summary) for a in self.announcements if a.summary]

    def dispatch(self) -> None:
        """Call after the publishing transaction is committed."""
        for announcement in self.announcements:
            announcement.after_commit()


VersionListener = Callable[["RecordVersion"], Announcement | None]
RecognitionListener = Callable[["Recognition"], None]
VERSION_LISTENERS: list[VersionListener] = []
RECOGNITION_LISTENERS: list[RecognitionListener] = []


def register_version_published(fn: VersionListener) -> None:
    if fn not in VERSION_LISTENERS:
        VERSION_LISTENERS.append(fn)


def version_published(version: RecordVersion) -> Publication:
    """Tells every listener; called by the publishing service, in its transaction."""
    announced = (fn(version) for fn in VERSION_LISTENERS)
    return Publication(version.id, [a for a in announced if a is not None])


REPORT_RECORDS: list[Callable[[str], list[str] | None]] = []


def register_report_records(fn: Callable[[str], list[str] | None]) -> None:
    if fn not in REPORT_RECORDS:
        REPORT_RECORDS.append(fn)


def records_of_report(code: str) -> list[str] | None:
    """The record ids a document of this verification code states, or None."""
    for fn in REPORT_RECORDS:
        found = fn(code)
        if found is not None:
            return found
    return None


def register_recognition_decided(fn: RecognitionListener) -> None:
    if fn not in RECOGNITION_LISTENERS:
        RECOGNITION_LISTENERS.append(fn)


def recognition_decided(recognition: Recognition) -> None:
    """Call once the decision is committed."""
    for fn in RECOGNITION_LISTENERS:
        fn(recognition)


@dataclass(frozen=True)
class RecordSection:
    order: int
    template: str
    load: Callable[[IntegrityRecord, Any], Any]
    visible: Callable[[Any, IntegrityRecord], bool]


@dataclass(frozen=True)
class LoadedSection:
    template: str
    data: Any


RECORD_SECTIONS: list[RecordSection] = []


def register_record_section(
    order: int,
    template: str,
    *,
    load: Callable[[IntegrityRecord, Any], Any],
    visible: Callable[[Any, IntegrityRecord], bool] = lambda user, record: True,
) -> None:
    RECORD_SECTIONS[:] = [s for s in RECORD_SECTIONS if s.template != template]
    RECORD_SECTIONS.append(RecordSection(order, template, load, visible))
    RECORD_SECTIONS.sort(key=lambda s: s.order)


def load_record_sections(record: IntegrityRecord, user) -> list[LoadedSection]:
    """The record page's sections this user sees, each with its data loaded."""
    return [
        LoadedSection(s.template, s.load(record, user))
        for s in RECORD_SECTIONS
        if s.visible(user, record)
    ]
