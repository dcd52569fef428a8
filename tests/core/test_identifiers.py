"""ID numbers: the checksums, and the one check on every way a number comes in."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.cases.models import Case
from app.core.identifiers import (
    USCC_ALPHABET,
    id_number_problem,
    is_resident_id,
    is_uscc,
    make_resident_id,
    make_uscc,
    mask_id_number,
    resident_check_digit,
    uscc_check_character,
)
from tests.ui_helpers import registration_form, sign_in, text

births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))
areas = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
sequences = st.integers(min_value=0, max_value=999)
uscc_bodies = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


def test_published_examples_check():
    # GB 11643-1999's own example, and a unified social credit code printed on a licence.
    assert is_resident_id("11010519491231002X")
    assert resident_check_digit("11010519491231002") == "X"
    assert is_uscc("91350100M000100Y43")
    assert uscc_check_character("91350100M000100Y4") == "3"


@given(areas, births, sequences)
def test_a_generated_resident_id_checks(area, born, sequence):
    assert is_resident_id(make_resident_id(area, born, sequence))


@given(areas, births, sequences, st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_any_single_changed_digit_is_caught(area, born, sequence, position, delta):
    number = make_resident_id(area, born, sequence)
    changed = str((int(number[position]) + delta) % 10)
    typo = number[:position] + changed + number[position + 1 :]
    assert not is_resident_id(typo)


@given(areas, births, sequences, st.integers(min_value=0, max_value=15))
def test_two_swapped_neighbours_are_caught(area, born, sequence, position):
    number = make_resident_id(area, born, sequence)
    if number[position] == number[position + 1]:
        return
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    assert not is_resident_id(swapped)


@given(uscc_bodies)
def test_a_generated_credit_code_checks(body):
    code = make_uscc(body)
    assert is_uscc(code) and code[-1] in USCC_ALPHABET


@given(uscc_bodies, st.integers(min_value=0, max_value=17), st.integers(1, 30))
def test_any_single_changed_character_of_a_credit_code_is_caught(body, position, delta):
    code = make_uscc(body)
    changed = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + delta) % 31]
    assert not is_uscc(code[:position] + changed + code[position + 1 :])


@pytest.mark.parametrize(
    "id_type, number",
    [
        ("resident_id", "12345"),
        ("resident_id", "310101198001011234"),  # wrong check digit
        ("resident_id", "31010119801301123X"),  # month 13 (check digit recomputed below)
        ("uscc", "91350100M000100Y44"),
        ("uscc", "91350100M000100I43"),  # I is not in the alphabet
        ("passport", "E1"),
        ("passport", "护照E12345678"),
        ("resident_id", "3101011980010112٣X"),  # an Arabic-Indic digit is no digit here
        ("other", "X"),
        ("", "E12345678"),  # a number needs its type
    ],
)
def test_bad_numbers_are_refused_with_a_message(id_type, number):
    if number == "31010119801301123X":
        number = number[:17] + resident_check_digit(number[:17])  # only the date is wrong
    assert id_number_problem(id_type, number) is not None


def test_a_birth_date_in_the_future_is_refused():
    from app.core.calendar import today

    tomorrow = today() + dt.timedelta(days=1)
    assert not is_resident_id(make_resident_id("310101", tomorrow, 1))
    assert not is_resident_id(make_resident_id("310101", dt.date(1899, 12, 31), 1))


def test_spaces_and_lower_case_are_read_as_the_hash_reads_them():
    assert id_number_problem("resident_id", "3101 0119 8001 0112 3x") is None
    assert id_number_problem("passport", "e 1234 5678") is None
    assert id_number_problem("resident_id", "") is None  # no number given: nothing to check


def test_misconduct_and_sanction_types_of_the_same_value_keep_their_own_labels(app):
    from app.cases.models import MisconductType, SanctionType
    from app.core.labels import label

    with app.test_request_context():
        assert label(MisconductType.other) != label(SanctionType.other)


def test_one_masking_rule():
    assert mask_id_number("31010119800101123X") == "3101**********123X"
    assert mask_id_number("E12345678") == "******678"
    assert mask_id_number("AB12") == "****"
    assert mask_id_number(None) is None


def _cases(db):
    return db.session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))


@pytest.mark.parametrize(
    "locale, message", [("en", "not a valid resident ID"), ("zh", "居民身份证号码")]
)
def test_registration_refuses_a_bad_resident_id(db, client, make_user, locale, message):
    officer = make_user("SH", roles=("officer",), locale=locale)
    sign_in(client, officer)
    before = _cases(db)
    response = client.post(
        "/cases/new", data=registration_form(**{"respondents-0-id_number": "12345"})
    )
    assert response.status_code == 422
    assert message in text(response)
    assert 'value="12345"' in text(response)  # the input is kept
    assert _cases(db) == before


def test_registration_stores_a_valid_number_normalised(db, client, make_user):
    officer = make_user("SH", roles=("officer",))
    sign_in(client, officer)
    form = registration_form(**{"respondents-0-id_number": "3201 0219 8502 0212 31"})
    assert client.post("/cases/new", data=form).status_code == 302
    case = db.session.get(Case, _cases(db))
    assert case.respondents[0].id_number == "320102198502021231"


def test_the_service_refuses_what_no_form_checked(db, make_case):
    from app.cases.services import RespondentInput
    from app.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        make_case(respondents=[RespondentInput(name="张伟", id_type="uscc", id_number="123")])


def test_the_integrity_check_refuses_a_bad_number(db, client, make_user):
    sign_in(client, make_user("SH", roles=("officer",), locale="en"))
    response = client.post(
        "/integrity-check", data={"name": "张伟", "id_type": "resident_id", "id_number": "12345"}
    )
    assert response.status_code == 422
    assert "not a valid resident ID" in text(response)
