"""The navigation shows the number of unread notifications beside "Notifications", on
every page, bounded ("99+"), with a label screen readers read; reading them clears it. It
costs one statement per page."""

from __future__ import annotations

import re

from app.core.extension_points import badge_count
from app.extensions import db as _db
from app.notifications.models import Notification
from tests.statements import counted


def _notify(db, user, n: int) -> None:
    for i in range(n):
        db.session.add(Notification(user_id=user.id, kind="test", text=f"通知 {i}"))
    db.session.commit()


def _badge(page: str) -> str | None:
    found = re.search(
        r'data-endpoint="notifications.index">([^<]*)<span class="visually-hidden"> ([^<]*)</span>',
        page,
    )
    return found and f"{found.group(1)}|{found.group(2)}"


def test_the_navigation_counts_unread_notifications(db, make_user, login, client):
    user = make_user("SH", roles=("officer",))
    page = login(user).get("/").get_data(as_text=True)
    assert _badge(page) is None  # nothing unread: no badge
    _notify(db, user, 2)
    page = client.get("/cases").get_data(as_text=True)
    assert _badge(page) == "2|条未读通知"
    assert 'data-testid="nav-more-badge"' in page  # "Notifications" sits in "More"
    client.post("/notifications/read")
    assert _badge(client.get("/").get_data(as_text=True)) is None


def test_the_count_stops_at_99_plus_and_reads_in_english(db, make_user, login, client):
    user = make_user("JS", roles=("supervisor",), locale="en")
    _notify(db, user, 120)
    page = login(user).get("/").get_data(as_text=True)
    assert _badge(page) == "99+|unread notifications"


def test_the_count_is_one_statement_whatever_the_number(db, make_user):
    user = make_user("SH", roles=("officer",))
    other = make_user("SH", roles=("officer",))
    _notify(db, user, 130)
    _notify(db, other, 3)
    assert user.id != other.id  # both loaded before counting
    with counted(_db.engine) as statements:
        assert (
            badge_count("notifications.index", user) == 100
            and badge_count("notifications.index", other) == 3
        )
    assert len([s for s in statements if "notifications" in s]) == 2, statements
