"""Market entry (:mod:`sim.model.market`), tested where it is decided, on worlds built but not run.

The rule: every ``economics.entry_check_months`` (never at month 0), in each district, a new
provider of ``economics.entry_type`` looks around: the children in care at every provider,
of any type, and the families waiting, in every district within ``economics.entry_reach_km``
(the distance between districts, a district's own distance included), times the births
outlook, spread over all the licensed places within reach, the places already ordered there
and its own. While that share (at most 1) reaches its break-even occupancy at the fee it
would charge (the mean fee of the type's open providers in the district, else the type's list
fee), up to ``ceil(max_entries_per_district_year * min(1, check / 12))`` providers are
ordered, each counting the places of those before it, as long as the entrants of the check
add at most ``entry_max_waiting_share`` times the families waiting within reach; each opens
``entry_lead_months`` later. The break-even occupancy is the fixed cost over the margin
times the places (:func:`sim.model.costs.cost_structure`: owner-operators' posts draw no
wage). Mutation testing found only the switched-off entry tested (a whole run), so these
tests check the break-even arithmetic of :meth:`Market.entry_economics` against a hand
calculation and each term of :meth:`Market.enter` at its boundary.
"""

from __future__ import annotations

import math

import pytest

from sim.model.world import Broadcast, World
from tests.conftest import load_config
from tests.model.test_rules import family
from tests.scenarios import small

SEED = 11
# Two districts of the demo types, 4 km apart (a district's own distance is 2 km): each has two
# market providers of 65 places (infant 10, toddler 15, older 40), an affordable one of 70, a
# kindergarten of 40 and three home points of 5: 255 licensed places once its classes open.
MARKET = 65
LICENSED = 255
# Break-even at exactly 0.6: no wage, no rent, an overhead of 3,900 and a margin of 100 yuan
# per child (fee 3,200 - per-child cost 3,100), so 3900 / (100 * 65) and 192 / 320 are both
# the double nearest 0.6: the boundary of the rule can be tested exactly.
AT_60 = ("staff.binding=false", "staff.wage_per_month=0", "economics.rent_per_place_month=0",
         "economics.per_child_cost_month=3100", "city.types.market.overhead_per_month=3900")
# Reach: 3 km holds a district's own (2 km), not its neighbour (4 km). The waiting-share limit
# is pinned far above what these tests need unless a test is about it.
OWN = 3.0
NO_SHARE_LIMIT = "economics.entry_max_waiting_share=100"


def market_world(*extra: str, reach: float = OWN, share: str = NO_SHARE_LIMIT) -> World:
    """A world as it starts to run (every class open, unstaffed), entry pinned to ``reach`` km."""
    w = World(load_config(small(*AT_60, f"economics.entry_reach_km={reach}", share, *extra,
                                fixed_supply=False)), SEED)
    for c in w.classes:
        w.places.open_class(c, with_staff=False)
    assert w.providers.births_outlook() == 1.0  # a flat births path
    return w


def markets(w: World, d: int) -> list:
    return [i for i in w.institutions if i.type == "market" and i.district.idx == d]


def inst_of(w: World, tname: str, d: int = 0):
    return next(i for i in w.institutions if i.type == tname and i.district.idx == d)


