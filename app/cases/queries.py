"""List, search and dashboard queries; visibility is always part of the SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import has_request_context, request
from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import defer, selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import False_

from app.auth.models import Agency, Role, User
from app.cases.models import (
    TERMINAL_STATES,
    Allegation,
    Case,
    CaseMember,
    CaseState,
    MisconductType,
)
from app.cases.permissions import SQL_FORMS, built_for, visible_clause, visible_parts
from app.core.calendar import add_working_days, today
from app.core.ids import BoundedSelectPagination
from app.extensions import db

SORTS = {
    "received": (Case.received_date, Case.id),
    "reference": (Case.reference,),
    "title": (Case.title, Case.id),
    "state": (Case.state, Case.id),
    "due": (Case.due_date, Case.id),
    "updated": (Case.updated_at, Case.id),
}


@dataclass
class CaseFilters:
    state: CaseState | None = None
    misconduct_type: MisconductType | None = None
    agency: str | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str | None = None
    sort: str = "received"
    direction: str = "desc"
    mine: bool = False
    overdue: bool = False


# Long texts no list shows: leaving them out keeps the rows PostgreSQL sorts for a deep page
# narrow. Reading one of them on a listed case would cost a query per row.
LIST_DEFERRED = (
    Case.summary,
    Case.search_text,
    Case.findings_report,
    Case.decision_text,
)


def case_query(
    user: User, f: CaseFilters, *, visible: bool = True, indexed: ColumnElement | None = None
) -> Select:
    """The cases `user` sees that match `f`, in the order asked. `visible=False` leaves
    visibility out, for `paginate_cases`, which adds it part by part; `indexed`
    (`indexed_search_clause`) stands for the search's test on each row."""
    stmt = select(Case).options(*(defer(column) for column in LIST_DEFERRED))
    if visible:
        stmt = stmt.where(visible_clause(user))
    if f.state:
        stmt = stmt.where(Case.state == f.state)
    if f.misconduct_type:
        stmt = stmt.where(
            exists().where(
                Allegation.case_id == Case.id, Allegation.misconduct_type == f.misconduct_type
            )
        )
    if f.agency:
        stmt = stmt.where(
            Case.agency_id
            == select(Agency.id).where(Agency.code == f.agency.upper()).scalar_subquery()
        )
    if f.received_from:
        stmt = stmt.where(Case.received_date >= f.received_from)
    if f.received_to:
        stmt = stmt.where(Case.received_date <= f.received_to)
    if f.q and f.q.strip():
        stmt = stmt.where(*([indexed] if indexed is not None else search_clauses(f.q)))
    if f.mine:
        stmt = stmt.where(
            exists().where(CaseMember.case_id == Case.id, CaseMember.user_id == user.id)
        )
    if f.overdue:
        stmt = stmt.where(Case.due_date < today())
    columns = SORTS.get(f.sort, SORTS["received"])
    order = [c.asc() if f.direction == "asc" else c.desc() for c in columns]
    if f.sort == "due":
        order = [Case.due_date.is_(None), *order]  # cases with no deadline last
    return stmt.order_by(*order)


# Terms this short have no trigram (0027); on PostgreSQL the cases holding one that is not plain
# ASCII are looked up in the (agency_id, yrd_search_grams(search_text)) index (0030).
SHORT_TERM = 2


def search_clauses(q: str) -> list[ColumnElement[bool]]:
    """The cases whose search text holds `q` (case-insensitive), as tested on each row of a
    walk down the list's index (which holds the search text, 0027). Where an index can find
    the same cases (`indexed_search_clause`), the test is strpos: on a walk at a million
    cases it took 23 ms where LIKE took 28-34 (150,000 rows for page 500 of 临床试验), and the
    planner guesses a third of the rows hold it where its guess for LIKE with one or two
    Chinese characters was far too few (it split a walk of a few thousand rows among parallel
    workers: 22 ms, not 2). Elsewhere (SQLite; a one- or two-letter ASCII term) it is LIKE."""
    term = q.strip().lower()
    if indexed_search_clause(q) is not None:
        return [func.strpos(Case.search_text, term) > 0]
    return [_like(term)]


def _like(term: str) -> ColumnElement[bool]:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Case.search_text.like(f"%{escaped}%", escape="\\")


