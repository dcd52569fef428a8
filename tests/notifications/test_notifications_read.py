"""Marking notifications as read, one or all, in either language: only one's own, and a
to-do stays in "to do" until its step is taken."""

from __future__ import annotations

from sqlalchemy import func, select

from app.cases.models import CaseState
from app.notifications.models import Notification


def _unread(db, user) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def _mine(db, user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_one_notification_is_marked_read_and_its_to_do_stays(
    db, make_user, make_case, login, client
):
    reader = make_user("SH", roles=("supervisor",), locale="en")
    make_case("SH", state=CaseState.received)
    make_case("SH", state=CaseState.received)
    db.session.commit()
    first, second = _mine(db, reader)
    login(reader)
    page = client.get("/notifications/?todo=1").get_data(as_text=True)
    assert "2 new" in page and page.count('data-testid="read-one"') == 2
    assert "Mark all as read" in page
    response = client.post(f"/notifications/{first.id}/read", data={"todo": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/notifications/?todo=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The notification is marked as read." in page
    assert "1 new" in page and page.count('data-testid="read-one"') == 1
    first, second = _mine(db, reader)
    assert first.read_at is not None and second.read_at is None
    assert first.is_todo  # read, but the case still waits for its team
    again = client.post(f"/notifications/{first.id}/read")
    assert again.status_code == 302 and _mine(db, reader)[0].read_at == first.read_at


def test_all_are_marked_read_in_chinese_and_nobody_elses(db, make_user, make_case, login, client):
    reader = make_user("SH", roles=("supervisor",), locale="zh")
    colleague = make_user("SH", roles=("supervisor",), locale="zh")
    make_case("SH", state=CaseState.received)
    make_case("SH", state=CaseState.received)
    db.session.commit()
    login(reader)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "2 条未读" in page and "全部标为已读" in page and "标为已读" in page
    response = client.post("/notifications/read")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已标为已读的通知：2 条。" in page
    assert "全部标为已读" not in page and 'data-testid="read-one"' not in page
    assert _unread(db, reader) == 0
    assert _unread(db, colleague) == 2  # another's notifications are theirs to read


def test_another_users_notification_does_not_exist_and_stays_unread(
    db, make_user, make_case, login, client
):
    owner = make_user("SH", roles=("supervisor",))
    other = make_user("SH", roles=("supervisor",), locale="en")
    outsider = make_user("JS", roles=("supervisor",), locale="en")
    make_case("SH", state=CaseState.received)
    db.session.commit()
    (theirs,) = _mine(db, owner)
    anonymous = client.post(f"/notifications/{theirs.id}/read")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for user in (other, outsider):
        login(user)
        assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
        assert client.post("/notifications/99999999/read").status_code == 404
        assert client.post("/notifications/99999999999999999999/read").status_code == 404
        client.post("/logout")
    assert _unread(db, owner) == 1


def test_a_notification_stored_before_hand_offs_shows_its_text_and_is_not_mailed(
    db, make_user, login, client
):
    """Rows written by the old text path (kind and Chinese text, no event parameters) are
    kept as they are: shown with their stored text, never mailed, and can be marked read."""
    from app.notifications.models import EmailMode
    from app.notifications.tasks import _unmailed

    reader = make_user("SH", roles=("supervisor",), locale="en", email="old@sh.example")
    old = Notification(
        user_id=reader.id,
        kind="transfer_offered",
        text="上海市科委拟向本机关移送案件 SH-2026-000001",
    )
    db.session.add(old)
    db.session.commit()
    login(reader)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "上海市科委拟向本机关移送案件 SH-2026-000001" in page and "1 new" in page
    assert reader.id not in _unmailed({EmailMode.immediate})
    assert client.post(f"/notifications/{old.id}/read").status_code == 302
    assert _unread(db, reader) == 0
