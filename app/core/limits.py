"""How long a text may be: one table that forms, the API's schemas and the services read.

A 300,000-character investigation report was accepted through the page and made a
141-page dossier; the API bounded the same field and the page did not. Every text a user
types is bounded by one of these, by what it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.errors import InvalidInput

SHORT = 200  # a name, an institution, a position, an item's title
TITLE = 300  # a case's title, a work reference, a contact
REASON = 5000  # a reason, the questions put to a panel, a factor, a sanction's description
TEXT = 20000  # a summary, an allegation, a note, minutes
REPORT = 50000  # an investigation report, a decision's text, a defence statement

# The workflow's text parameters by name; a text not named here is a TEXT.
FIELDS: Mapping[str, int] = {
    "reason": REASON,
    "report": REPORT,
    "decision_text": REPORT,
    "questions": REASON,
    "aggravating": REASON,
    "mitigating": REASON,
    "description": REASON,
    "statement": REPORT,
}


def check_length(value: str | None, limit: int, field: str) -> None:
    if value is not None and len(value) > limit:
        raise InvalidInput(_l("At most %(limit)s characters, please.", limit=limit), field=field)


def check_texts(params: Any, field: str | None = None) -> None:
    """Every text in `params` (nested dicts and lists too) within its limit by name; the
    refusal names the top-level parameter, where the form shows it."""
    if isinstance(params, str):
        check_length(params, FIELDS.get(field or "", TEXT), field or "")
    elif isinstance(params, Mapping):
        for key, value in params.items():
            if isinstance(value, str):
                check_length(value, FIELDS.get(key, TEXT), field or key)
            else:
                check_texts(value, field or key)
    elif isinstance(params, list | tuple):
        for value in params:
            check_texts(value, field)
