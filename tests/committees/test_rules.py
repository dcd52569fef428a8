"""The counting and composition rules of a panel, at their boundaries (国科发监〔2023〕167号
art. 7 and 14; 以上 includes the number itself, 民法典 art. 1259)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.committees.rules import (
    Attendance,
    Ballot,
    Category,
    Choice,
    Gender,
    Outcome,
    PanelRules,
    Seat,
    SeatRole,
    composition,
    count,
    may_vote,
)

CATS = [Category.peer, Category.ethics, Category.legal, Category.outside]
TODAY = dt.date(2026, 12, 1)


def ballots(present: int, endorse: int, *, absent=0, recused=0, abstain=0, returned=0):
    """Seven-member style panels: present members cover every category first."""
    assert endorse + abstain + returned <= present
    choices = [Choice.endorse] * endorse + [Choice.abstain] * abstain
    choices += [Choice.return_] * returned
    choices += [None] * (present - len(choices))
    rows = [
        Ballot(CATS[i % 4], SeatRole.member, Attendance.present, choice)
        for i, choice in enumerate(choices)
    ]
    rows += [Ballot(Category.peer, SeatRole.member, Attendance.absent)] * absent
    rows += [Ballot(Category.peer, SeatRole.member, Attendance.recused, Choice.endorse)] * recused
    return rows


def test_four_of_six_present_decides_under_two_thirds_or_more():
    tally = count(PanelRules(), ballots(6, 4, absent=1, returned=2))
    assert tally.outcome is Outcome.endorse
    assert (tally.present, tally.base, tally.endorse) == (6, 6, 4)
    assert tally.needed(PanelRules()) == 4


def test_four_of_six_does_not_decide_under_more_than_two_thirds():
    rules = PanelRules(inclusive=False)
    tally = count(rules, ballots(6, 4, absent=1, returned=2))
    assert tally.outcome is None and tally.reason == "no_majority"
    assert tally.needed(rules) == 5


def test_three_of_five_present_does_not_decide():
    tally = count(PanelRules(), ballots(5, 3, absent=2, returned=2))
    assert not tally.decided and tally.reason == "no_majority"
    assert tally.needed(PanelRules()) == 4


def test_four_present_is_no_quorum_even_if_unanimous():
    tally = count(PanelRules(), ballots(4, 4, absent=3))
    assert not tally.quorum_met and tally.reason == "no_quorum" and not tally.decided


def test_abstentions_counted_as_present_or_not_per_setting():
    rows = ballots(6, 3, abstain=2, returned=1, absent=1)
    counted = count(PanelRules(abstentions_count_as_present=True), rows)
    assert counted.base == 6 and not counted.decided  # 3 of 6
    # Without abstentions the base is the 4 who voted, and 3 of 4 is two-thirds or more.
    not_counted = count(PanelRules(abstentions_count_as_present=False), rows)
    assert not_counted.base == 4 and not_counted.outcome is Outcome.endorse
    # Abstaining members still make the quorum either way.
    assert not_counted.present == 6 and not_counted.quorum_met


def test_a_recused_member_counts_neither_as_present_nor_as_voting():
    # 6 present with 4 endorsing decides; a recused member's recorded vote must not make
    # 4 of 6 into 5 of 7, nor lift 3 of 5 to a decision.
    tally = count(PanelRules(), ballots(6, 4, recused=1, returned=2))
    assert (tally.present, tally.endorse) == (6, 4)
    three_of_five = count(PanelRules(), ballots(5, 3, recused=2, returned=2))
    assert three_of_five.present == 5 and not three_of_five.decided


def test_consultants_neither_vote_nor_make_a_quorum():
    consultant = Ballot(Category.peer, SeatRole.consultant, Attendance.present, Choice.endorse)
    rows = [*ballots(4, 4, absent=3), consultant]
    tally = count(PanelRules(), rows)
    assert tally.present == 4 and tally.reason == "no_quorum"


def test_a_return_by_the_threshold_returns_the_case():
    tally = count(PanelRules(), ballots(6, 1, returned=5, absent=1))
    assert tally.outcome is Outcome.return_


def test_present_members_must_cover_the_categories():
    rows = [Ballot(Category.peer, SeatRole.member, Attendance.present, Choice.endorse)] * 6
    tally = count(PanelRules(), rows)
    assert tally.reason == "categories_absent"
    assert tally.missing_categories == [Category.ethics, Category.legal, Category.outside]
    assert count(PanelRules(quorum_covers_categories=False), rows).outcome is Outcome.endorse


def test_a_tie_under_a_half_threshold_decides_nothing():
    rules = PanelRules(threshold=Fraction(1, 2))
    assert count(rules, ballots(6, 3, returned=3)).reason == "no_majority"


@given(
    present=st.integers(0, 12),
    endorse=st.integers(0, 12),
    abstain=st.integers(0, 12),
    inclusive=st.booleans(),
    abstentions_present=st.booleans(),
)
def test_count_agrees_with_the_arithmetic(
    present, endorse, abstain, inclusive, abstentions_present
):
    endorse = min(endorse, present)
    abstain = min(abstain, present - endorse)
    returned = present - endorse - abstain
    rules = PanelRules(
        inclusive=inclusive,
        abstentions_count_as_present=abstentions_present,
        quorum_covers_categories=False,
    )
    tally = count(rules, ballots(present, endorse, abstain=abstain, returned=returned))
    base = present if abstentions_present else endorse + returned
    if present < rules.quorum or base == 0:
        assert not tally.decided
        return
    reaches = (lambda v: 3 * v >= 2 * base) if inclusive else (lambda v: 3 * v > 2 * base)
    expected = (
        Outcome.endorse if reaches(endorse) else Outcome.return_ if reaches(returned) else None
    )
    assert tally.outcome is expected
    assert reaches(tally.needed(rules)) and not reaches(tally.needed(rules) - 1)


def seat(category, gender=Gender.female, role=SeatRole.member, years=4):
    start = dt.date(2025, 1, 1)
    return Seat(category, gender, role, start, start.replace(year=start.year + years))


def full_panel():
    seats = [seat(Category.peer, role=SeatRole.chair, gender=Gender.male)]
    seats += [seat(c) for c in CATS] + [seat(Category.peer), seat(Category.ethics, Gender.male)]
    return seats


def test_a_panel_by_the_defaults_may_vote():
    assert len(full_panel()) == 7
    assert may_vote(PanelRules(), full_panel(), TODAY)


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        (lambda s: s[:-1], "min_members"),
        (lambda s: [x for x in s if x.category is not Category.legal], "categories"),
        (lambda s: [seat(x.category, Gender.female, x.role) for x in s], "both_genders"),
        (lambda s: [*s[:-1], seat(Category.ethics, Gender.male, years=6)], "terms"),
        (lambda s: [seat(x.category, x.gender) for x in s], "one_chair"),
    ],
)
def test_each_composition_rule_is_reported_by_name(change, failing):
    checks = {c.code: c.met for c in composition(PanelRules(), change(full_panel()), TODAY)}
    assert checks[failing] is False
    assert not may_vote(PanelRules(), change(full_panel()), TODAY)


def test_consultants_and_expired_terms_do_not_make_up_the_membership():
    seats = [*full_panel()[:-1], seat(Category.peer, role=SeatRole.consultant)]
    assert not may_vote(PanelRules(), seats, TODAY)
    assert not may_vote(PanelRules(), full_panel(), dt.date(2031, 1, 2))


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        (PanelRules(quorum=8), "quorum_above_membership"),
        (PanelRules(threshold=Fraction(4, 3)), "threshold_range"),
        (PanelRules(threshold=Fraction(0)), "threshold_range"),
        (PanelRules(threshold=Fraction(1), inclusive=False), "threshold_unreachable"),
        (PanelRules(quorum=0), "quorum_positive"),
    ],
)
def test_settings_outside_sense_are_named(rules, problem):
    assert problem in rules.problems()
    assert PanelRules().problems() == []
