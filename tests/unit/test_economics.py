"""The pure economics of providers, subsidies and budgets, plus take-up and the births path.

Every function of :mod:`sim.model.economics` is checked on hand-computed numbers, so the
monthly accounts and public payments of the model rest on arithmetic that is tested alone.
"""

from __future__ import annotations

import math

import pytest

from sim.model.births import births_multiplier
from sim.model.demand import take_up_probability
from sim.model.economics import (
    Statement,
    breakeven_occupancy,
    capped_fee,
    family_subsidy_per_month,
    market_fee_update,
    monthly_statement,
    pay_within_budget,
)
from sim.params.schema import CityConfig


# -- Statement and monthly_statement -----------------------------------------------------------
def statement(**kw: float) -> Statement:
    items = dict(fees=0.0, vouchers=0.0, operating_subsidy=0.0, place_subsidy=0.0, wages=0.0,
                 rent=0.0, child_costs=0.0, overhead=0.0)
    items.update(kw)
    return Statement(**items)


def test_statement_revenue_is_fees_plus_every_subsidy():
    st = statement(fees=1000, vouchers=200, operating_subsidy=30, place_subsidy=4, wages=99999)
    assert st.revenue == 1234


def test_statement_cost_is_wages_rent_child_costs_and_overhead():
    st = statement(wages=1000, rent=200, child_costs=30, overhead=4, fees=99999)
    assert st.cost == 1234


def test_statement_result_is_revenue_minus_cost_and_can_be_negative():
    assert statement(fees=500, rent=800).result == -300
    assert statement(fees=800, vouchers=100, wages=600).result == 300


def test_statement_is_immutable():
    with pytest.raises(AttributeError):
        statement().fees = 1.0  # type: ignore[misc]


def test_monthly_statement_prices_the_integrated_activity():
    st = monthly_statement(
        family_fees=20_000.0, vouchers=3_000.0, child_months=10.0, caregiver_months=2.5,
        place_months=15.0, months=1.0, operating_subsidy_per_child_month=200.0,
        place_subsidy_per_place_month=50.0, wage_per_month=6000.0, rent_per_place_month=400.0,
        per_child_cost_month=300.0, overhead_per_month=5000.0,
    )
    assert st == Statement(fees=20_000.0, vouchers=3_000.0, operating_subsidy=2_000.0,
                           place_subsidy=750.0, wages=15_000.0, rent=6_000.0, child_costs=3_000.0,
                           overhead=5_000.0)
    assert st.revenue == 25_750.0
    assert st.cost == 29_000.0
    assert st.result == -3_250.0


def test_monthly_statement_overhead_scales_with_the_length_of_the_period():
    kw = dict(family_fees=0.0, vouchers=0.0, child_months=0.0, caregiver_months=0.0,
              place_months=0.0, operating_subsidy_per_child_month=0.0,
              place_subsidy_per_place_month=0.0, wage_per_month=0.0, rent_per_place_month=0.0,
              per_child_cost_month=0.0, overhead_per_month=1000.0)
    assert monthly_statement(months=0.5, **kw).overhead == 500.0
    assert monthly_statement(months=3.0, **kw).cost == 3000.0


def test_an_empty_month_costs_rent_and_overhead_but_earns_nothing():
    st = monthly_statement(0.0, 0.0, 0.0, 0.0, 20.0, 1.0, 200.0, 10.0, 6000.0, 450.0, 350.0, 8000.0)
    assert st.revenue == 200.0  # only the per-place subsidy
    assert st.cost == 20 * 450.0 + 8000.0


# -- fee caps ------------------------------------------------------------------------------------
def test_no_cap_leaves_the_list_fee():
    assert capped_fee(2200.0, None, "yuan", 9000.0) == 2200.0
    assert capped_fee(2200.0, None, "income_share", 9000.0) == 2200.0


def test_a_yuan_cap_limits_the_fee_to_the_cap():
    assert capped_fee(2200.0, 1800.0, "yuan", 9000.0) == 1800.0


def test_a_yuan_cap_above_the_list_fee_does_not_raise_it():
    assert capped_fee(2200.0, 3000.0, "yuan", 9000.0) == 2200.0


