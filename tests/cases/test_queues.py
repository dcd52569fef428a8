"""Work queues: the SQL queue of each user holds exactly the cases where the transition
table gives them an awaited step (property-tested on generated cases), and the dashboard
and the navigation show it."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cases.models import (
    DECIDED_STATES,
    Case,
    CaseMember,
    CaseSource,
    CaseState,
    ReviewOutcome,
    TeamRole,
)
from app.cases.permissions import visible_clause
from app.cases.queries import next_steps
from app.cases.workflow import awaited_steps
from app.core.calendar import today
from app.core.extension_points import badge_count
from tests.statements import counted

STATES = [s for s in CaseState if s != CaseState.transferred]
_seq = itertools.count(900000)

dates = st.one_of(
    st.none(), st.integers(min_value=-20, max_value=20).map(lambda d: today() + dt.timedelta(d))
)
case_specs = st.fixed_dictionaries(
    {
        "agency": st.sampled_from(["SH", "JS"]),
        "state": st.sampled_from(STATES),
        "creator": st.integers(min_value=0, max_value=4),
        "team": st.lists(
            st.tuples(st.integers(min_value=0, max_value=4), st.sampled_from(list(TeamRole))),
            max_size=3,
            unique_by=lambda pair: pair[0],
        ),
        "review_outcome": st.one_of(st.none(), st.sampled_from(list(ReviewOutcome))),
        "defence_received_on": dates,
        "defence_due": dates,
        "review_request_due": dates,
    }
)


def _people(make_user):
    return [
        make_user("SH", roles=("officer",)),
        make_user("SH", roles=("officer",)),
        make_user("SH", roles=("supervisor",)),
        make_user("SH", roles=("officer", "supervisor")),
        make_user("JS", roles=("supervisor",)),
        make_user("SH", roles=("auditor",)),
        make_user("SH", roles=("committee_member",)),
    ]


def _case(db, agency, spec, people) -> Case:
    seq = next(_seq)
    code = spec["agency"]
    case = Case(
        reference=f"{code}-2026-{seq}",
        agency=agency(code),
        year=2026,
        seq=seq,
        title="生成的案件",
        source=CaseSource.letter,
        received_date=today(),
        rule_version="test",
        state=spec["state"],
        created_by_id=people[spec["creator"]].id,
        review_outcome=spec["review_outcome"],
        defence_received_on=spec["defence_received_on"],
        defence_due=spec["defence_due"],
        review_request_due=spec["review_request_due"],
        decided_on=today() if spec["state"] in DECIDED_STATES else None,
    )
    for index, role in spec["team"]:
        case.members.append(CaseMember(user_id=people[index].id, team_role=role))
    db.session.add(case)
    return case


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(case_specs, min_size=1, max_size=12))
def test_queue_counts_equal_the_cases_with_an_awaited_step(db, make_user, agency, specs):
    people = _people(make_user)
    nested = db.session.begin_nested()
    try:
        cases = [_case(db, agency, spec, people) for spec in specs]
        db.session.flush()
        for case in cases:
            db.session.refresh(case)
        ids = [c.id for c in cases]
        for user in people:
            visible = set(
                db.session.scalars(
                    Case.__table__.select()
                    .with_only_columns(Case.id)
                    .where(Case.id.in_(ids), visible_clause(user))
                )
            )
            expected = sum(1 for case in cases if case.id in visible and awaited_steps(case, user))
            listed = [w.case.id for w in next_steps(user, limit=1000) if w.case.id in ids]
            assert len(listed) == expected, (user.username, user.roles, specs)
            assert all(next(c for c in cases if c.id == i) for i in listed)
            # Others' cases (earlier tests, demo data) may be in the count too: compare the
            # generated ones, which are all the user's agency has in this transaction.
            assert badge_count("cases.dashboard", user) >= expected
    finally:
        nested.rollback()


def test_the_dashboard_lists_what_waits_oldest_first_with_a_count_in_the_navigation(
    db, make_case, make_user, login, client
):
    from app.cases.models import CaseState

    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    older = make_case(agency="SH", state=CaseState.preliminary_review)
    newer = make_case(agency="SH", state=CaseState.findings)
    older.state_since = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    newer.state_since = dt.datetime(2026, 2, 5, tzinfo=dt.UTC)
    investigating = make_case(agency="SH", state=CaseState.investigating)
    other = make_case(agency="JS", state=CaseState.preliminary_review)
    db.session.commit()
    login(supervisor)
    page = client.get("/").get_data(as_text=True)
    assert "Waiting for my decision" in page
    assert page.index(older.reference) < page.index(newer.reference)
    queue = page[page.index('data-testid="work-queue"') :]
    queue = queue[: queue.index("</table>")]
    assert investigating.reference not in queue  # suspending is possible, not awaited
    assert other.reference not in page
    assert "Open investigation" in queue and "Days waiting:" in queue
    count = badge_count("cases.dashboard", supervisor)
    assert f'data-testid="queue-badge" title="Steps waiting for you">{count}</span>' in page


def _page_statements(db, client, path) -> tuple[str, list[str]]:
    """The page's HTML and the statements it ran."""
    with counted(db.engine) as statements:
        page = client.get(path).get_data(as_text=True)
    return page, statements


