"""The registry's demo registers the ethics demo's own committees (no parallel units): a
registered committee in each province, Jiangsu's annual reports overdue, Shanghai's
composition lapsed, Zhejiang's centre's filing waiting for its authority, Shanghai's listed
activity to register; loading it again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.ethics import annual
from app.ethics import registry as reg
from app.ethics.demo import CENTRE, UNITS, demo_ethics
from app.ethics.models import Unit
from app.ethics.registry_models import Registration


def test_demo_registry_covers_each_province_and_loads_once(app, db):
    from app.demo.loader import ensure_agencies, ensure_demo_users
    from app.ethics.demo_registry import demo_registry

    agencies = ensure_agencies()
    users = ensure_demo_users(agencies)
    assert demo_registry(agencies) == 0  # it files the ethics demo's committees
    units_before = db.session.scalar(select(func.count()).select_from(Unit))
    demo_ethics(agencies, users)
    units = db.session.scalar(select(func.count()).select_from(Unit))
    assert demo_registry(agencies) == 5
    assert demo_registry(agencies) == 0
    assert db.session.scalar(select(func.count()).select_from(Unit)) == units > units_before
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 5
    states = reg.states(reg.committee_units())
    by_unit = {s.unit.name: s for s in states}
    for code, (name, _kind, _committee) in UNITS.items():
        assert by_unit[name].registered is not None, code
        assert by_unit[name].unit.agency.code == code
    lapsed = [s for s in states if s.lapsed]
    assert [s.unit.name for s in lapsed] == [UNITS["SH"][0]]
    assert lapsed[0].status == "change_due" and not lapsed[0].overdue
    overdue = [o for o in annual.owed(reg.committee_units()) if o.overdue]
    assert [o.unit.name for o in overdue] == [UNITS["JS"][0]]
    # The centre's filing waits for Zhejiang's supervisor.
    [waiting] = reg.to_accept(agencies["ZJ"].id)
    assert waiting.unit.name == CENTRE[1]
    assert by_unit[CENTRE[1]].status == "submitted"
    # Shanghai's listed activity, approved after re-review, is to be registered.
    sh = by_unit[UNITS["SH"][0]]
    assert [a.title for a, _due in reg.listed_to_register([sh.panel.id])] == [
        "人类遗传资源基因编辑治疗研究"
    ]
    # Each committee is filed by the ethics demo's office of its unit.
    offices = {r.unit.name: r.filed_by.username for r in db.session.scalars(select(Registration))}
    assert offices[UNITS["SH"][0]] == "sh-eth-office"
    assert offices[CENTRE[1]] == "zj-centre-office"
    assert db.session.scalar(select(User).where(User.username == "sh-ethics-office")) is None