def indexed_search_clause(q: str | None) -> ColumnElement[bool] | None:
    """The same cases as `search_clauses`, in a form an index answers (PostgreSQL): the
    short-gram index for a short term that is not plain ASCII (`gram_clause`), pg_trgm's for
    LIKE with a term of three characters or more. None on SQLite and for a one- or
    two-letter ASCII term, which no index holds."""
    term = (q or "").strip().lower()
    if not term or db.engine.dialect.name != "postgresql":
        return None
    if len(term) <= SHORT_TERM:
        return gram_clause(q)
    return _like(term)


def gram_clause(q: str | None) -> ColumnElement[bool] | None:
    """The same cases as `search_clauses` for a one- or two-character term that is not plain
    ASCII, from the short-gram index (PostgreSQL): exactly those whose grams hold the term.
    None where there is no such index or the term is longer (pg_trgm's)."""
    term = (q or "").strip().lower()
    if not term or len(term) > SHORT_TERM or term.isascii():
        return None
    if db.engine.dialect.name != "postgresql":
        return None
    grams = func.yrd_search_grams(Case.search_text, type_=ARRAY(Text))
    return grams.contains(cast([term], ARRAY(Text)))


# What reading one case from the table costs against testing one row of an index walk: a
# bitmap heap fetch took 5-25 µs at a million cases (408 MB of table, 128 MB of shared buffers),
# an index row 0.3-0.5 µs. Measured again with strpos on the walk: 临床试验's 20,823 matches in
# one agency read from pg_trgm and sorted in 146 ms warm (7 µs a case), the walk 0.16 µs a row
# (150,826 rows in 24 ms); at 20 the estimate of 10,178 matches chose the index for page 500,
# which the planner walked anyway, testing LIKE (34 ms) instead of strpos (24 ms).
HEAP_READ = 40

# A list's total is counted exactly up to here; past it, the planner's estimate is shown as
# "about N" (PostgreSQL), so no page reads a million index rows to print one number.
EXACT_COUNT_UP_TO = 1_000