def _queue_counts_run(db, client, path):
    """The page's HTML and how many times it counted the queue (the only count of cases
    that looks at teams); the page asks it with the navigation's other badges, the unread
    count among them, in one statement (the dashboard, which shows the queue's total, too)."""
    page, statements = _page_statements(db, client, path)
    queue = [s for s in statements if "count(*)" in s and "case_members" in s]
    assert all("FROM notifications" in s for s in queue), queue
    return page, len(queue)


def test_a_page_counts_the_queue_once_and_the_next_page_counts_it_afresh(
    db, make_case, make_user, login, client
):
    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    make_case(agency="SH", state=CaseState.preliminary_review)
    db.session.commit()
    login(supervisor)
    page, asked = _queue_counts_run(db, client, "/")
    assert asked == 1  # the dashboard's total and the navigation badge share it
    before = badge_count("cases.dashboard", supervisor)
    assert f'title="Steps waiting for you">{before}</span>' in page
    make_case(agency="SH", state=CaseState.findings)
    db.session.commit()
    page, asked = _queue_counts_run(db, client, "/cases")
    assert asked == 1
    assert f'title="Steps waiting for you">{before + 1}</span>' in page


def test_the_navigation_asks_every_badge_in_one_statement(db, make_case, make_user, login, client):
    from app.notifications.models import Notification

    supervisor = make_user("SH", roles=("supervisor",), locale="en")
    make_case(agency="SH", state=CaseState.preliminary_review)
    db.session.add_all(
        Notification(user_id=supervisor.id, kind="test", text=f"通知 {n}") for n in range(3)
    )
    db.session.commit()
    login(supervisor)
    page, statements = _page_statements(db, client, "/cases")
    badges = [s for s in statements if "FROM notifications" in s]
    # the unread count, asked with the queue's, the intake's and the ethics registry's
    assert len(badges) == 1, badges
    tables = ("case_members", "reports", "ethics_registrations", "ethics_annual_reports")
    assert all(f"FROM {table}" in badges[0] for table in tables)
    assert not [s for s in statements if "ethics_registrations" in s and s not in badges]
    assert len([s for s in statements if "count(*)" in s and "case_members" in s]) == 1
    assert (
        f'title="Steps waiting for you">{badge_count("cases.dashboard", supervisor)}</span>' in page
    )
    unread = badge_count("notifications.index", supervisor)
    assert unread >= 3 and f'data-endpoint="notifications.index">{unread}<' in page


def test_the_queue_count_is_built_once_per_user_and_reads_the_teams_when_it_runs(
    db, make_user, make_case, monkeypatch
):
    """The badge's statement is kept per user (`built_for`): built again when the user's
    roles or the day change, never for what the database holds, which it reads each time."""
    from app.cases import permissions, queries
    from app.core.calendar import as_of

    officer = make_user("SH", roles=("officer",))
    cases = [make_case(agency="SH", state=state) for state in STATES[:8]]
    db.session.commit()
    monkeypatch.setattr(permissions, "_BUILT", {})
    builds = []
    build = queries._queue_count
    monkeypatch.setattr(queries, "_queue_count", lambda user: builds.append(user.id) or build(user))

    def awaited() -> int:
        return sum(1 for case in cases if awaited_steps(case, officer))

    assert (
        badge_count("cases.dashboard", officer) == awaited() == 0
    )  # on no team, registered none of them
    for case in cases:
        db.session.add(CaseMember(case_id=case.id, user_id=officer.id, team_role=TeamRole.lead))
    db.session.commit()
    for case in cases:
        db.session.refresh(case)
    assert badge_count("cases.dashboard", officer) == awaited() > 0
    assert builds == [officer.id]  # the same statement, reading the new team rows

    officer.set_roles(["officer", "supervisor"])
    db.session.commit()
    assert badge_count("cases.dashboard", officer) == awaited()
    assert len(builds) == 2  # another set of roles, another statement
    with as_of(today() + dt.timedelta(days=30)):
        badge_count("cases.dashboard", officer)
    assert len(builds) == 3  # another day: deadlines compare with it
    badge_count("cases.dashboard", officer)
    assert len(builds) == 3

    monkeypatch.setattr(permissions, "_BUILT_MAX", 2)  # a full store is emptied, then refilled
    badge_count("cases.dashboard", make_user("SH", roles=("supervisor",)))
    assert len(builds) == 4
    assert len(permissions._BUILT) <= 2  # its count and the visibility clause inside it
    assert all(key[1] != officer.id for key in permissions._BUILT)
