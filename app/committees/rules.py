"""A panel's composition and voting rules, and the count of a review's votes.

Pure functions over plain values, so the rules are testable at their boundaries and the
same code answers the panel page ("which rule is not met") and the chair's close ("why
the review cannot decide"). Defaults follow 《科技伦理审查办法（试行）》 (国科发监〔2023〕167号)
art. 7 and 14; every number is a panel setting, never a literal elsewhere."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction


class Category(enum.StrEnum):
    peer = "peer"  # peer expert in the field
    ethics = "ethics"
    legal = "legal"
    outside = "outside"  # member from outside the unit


class Gender(enum.StrEnum):
    female = "female"
    male = "male"


class SeatRole(enum.StrEnum):
    chair = "chair"
    vice_chair = "vice_chair"
    member = "member"
    consultant = "consultant"  # advises, never votes, never counts towards a quorum


class Attendance(enum.StrEnum):
    present = "present"
    absent = "absent"
    recused = "recused"


class Choice(enum.StrEnum):
    endorse = "endorse"
    return_ = "return"
    abstain = "abstain"


ALL_CATEGORIES = frozenset(Category)


@dataclass(frozen=True)
class PanelRules:
    min_members: int = 7
    required_categories: frozenset[Category] = ALL_CATEGORIES
    both_genders: bool = True
    max_term_years: int = 5
    quorum: int = 5
    quorum_covers_categories: bool = True
    threshold: Fraction = Fraction(2, 3)
    # 以上 includes the number itself (民法典 art. 1259): "two-thirds or more" decides at 4 of 6.
    inclusive: bool = True
    abstentions_count_as_present: bool = True

    def problems(self) -> list[str]:
        """Settings outside sense; each a code the settings form turns into a message."""
        found = []
        if self.min_members < 1:
            found.append("min_members_positive")
        if self.quorum < 1:
            found.append("quorum_positive")
        if self.quorum > self.min_members:
            found.append("quorum_above_membership")
        if not Fraction(0) < self.threshold <= Fraction(1):
            found.append("threshold_range")
        if self.threshold == 1 and not self.inclusive:
            found.append("threshold_unreachable")
        if not 1 <= self.max_term_years <= 10:
            found.append("term_range")
        return found


@dataclass(frozen=True)
class Seat:
    category: Category
    gender: Gender
    role: SeatRole
    term_start: dt.date
    term_end: dt.date

    @property
    def votes(self) -> bool:
        return self.role is not SeatRole.consultant


@dataclass(frozen=True)
class Check:
    """One composition rule as the panel page shows it: met or not, with the figures."""

    code: str
    met: bool
    params: dict = field(default_factory=dict)


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def composition(rules: PanelRules, seats: Iterable[Seat], on: dt.date) -> list[Check]:
    """Every composition rule of the panel, for the seats whose term runs on `on`."""
    current = [s for s in seats if s.term_start <= on <= s.term_end]
    voting = [s for s in current if s.votes]
    categories = {s.category for s in voting}
    missing = sorted(rules.required_categories - categories)
    genders = {s.gender for s in voting}
    too_long = [s for s in current if s.term_end > _years_later(s.term_start, rules.max_term_years)]
    chairs = [s for s in current if s.role is SeatRole.chair]
    checks = [
        Check(
            "min_members",
            len(voting) >= rules.min_members,
            {"count": len(voting), "minimum": rules.min_members},
        ),
        Check("categories", not missing, {"missing": missing}),
        Check("terms", not too_long, {"count": len(too_long), "years": rules.max_term_years}),
        Check("one_chair", len(chairs) == 1, {"count": len(chairs)}),
    ]
    if rules.both_genders:
        checks.insert(2, Check("both_genders", len(genders) == len(Gender), {}))
    return checks


def may_vote(rules: PanelRules, seats: Iterable[Seat], on: dt.date) -> bool:
    return all(check.met for check in composition(rules, seats, on))


@dataclass(frozen=True)
class Ballot:
    """One seated member at the closing of a review: attendance and the vote (None: no vote
    cast, which counts as an abstention of a present member)."""

    category: Category
    role: SeatRole
    attendance: Attendance
    choice: Choice | None = None


class Outcome(enum.StrEnum):
    endorse = "endorse"
    return_ = "return"


@dataclass(frozen=True)
class Tally:
    present: int
    base: int  # the members the threshold is taken of
    endorse: int
    return_: int
    abstain: int
    quorum_met: bool
    missing_categories: list[Category]
    outcome: Outcome | None
    reason: str | None  # why no outcome: no_quorum, categories_absent, no_majority

    @property
    def decided(self) -> bool:
        return self.outcome is not None

    def needed(self, rules: PanelRules) -> int:
        """Votes one side needs, for "3 of 5 present, 4 needed"."""
        exact = rules.threshold * self.base
        whole = exact.numerator // exact.denominator
        if rules.inclusive:
            return whole if whole == exact else whole + 1
        return whole + 1


def _reaches(rules: PanelRules, votes: int, base: int) -> bool:
    if base == 0:
        return False
    share = Fraction(votes, base)
    return share >= rules.threshold if rules.inclusive else share > rules.threshold


def count(rules: PanelRules, ballots: Iterable[Ballot]) -> Tally:
    """The count of a review by the panel's rule. Recused members count neither as present
    nor as voting; consultants never count."""
    voters = [b for b in ballots if b.role is not SeatRole.consultant]
    present = [b for b in voters if b.attendance is Attendance.present]
    choices = [b.choice or Choice.abstain for b in present]
    endorse = choices.count(Choice.endorse)
    return_ = choices.count(Choice.return_)
    abstain = choices.count(Choice.abstain)
    base = len(present) if rules.abstentions_count_as_present else endorse + return_
    missing = []
    if rules.quorum_covers_categories:
        missing = sorted(rules.required_categories - {b.category for b in present})
    quorum_met = len(present) >= rules.quorum
    outcome = None
    if not quorum_met:
        reason = "no_quorum"
    elif missing:
        reason = "categories_absent"
    else:
        sides = [
            side
            for side, votes in ((Outcome.endorse, endorse), (Outcome.return_, return_))
            if _reaches(rules, votes, base)
        ]
        # Both sides can reach a threshold of one half or less: a tie decides nothing.
        outcome = sides[0] if len(sides) == 1 else None
        reason = None if outcome else "no_majority"
    return Tally(
        present=len(present),
        base=base,
        endorse=endorse,
        return_=return_,
        abstain=abstain,
        quorum_met=quorum_met,
        missing_categories=missing,
        outcome=outcome,
        reason=reason,
    )