class CasePagination(BoundedSelectPagination):
    """Pages through the cases a user sees, one visible part (`visible_parts`) at a time.

    The page's ids are found first, each part giving its own first `offset + per_page` in
    the list's order and the few merged: within the agency's part PostgreSQL walks the
    (agency_id, received_date, id) index and stops, where over the OR of all parts it
    sorted every visible case (page 1 of a million cases: 340 ms, now a few). The total is
    counted part by part up to EXACT_COUNT_UP_TO; past it `estimated` is set and the total
    is PostgreSQL's estimate. SQLite counts exactly."""

    estimated = False

    def _parts(self) -> list:
        return self._query_args["parts"]

    def _page_form(self, stmt: Select) -> Select:
        """The page's ids and one more, which tells whether the list goes on past it (an
        estimated total cannot)."""
        cursor: Cursor | None = self._query_args["cursor"]
        if cursor is not None:
            return _page_ids(cursor.apply(stmt), self._parts(), 0, self.per_page + 1)
        return _page_ids(stmt, self._parts(), self._query_offset, self.per_page + 1)

    def _count_forms(self, stmt: Select) -> tuple[Select, Select]:
        """The capped count of `stmt` over the parts, and all of its rows (for the estimate)."""
        stmt = stmt.with_only_columns(Case.id).order_by(None)
        parts = [stmt.where(part) for part in self._parts()]
        capped = union_all(*(part.limit(EXACT_COUNT_UP_TO + 1) for part in parts)).subquery()
        return select(func.count()).select_from(capped), union_all(*parts)

    def _forms(self) -> dict:
        """The statements this page runs. A search on PostgreSQL has two forms of each: the
        term tested on each row of a walk down the (agency_id, received_date, id) index that
        stops once it has what it needs (a common term's first pages), and an index of the
        search text (`indexed_search_clause`: the short-gram index, or pg_trgm for LIKE),
        which finds every match at once and reads each from the table (a rare term, or a deep
        page). Put in one statement, the planner multiplied the two conditions' selectivities
        (王 at a million cases: 1 row expected, 3,198 found) and computed the grams on every
        row it walked (50-200 µs each). So the planner is asked only how many cases match
        (from the index's statistics) and how many the list holds unfiltered, and the form
        that reads fewer rows runs: a walk reads about (offset + page) / share index rows,
        the index every match at HEAP_READ index rows each."""
        if "forms" in self._query_args:
            return self._query_args["forms"]
        walk, indexed = self._query_args["select"], self._query_args["indexed_select"]
        forms = {"page": self._page_form(walk), "count": self._count_forms(walk)[0]}
        if indexed is not None:
            from app.core.sql import plan_rows

            matching = self._count_forms(indexed)[1]
            unfiltered = self._count_forms(self._query_args["unfiltered"])[1]
            planned = plan_rows([matching, unfiltered])
            if planned is not None:
                matches, listed = max(planned[0], 1), max(planned[1], 1)
                share = min(1.0, matches / listed)
                cursor = self._query_args["cursor"]
                wanted = self.per_page + (0 if cursor is not None else self._query_offset)
                if min(listed, wanted / share) > matches * HEAP_READ:
                    forms["page"] = self._page_form(indexed)
                capped = EXACT_COUNT_UP_TO + 1
                if min(listed, capped / share) > min(matches, capped) * HEAP_READ:
                    forms["count"] = self._count_forms(indexed)[0]
                forms["estimate"] = matches
        self._query_args["forms"] = forms
        return forms

    def _query_items(self) -> list[Case]:
        session = self._query_args["session"]
        cursor: Cursor | None = self._query_args["cursor"]
        ids = list(session.scalars(self._forms()["page"]))
        self._more = len(ids) > self.per_page
        ids = ids[: self.per_page]
        if cursor is not None and cursor.before:
            ids.reverse()
        rows = session.scalars(
            select(Case)
            .where(Case.id.in_(ids))
            .options(*(defer(column) for column in LIST_DEFERRED))
        ).unique()
        by_id = {case.id: case for case in rows}
        return [by_id[i] for i in ids]

    def _query_count(self) -> int:
        from app.core.sql import estimated_rows

        session = self._query_args["session"]
        if session.get_bind().dialect.name != "postgresql":
            counted = self._count_forms(self._query_args["select"])[1].subquery()
            return session.scalar(select(func.count()).select_from(counted)) or 0
        forms = self._forms()
        exact = session.scalar(forms["count"]) or 0
        if exact <= EXACT_COUNT_UP_TO:
            return exact
        self.estimated = True
        if "estimate" in forms:
            return self._within_what_was_seen(max(exact, forms["estimate"]))
        estimate = estimated_rows(self._count_forms(self._query_args["select"])[1]) or 0
        return self._within_what_was_seen(max(exact, estimate))

    def _within_what_was_seen(self, estimate: int) -> int:
        """The planner's estimate, held to what this page saw: at least the cases up to its
        last and the one after it when there is one (so Next stays open past an estimate
        that fell short), and exactly that, no longer an estimate, where the list ended on
        this page (so Next does not open an empty page)."""
        seen = self._query_offset + len(self.items)
        cursor: Cursor | None = self._query_args["cursor"]
        if cursor is not None and cursor.before:
            return max(estimate, seen + 1)  # the page it was opened from follows
        if self._more:
            return max(estimate, seen + 1)
        if not self.items:
            return estimate
        self.estimated = False
        return seen

    @property
    def next_cursor(self) -> dict[str, str]:
        """The query arguments that open the next page from this one's last case (`after`),
        or none where the list cannot be walked by its keys (page numbers then)."""
        if not self._query_args["keyed"] or not self.items or not self.has_next:
            return {}
        return {"after": Cursor.key_of(self.items[-1])}

    @property
    def prev_cursor(self) -> dict[str, str]:
        """The same for the previous page, from this one's first case (`before`)."""
        if not self._query_args["keyed"] or not self.items or not self.has_prev:
            return {}
        return {"before": Cursor.key_of(self.items[0])}


