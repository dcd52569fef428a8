"""Where features plug into the platform's shell: the one documented list of core's
registration points. A feature calls these from its `init_app`; each is idempotent, so an
application factory that runs twice (tests, the CLI, a worker) registers everything once.

- `register_nav(order, endpoint, label, visible)`: an entry in the navigation bar.
- `register_nav_badge(endpoint, count, label=None)`: the count shown beside an entry (work
  waiting, unread news), a figure or a statement selecting it (a page asks all its badges'
  statements in one); `label` says what is counted to a screen reader.
- `register_dashboard_panel(order, template, load)`: a part of the dashboard (an order
  below `DASHBOARD_BANNERS_BELOW` makes it a banner, shown at the top of the page).
- `register_case_section(order, template, visible, load=…, name=…)`: a part of the case
  page (the cases feature's shared level says, by name, which parts a participant sees).
- `app.core.labels.register_labels(values=…, actions=…, audit=…, objects=…)`: display
  names of a feature's closed sets, timeline actions, audit actions and audited objects.
- `app.core.pdfsign.trusted_node_sources.register(fn)`: `fn()` returns {node id: public
  key} of other nodes whose signed PDFs this node accepts (the exchange's active peers).
- `app.core.pdfsign.code_aliases.register(fn)`: `fn(code)` returns other codes a signed
  document may be registered under (an ethics approval's number → its letter's old code).
- `app.core.portal_filings.register_portal_filing(PortalFiling(...))`: a filing the public
  portal (`app.reporting`) takes beside reports, with its form, receipt code and follow-up.
- `Hook`: the building block hosts use for their own points (`app.cases.extension_points`,
  `app.dossiers.register_section`, …): a named, ordered set of callables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from app.extensions import db


class Hook:
    """Callables registered by features, called in registration order. Registering the
    same callable again changes nothing; `key` replaces an earlier entry under that key
    (a feature re-registering a newer version of its function)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[Any, Callable] = {}

    def register(self, fn: Callable, *, key: Any = None) -> Callable:
        self._entries[key if key is not None else _identity(fn)] = fn
        return fn

    def unregister(self, fn: Callable, *, key: Any = None) -> None:
        """Removes an entry (a test's temporary one)."""
        self._entries.pop(key if key is not None else _identity(fn), None)

    def __iter__(self) -> Iterator[Callable]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def __call__(self, *args, **kwargs) -> None:
        for fn in self:
            fn(*args, **kwargs)


def _identity(fn: Callable) -> Any:
    """Functions are told apart by where they are defined, so a module reloaded by a second
    application factory does not register its function twice."""
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None)
    return (module, name) if module and name and "<lambda>" not in name else fn


# Entries from this order on go into the navigation's "More" menu, so the bar stays one
# line at 1280 px in either language whatever roles a user holds.
NAV_MORE_FROM = 80

# (order, endpoint, label, visible(user)), kept sorted by order; one entry per endpoint.
NAV_ITEMS: list[tuple] = []
CASE_SECTIONS: list = []  # of CaseSection, one per template
DASHBOARD_PANELS: list = []  # of DashboardPanel, one per template
# A count shown beside a navigation entry (work waiting for the user): endpoint -> count(user).
NAV_BADGES: dict[str, Callable] = {}
# What a badge counts, read by screen readers after the figure: endpoint -> label.
NAV_BADGE_LABELS: dict[str, Any] = {}


def _replace(entries: list, entry, same: Callable[[Any], bool], order: Callable) -> None:
    entries[:] = [e for e in entries if not same(e)]
    entries.append(entry)
    entries.sort(key=order)


def register_nav(order: int, endpoint: str, label, visible) -> None:
    _replace(
        NAV_ITEMS,
        (order, endpoint, label, visible),
        lambda item: item[1] == endpoint,
        lambda item: item[0],
    )


@dataclass(frozen=True)
class CaseSection:
    """A feature's part of the case page. `load(case, user)` returns what its template
    shows (as `section.data`); the case view calls it, so every query of the case page is
    made in the view, never from a template. Which sections a participating agency's page
    shows is the cases feature's definition of the shared level, asked by `name`."""

    order: int
    template: str
    visible: Callable = field(default=lambda user, case: True)
    load: Callable | None = None
    name: str = ""


@dataclass(frozen=True)
class LoadedSection:
    name: str
    template: str
    data: Any


def register_case_section(
    order: int,
    template: str,
    visible=lambda user, case: True,
    *,
    load: Callable | None = None,
    name: str = "",
) -> None:
    section = CaseSection(order, template, visible, load, name or template)
    _replace(CASE_SECTIONS, section, lambda s: s.template == template, lambda s: s.order)


def load_case_sections(case, user, *, only: Callable | None = None) -> list[LoadedSection]:
    """The sections of a case page this user sees, each with its data loaded: the full page,
    or those whose name `only(name)` admits (the page of a participating agency)."""
    return [
        LoadedSection(s.name, s.template, s.load(case, user) if s.load else None)
        for s in CASE_SECTIONS
        if (only is None or only(s.name)) and s.visible(user, case)
    ]