def test_an_income_share_cap_is_a_share_of_the_district_median_income():
    assert capped_fee(2200.0, 0.15, "income_share", 10_000.0) == pytest.approx(1500.0)
    assert capped_fee(2200.0, 0.25, "income_share", 10_000.0) == 2200.0


def test_the_same_income_share_binds_more_in_poorer_districts():
    rich = capped_fee(2200.0, 0.15, "income_share", 17_000.0)
    poor = capped_fee(2200.0, 0.15, "income_share", 6_800.0)
    assert poor < rich
    assert poor == pytest.approx(1020.0)


# -- market fee setting ---------------------------------------------------------------------------
@pytest.mark.parametrize("occupancy", [0.9, 1.0])
def test_market_fee_rises_when_fuller_than_target(occupancy):
    assert market_fee_update(3000.0, occupancy, 0.85, 0.1, 1000.0, 9000.0) > 3000.0


@pytest.mark.parametrize("occupancy", [0.0, 0.5, 0.8])
def test_market_fee_falls_when_emptier_than_target(occupancy):
    assert market_fee_update(3000.0, occupancy, 0.85, 0.1, 1000.0, 9000.0) < 3000.0


def test_market_fee_is_unchanged_at_target_occupancy():
    assert market_fee_update(3000.0, 0.85, 0.85, 0.1, 1000.0, 9000.0) == pytest.approx(3000.0)


def test_market_fee_moves_by_the_relative_gap_times_the_adjustment():
    # occupancy 0.5 vs target 0.8: relative gap -0.375; adjust 0.2 -> fee x (1 - 0.075)
    assert market_fee_update(4000.0, 0.5, 0.8, 0.2, 0.0, 1e9) == pytest.approx(3700.0)


def test_market_fee_stays_within_its_floor_and_ceiling():
    assert market_fee_update(3000.0, 0.0, 0.85, 0.9, 2500.0, 9000.0) == 2500.0
    assert market_fee_update(3000.0, 1.0, 0.85, 5.0, 1000.0, 3100.0) == 3100.0


def test_market_fee_update_with_zero_adjustment_only_clamps():
    assert market_fee_update(3000.0, 0.2, 0.85, 0.0, 1000.0, 9000.0) == 3000.0
    assert market_fee_update(3000.0, 0.2, 0.85, 0.0, 3500.0, 9000.0) == 3500.0


# -- break-even occupancy --------------------------------------------------------------------------
def test_breakeven_occupancy_is_fixed_cost_over_margin_times_places():
    # margin per child 3000 - 1000 = 2000; 60 places; fixed 60,000 -> 0.5
    assert breakeven_occupancy(3000.0, 60, 60_000.0, 1000.0) == pytest.approx(0.5)


def test_a_per_child_subsidy_lowers_the_breakeven_occupancy():
    without = breakeven_occupancy(3000.0, 60, 60_000.0, 1000.0)
    with_sub = breakeven_occupancy(3000.0, 60, 60_000.0, 1000.0, subsidy_per_child=500.0)
    assert with_sub == pytest.approx(60_000.0 / (2500.0 * 60))
    assert with_sub < without


def test_breakeven_above_one_means_even_a_full_provider_loses_money():
    assert breakeven_occupancy(1500.0, 20, 50_000.0, 500.0) == pytest.approx(2.5)


@pytest.mark.parametrize("fee, variable, subsidy", [(1000.0, 1000.0, 0.0), (800.0, 1000.0, 100.0)])
def test_breakeven_is_infinite_when_a_child_brings_in_no_more_than_it_costs(fee, variable, subsidy):
    assert breakeven_occupancy(fee, 60, 10_000.0, variable, subsidy) == math.inf


def test_breakeven_is_infinite_without_places():
    assert breakeven_occupancy(3000.0, 0, 10_000.0, 1000.0) == math.inf


def test_breakeven_is_zero_without_fixed_cost():
    assert breakeven_occupancy(3000.0, 60, 0.0, 1000.0) == 0.0


# -- family subsidy and net price ------------------------------------------------------------------
def test_the_national_family_subsidy_is_300_yuan_a_month():
    assert family_subsidy_per_month(3600.0) == 300.0
    assert family_subsidy_per_month(0.0) == 0.0


def test_without_a_budget_everything_due_is_paid():
    assert pay_within_budget(1e12, None) == (1e12, 0.0)