@dataclass(frozen=True)
class Cursor:
    """A page of the list in its default order (received, then id) found from the case just
    before it (`after`) or just after it (`before`), from the URL of the page next to it:
    each part reads its first `per_page` rows from there in the (agency_id, received_date, id)
    index, where an OFFSET has every part find and skip all the cases of the pages before
    (page 500 of a search matched 12,500 cases to list 25). A page opened by its number alone
    still counts its way there."""

    received: dt.date
    case_id: int
    before: bool = False

    @staticmethod
    def key_of(case: Case) -> str:
        return f"{case.received_date.isoformat()}.{case.id}"

    @classmethod
    def parse(cls, after: str | None, before: str | None) -> Cursor | None:
        """The cursor in `after` or `before` ("2026-03-02.123"); None for anything else, so
        that a mangled link opens the page by its number."""
        from app.core.ids import parse_id

        text = after or before
        if not text or text.count(".") != 1:
            return None
        day, number = text.split(".")
        case_id = parse_id(number)
        try:
            received = dt.date.fromisoformat(day)
        except ValueError:
            return None
        if case_id is None or len(day) != 10:
            return None
        return cls(received, case_id, before=not after)

    def apply(self, stmt: Select) -> Select:
        """`stmt` (in received order, either way) from the cursor on: the cases after it, or
        for `before` the cases before it, read backwards (the caller turns them round)."""
        descending = stmt._order_by_clauses[0].modifier is operators.desc_op
        key = tuple_(Case.received_date, Case.id)
        mark = tuple_(literal(self.received), literal(self.case_id))
        # Newest first, the next page holds the smaller keys; the previous one the larger.
        stmt = stmt.where(key < mark if descending is not self.before else key > mark)
        if not self.before:
            return stmt
        flipped = Case.received_date.asc() if descending else Case.received_date.desc()
        flipped_id = Case.id.asc() if descending else Case.id.desc()
        return stmt.order_by(None).order_by(flipped, flipped_id)


def _page_ids(stmt: Select, parts: list, offset: int, limit: int) -> Select:
    """The ids of one page of `stmt` (ordered, without visibility) over the visible parts:
    each part's first `offset + limit` in order, merged, then the page cut from them."""
    keys = []
    for clause in stmt._order_by_clauses:
        modifier = getattr(clause, "modifier", None)
        if modifier in (operators.desc_op, operators.asc_op):
            keys.append((clause.element, modifier is operators.desc_op))
        else:
            keys.append((clause, False))
    if len(parts) == 1:
        return stmt.where(parts[0]).with_only_columns(Case.id).limit(limit).offset(offset)
    labels = [key.label(f"key{i}") for i, (key, _desc) in enumerate(keys)]
    firsts = [
        select(
            *stmt.where(part)
            .with_only_columns(Case.id.label("case_id"), *labels)
            .limit(offset + limit)
            .subquery()
            .c
        )
        for part in parts
    ]
    merged = union_all(*firsts).subquery()
    order = [
        merged.c[f"key{i}"].desc() if desc else merged.c[f"key{i}"].asc()
        for i, (_key, desc) in enumerate(keys)
    ]
    return select(merged.c.case_id).order_by(*order).limit(limit).offset(offset)


def paginate_cases(
    user: User,
    filters: CaseFilters,
    *,
    page: int | None = None,
    per_page: int | None = None,
    max_per_page: int | None = 100,
    error_out: bool = True,
    cursor: Cursor | None = None,
) -> CasePagination:
    """The page of `user`'s cases matching `filters`: `db.paginate`'s arguments (page and
    per_page default to the request's) and Pagination object, with `estimated` set when the
    total is PostgreSQL's estimate. In the received order a `cursor` (from the page next to
    it) finds the page from its neighbour; `page` is then only the number it shows."""
    keyed = filters.sort not in SORTS or filters.sort == "received"
    indexed = indexed_search_clause(filters.q)
    return CasePagination(
        select=case_query(user, filters, visible=False),
        # For a search on PostgreSQL: the same cases from an index, and the list unfiltered.
        indexed_select=None
        if indexed is None
        else case_query(user, filters, visible=False, indexed=indexed),
        unfiltered=None
        if indexed is None
        else case_query(user, replace(filters, q=None), visible=False),
        parts=visible_parts(user),
        cursor=cursor if keyed else None,
        keyed=keyed,
        session=db.session(),
        page=page,
        per_page=per_page,
        max_per_page=max_per_page,
        error_out=error_out,
        count=True,
    )


def agency_due_soon_until(agency: Agency, day: dt.date | None = None) -> dt.date:
    """The last day counted as "due soon" in an agency: its policy's `due_soon_days`
    working days ahead (5 by default). The dashboard and the daily reminder both ask here."""
    policy = agency.policy
    return add_working_days(day or today(), policy.due_soon_days if policy else 5, fresh=False)