def count_badge(count: int) -> str:
    """A badge's figure: counts that stop at 100 (queues a peer may fill) show as 99+."""
    return "99+" if count > 99 else str(count)


def register_nav_badge(endpoint: str, count: Callable, label=None) -> None:
    """`count(user)` returns the figure, or a statement selecting it (one row, one column),
    which is asked together with the page's other badges' statements in one round trip."""
    NAV_BADGES[endpoint] = count
    if label is not None:
        NAV_BADGE_LABELS[endpoint] = label
    else:
        NAV_BADGE_LABELS.pop(endpoint, None)


def badge_label(endpoint: str):
    return NAV_BADGE_LABELS.get(endpoint)


def unlisted_badges() -> list[str]:
    """Badges of entries the navigation bar draws itself (the dashboard's), not registered
    with `register_nav`: always asked with the listed entries' badges."""
    listed = {item[1] for item in NAV_ITEMS}
    return [endpoint for endpoint in NAV_BADGES if endpoint not in listed]


def badge_count(endpoint: str, user) -> int:
    return badge_counts([endpoint], user)[endpoint]


def nav_entries(user) -> list[tuple]:
    """The navigation entries `user` sees: (order, endpoint, label, visible), decided once a
    request (a view that asks the bar's badges, then the bar itself, both need them, and some
    entries' checks read the database)."""
    if not has_request_context():
        return [item for item in NAV_ITEMS if item[3](user)]
    cache = request.environ.setdefault("yrd.nav_entries", {})
    key = user.get_id()
    if key not in cache:
        cache[key] = [item for item in NAV_ITEMS if item[3](user)]
    return cache[key]


def nav_badges(user) -> dict[str, int]:
    """The badges of every entry `user` sees and of the bar's own, asked together: a view
    that shows one of them (the dashboard its queue's total) asks this, so the bar drawn
    after it asks nothing more."""
    return badge_counts([item[1] for item in nav_entries(user)] + unlisted_badges(), user)


def badge_counts(endpoints: list[str], user) -> dict[str, int]:
    """The counts beside these navigation entries, each computed once per request (the
    dashboard shows its queue's total and the navigation bar the same figure as a badge).
    The counts given as statements are asked in one statement: a page's badges are one
    round trip to the database, not one each."""
    if user is None or not user.is_authenticated:
        return dict.fromkeys(endpoints, 0)
    cache = request.environ.setdefault("yrd.nav_badges", {}) if has_request_context() else {}
    key = user.get_id()
    wanted = [e for e in dict.fromkeys(endpoints) if (e, key) not in cache]
    if wanted:
        values = {e: NAV_BADGES[e](user) if e in NAV_BADGES else 0 for e in wanted}
        asked = {e: v for e, v in values.items() if not isinstance(v, int)}
        if asked:
            row = db.session.execute(
                select(*(statement.scalar_subquery() for statement in asked.values()))
            ).one()
            values.update((e, int(value or 0)) for e, value in zip(asked, row, strict=True))
        cache.update(((e, key), value) for e, value in values.items())
    return {e: cache[(e, key)] for e in endpoints}


@dataclass(frozen=True)
class DashboardPanel:
    """A feature's part of the dashboard. `load(user)` returns what its template shows (as
    `panel.data`); the dashboard view calls it, so the page's queries are made in the view,
    never from a template."""

    order: int
    template: str
    load: Callable | None = None


def register_dashboard_panel(order: int, template: str, load: Callable | None = None) -> None:
    panel = DashboardPanel(order, template, load)
    _replace(DASHBOARD_PANELS, panel, lambda p: p.template == template, lambda p: p.order)


# Panels registered with an order below this are banners: a warning above the dashboard
# (the calendar year not yet confirmed) rather than a part of it further down.
DASHBOARD_BANNERS_BELOW = 10


def load_dashboard_panels(user, *, banners: bool = False) -> list[LoadedSection]:
    """The dashboard's panels with their data loaded for this user: the banners at the top
    of the page when `banners`, else the parts below the queues."""
    return [
        LoadedSection(p.template, p.template, p.load(user) if p.load else None)
        for p in DASHBOARD_PANELS
        if (p.order < DASHBOARD_BANNERS_BELOW) == banners
    ]


# Procedural numbers a feature keeps in code as policy data (its own module), each with its
# source and whether it was checked against the text: the policy page lists them, labelling
# the unchecked ones. `fn()` returns objects with `label`, `value`, `source`, `verified`.
POLICY_NUMBERS: list[Callable] = []


def register_policy_numbers(fn: Callable) -> None:
    if fn not in POLICY_NUMBERS:
        POLICY_NUMBERS.append(fn)


def policy_numbers() -> list:
    return [number for fn in POLICY_NUMBERS for number in fn()]
