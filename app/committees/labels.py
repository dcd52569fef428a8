"""The panel's composition rules in words, for the panel page and for a refused vote."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.committees.rules import Category, Check
from app.core.labels import label

_RULES = {
    "min_members": _l("At least %(minimum)s voting members"),
    "categories": _l("Peer, ethics and legal experts and outside members all represented"),
    "both_genders": _l("Both genders represented"),
    "terms": _l("No term longer than %(years)s years"),
    "one_chair": _l("Exactly one chair"),
}
_FIGURES = {
    "min_members": _l("%(count)s voting members now"),
    "categories": _l("missing: %(missing)s"),
    "both_genders": _l("only one gender among the voting members"),
    "terms": _l("%(count)s terms too long"),
    "one_chair": _l("%(count)s chairs"),
}


def _params(check: Check) -> dict:
    params = dict(check.params)
    if "missing" in params:
        params["missing"] = "、".join(label(Category(c)) for c in params["missing"])
    return params


def rule_text(check: Check) -> str:
    return str(_RULES[check.code]) % _params(check)


def figures_text(check: Check) -> str:
    """The figures behind a check, shown beside it (and why it fails)."""
    params = _params(check)
    if check.code == "both_genders" and check.met:
        return ""
    if check.code == "categories" and check.met:
        return ""
    return str(_FIGURES[check.code]) % params


def category_label(value) -> str:
    try:
        return label(Category(value))
    except ValueError:
        return str(value)
