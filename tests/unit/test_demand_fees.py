"""Need for care, take-up at a price, and what families pay: pure functions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.demand import need_probability, take_up_probability
from sim.model.fees import contract, list_fee, net_fee, provider_fee


def need(dual=0.0, gp=0.0, income=10_000.0, median=10_000.0, intercept=0.0, b_dual=1.0,
         b_gp=-1.3, b_inc=0.4):
    return float(need_probability(np.array([dual]), np.array([gp]), np.array([income]), median,
                                  intercept, b_dual, b_gp, b_inc)[0])


def test_need_is_one_half_when_the_logit_is_zero():
    assert need() == pytest.approx(0.5)


def test_need_is_the_logistic_of_the_linear_predictor():
    logit = -0.8 + 1.0 * 1 - 1.3 * 0 + 0.4 * math.log(2.0)
    got = need(dual=1.0, income=20_000.0, intercept=-0.8)
    assert got == pytest.approx(1.0 / (1.0 + math.exp(-logit)))


def test_need_rises_for_dual_earners_and_falls_with_grandparent_care():
    base = need(intercept=-0.8)
    assert need(dual=1.0, intercept=-0.8) > base
    assert need(gp=1.0, intercept=-0.8) < base


def test_need_rises_with_income_when_the_income_coefficient_is_positive():
    assert need(income=20_000.0) > need(income=10_000.0) > need(income=5_000.0)


def test_need_is_vectorised_and_a_probability():
    rng = np.random.default_rng(0)
    n = 1000
    p = need_probability(rng.random(n) < 0.5, rng.random(n) < 0.5, rng.lognormal(9, 1, n), 8000.0,
                         -0.8, 1.0, -1.3, 0.4)
    assert p.shape == (n,)
    assert ((p > 0) & (p < 1)).all()


def test_take_up_is_certain_at_zero_price():
    assert take_up_probability(0.0, 0.25, 3.0) == 1.0
    assert take_up_probability(-0.1, 0.25, 3.0) == 1.0


def test_a_free_place_is_taken_up_even_when_take_up_ignores_the_price():
    """Steepness 0 (allowed) makes every positive burden 1/2, but zero price is still certain.

    Mutation survivor (issue 19): ``burden < 0.0`` for ``burden <= 0.0`` gave 0.5 here.
    """
    assert take_up_probability(0.0, 0.25, 0.0) == 1.0
    assert take_up_probability(0.3, 0.25, 0.0) == pytest.approx(0.5)


def test_take_up_is_one_half_at_burden50():
    assert take_up_probability(0.25, 0.25, 3.0) == pytest.approx(0.5)


def test_take_up_falls_with_the_burden_and_faster_when_steeper():
    burdens = [0.05, 0.1, 0.2, 0.3, 0.5, 1.0]
    p = [take_up_probability(b, 0.25, 3.0) for b in burdens]
    assert all(a > b for a, b in zip(p, p[1:], strict=False))
    assert take_up_probability(0.5, 0.25, 6.0) < take_up_probability(0.5, 0.25, 3.0)
    assert take_up_probability(0.1, 0.25, 6.0) > take_up_probability(0.1, 0.25, 3.0)


def test_take_up_follows_the_log_logistic_formula():
    assert take_up_probability(0.5, 0.25, 2.0) == pytest.approx(1.0 / (1.0 + 4.0))


def test_list_fee_scales_the_type_fee_by_the_district_index():
    assert list_fee(2000.0, 1.5) == 3000.0


def test_provider_fee_is_the_fee_minus_the_voucher_never_below_zero():
    assert provider_fee(2000.0, 300.0) == 1700.0
    assert provider_fee(2000.0, 0.0) == 2000.0
    assert provider_fee(200.0, 300.0) == 0.0


def test_net_fee_subtracts_the_family_subsidy_never_below_zero():
    assert net_fee(1700.0, 300.0) == 1400.0
    assert net_fee(1700.0, 0.0) == 1700.0
    assert net_fee(200.0, 300.0) == 0.0


@pytest.mark.parametrize("fee, voucher, subsidy, expected", [
    (2000.0, 300.0, 300.0, (300.0, 1700.0, 1400.0)),   # both subsidies count
    (2000.0, 0.0, 300.0, (0.0, 2000.0, 1700.0)),       # the family subsidy alone lowers the net fee
    (2000.0, 300.0, 0.0, (300.0, 1700.0, 1700.0)),
    (200.0, 300.0, 300.0, (200.0, 0.0, 0.0)),          # the voucher used is at most the fee
    (1000.0, 0.0, 1500.0, (0.0, 1000.0, 0.0)),
])
def test_an_admission_contract_applies_the_voucher_then_the_family_subsidy(fee, voucher, subsidy, expected):
    assert contract(fee, voucher, subsidy) == expected


def test_a_net_fee_below_one_yuan_is_kept_not_rounded_to_zero():
    """Mutation survivor (issue 19): ``net > 1.0`` for ``net > 0.0`` passed the tests above."""
    assert net_fee(1000.5, 1000.0) == 0.5
    assert contract(1000.0, 999.25, 0.0) == (999.25, 0.75, 0.75)
