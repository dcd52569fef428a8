"""Ethics approval numbers: formed from the issuing node, the decision's year and the
letter's id, read back exactly, old-style codes still understood, and refusals of anything
else."""

from __future__ import annotations

import pytest

from app.ethics import approval_numbers as numbers
from app.ethics.approval_numbers import ApprovalNumber


def test_a_number_names_year_node_and_serial_and_reads_back():
    number = numbers.form("zj-node", 2026, 123)
    assert number == "ETH-2026-ZJ-NODE-000123"
    assert numbers.parse(number) == ApprovalNumber(123, 2026, "ZJ-NODE")
    assert str(numbers.parse(number)) == number
    assert numbers.form("node-3fa2b1c0", 2027, 1234567) == "ETH-2027-NODE-3FA2B1C0-1234567"


def test_two_nodes_never_share_a_number_even_for_the_same_letter_id():
    assert numbers.form("node-a", 2026, 1) != numbers.form("node-b", 2026, 1)
    # A node id ending like a serial still reads back as its own node.
    tricky = numbers.form("x-123456", 2026, 7)
    assert tricky == "ETH-2026-X-123456-000007"
    assert numbers.parse(tricky) == ApprovalNumber(7, 2026, "X-123456")


def test_an_old_style_code_is_still_a_number_standing_for_its_serial():
    parsed = numbers.parse("ETH-000123")
    assert parsed.legacy and parsed.serial == 123 and str(parsed) == "ETH-000123"
    assert str(numbers.parse("ETH-0000123")) == "ETH-000123"  # as the letter id reads
    assert numbers.legacy_code(42) == "ETH-000042"


def test_an_old_style_number_derives_what_its_node_assigns():
    assert numbers.derive("node-zj", 2026, "ETH-000042") == "ETH-2026-NODE-ZJ-000042"
    assert numbers.derive("node-zj", 2026, "ETH-2025-NODE-ZJ-000042") == ("ETH-2025-NODE-ZJ-000042")


def test_the_longest_number_fits_an_exchange_record_id():
    longest = numbers.form("n" * numbers.MAX_NODE, 2099, 999_999_999)
    assert len(longest) <= numbers.MAX_LENGTH == 64
    assert numbers.parse(longest).node == "N" * 40


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ETH-",
        "ETH-12",
        "ETH-000000",
        "ETH-1234567890",
        "eth-000123",
        "eth-2026-zj-node-000123",
        "ETH-2026-000123",
        "ETH-1999-ZJ-000123",
        "ETH-2026-ZJ-12345",
        "ETH-2026-ZJ NODE-000123",
        "ETH-2026-ZJ/NODE-000123",
        "ETH-2026-" + "N" * 41 + "-000123",
        "<script>alert(1)</script>",
        " ETH-000123",
        None,
        123,
    ],
)
def test_anything_else_is_no_number(text):
    with pytest.raises(ValueError):
        numbers.parse(text)


@pytest.mark.parametrize(
    ("node", "year", "serial"),
    [("", 2026, 1), ("n" * 41, 2026, 1), ("a b", 2026, 1), ("ok", 1999, 1), ("ok", 2026, 0)],
)
def test_no_number_is_formed_from_what_a_number_cannot_carry(node, year, serial):
    with pytest.raises(ValueError):
        numbers.form(node, year, serial)
