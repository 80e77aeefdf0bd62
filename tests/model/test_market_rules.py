"""Market entry (:mod:`sim.model.market`), tested where it is decided, on worlds built but not run.

The rule: every ``economics.entry_check_months`` (never at month 0), in each district, a new
provider of ``economics.entry_type`` expects the children enrolled at the district's open
providers of that type plus the district's waiting families, spread over their places, the
places already ordered and its own; while that share (at most 1) reaches its break-even
occupancy, up to ``ceil(max_entries_per_district_year * min(1, check / 12))`` providers are
ordered, each opening ``entry_lead_months`` later. Mutation testing found only the
switched-off entry tested (a whole run), so these tests check the break-even arithmetic of
:meth:`Market.entry_economics` against a hand calculation and each term of :meth:`Market.enter`
at its boundary.
"""

from __future__ import annotations

import math

import pytest

from sim.model.world import Broadcast, World
from tests.conftest import load_config
from tests.model.test_rules import family
from tests.scenarios import small

SEED = 11
# Two districts of the demo types: each has two market providers of 65 places (infant 10,
# toddler 15, older 2 x 20), an affordable one, a kindergarten and three home points.
MARKET = 65
# Break-even at exactly 0.6: no wage, no rent, an overhead of 3,900 and a margin of 100 yuan
# per child (fee 3,200 - per-child cost 3,100), so 3900 / (100 * 65) and 117 / 195 are both
# the double nearest 0.6: the boundary of the rule can be tested exactly.
AT_60 = ("staff.binding=false", "staff.wage_per_month=0", "economics.rent_per_place_month=0",
         "economics.per_child_cost_month=3100", "city.types.market.overhead_per_month=3900")


def market_world(*extra: str) -> World:
    return World(load_config(small(*AT_60, *extra, fixed_supply=False)), SEED)


def markets(w: World, d: int) -> list:
    return [i for i in w.institutions if i.type == "market" and i.district.idx == d]


