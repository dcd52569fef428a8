"""Research units, their accounts, their own committee or a written entrustment."""

from __future__ import annotations

import datetime as dt

import pytest

from app.auth.models import Role
from app.core.errors import GuardFailed, InvalidInput, NotAllowed
from app.ethics import services
from app.ethics.models import UnitKind
from tests.ethics.conftest import PASSWORD


def test_unit_accounts_hold_no_agency_role(world):
    assert world.applicant.roles == set()
    assert world.applicant.agency_id == world.unit_a.agency_id
    with pytest.raises(InvalidInput) as err:
        services.add_unit_user(world.admin, world.unit_a, "nobody1", "某人", PASSWORD, [])
    assert err.value.field == "roles"


def test_only_the_authoritys_administrator_manages_units(world):
    with pytest.raises(NotAllowed):
        services.create_unit(world.supervisor, "丙所", UnitKind.institute)
    with pytest.raises(NotAllowed):  # another province's administrator
        services.add_unit_user(world.js_admin, world.unit_a, "x-user", "某人", PASSWORD, ["office"])
    with pytest.raises(InvalidInput):
        services.create_unit(world.admin, "甲大学", UnitKind.university)  # name taken


def test_a_committee_is_one_units_own_and_an_entrustment_has_dates(world):
    with pytest.raises(GuardFailed):
        services.set_unit_committee(world.admin, world.unit_b, world.panel.id)
    with pytest.raises(InvalidInput) as err:
        services.entrust(
            world.admin, world.unit_b, world.panel.id, "", "", "2026-05-01", "2026-04-01"
        )
    assert {"scope", "document_ref", "ends_on"} <= set(err.value.problems)
    panel, entrustment = services.reviewing_committee(world.unit_b, dt.date(2027, 1, 1))
    assert panel.id == world.panel.id and entrustment.document_ref == "委托〔2026〕1号"
    assert services.reviewing_committee(world.unit_b, dt.date(2031, 1, 1)) == (None, None)


def test_another_provinces_panel_cannot_be_entrusted_here(world, make_user):
    with pytest.raises(InvalidInput):
        services.entrust(
            world.admin, world.unit_b, 999999, "范围", "号", "2026-01-01", "2026-12-31"
        )
    assert Role.agency_admin in world.admin.roles