def due_soon_until(user: User) -> dt.date:
    """The dashboard's "due soon", by the policy of the user's agency: worked out once a
    request (its counts and its list of deadlines both ask, and each asking reads the
    calendar's overrides)."""
    if not has_request_context():
        return agency_due_soon_until(user.agency)
    known = request.environ.setdefault("yrd.due_soon_until", {})
    key = (user.agency_id, today())
    if key not in known:
        known[key] = agency_due_soon_until(user.agency)
    return known[key]


# The dashboard's counts (overdue, due soon, each state) stop here and read "99+", as the
# queue's badge does: counted in full they read every visible case of the agency (a quarter
# of a million index rows for a supervisor at a million cases) on every dashboard; the case
# list behind each count gives its total ("about N" past a thousand).
DASHBOARD_COUNT_CAP = 100


def _first_rows(stmt: Select) -> Select:
    """`stmt`'s first DASHBOARD_COUNT_CAP rows, as a select that a UNION ALL may hold
    (SQLite takes no LIMIT on a union's member)."""
    return select(*stmt.limit(DASHBOARD_COUNT_CAP).subquery().c)


def _count_visible(user: User, *criteria: ColumnElement[bool]) -> int:
    """The visible cases matching `criteria`, counted up to DASHBOARD_COUNT_CAP."""
    parts = union_all(
        *(_first_rows(select(Case.id).where(part, *criteria)) for part in visible_parts(user))
    ).subquery()
    counted = db.session.scalar(select(func.count()).select_from(parts)) or 0
    return min(int(counted), DASHBOARD_COUNT_CAP)


def dashboard_counts(user: User) -> dict:
    """Counted part by part of what the user sees (`visible_parts`) and state by state, each
    up to DASHBOARD_COUNT_CAP: every count reads at most that many rows of the agency's
    (agency_id, state, ...) index, whatever the number of cases."""
    parts = union_all(
        *(
            _first_rows(select(Case.state).where(part, Case.state == state))
            for part in visible_parts(user)
            for state in CaseState
        )
    ).subquery()
    by_state = {
        CaseState(state): min(int(n), DASHBOARD_COUNT_CAP)
        for state, n in db.session.execute(
            select(parts.c.state, func.count()).group_by(parts.c.state)
        )
        if n
    }
    soon = due_soon_until(user)
    overdue = _count_visible(user, Case.due_date < today())
    due_soon = _count_visible(user, Case.due_date >= today(), Case.due_date <= soon)
    return {"by_state": by_state, "overdue": overdue, "due_soon": due_soon, "soon_until": soon}


def deadline_cases(user: User, limit: int = 20) -> list[Case]:
    soon = due_soon_until(user)
    return list(
        db.session.scalars(
            select(Case)
            .where(visible_clause(user), Case.due_date.is_not(None), Case.due_date <= soon)
            .order_by(Case.due_date, Case.id)
            .limit(limit)
        )
    )


def _first_visible(user: User, stmt: Select, keys: tuple, limit: int) -> list[int]:
    """The ids of the first `limit` cases of `stmt` that `user` sees, ordered by `keys`
    (ascending, missing values last). Each part of what the user sees (`visible_parts`)
    gives its own first `limit`, and the few are merged: within the agency's part
    PostgreSQL can walk an (agency_id, ...) index in order and stop, where over the OR of
    all parts it sorted every candidate (an officer on 15,000 teams: 80 ms, now 0.3 ms)."""
    order = [key.asc().nulls_last() for key in keys]
    labels = [key.label(f"key{i}") for i, key in enumerate(keys)]
    firsts = []
    for part in visible_parts(user):
        first = (
            stmt.where(part)
            .with_only_columns(Case.id.label("case_id"), *labels)
            .order_by(*order)
            .limit(limit)
            .subquery()
        )
        firsts.append(select(*first.c))
    merged = union_all(*firsts).subquery()
    return list(
        db.session.scalars(
            select(merged.c.case_id)
            .order_by(*(merged.c[f"key{i}"].asc().nulls_last() for i in range(len(keys))))
            .limit(limit)
        )
    )


