"""The user's own account page: the language form's success path."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import AuditEntry
from tests.ui_helpers import sign_in, text


def test_the_language_saved_on_the_account_page_is_kept_on_the_account(client, db, make_user):
    user = make_user("SH", roles=("officer",))
    sign_in(client, user)
    response = client.post("/account", data={"locale": "en"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Language saved." in text(response) and 'lang="en"' in text(response)
    db.session.refresh(user)
    assert user.locale == "en"
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert entry.action == "user.set_language" and entry.details == {"locale": "en"}
