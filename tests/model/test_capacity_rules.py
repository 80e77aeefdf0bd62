"""The public capacity programme (:mod:`sim.model.capacity`), on small worlds built but not run.

The rules: the first plan records the starting level (licensed places of open providers per
1,000 population) and each district's births; each plan aims at the path's level one planning
period after the orders open (linear, or geometric from a positive start; reached at January
of the target year), and needs that level's places less those licensed and ordered plus the
closures expected meanwhile (the past year's rate over the lead time and half a planning
period); it converts spare kindergarten classes first (three cohorts of the births lost since
the first plan times the enrolment, whole classes, while places are needed), then builds
whole ``build_type`` institutions while more than half of one is needed, each where children
under 3 per place (licensed plus ordered) are highest, ties to the first district; a refused
commitment ends the round. Mutation testing found it tested only through two policy runs, so
these tests check each term on a city of three institutions with round numbers: 300 places
for 200,000 people (a start of 1.5 per 1,000), public builds of 80 places, kindergarten
classes of 40. The placement rule checked here is ``capacity.placement: ratio``; the
``unmet`` rule has its tests in ``tests/model/test_capacity_channels.py``.
"""

from __future__ import annotations

import pytest

from tests.model.test_rules import world

D = "{{name:D{i},population:100000,births_per_year:800,places_per_1000:3.0,x_km:{x},y_km:0}}"
CITY = (f"city.districts=[{D.format(i=0, x=0)},{D.format(i=1, x=4)}]",
        "city.institutions=[{name:M0,district:D0,type:market,places:{older:130}},"
        "{name:M1,district:D1,type:market,places:{older:130}},"
        "{name:K0,district:D0,type:kindergarten,places:{older:40}}]")
NOW = ("capacity.target_year=2024",)  # the target is due now: the path is at its end


def programme(*extra: str, kids: tuple[int, int] = (340, 260), city: tuple[str, ...] = CITY):
    """A world as it starts to run (classes open, unstaffed) with ``kids`` under 3 per district
    at month 0 and 12; returns it and the list of its orders (district, type, places, lead)."""
    w = world(*city, "capacity.build_lead_months=0", "capacity.placement=ratio", *extra)
    for c in w.classes:
        w.places.open_class(c, with_staff=False)
    for d, n in zip(w.districts, kids, strict=True):
        d.add_births(-1, n)
    orders: list[tuple[int, str, int, float]] = []
    order = w.providers.order

    def spy(d, tname, size, lead, **kw):
        orders.append((d.idx, tname, sum(size.values()), lead))
        if len(orders) > 1000:  # a round that never ends (nothing to order): fail, not hang
            raise RuntimeError("runaway capacity round")
        order(d, tname, size, lead, **kw)

    w.providers.order = spy  # type: ignore[method-assign]
    return w, orders


def at(w, t):
    w.env.run(until=t)


def built(orders):
    return [d for d, tname, _, _ in orders if tname == "public"]


# -- the starting level --------------------------------------------------------------------------
def test_the_first_plan_records_the_start_level_of_open_providers_and_no_target_orders_nothing():
    w, orders = programme()
    cap = w.gov.capacity
    w.institutions[2].open = False  # K0: 40 places fewer
    at(w, 0.0)
    cap.plan(True)
    assert cap.start_level == pytest.approx(260 * 1000 / 200_000)
    w.institutions[2].open = True
    cap.plan(True)
    assert cap.start_level == pytest.approx(1.3) and orders == []


# -- how many places ------------------------------------------------------------------------------
@pytest.mark.parametrize("target, pipeline, builds", [(2.0, 0, 1), (2.25, 0, 2), (2.0, 59, 1), (2.0, 60, 0),
                                                      (1.0, 0, 0), (2.0015, 60, 1)])
def test_builds_continue_while_over_half_a_build_is_needed_net_of_places_ordered(target, pipeline, builds):
    """Target 2.0 per 1,000: 400 places, 100 needed (one build of 80 leaves 20); 2.25: 150
    (two); 60 places already ordered leave exactly 40, half a build: none; 59 leave 41; a target
    of 2.0015 leaves 40.3 (places per 1,000 times thousands of people)."""
    w, orders = programme(*NOW, f"capacity.target_per_1000={target}")
    if pipeline:
        w.providers.pipeline[1] = pipeline
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert [o[1:] for o in orders] == [("public", 80, 0.0)] * builds