def _load_listed(ids: list[int], *options) -> list[Case]:
    """The listed cases in the order of `ids`, with their agency, without the long texts
    no list shows: only the few listed rows are loaded whole."""
    if not ids:
        return []
    rows = db.session.scalars(
        select(Case)
        .where(Case.id.in_(ids))
        .options(*(defer(column) for column in LIST_DEFERRED), *options)
    ).unique()
    by_id = {case.id: case for case in rows}
    return [by_id[i] for i in ids]


def my_cases(user: User, limit: int = 10) -> list[Case]:
    """Open cases whose team the user is on, among the cases the user may still see: a team
    row outlives a move to another agency or a change of roles, access does not."""
    team = (
        select(Case)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .where(CaseMember.user_id == user.id, Case.state.not_in(TERMINAL_STATES))
    )
    return _load_listed(_first_visible(user, team, (Case.due_date, Case.id), limit))


def step_clause(user: User) -> ColumnElement[bool]:
    """The cases where `user` has an awaited step: the transition table, as SQL. Each
    transition's state, `offered`, `awaits` and `may` have SQL twins, so the queue is the
    table itself, not a list kept beside it (tests/cases/test_queues.py holds the two equal).

    Transitions that ask the same of the user and of the case share one disjunct, their
    source states merged into one `state IN (...)`: a handful of arms, each of which starts
    with the agency and the states (the (agency_id, state) index) where one OR arm per
    transition made the planner filter every case in the region. A `may` that can never
    hold for this user drops its arms."""
    from app.cases.workflow import TRANSITIONS

    arms: list[tuple[ColumnElement[bool], Callable, Callable, list[CaseState]]] = []
    for t in TRANSITIONS.values():
        if not t.awaited or t.internal:  # no user takes an internal step
            continue
        who = SQL_FORMS[t.may](user)
        if isinstance(who, False_):
            continue
        arm = next(
            (
                a
                for a in arms
                if a[1] is t.offered_sql and a[2] is t.awaits_sql and a[0].compare(who)
            ),
            None,
        )
        if arm is None:
            arm = (who, t.offered_sql, t.awaits_sql, [])
            arms.append(arm)
        arm[3].extend(s for s in t.source if s not in arm[3])
    parts = [
        and_(who, Case.state.in_(states), offered(), awaits())
        for who, offered, awaits, states in arms
    ]
    return or_(*parts) if parts else false()


def _queue(user: User) -> Select:
    return select(Case).where(visible_clause(user), step_clause(user))


# The queue's count (the navigation's badge on every page, the dashboard's header) stops here
# and reads "99+": an officer's queue holds every case of the agency awaiting a step any
# officer may take, so an uncapped count grew with the agency's cases (a million cases:
# 100-350 ms on every page).
QUEUE_COUNT_CAP = 100


def queue_badge(user: User) -> Select | int:
    """The dashboard's badge: the statement counting the user's queue up to QUEUE_COUNT_CAP
    (it reads at most that many rows), or 0 for a user with no queue."""
    if not user.has_role(*QUEUE_ROLES):
        return 0
    return built_for(user, "queue_count", _queue_count)


def _queue_count(user: User) -> Select:
    first = _queue(user).with_only_columns(Case.id).order_by(None).limit(QUEUE_COUNT_CAP)
    return select(func.count()).select_from(first.subquery())


QUEUE_ROLES = (Role.officer, Role.supervisor)


@dataclass
class Waiting:
    case: Case
    steps: list
    since: dt.datetime | None

    @property
    def days(self) -> int:
        """Whole days the step has waited (a step from this morning has waited 0 days)."""
        if self.since is None:
            return 0
        since = self.since if self.since.tzinfo else self.since.replace(tzinfo=dt.UTC)
        return max(0, (dt.datetime.now(dt.UTC) - since).days)


def next_steps(user: User, limit: int = 20) -> list[Waiting]:
    """The user's queue, the longest waiting first, each case with the steps it awaits."""
    from app.cases.workflow import awaited_steps

    if not user.has_role(*QUEUE_ROLES):
        return []
    since = func.coalesce(Case.state_since, Case.updated_at)
    waiting = select(Case).where(step_clause(user))
    rows = _load_listed(
        _first_visible(user, waiting, (since, Case.id), limit), selectinload(Case.members)
    )
    return [
        Waiting(case, awaited_steps(case, user), case.state_since or case.updated_at)
        for case in rows
    ]
