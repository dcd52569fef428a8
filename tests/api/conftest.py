"""API fixtures: clients that send a bearer token, and a snapshot of what a refused
request must leave unchanged."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.services import create_token
from app.cases.models import Case, HistoryEntry
from app.core.models import AuditEntry


class ApiClient:
    def __init__(self, client, db, token: str | None):
        self.client, self.db, self.token = client, db, token

    def _headers(self, headers):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def get(self, url, headers=None, **kwargs):
        self.db.session.commit()
        return self.client.get(url, headers=self._headers(headers), **kwargs)

    def post(self, url, headers=None, **kwargs):
        self.db.session.commit()
        return self.client.post(url, headers=self._headers(headers), **kwargs)


@pytest.fixture
def api(client, db):
    """api(user) -> a client acting as `user`; api(None) -> an anonymous client."""

    def make(user=None) -> ApiClient:
        token = create_token(user) if user is not None else None
        db.session.commit()
        return ApiClient(client, db, token)

    return make


@pytest.fixture
def snapshot(db):
    """snapshot(case) -> a tuple that any refused request must leave equal."""

    def take(case: Case | None = None):
        db.session.expire_all()
        counts = (
            db.session.scalar(select(func.count()).select_from(Case)),
            db.session.scalar(select(func.count()).select_from(HistoryEntry)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
        )
        if case is None:
            return counts
        row = db.session.execute(
            select(Case.state, Case.version, Case.due_date).where(Case.id == case.id)
        ).one()
        return (*counts, *row)

    return take


def new_case_body(**overrides) -> dict:
    body = {
        "title": "关于王芳论文涉嫌数据造假的举报",
        "source": "online",
        "received_date": "2026-03-02",
        "summary": "举报称图表存在拼接痕迹。",
        "respondents": [
            {
                "name": "王芳",
                "party_type": "person",
                "id_type": "resident_id",
                "id_number": "320102198502023456",
                "institution": "南京大学",
                "position": "副教授",
            }
        ],
        "allegations": [
            {
                "misconduct_type": "fabrication_falsification",
                "description": "论文图3与图5存在重复使用。",
                "work_reference": "10.1000/abc987",
            }
        ],
        "complainant": {"anonymous": False, "name": "赵敏", "contact": "zhaomin@example.org"},
    }
    body.update(overrides)
    return body