@pytest.mark.parametrize("path, lead, builds", [("linear", 9, 6), ("geometric", 9, 4), ("geometric", 3, 2)])
def test_the_plan_aims_at_the_paths_level_one_planning_period_after_the_orders_open(path, lead, builds):
    """Target 6 in 2026 (month 24); orders open in 9 months, plans every 3: at month 0 the plan
    aims at month 12, half-way. Linear: 1.5 + 4.5 / 2 = 3.75 (450 places needed, 6 builds);
    geometric: 1.5 x 4 ** 0.5 = 3 (300 needed, 4 builds). Orders open in 3 months: a quarter of
    the way, 1.5 x 4 ** 0.25 = 2.12 (124 needed, 2 builds)."""
    w, orders = programme("capacity.target_per_1000=6", "capacity.target_year=2026",
                          f"capacity.build_lead_months={lead}", "capacity.plan_every_months=3",
                          f"capacity.path={path}", "capacity.convert_kindergarten=false")
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert len(built(orders)) == builds and {o[3] for o in orders} == {float(lead)}


def test_the_path_holds_its_target_after_the_target_year():
    """Target 2.5 in 2025 (month 12): at month 0 the plan aims at month 15, past it: the target
    itself (200 places needed, 2 builds), not the path extended beyond it (2.75: 250, 3 builds)."""
    w, orders = programme("capacity.target_per_1000=2.5", "capacity.target_year=2025",
                          "capacity.build_lead_months=12", "capacity.plan_every_months=3",
                          "capacity.convert_kindergarten=false")
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert len(built(orders)) == 2


def test_a_geometric_path_from_no_places_is_linear():
    """Every provider closed before the first plan: start 0, aim 6 x 0.5 = 3 (600 needed, 7 builds)."""
    w, orders = programme("capacity.target_per_1000=6", "capacity.target_year=2026",
                          "capacity.build_lead_months=9", "capacity.plan_every_months=3",
                          "capacity.path=geometric", "capacity.convert_kindergarten=false")
    for inst in w.institutions:
        inst.open = False
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert w.gov.capacity.start_level == 0.0 and len(built(orders)) == 7


@pytest.mark.parametrize("every, builds", [(12, 4), (24, 4), (6, 3)])
def test_closures_expected_before_the_next_plan_are_built_for(every, builds):
    """M1 closed now (130 places: 130 / 12 a month); orders open at once and the plan looks
    half a period ahead. Target 2.0: 400 - 170 + 130 / 12 x every / 2 places needed
    (295, 360, 262.5: builds while more than 40 remain)."""
    w, orders = programme(*NOW, "capacity.target_per_1000=2.0", f"capacity.plan_every_months={every}",
                          "capacity.convert_kindergarten=false", "economics.enabled=true")
    at(w, 0.0)
    w.providers.close([w.institutions[1]])
    w.gov.capacity.plan(True)
    assert len(built(orders)) == builds


# -- where ----------------------------------------------------------------------------------
def test_each_build_goes_where_children_under_3_per_place_are_highest_ties_to_the_first():
    """D0: 340 children for 170 places, D1: 260 for 130 (both 2.0): D0 first, then D1 (2.0
    against 340 / 250)."""
    w, orders = programme(*NOW, "capacity.target_per_1000=2.25")
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert built(orders) == [0, 1]


def test_places_already_ordered_count_where_they_will_open():
    """80 places ordered in D0: 340 / 250 against D1's 2.0: D1 first."""
    w, orders = programme(*NOW, "capacity.target_per_1000=2.65")
    w.providers.pipeline[0] = 80
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert built(orders) == [1, 0]


def test_a_district_without_places_counts_its_children_per_single_place():
    """D1's places removed: its one child per (at least) one place beats D0's 136 / 170."""
    w, orders = programme(*NOW, "capacity.target_per_1000=1.2", kids=(136, 1))
    for c in w.institutions[1].classes:
        w.places.set_licensed(c, 0)
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert built(orders) == [1]