def test_a_payment_within_the_budget_is_paid_in_full():
    assert pay_within_budget(400.0, 1000.0) == (400.0, 0.0)


def test_a_payment_beyond_the_budget_pays_the_rest_and_refuses_the_excess():
    assert pay_within_budget(1500.0, 1000.0) == (1000.0, 500.0)


def test_an_exhausted_budget_refuses_everything():
    assert pay_within_budget(700.0, 0.0) == (0.0, 700.0)
    assert pay_within_budget(700.0, -5.0) == (0.0, 700.0)


@pytest.mark.parametrize("due, remaining", [(0.0, 10.0), (3.3, 1.1), (1e9, 5e7), (5e7, 5e7)])
def test_paid_plus_refused_is_always_what_was_due(due, remaining):
    paid, refused = pay_within_budget(due, remaining)
    assert paid + refused == pytest.approx(due)
    assert 0.0 <= paid <= max(remaining, 0.0)


# -- take-up given the fee burden ----------------------------------------------------------------
def test_take_up_is_certain_at_zero_or_negative_burden():
    assert take_up_probability(0.0, 0.3, 3.0) == 1.0
    assert take_up_probability(-0.1, 0.3, 3.0) == 1.0


@pytest.mark.parametrize("burden50, steepness", [(0.3, 3.0), (0.2, 1.0), (0.5, 8.0)])
def test_take_up_is_one_half_at_burden50(burden50, steepness):
    assert take_up_probability(burden50, burden50, steepness) == pytest.approx(0.5)


def test_take_up_decreases_monotonically_with_the_burden():
    burdens = [0.01 * k for k in range(1, 200)]
    p = [take_up_probability(b, 0.3, 3.0) for b in burdens]
    assert all(a > b for a, b in zip(p, p[1:], strict=False))
    assert 0.0 < p[-1] < 0.01


def test_take_up_follows_the_log_logistic_formula():
    assert take_up_probability(0.6, 0.3, 2.0) == pytest.approx(1.0 / (1.0 + 4.0))


# -- the births path --------------------------------------------------------------------------------
def city(index=(), year=None, growth=0.0) -> CityConfig:
    return CityConfig(births_index=list(index), births_index_year=year, births_growth_per_year=growth)


def test_births_multiplier_reads_the_list_year_by_year():
    c = city([1.0, 0.9, 0.75])
    assert [births_multiplier(c, y, 2024) for y in (2024, 2025, 2026)] == [1.0, 0.9, 0.75]


def test_births_multiplier_before_the_first_year_is_the_first_value():
    c = city([1.1, 0.9], year=2024)
    assert births_multiplier(c, 2021, 2024) == 1.1
    assert births_multiplier(c, 1990, 2024) == 1.1


def test_births_multiplier_grows_the_last_value_after_the_list():
    c = city([1.0, 0.8], growth=-0.15)
    assert births_multiplier(c, 2026, 2024) == pytest.approx(0.8 * 0.85)
    assert births_multiplier(c, 2029, 2024) == pytest.approx(0.8 * 0.85**4)


def test_births_multiplier_holds_the_last_value_without_growth():
    assert births_multiplier(city([1.0, 0.8]), 2040, 2024) == 0.8


def test_births_multiplier_with_an_empty_list_compounds_growth_from_the_start_year():
    c = city(growth=-0.15)
    assert births_multiplier(c, 2024, 2024) == 1.0
    assert births_multiplier(c, 2025, 2024) == pytest.approx(0.85)
    assert births_multiplier(c, 2027, 2024) == pytest.approx(0.85**3)
    assert births_multiplier(c, 2020, 2024) == 1.0


def test_births_multiplier_list_can_start_in_another_year():
    c = city([1.0, 0.5], year=2020, growth=0.1)
    assert births_multiplier(c, 2021, 2024) == 0.5
    assert births_multiplier(c, 2024, 2024) == pytest.approx(0.5 * 1.1**3)


def test_breakeven_is_finite_for_a_margin_under_one_yuan_and_for_a_single_place():
    """Mutation survivors (issue 19): ``margin <= 1`` and ``places <= 1`` passed the tests above."""
    assert breakeven_occupancy(1000.5, 10, 100.0, 1000.0) == pytest.approx(20.0)
    assert breakeven_occupancy(3000.0, 1, 1000.0, 1000.0) == pytest.approx(0.5)