def entered(w: World, waiting: tuple[int, int] = (0, 0)) -> list[int]:
    """Set the districts' waiting families, run one entry check, return the entries per district."""
    for d, n in enumerate(waiting):
        w.recorder.waiting[d].add(w.env.now, n - w.recorder.waiting[d].value)
    before = dict(w.providers.pipeline)
    w.market.enter()
    return [(w.providers.pipeline.get(d, 0) - before.get(d, 0)) // MARKET for d in range(2)]


def enrol(w: World, inst, fid: int = 1) -> None:
    w.alloc.admit(family(w, fid), inst.classes[0])


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


# market: infant 10 (1:3), toddler 15 (1:5), older 40 (1:7): 65 places in 3 age classes (the
# older one of two rooms), 4 + 3 + 6 = 13 caregivers for every licensed place, or with binding
# demand staffing 2 spare per age class (3 x 2, as the staff rule keeps them); list rent (null),
# overhead 10,000. The entrant charges the district's market fee: the list fee at the fee index.
MARKET_LICENSED = breakeven(3200 * FI, 65, 13 * WAGE + RENT * 65 + 10000 * CI, CHILD)
MARKET_OWNER = breakeven(3200 * FI, 65, 12 * WAGE + RENT * 65 + 10000 * CI, CHILD)
MARKET_DEMAND = breakeven(3200 * FI, 65, 2 * 3 * WAGE + RENT * 65 + 10000 * CI,
                          CHILD + WAGE * (10 / 3 + 15 / 5 + 40 / 7) / 65)
# a home point of one place (cap 1, 1:5): its own rent of 100, overhead 1,000, one class; its
# owner fills one post without a wage (owner_operators 1): licensed staffing needs 1 caregiver,
# so no wage at all; demand staffing keeps 2 spare, one of them paid; with no spare, none paid
# (never fewer than none).
HOME_LICENSED = breakeven(2800 * FI, 1, 0 * WAGE + 100 * CI + 1000 * CI, CHILD)
HOME_DEMAND = breakeven(2800 * FI, 1, (2 - 1) * WAGE + 100 * CI + 1000 * CI, CHILD + WAGE * (1 / 5))
HOME_DEMAND_NO_SPARE = breakeven(2800 * FI, 1, 100 * CI + 1000 * CI, CHILD + WAGE * (1 / 5))
HOME_NO_OWNER = breakeven(2800 * FI, 1, 1 * WAGE + 100 * CI + 1000 * CI, CHILD)


@pytest.mark.parametrize("tname, staffing, need", [
    ("market", ("staff.binding=false",), MARKET_LICENSED),
    ("market", ("staff.binding=true", "staff.staffing=licensed"), MARKET_LICENSED),
    ("market", ("staff.binding=true", "staff.staffing=demand"), MARKET_DEMAND),
    ("market", ("staff.binding=false", "staff.staffing=demand"), MARKET_LICENSED),
    ("market", ("staff.binding=false", "city.types.market.owner_operators=1"), MARKET_OWNER),
    ("home", ("staff.binding=false", "city.bands.mixed.cap=1"), HOME_LICENSED),
    ("home", ("staff.binding=true", "staff.staffing=demand", "city.bands.mixed.cap=1"), HOME_DEMAND),
    ("home", ("staff.binding=true", "staff.staffing=demand", "city.bands.mixed.cap=1",
              "staff.spare_caregivers_per_class=0"), HOME_DEMAND_NO_SPARE),
    ("home", ("staff.binding=false", "city.bands.mixed.cap=1", "city.types.home.owner_operators=0"),
     HOME_NO_OWNER),
])
def test_break_even_occupancy_of_an_entrant_is_its_fixed_cost_over_its_margin_times_places(
        tname, staffing, need):
    """Fixed cost: the caregivers every licensed place needs (rounded up per band) or, with
    binding demand staffing, the spare caregivers per age class, less the owner-operators' posts
    (never below none); list or type rent per place; the overhead; all at the district's cost
    index. Margin: the fee it would charge minus the per-child cost (plus, with demand
    staffing, each child's share of caregiver time)."""
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


def test_an_entrant_charges_the_mean_fee_of_the_districts_open_providers_of_its_type():
    """Margins over the per-child cost of 3,100: mean fee 3,300 -> 200 (0.3); with the 3,350
    provider closed, 3,250 -> 150 (0.4); with neither open, the list fee 3,200 -> 100 (0.6).
    The other district's market fees (and its affordable and home fees here) are not its."""
    w = market_world()
    a, b = markets(w, 0)
    a.fee, b.fee = 3250.0, 3350.0
    for inst in markets(w, 1) + [inst_of(w, "home", 0), inst_of(w, "affordable", 0)]:
        inst.fee = 9000.0
    d = w.districts[0]
    assert w.market.entry_economics(d, "market")[1] == pytest.approx(3900 / (200 * 65), rel=1e-12)
    b.open = False
    assert w.market.entry_economics(d, "market")[1] == pytest.approx(3900 / (150 * 65), rel=1e-12)
    a.open = False
    assert w.market.entry_economics(d, "market")[1] == pytest.approx(3900 / (100 * 65), rel=1e-12)


# -- the entry rule at its boundary ------------------------------------------------------------
def test_a_provider_enters_when_the_expected_occupancy_reaches_break_even_not_below():
    """255 licensed places of every type in the district and the entrant's 65: 192 waiting
    families give exactly the break-even 0.6 (192 / 320), 191 fall short; the other district,
    out of reach, has nobody waiting."""
    assert entered(market_world(), (191, 0)) == [0, 0]
    assert entered(market_world(), (192, 0)) == [1, 0]
    assert entered(market_world(), (0, 192)) == [0, 1]


@pytest.mark.parametrize("tname", ["market", "affordable", "kindergarten", "home"])
def test_children_in_care_at_any_provider_of_the_district_count_as_expected_demand(tname):
    w = market_world()
    enrol(w, inst_of(w, tname, 0))
    assert entered(w, (191, 0)) == [1, 0]


def test_children_in_care_and_families_waiting_out_of_reach_do_not_count():
    """The neighbour is 4 km away, beyond 3 km: its child in care and its 190 waiting families
    are not the district's (191 of its own); nor are the district's the neighbour's (1 + 190)."""
    w = market_world()
    enrol(w, inst_of(w, "market", 1))
    assert entered(w, (191, 190)) == [0, 0]


def test_the_births_outlook_scales_the_expected_demand(monkeypatch):
    """Outlook 0.75: 256 families are 192 expected (0.6 of 320), 255 are 191.25."""
    w = market_world()
    monkeypatch.setattr(w.providers, "births_outlook", lambda: 0.75)
    assert entered(w, (255, 0)) == [0, 0]
    assert entered(w, (256, 0)) == [1, 0]


@pytest.mark.parametrize("reach, d1_waiting, entries", [(4.0, 153, [0, 0]), (4.0, 154, [1, 0]),
                                                       (3.99, 154, [0, 0])])
def test_a_neighbour_within_reach_counts_with_its_families_and_its_places(reach, d1_waiting, entries):
    """Within 4 km both districts see both: 510 licensed places and the entrant's 65 need 345
    families (0.6 of 575), waiting anywhere in reach; the neighbour, checked next, then counts
    the district's entrant among the places ordered (0.6 of 640: 384). At 3.99 km each sees
    only its own."""
    w = market_world(reach=reach)
    assert entered(w, (191, d1_waiting)) == entries


@pytest.mark.parametrize("reach, entries", [(4.0, [1, 0]), (3.99, [0, 0])])
def test_children_in_care_in_a_neighbour_within_reach_count(reach, entries):
    """Within 4 km, 191 + 153 waiting families and a child at the neighbour's home point are
    345 (0.6 of 575); the neighbour then counts the entrant's places (345 of 640)."""
    w = market_world(reach=reach)
    enrol(w, inst_of(w, "home", 1))
    assert entered(w, (191, 153)) == entries


def test_a_closed_providers_places_no_longer_count():
    """With one market provider closed, 190 places and the entrant's need 153 families for 0.6."""
    w = market_world()
    w.providers.close([markets(w, 0)[0]])
    assert entered(w, (152, 0)) == [0, 0]
    w = market_world()
    w.providers.close([markets(w, 0)[0]])
    assert entered(w, (153, 0)) == [1, 0]


def test_places_already_ordered_count_so_the_next_check_orders_no_more_for_the_same_demand():
    w = market_world()
    assert entered(w, (192, 0)) == [1, 0]
    assert w.providers.pipeline == {0: MARKET}
    assert entered(w, (192, 0)) == [0, 0]
    assert entered(w, (230, 0)) == [0, 0]
    assert entered(w, (231, 0)) == [1, 0]  # 231 / 385 = 0.6 again


def test_places_ordered_in_a_neighbour_within_reach_count():
    """Within 4 km, 65 places ordered in the neighbour: 384 families for 0.6 of 640, not 345;
    the neighbour, checked next, counts the district's entrant too (0.6 of 705: 423). One
    entry per check."""
    for waiting, entries in [((191, 192), [0, 0]), ((192, 192), [1, 0]), ((192, 231), [1, 1])]:
        w = market_world("economics.max_entries_per_district_year=1", reach=4.0)
        w.providers.order(w.districts[1], "market", {"older": MARKET}, 6.0)
        assert entered(w, waiting) == entries, waiting


def test_each_entry_in_a_check_counts_the_places_of_the_entries_before_it():
    """231 families fill 0.6 of 320 and of 385 places: two entries, not a third (450 need 270)."""
    w = market_world("economics.max_entries_per_district_year=5")
    assert entered(w, (231, 0)) == [2, 0]
    w = market_world("economics.max_entries_per_district_year=5")
    assert entered(w, (270, 0)) == [3, 0]


@pytest.mark.parametrize("share, waiting, n", [(1.0, 64, 0), (1.0, 65, 1), (1.0, 129, 1), (1.0, 130, 2),
                                               (0.5, 259, 1), (0.5, 260, 2)])
def test_the_entrants_of_a_check_add_at_most_the_share_of_the_families_waiting(share, waiting, n):
    """No overhead: break-even 0, demand is never short; the entrants' places are limited by
    share x families waiting within reach (at most 5 entries)."""
    w = market_world("economics.max_entries_per_district_year=5", "city.types.market.overhead_per_month=0",
                     share=f"economics.entry_max_waiting_share={share}")
    assert w.market.entry_economics(w.districts[0], "market")[1] == 0.0
    assert entered(w, (waiting, 0)) == [n, 0]


@pytest.mark.parametrize("reach, entries", [(3.0, [1, 0]), (4.0, [2, 2])])
def test_the_families_waiting_that_limit_entry_are_those_within_reach(reach, entries):
    w = market_world("economics.max_entries_per_district_year=5", "city.types.market.overhead_per_month=0",
                     reach=reach, share="economics.entry_max_waiting_share=1")
    assert entered(w, (129, 1)) == entries


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
    assert entered(w, (192, 0)) == [1, 0]
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