# -- conversions ----------------------------------------------------------------------------
CONVERT = ("capacity.target_per_1000=3.5", "capacity.target_year=2025", "capacity.plan_every_months=1",
           "capacity.conversion_lead_months=3", "capacity.kindergarten_enrolment=0.5",
           "city.births_growth_per_year=-0.1")


def test_spare_kindergarten_classes_are_converted_first_three_cohorts_of_lost_births_each():
    """Births fall from 800 to 720 a year in 2025: 3 x 0.5 x 80 = 120 spare kindergarten places
    per district, three classes of 40. At month 12 the target (700 places) needs 400: three
    conversions in each district, then 160 places: two builds."""
    w, orders = programme(*CONVERT, kids=(600, 500))
    cap = w.gov.capacity
    at(w, 0.0)
    cap.plan(True)  # month 0: the path needs 33 places, less than half a build
    assert orders == []
    at(w, 12.0)
    cap.plan(True)
    assert orders == [(0, "kindergarten", 40, 3.0)] * 3 + [(1, "kindergarten", 40, 3.0)] * 3 + [
        (0, "public", 80, 0.0), (1, "public", 80, 0.0)]
    assert w.gov.cost["construction"] == 6 * 40 * 3000 + 2 * 80 * 10000


def test_a_kindergarten_class_is_converted_once_and_only_while_places_are_needed():
    w, orders = programme(*CONVERT, "capacity.target_per_1000=1.95", kids=(600, 500))
    cap = w.gov.capacity
    at(w, 0.0)
    cap.plan(True)
    at(w, 12.0)
    cap.plan(True)  # 390 - 300 = 90 needed: three conversions in D0 (the last one exceeds it)
    assert orders == [(0, "kindergarten", 40, 3.0)] * 3
    w.providers.pipeline.clear()
    orders.clear()
    cap.plan(True)  # D0's spare classes are converted already: D1's
    assert orders == [(1, "kindergarten", 40, 3.0)] * 3


def test_without_kindergarten_conversion_only_builds():
    w, orders = programme(*CONVERT, "capacity.convert_kindergarten=false", kids=(600, 500))
    at(w, 0.0)
    w.gov.capacity.plan(True)
    at(w, 12.0)
    w.gov.capacity.plan(True)
    assert {o[1] for o in orders} == {"public"} and len(orders) == 5  # 400: 5 builds


# -- the budget ----------------------------------------------------------------------------
@pytest.mark.parametrize("in_window", [True, False])
def test_a_refused_build_ends_the_round(in_window):
    """A budget of 1 million pays one build of 800,000, not the second."""
    w, orders = programme(*NOW, "capacity.target_per_1000=2.25", "policy.budget_per_year=1000000")
    at(w, 0.0)
    w.gov.capacity.plan(in_window)
    assert built(orders) == [0] and w.gov.exhausted
    assert w.gov.cost["construction"] == (800_000 if in_window else 0.0)
    assert w.gov.refused == (800_000 if in_window else 0.0)


def test_a_refused_conversion_ends_the_round_without_building():
    """Conversions cost 120,000 each: a budget of 250,000 pays two."""
    w, orders = programme(*CONVERT, "policy.budget_per_year=250000", kids=(600, 500))
    at(w, 0.0)
    w.gov.capacity.plan(True)
    at(w, 12.0)
    w.gov.capacity.plan(True)
    assert orders == [(0, "kindergarten", 40, 3.0)] * 2 and w.gov.exhausted


@pytest.mark.parametrize("pipeline, conversions", [(20, 2), (99, 1)])
def test_conversions_stop_when_no_place_is_needed_and_start_for_one(pipeline, conversions):
    """Target 2.0 at month 12: 100 places less those ordered; 80 needed is two conversions of 40
    (none once exactly none is needed), one needed is one."""
    w, orders = programme(*CONVERT, "capacity.target_per_1000=2.0", kids=(600, 500))
    at(w, 0.0)
    w.gov.capacity.plan(True)
    at(w, 12.0)
    w.providers.pipeline[1] = pipeline
    w.gov.capacity.plan(True)
    assert orders == [(0, "kindergarten", 40, 3.0)] * conversions


