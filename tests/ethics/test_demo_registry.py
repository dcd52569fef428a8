"""The registry's demo: a registered committee in each province, one whose annual reports
are overdue, one whose composition lapsed; loading it again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.ethics import annual
from app.ethics import registry as reg
from app.ethics.registry_models import Registration


def test_demo_registry_covers_each_province_and_loads_once(app, db):
    from app.demo.loader import ensure_agencies, ensure_demo_users
    from app.ethics.demo_registry import demo_registry

    agencies = ensure_agencies()
    ensure_demo_users(agencies)
    assert demo_registry(agencies) == 5
    assert demo_registry(agencies) == 0
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 5
    states = reg.states(reg.committee_units())
    registered = {s.unit.agency.code for s in states if s.registered is not None}
    assert registered >= {"SH", "JS", "ZJ", "AH"}
    lapsed = [s for s in states if s.lapsed]
    assert [s.unit.name for s in lapsed] == ["上海示范研究所"]
    assert lapsed[0].status == "change_due"
    overdue = [o for o in annual.owed(reg.committee_units()) if o.overdue]
    assert [o.unit.name for o in overdue] == ["江苏示范医院"]
