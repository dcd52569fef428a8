"""Helpers for driving the HTML pages through the test client, as a browser would post them."""

from __future__ import annotations

import re

from flask_babel import refresh

from tests.conftest import TEST_PASSWORD


def sign_in(client, user, password: str = TEST_PASSWORD):
    client.post("/logout")
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    refresh()  # test requests share one app context: forget the previous visitor's language
    return client


def page_version(client, reference: str) -> str:
    html = client.get(f"/cases/{reference}").get_data(as_text=True)
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "the case page offers no form"
    return found.group(1)


def ids(client, reference: str, name: str) -> list[str]:
    """Hidden ids the case page puts in its forms (allegation ids, party ids)."""
    html = client.get(f"/cases/{reference}").get_data(as_text=True)
    return list(dict.fromkeys(re.findall(rf'name="{name}" value="(\d+)"', html)))


def registration_form(**overrides) -> dict:
    data = {
        "title": "关于王芳课题组数据造假的举报",
        "source": "online",
        "received_date": "2026-03-02",
        "summary": "举报人称图像数据存在重复使用。",
        "complainant_anonymous": "y",
        "respondents-0-name": "王芳",
        "respondents-0-party_type": "person",
        "respondents-0-id_type": "resident_id",
        "respondents-0-id_number": "320102198502021231",
        "respondents-0-institution": "南京大学",
        "respondents-0-position": "副教授",
        "respondents-1-name": "南京某生物科技有限公司",
        "respondents-1-party_type": "institution",
        "respondents-1-id_type": "",
        "allegations-0-misconduct_type": "fabrication_falsification",
        "allegations-0-description": "论文图3与图5为同一图像翻转",
        "allegations-0-work_reference": "10.1000/abc.2025.01",
        "allegations-1-misconduct_type": "authorship_violation",
        "allegations-1-description": "未参与研究者被列为作者",
        "allegations-1-work_reference": "",
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return response.get_data(as_text=True)
