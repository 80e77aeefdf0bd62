"""Providers' economics (issue 13): owner-operators, rooms closed before the provider, and
closure on cash and outlook rather than on a run of deficits alone."""

from __future__ import annotations

import pytest

from sim.config.load import load
from sim.model.world import World
from tests.model.test_rules import family
from tests.scenarios import small

SEED = 11


def world(*extra: str) -> World:
    return World(load(small("staff.binding=false", *extra)), SEED)


def private(w: World, tname: str = "market"):
    return next(i for i in w.institutions if i.type == tname)


def opened(w: World, inst) -> None:
    for c in inst.classes:
        w.places.open_class(c, with_staff=False)


def test_a_home_points_owner_draws_no_wage_and_earns_the_surplus():
    w = world()
    inst = private(w, "home")
    inst.acct.cg_area, inst.acct.place_area = 2.0, 5.0
    st = w.providers.statement(inst, 0.0, 0.0)
    wage = w.params.staff.wage_per_month * inst.district.spec.fee_index
    assert st.wages == pytest.approx(1.0 * wage)  # two caregiver-months, one of them the owner's
    w0 = World(load(small("staff.binding=false", "city.types.home.owner_operators=0")), SEED)
    inst0 = private(w0, "home")
    inst0.acct.cg_area, inst0.acct.place_area = 2.0, 5.0
    assert w0.providers.statement(inst0, 0.0, 0.0).wages == pytest.approx(2.0 * wage)


def broke(w: World, inst, children_per_month: float, revenue_per_child: float) -> None:
    """Give ``inst`` no cash, a year in deficit and a year of ``children_per_month``."""
    a = inst.acct
    a.cash, a.deficit_months = -1.0, 12
    for _ in range(12):
        a.remember(children_per_month, children_per_month * revenue_per_child, 12)


def test_a_provider_without_cash_stays_open_while_it_expects_a_profit():
    w = world()
    inst = private(w)
    opened(w, inst)
    broke(w, inst, children_per_month=inst.licensed * 0.9, revenue_per_child=inst.fee)
    assert w.providers.outlook(inst) > 0
    assert not w.providers.should_close(inst)


def test_a_provider_without_cash_closes_when_it_expects_a_loss():
    w = world()
    inst = private(w)
    opened(w, inst)
    broke(w, inst, children_per_month=1.0, revenue_per_child=inst.fee)
    assert w.providers.outlook(inst) < 0
    assert w.providers.should_close(inst)
    inst.acct.deficit_months = 1  # not yet long enough in deficit
    assert not w.providers.should_close(inst)


def test_a_provider_beyond_its_credit_closes_whatever_it_expects():
    w = world("economics.credit_months=2")
    inst = private(w)
    opened(w, inst)
    broke(w, inst, children_per_month=inst.licensed * 0.9, revenue_per_child=inst.fee)
    inst.acct.deficit_months = 0
    inst.acct.cash = -1.9 * w.providers.costs(inst).fixed
    assert not w.providers.should_close(inst)
    inst.acct.cash = -2.1 * w.providers.costs(inst).fixed
    assert w.providers.should_close(inst)


def test_a_falling_births_outlook_lowers_the_expected_result():
    flat = world()
    falling = world("city.births_growth_per_year=-0.3")
    results = []
    for w in (flat, falling):
        w.start()
        w.env.run(until=12.5)  # 2025: next year's under-threes are fewer when births fall
        inst = private(w)
        broke(w, inst, children_per_month=30.0, revenue_per_child=inst.fee)
        results.append(w.providers.outlook(inst))
    assert results[1] < results[0]


def test_a_loss_making_provider_closes_a_room_its_children_do_not_need_and_keeps_the_licence():
    w = world("economics.downsize_after_deficit_months=3")
    inst = private(w)
    opened(w, inst)
    big = max(inst.classes, key=lambda c: c.licensed // c.room)
    assert big.licensed >= 2 * big.room
    licensed = inst.licensed
    fixed = w.providers.costs(inst).fixed
    inst.acct.deficit_months = 2
    w.providers.adjust_rooms(inst)
    assert big.in_use == big.licensed  # not yet: two months of losses
    inst.acct.deficit_months = 3
    w.providers.adjust_rooms(inst)
    assert big.in_use == big.licensed - big.room
    assert inst.licensed == licensed  # the licence stays
    assert big.usable <= big.in_use
    assert w.providers.costs(inst).fixed < fixed  # the room's rent is saved


def test_a_room_needed_by_its_children_stays_open():
    w = world()
    inst = private(w)
    opened(w, inst)
    big = max(inst.classes, key=lambda c: c.licensed // c.room)
    for k in range(big.licensed - big.room + 1):
        w.alloc.admit(family(w, 2000 + k), big)
    inst.acct.deficit_months = 12
    w.providers.adjust_rooms(inst)
    assert big.in_use == big.licensed


def test_a_full_class_with_families_waiting_reopens_a_closed_room():
    w = world()
    inst = private(w)
    opened(w, inst)
    big = max(inst.classes, key=lambda c: c.licensed // c.room)
    inst.acct.deficit_months = 12
    w.providers.adjust_rooms(inst)
    assert big.in_use < big.licensed
    for k in range(big.in_use):
        w.alloc.admit(family(w, 3000 + k), big)
    waiting = family(w, 4000)
    big.waitlist.push((0.0,), waiting)
    w.places.on_free = lambda c: None  # the reopened room's offer is the allocator's business
    inst.acct.deficit_months = 0
    w.providers.adjust_rooms(inst)
    assert big.in_use == big.licensed


def test_public_providers_never_close_rooms():
    w = world()
    inst = next(i for i in w.institutions if i.sector == "public")
    opened(w, inst)
    inst.acct.deficit_months = 99
    w.providers.adjust_rooms(inst)
    assert all(c.in_use == c.licensed for c in inst.classes)
