"""The routing hint at registration and on the case page: a case whose respondents are all
of another province may belong to that province's authority (and the transfer step offers
it); several provinces make a joint-investigation candidate; the agency's own province says
nothing."""

from __future__ import annotations

import pytest

from app.cases.hints import respondent_hints
from app.cases.models import PartyType
from app.cases.services import RespondentInput
from app.core.identifiers import resident_check_digit
from tests.ui_helpers import registration_form, sign_in, text


def resident(prefix: str) -> str:
    first = f"{prefix}0102198502021"[:17].ljust(17, "1")
    return first + resident_check_digit(first)


def person(province: str, name: str = "李雷") -> RespondentInput:
    return RespondentInput(
        name=name,
        party_type=PartyType.person,
        id_type="resident_id",
        id_number=resident(province),
        institution="某大学",
        position="教授",
    )


def _strings(hints) -> list[str]:
    return [str(h) for h in hints]


@pytest.mark.parametrize(
    ("respondents", "expected"),
    [
        ([person("32")], "江苏省科学技术厅"),
        ([person("32"), person("32", "韩梅梅")], "江苏省科学技术厅"),
        ([person("11")], "长三角区域以外"),
        ([person("31")], None),
        ([person("31"), person("33")], "联合调查"),
    ],
)
def test_the_hint_names_the_authority_of_another_province(app, respondents, expected):
    with app.test_request_context():
        hints = _strings(respondent_hints(respondents, "SH"))
    if expected is None:
        assert hints == []
    else:
        assert len(hints) == 1 and expected in hints[0]
        if "联合调查" not in expected:
            assert "移送其他机构" in hints[0]


def test_registration_shows_the_hint_for_one_respondent_of_another_province(client, make_user):
    sign_in(client, make_user("SH", roles=("officer",), locale="en"))
    form = registration_form(add="hint", **{"respondents-0-id_number": resident("32")})
    form.pop("respondents-1-name")
    form.pop("respondents-1-party_type")
    page = text(client.post("/cases/new", data=form))
    hint = page[page.index('data-testid="routing-hint"') :]
    hint = hint[: hint.index("</div>")]
    assert "Jiangsu" in hint
    assert "Transfer to another agency" in hint


def test_the_case_page_shows_it_and_an_own_province_respondent_shows_none(
    client, make_case, make_user
):
    officer = make_user("SH", roles=("officer",))
    elsewhere = make_case(by=officer, respondents=[person("34")])
    home = make_case(by=officer, respondents=[person("31")])
    sign_in(client, officer)
    page = text(client.get(f"/cases/{elsewhere.reference}"))
    assert 'data-testid="routing-hint"' in page and "安徽省科学技术厅" in page
    assert 'data-testid="routing-hint"' not in text(client.get(f"/cases/{home.reference}"))