def test_an_ordered_district_without_a_pipeline_entry_counts_no_ordered_places():
    """D0: 400 children for 170 + 30 ordered places (2.0); D1: 261 for 130 (2.008): D1."""
    w, orders = programme(*NOW, "capacity.target_per_1000=2.0", kids=(400, 261))
    w.providers.pipeline[0] = 30
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert built(orders) == [1]


NO_KINDERGARTEN = (CITY[0], "city.institutions=[{name:M0,district:D0,type:market,places:{older:130}},"
                   "{name:M1,district:D1,type:market,places:{older:130}}]",
                   "~city.types.kindergarten", "~city.type_mix.kindergarten", "city.type_mix.market=0.55",
                   "~families.choice.type_preference.kindergarten")


def test_a_city_without_kindergartens_only_builds():
    """260 places; target 2.0: 140 needed, two builds; births falling change nothing."""
    w, orders = programme(*NOW, "capacity.target_per_1000=2.0", "city.births_growth_per_year=-0.1",
                          city=NO_KINDERGARTEN)
    at(w, 0.0)
    w.gov.capacity.plan(True)
    at(w, 12.0)
    w.gov.capacity.plan(True)
    assert [o[1] for o in orders] == ["public", "public"]


# One-place kindergarten classes and one-place builds (home points of a single place).
ONE_PLACE = ("city.bands.older.cap=1", "city.types.kindergarten.classes.older=1", "city.bands.mixed.cap=1",
             "capacity.build_type=home", "capacity.target_per_1000=2.0", "capacity.target_year=2025",
             "capacity.plan_every_months=1", "capacity.conversion_lead_months=3",
             "capacity.kindergarten_enrolment=0.5")


@pytest.mark.parametrize("growth, want", [
    (-0.01, [(0, "kindergarten")] * 12 + [(1, "kindergarten")] * 12),  # 8 births lost: 12 spare places
    (0.0, None),  # none lost: 24 builds of one place, no conversion
])
def test_one_place_units_are_converted_and_built_one_by_one(growth, want):
    """At month 12, 24 places needed (76 already ordered)."""
    w, orders = programme(*ONE_PLACE, f"city.births_growth_per_year={growth}", kids=(600, 500))
    w.providers.pipeline[1] = 76
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert orders == []
    at(w, 12.0)
    w.gov.capacity.plan(True)
    got = [o[:2] for o in orders]
    if want is None:
        assert len(got) == 24 and {t for _, t in got} == {"home"}
    else:
        assert got == want


def test_a_refused_conversion_leaves_nothing_for_a_build_of_one_place():
    """Conversions cost 3,000 a place, builds 100: a budget of 6,500 pays two conversions, then
    refuses one, and the round ends without building."""
    w, orders = programme(*ONE_PLACE, "city.births_growth_per_year=-0.01", "policy.budget_per_year=6500",
                          "capacity.construction_grant_per_place=100", kids=(600, 500))
    w.providers.pipeline[1] = 76
    at(w, 0.0)
    w.gov.capacity.plan(True)
    at(w, 12.0)
    w.gov.capacity.plan(True)
    assert [o[:2] for o in orders] == [(0, "kindergarten")] * 2


@pytest.mark.parametrize("path, builds", [("geometric", 3), ("linear", 7)])
def test_a_geometric_path_from_under_one_place_per_1000_is_geometric(path, builds):
    """Only M0 open: 130 places, 0.65 per 1,000. Target 6, half-way: geometric 0.65 x
    (6 / 0.65) ** 0.5 = 1.97 per 1,000 (395 places, 265 needed: 3 builds); linear 3.33 (665
    places, 535 needed: 7 builds)."""
    w, orders = programme("capacity.target_per_1000=6", "capacity.target_year=2026",
                          "capacity.build_lead_months=9", "capacity.plan_every_months=3",
                          f"capacity.path={path}", "capacity.convert_kindergarten=false")
    w.institutions[1].open = w.institutions[2].open = False
    at(w, 0.0)
    w.gov.capacity.plan(True)
    assert w.gov.capacity.start_level == pytest.approx(0.65)
    assert len(built(orders)) == builds
