"""Identity numbers of parties: the one check for every form, API schema and service.

A wrong number would give a wrong matching hash, and then an integrity check across the
region finds nothing where it should find a record. So a number is refused unless its
structure holds: the resident ID card number (GB 11643-1999, check digit by ISO 7064
MOD 11-2), the unified social credit code (GB 32100-2015, check character MOD 31),
passports and other documents by length and characters.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata

from flask_babel import lazy_gettext as _l

from app.core.calendar import today
from app.core.errors import InvalidInput


class IdType(enum.StrEnum):
    resident_id = "resident_id"
    passport = "passport"
    uscc = "uscc"
    other = "other"


RESIDENT_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
RESIDENT_CHECK = "10X98765432"  # indexed by the weighted sum modulo 11
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
EARLIEST_BIRTH = dt.date(1900, 1, 1)

PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
OTHER = re.compile(r"[A-Z0-9]{2,40}")


def normalise(number: str | None) -> str:
    """Full-width characters folded, letters upper-cased, spaces and separators dropped: the
    same reading the matching hash gives the number."""
    cleaned = unicodedata.normalize("NFKC", number or "").upper()
    return "".join(ch for ch in cleaned if ch.isalnum())


def resident_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, RESIDENT_WEIGHTS, strict=True))
    return RESIDENT_CHECK[total % 11]


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def birth_date(number: str) -> dt.date | None:
    """The date of birth a resident ID number carries, or None when it is no date."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def is_resident_id(number: str, *, on: dt.date | None = None) -> bool:
    if not re.fullmatch(r"[1-9][0-9]{16}[0-9X]", number):
        return False
    born = birth_date(number)
    if born is None or not EARLIEST_BIRTH <= born <= (on or today()):
        return False
    return resident_check_digit(number[:17]) == number[17]


def is_uscc(number: str) -> bool:
    if len(number) != 18 or any(c not in USCC_ALPHABET for c in number):
        return False
    return uscc_check_character(number[:17]) == number[17]


def id_number_problem(id_type: str | None, number: str | None):
    """The message saying what is wrong with the number, or None when it is acceptable.
    An empty number is acceptable (not every party has one); a number needs its type."""
    number = normalise(number)
    if not number:
        return None
    try:
        id_type = IdType((id_type or "").strip())
    except ValueError:
        return _l("Choose the type of the ID number.")
    if id_type == "resident_id" and not is_resident_id(number):
        return _l(
            "This is not a valid resident ID number: 18 characters, a real date of birth "
            "and a matching check digit (the last digit or X)."
        )
    if id_type == "uscc" and not is_uscc(number):
        return _l(
            "This is not a valid unified social credit code: 18 digits or capital letters "
            "(without I, O, S, V, Z) and a matching check character."
        )
    if id_type == "passport" and not PASSPORT.fullmatch(number):
        return _l("A passport number has 5 to 20 letters and digits.")
    if id_type == "other" and not OTHER.fullmatch(number):
        return _l("An ID number has 2 to 40 letters and digits.")
    return None


def clean_id_number(
    id_type: str | None, number: str | None, field: str = "id_number"
) -> str | None:
    """The number as stored (normalised), or None when none was given; refuses a bad one."""
    found = id_number_problem(id_type, number)
    if found is not None:
        raise InvalidInput(found, field=field)
    return normalise(number) or None


def make_resident_id(area: str, born: dt.date, sequence: int) -> str:
    """A well-formed number for demo data and tests (area code, birth date, sequence)."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + resident_check_digit(first17)


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


class IdNumberOf:
    """WTForms validator of an ID number field, read with the form's ID type field."""

    def __init__(self, type_field: str = "id_type"):
        self.type_field = type_field

    def __call__(self, form, field) -> None:
        from wtforms.validators import ValidationError

        found = id_number_problem(form[self.type_field].data, field.data)
        if found is not None:
            raise ValidationError(str(found))


def pydantic_check(id_type: str | None, number: str | None) -> str | None:
    """For API schemas: the normalised number, or ValueError with the message."""
    found = id_number_problem(id_type, number)
    if found is not None:
        raise ValueError(str(found))
    return normalise(number) or None


def mask_id_number(number: str | None) -> str | None:
    """Enough to tell two people apart on a screen, a call or a record from another node,
    never enough to use the number: the region code and the last four of an 18-character
    number, the last three of a shorter one, nothing of a very short one."""
    cleaned = normalise(number)
    if not cleaned:
        return None
    if len(cleaned) >= 15:
        return cleaned[:4] + "*" * (len(cleaned) - 8) + cleaned[-4:]
    if len(cleaned) >= 8:
        return "*" * (len(cleaned) - 3) + cleaned[-3:]
    return "*" * len(cleaned)
