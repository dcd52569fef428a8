"""The items of an application (art. 9 of 《科技伦理审查办法（试行）》): each a text the
applicant writes, a file they attach, or both. The office's missing-items notice names
items by these keys, so a notice and the form speak of the same things."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Item:
    key: str
    label: object
    text: bool = True  # a text the applicant writes
    file: bool = False  # an attachment is required
    group: str = "activity"


ITEMS = (
    Item("purpose", _l("Purpose of the activity")),
    Item("significance", _l("Significance")),
    Item("necessity", _l("Necessity")),
    Item("earlier_reviews", _l("Earlier ethics reviews (or “none”)")),
    Item("plan", _l("Research plan"), group="plan"),
    Item("risks", _l("Ethics risks"), group="plan"),
    Item("controls", _l("Risk controls"), group="plan"),
    Item("emergency_plan", _l("Emergency plan"), group="plan"),
    Item("publication", _l("How results will be published"), group="plan"),
    Item("institutions", _l("Institutions taking part"), group="people"),
    Item("staff", _l("Staff, qualifications and ethics training"), group="people"),
    Item("funding", _l("Source of funding"), group="people"),
    Item("conflict_statement", _l("Conflict-of-interest statement"), group="people"),
    Item("consent_form", _l("Informed consent forms"), text=False, file=True, group="materials"),
    Item("sources", _l("Sources of samples, data and animals"), group="materials"),
    Item("pledge", _l("Integrity pledge (signed)"), text=False, file=True, group="materials"),
)
BY_KEY = {i.key: i for i in ITEMS}
TEXT_KEYS = tuple(i.key for i in ITEMS if i.text)
FILE_KEYS = tuple(i.key for i in ITEMS if i.file)
# Files may accompany any item; these must have one.
ATTACHABLE = tuple(i.key for i in ITEMS)
TEXT_LIMIT = 10000


def item_label(key: str):
    item = BY_KEY.get(key)
    return item.label if item else key
