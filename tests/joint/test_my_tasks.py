"""A task appears on its assignee's dashboard from the moment it is assigned, not only once
overdue: the user's open tasks, the soonest due first, the overdue ones marked. A task
given to an agency with nobody named is there for whoever takes it up (its supervisors and
the officers it named), and a reported one leaves the list."""

from __future__ import annotations

import datetime as dt
import re

from app.core.calendar import today
from app.joint.services import act_on_task, create_task
from tests.ui_helpers import sign_in


def _task(joint, title: str, due_in_days: int, assignee=None):
    return create_task(
        joint["case"], joint["sh_officer"], agency=joint["js_part"].agency, kind="interview",
        title=title, description="", due_in_days=due_in_days, assignee=assignee,
    )  # fmt: skip


def _my_tasks(client) -> list[tuple[str, bool]]:
    page = client.get("/").get_data(as_text=True)
    if 'data-testid="my-tasks"' not in page:
        return []
    panel = page[page.index('data-testid="my-tasks"') :]
    panel = panel[: panel.index("</table>")]
    rows = re.findall(r'<tr data-testid="my-task"( data-overdue="1")?>.*?>([^<]+)</a>', panel)
    return [(title, bool(late)) for late, title in rows]


def test_a_task_just_assigned_is_on_the_assignees_dashboard(db, joint, client):
    officer = joint["js_officer"]
    later = _task(joint, "调取实验记录", 20, assignee=officer)
    _task(joint, "询问合作作者", 5, assignee=officer)
    late = _task(joint, "核对原始数据", 5, assignee=officer)
    late.due_date = today() - dt.timedelta(days=2)
    db.session.commit()
    sign_in(client, officer)
    assert _my_tasks(client) == [
        ("核对原始数据", True),
        ("询问合作作者", False),
        ("调取实验记录", False),
    ]
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="task-overdue">已逾期<' in page  # said in words, not by colour alone

    act_on_task(later, "accept", officer)
    act_on_task(later, "complete", officer, body="已调取")
    db.session.commit()
    assert [t for t, _late in _my_tasks(client)] == ["核对原始数据", "询问合作作者"]


def test_a_task_with_nobody_named_is_on_the_dashboard_of_who_takes_it_up(db, joint, client):
    _task(joint, "现场核查", 10)
    db.session.commit()
    for user in (joint["js_supervisor"], joint["js_officer"]):  # the officer JS named
        sign_in(client, user)
        assert _my_tasks(client) == [("现场核查", False)], user.username
    for user in (joint["js_other_officer"], joint["sh_officer"], joint["ah_supervisor"]):
        sign_in(client, user)
        assert _my_tasks(client) == [], user.username


def test_a_task_named_to_someone_else_is_not_on_my_dashboard(db, joint, client):
    _task(joint, "询问合作作者", 5, assignee=joint["js_officer"])
    db.session.commit()
    sign_in(client, joint["js_supervisor"])
    assert _my_tasks(client) == []