def entered(w: World, waiting: tuple[int, int] = (0, 0)) -> list[int]:
    """Set the districts' waiting families, run one entry check, return the entries per district."""
    for d, n in enumerate(waiting):
        w.recorder.waiting[d].add(w.env.now, n - w.recorder.waiting[d].value)
    before = dict(w.providers.pipeline)
    w.market.enter()
    return [(w.providers.pipeline.get(d, 0) - before.get(d, 0)) // MARKET for d in range(2)]


# -- break-even occupancy: a hand calculation per staffing rule ---------------------------------
def districts(fee_index: float, cost_index: float) -> str:
    d0 = (f"{{name:D0,population:100000,births_per_year:600,places_per_1000:3.0,x_km:0,y_km:0,"
          f"fee_index:{fee_index},cost_index:{cost_index}}}")
    d1 = "{name:D1,population:100000,births_per_year:600,places_per_1000:3.0,x_km:4,y_km:0}"
    return f"city.districts=[{d0},{d1}]"


COSTS = ("staff.wage_per_month=6000", "economics.rent_per_place_month=500",
         "economics.per_child_cost_month=400", "staff.spare_caregivers_per_class=2")
FI, CI = 1.2, 1.3
WAGE, RENT, CHILD = 6000 * CI, 500 * CI, 400 * CI


def breakeven(fee: float, places: int, fixed: float, per_child: float) -> float:
    return fixed / ((fee - per_child) * places)


# market: infant 10 (1:3), toddler 15 (1:5), older 40 (1:7): 65 places, 4 classes,
# 4 + 3 + 6 = 13 caregivers for every licensed place; list rent (null), overhead 10,000.
MARKET_LICENSED = breakeven(3200 * FI, 65, 13 * WAGE + RENT * 65 + 10000 * CI, CHILD)
MARKET_DEMAND = breakeven(3200 * FI, 65, 2 * 4 * WAGE + RENT * 65 + 10000 * CI,
                          CHILD + WAGE * (10 / 3 + 15 / 5 + 40 / 7) / 65)
# a home point of one place (cap 1, 1:5): its own rent of 100, overhead 1,000, one class.
HOME_LICENSED = breakeven(2800 * FI, 1, 1 * WAGE + 100 * CI + 1000 * CI, CHILD)
HOME_DEMAND = breakeven(2800 * FI, 1, 2 * 1 * WAGE + 100 * CI + 1000 * CI, CHILD + WAGE * (1 / 5))


@pytest.mark.parametrize("tname, staffing, need", [
    ("market", ("staff.binding=false",), MARKET_LICENSED),
    ("market", ("staff.binding=true", "staff.staffing=licensed"), MARKET_LICENSED),
    ("market", ("staff.binding=true", "staff.staffing=demand"), MARKET_DEMAND),
    ("market", ("staff.binding=false", "staff.staffing=demand"), MARKET_LICENSED),
    ("home", ("staff.binding=false", "city.bands.mixed.cap=1"), HOME_LICENSED),
    ("home", ("staff.binding=true", "staff.staffing=demand", "city.bands.mixed.cap=1"), HOME_DEMAND),
])
def test_break_even_occupancy_of_an_entrant_is_its_fixed_cost_over_its_margin_times_places(
        tname, staffing, need):
    """Fixed cost: the caregivers every licensed place needs (rounded up per band) or, with
    binding demand staffing, the spare caregivers per class; list or type rent per place; the
    overhead; all at the district's cost index. Margin: the list fee at the fee index minus the
    per-child cost (plus, with demand staffing, each child's share of caregiver time)."""
    w = World(load_config(small(districts(FI, CI), *COSTS, *staffing, fixed_supply=False)), SEED)
    places, got = w.market.entry_economics(w.districts[0], tname)
    assert places == (65 if tname == "market" else 1)
    assert got == pytest.approx(need, rel=1e-12)


def test_break_even_of_an_entrant_without_a_cost_index_uses_the_fee_index():
    w = World(load_config(small(*COSTS, "staff.binding=false", "city.districts.0.fee_index=1.5",
                         fixed_supply=False)), SEED)
    _, got = w.market.entry_economics(w.districts[0], "market")
    assert got == pytest.approx(breakeven(3200 * 1.5, 65, (13 * 6000 + 500 * 65 + 10000) * 1.5, 400 * 1.5),
                                rel=1e-12)


# -- the entry rule at its boundary ------------------------------------------------------------
def test_a_provider_enters_when_the_expected_occupancy_reaches_break_even_not_below():
    """Two market providers (130 places) and the entrant's 65: 117 waiting families give
    exactly the break-even 0.6, 116 fall short; the other district has nobody waiting."""
    assert entered(market_world(), (116, 0)) == [0, 0]
    assert entered(market_world(), (117, 0)) == [1, 0]
    assert entered(market_world(), (0, 117)) == [0, 1]


def test_children_enrolled_at_the_districts_open_market_providers_count_as_expected_demand():
    w = market_world()
    c = markets(w, 0)[0].classes[0]
    w.places.open_class(c, with_staff=False)
    w.alloc.admit(family(w, 1), c)
    assert entered(w, (116, 0)) == [1, 0]


@pytest.mark.parametrize("where", ["affordable", "other district"])
def test_children_enrolled_elsewhere_do_not_count(where):
    w = market_world()
    inst = (next(i for i in w.institutions if i.type == "affordable" and i.district.idx == 0)
            if where == "affordable" else markets(w, 1)[0])
    c = inst.classes[0]
    w.places.open_class(c, with_staff=False)
    w.alloc.admit(family(w, 1), c)
    assert entered(w, (116, 0)) == [0, 0]


def test_a_closed_market_providers_places_no_longer_count():
    """With one of the two closed, 130 places need 78 families for 0.6."""
    w = market_world()
    markets(w, 0)[0].open = False
    assert entered(w, (77, 0)) == [0, 0]
    w = market_world()
    markets(w, 0)[0].open = False
    assert entered(w, (78, 0)) == [1, 0]


def test_places_already_ordered_count_so_the_next_check_orders_no_more_for_the_same_demand():
    w = market_world()
    assert entered(w, (117, 0)) == [1, 0]
    assert w.providers.pipeline == {0: MARKET}
    assert entered(w, (117, 0)) == [0, 0]
    assert entered(w, (156, 0)) == [1, 0]  # 156 / 260 = 0.6 again


def test_each_entry_in_a_check_counts_the_places_of_the_entries_before_it():
    """156 families fill 0.6 of 195 and of 260 places: two entries, not a third (325)."""
    w = market_world("economics.max_entries_per_district_year=5")
    assert entered(w, (156, 0)) == [2, 0]


def test_an_entrant_that_could_never_break_even_never_enters():
    """Break-even above 1 (overhead 7,000: 1.08): the expected occupancy is capped at 1."""
    w = market_world("city.types.market.overhead_per_month=7000")
    assert w.market.entry_economics(w.districts[0], "market")[1] > 1.0
    assert entered(w, (10_000, 0)) == [0, 0]


@pytest.mark.parametrize("per_year, check, n", [(2, 12, 2), (5, 5, 3), (2, 24, 2), (1, 6, 1), (3, 4, 1),
                                                (0, 12, 0)])
def test_entries_per_check_are_the_yearly_maximum_pro_rata_rounded_up(per_year, check, n):
    """Demand without limit: ceil(max_entries_per_district_year * min(1, check / 12)) each."""
    w = market_world(f"economics.max_entries_per_district_year={per_year}",
                     f"economics.entry_check_months={check}")
    assert entered(w, (100_000, 100_000)) == [n, n]


def test_an_entrant_opens_after_the_lead_time_with_the_types_places():
    w = market_world("economics.entry_lead_months=4")
    n = len(w.institutions)
    t0 = w.env.now
    assert entered(w, (117, 0)) == [1, 0]
    w.env.run(until=t0 + 3.99)
    assert len(w.institutions) == n
    w.env.run(until=t0 + 4.01)
    new = w.institutions[n:]
    assert [(i.type, i.district.idx, i.licensed) for i in new] == [("market", 0, MARKET)]
    assert w.providers.pipeline == {0: 0}


@pytest.mark.parametrize("check, months", [(12, [12, 24]), (6, [6, 12, 18, 24]), (24, [24]),
                                          (1, list(range(1, 25)))])
def test_entry_is_checked_every_period_from_the_first_not_at_month_zero(check, months):
    w = market_world(f"economics.entry_check_months={check}")
    calls: list[int] = []
    w.market.enter = lambda: calls.append(int(w.env.now))  # type: ignore[method-assign]
    started = Broadcast(w.env)
    w.env.process(w.market.entries(started))

    def tick():
        for m in range(25):
            yield started.fire(m)
            yield w.env.timeout(1)

    w.env.run(until=w.env.process(tick()))
    t0 = math.floor(w.env.now) - 25
    assert [c - t0 for c in calls] == months
