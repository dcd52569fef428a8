"""Demo panels: one academic committee per agency that meets the default rules, with the
agency's `<code>-committee` user as its chair, one expert of the next province seated by
invitation (accepted) and one consultant (advises, never votes). Every seated expert signs
in with the demo password."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from app.auth.models import Agency, User
from app.auth.passwords import DEMO_PASSWORD, hash_password
from app.committees.models import Expert, Panel, PanelKind
from app.committees.rules import Category, SeatRole
from app.committees.services import (
    ExpertInput,
    answer_seat,
    create_expert_account,
    create_panel,
    link_expert_account,
    register_expert,
    seat_expert,
)
from app.core.calendar import today
from app.demo import data
from app.extensions import db

# The panel's own experts: (category, gender); the first is the chair.
OWN_SEATS = [
    (Category.peer, "male"),
    (Category.peer, "female"),
    (Category.ethics, "female"),
    (Category.legal, "male"),
    (Category.outside, "female"),
    (Category.peer, "male"),
    (Category.ethics, "male"),
]
FIELDS = ["材料科学", "临床医学", "计算机科学", "生命科学", "科技法学", "科技伦理", "化学"]


def ensure_demo_panels(
    agencies: dict[str, Agency], users: dict[str, User], seed: int = 11
) -> dict[str, Panel]:
    """Creates what is missing; returns each agency's demo panel by agency code."""
    existing = {
        p.agency.code: p
        for p in db.session.scalars(select(Panel).where(Panel.name.like("%学术委员会")))
    }
    codes = [c for c in agencies if c not in existing]
    if not codes:
        return existing
    rng = random.Random(seed)
    password_hash = hash_password(DEMO_PASSWORD)
    # Terms cover the demo's two years of cases, walked at their own dates.
    start = today() - dt.timedelta(days=3 * 365)
    end = start + dt.timedelta(days=4 * 365)
    order = list(agencies)
    visitors = {
        code: _expert(rng, agencies[code], users, Category.legal, "female") for code in codes
    }
    for code in codes:
        admin = users[f"{code.lower()}-admin"]
        panel = create_panel(admin, PanelKind.academic, f"{agencies[code].name_zh[:2]}学术委员会")
        for index, (category, gender) in enumerate(OWN_SEATS):
            expert = _expert(rng, agencies[code], users, category, gender)
            if index == 0:
                link_expert_account(admin, expert, users[f"{code.lower()}-committee"])
            role = SeatRole.chair if index == 0 else SeatRole.member
            seat_expert(admin, panel, expert, role, category, start, end)
            _demo_password(expert, password_hash)
        neighbour = order[(order.index(code) + 1) % len(order)]
        visitor = visitors.get(neighbour) or _expert(
            rng, agencies[neighbour], users, Category.legal, "female"
        )
        if visitor.user is None:
            create_expert_account(users[f"{neighbour.lower()}-admin"], visitor)
        _demo_password(visitor, password_hash)
        seat, _password = seat_expert(
            admin, panel, visitor, SeatRole.vice_chair, Category.legal, start, end
        )
        answer_seat(visitor.user, seat, True)
        consultant = _expert(rng, agencies[code], users, Category.ethics, "male")
        seat_expert(admin, panel, consultant, SeatRole.consultant, Category.ethics, start, end)
        _demo_password(consultant, password_hash)
        existing[code] = panel
    db.session.flush()
    return existing


def _expert(rng, agency: Agency, users, category: Category, gender: str) -> Expert:
    name = data.person_name(rng)
    return register_expert(
        users[f"{agency.code.lower()}-admin"],
        ExpertInput(
            name=name,
            institution=rng.choice(data.INSTITUTIONS[agency.code]),
            gender=gender,
            categories=[category.value] + ([Category.peer.value] if rng.random() < 0.3 else []),
            fields=rng.choice(FIELDS),
            email=f"expert{rng.randrange(1000, 9999)}@{agency.code.lower()}.example.cn",
            phone=f"139{rng.randrange(10**7, 10**8)}",
        ),
    )


def _demo_password(expert: Expert, password_hash: str) -> None:
    if expert.user is not None:
        expert.user.password_hash = password_hash
