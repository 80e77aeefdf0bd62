"""A provider's cost structure and outlook (sim.model.costs): pure functions."""

from __future__ import annotations

import pytest

from sim.model.costs import CostStructure, cohort_outlook, cost_structure, expected_result

RATIOS = {"toddler": 5.0, "older": 7.0, "mixed": 3.0}


def test_under_demand_staffing_each_class_keeps_its_spares_and_each_child_adds_its_ratio_share():
    cs = cost_structure({"toddler": 30, "older": 40}, RATIOS, wage=6000, rent_per_place=200, overhead=8000,
                        per_child_cost=400, by_demand=True, spare_per_class=1)
    assert cs.fixed == pytest.approx(2 * 6000 + 200 * 70 + 8000)
    assert cs.per_child == pytest.approx(400 + 6000 * (30 / 5 + 40 / 7) / 70)


def test_when_every_licensed_place_is_staffed_all_caregivers_are_fixed():
    cs = cost_structure({"toddler": 30, "older": 40}, RATIOS, wage=6000, rent_per_place=0, overhead=0,
                        per_child_cost=400, by_demand=False, spare_per_class=1)
    assert cs.fixed == pytest.approx((6 + 6) * 6000)
    assert cs.per_child == 400


def test_an_owner_operator_draws_no_wage_so_a_home_point_can_break_even():
    args = dict(ratios=RATIOS, wage=6000, rent_per_place=100, overhead=1000, per_child_cost=400,
                by_demand=True, spare_per_class=1)
    paid = cost_structure({"mixed": 5}, owner_operators=0, **args)  # type: ignore[arg-type]
    owned = cost_structure({"mixed": 5}, owner_operators=1, **args)  # type: ignore[arg-type]
    assert paid.fixed - owned.fixed == pytest.approx(6000)
    assert owned.fixed == pytest.approx(100 * 5 + 1000)
    fee = 3000.0
    assert expected_result(5, fee, paid) < 0  # with a paid owner: a loss even when full
    assert expected_result(5, fee, owned) > 0


def test_closed_rooms_cut_rent_and_spares():
    args = dict(ratios=RATIOS, wage=6000, rent_per_place=450, overhead=8000, per_child_cost=400,
                by_demand=True, spare_per_class=1)
    two = cost_structure({"toddler": 30, "older": 40}, **args)  # type: ignore[arg-type]
    one = cost_structure({"toddler": 30, "older": 20}, **args)  # type: ignore[arg-type]
    assert two.fixed - one.fixed == pytest.approx(450 * 20)


def test_expected_result_is_revenue_minus_cost_at_the_children_expected():
    cs = CostStructure(fixed=10_000, per_child=1_000)
    assert expected_result(10, 2_000, cs, other_revenue=500) == pytest.approx(10 * 2000 + 500 - 20_000)
    assert cs.cost(0) == 10_000


@pytest.mark.parametrize("mult, expect", [([1, 1, 1, 1], 1.0), ([1, 1, 1, 0.7], 0.9),
                                          ([1.2, 1, 1, 1], 3 / 3.2), ([0, 0, 0, 1], 1.0)])
def test_the_births_outlook_compares_next_years_under_threes_with_this_years(mult, expect):
    assert cohort_outlook(mult) == pytest.approx(expect)
