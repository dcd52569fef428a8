"""The API applies the same ID number check as the forms."""

from tests.api.conftest import new_case_body


def test_the_api_refuses_a_bad_number(api, make_user):
    client = api(make_user("SH", roles=("officer",), locale="en"))
    body = new_case_body()
    body["respondents"][0]["id_number"] = "320102198502023457"
    response = client.post("/api/v1/cases", json=body)
    assert response.status_code == 422
    assert "not a valid resident ID" in response.get_json()["detail"]


def test_the_api_integrity_check_refuses_a_bad_number(api, make_user):
    client = api(make_user("SH", roles=("officer",), locale="en"))
    response = client.get(
        "/api/v1/integrity-check?name=x&id_type=uscc&id_number=91350100M000100Y44"
    )
    assert response.status_code == 422
    assert "unified social credit code" in response.get_json()["detail"]
