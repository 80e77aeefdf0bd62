"""Time-weighted levels and the wait tally, on cases small enough to work out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.accumulators import Level, WaitTally


# -- Level -----------------------------------------------------------------------------------
def test_level_time_average_of_a_step_function_is_exact():
    lv = Level(0.0)
    lv.add(2.0, 3.0)   # 0 on [0, 2)
    lv.add(5.0, -1.0)  # 3 on [2, 5)
    # 2 on [5, 10): area 0*2 + 3*3 + 2*5 = 19 over 10
    assert lv.mean(10.0) == pytest.approx(1.9)
    assert lv.value == 2.0


def test_level_starting_value_and_negative_start_time_count():
    lv = Level(-4.0, value=2.0)
    lv.add(0.0, 2.0)  # 2 on [-4, 0), 4 on [0, 4)
    assert lv.mean(4.0) == pytest.approx((2 * 4 + 4 * 4) / 8)


def test_level_changes_at_the_same_instant_add_no_area():
    lv = Level(0.0)
    lv.add(1.0, 5.0)
    lv.add(1.0, -5.0)
    lv.add(1.0, 1.0)
    assert lv.mean(3.0) == pytest.approx(2.0 / 3.0)


def test_level_reset_starts_a_new_window_and_keeps_the_level():
    lv = Level(0.0)
    lv.add(1.0, 10.0)
    lv.reset(4.0)
    assert lv.value == 10.0 and lv.area == 0.0
    lv.add(6.0, -10.0)  # 10 on [4, 6), 0 on [6, 8)
    assert lv.mean(8.0) == pytest.approx(5.0)


def test_level_mean_of_an_empty_window_is_the_current_level():
    lv = Level(3.0, value=7.0)
    assert lv.mean(3.0) == 7.0


def test_level_mean_matches_a_brute_force_integral_of_random_steps():
    rng = np.random.default_rng(0)
    times = np.sort(rng.uniform(0, 100, 50))
    deltas = rng.integers(-3, 4, 50)
    lv = Level(0.0)
    for t, d in zip(times, deltas, strict=True):
        lv.add(float(t), float(d))
    grid = np.linspace(0, 100, 1_000_001)[:-1] + 50e-6  # midpoints of 1e-4 steps
    values = np.cumsum(np.r_[0, deltas])[np.searchsorted(times, grid)]
    assert lv.mean(100.0) == pytest.approx(values.mean(), abs=1e-3)


# -- WaitTally -------------------------------------------------------------------------------
def test_wait_tally_is_empty_at_first():
    w = WaitTally()
    assert w.n == 0 and w.mean() == 0.0 and w.quantile(0.9) == 0.0
    assert w.histogram() == ([], [])


def test_wait_tally_mean_is_exact_and_counts_zero_waits():
    w = WaitTally()
    for x in (0.0, 0.0, 1.0, 3.5):
        w.add(x)
    assert w.n == 4 and w.n_positive == 2
    assert w.mean() == pytest.approx(1.125)


def test_wait_tally_quantile_of_zero_waits_is_zero():
    w = WaitTally()
    for x in (0.0, 0.0, 0.0, 2.0):
        w.add(x)
    assert w.quantile(0.5) == 0.0 and w.quantile(0.75) == 0.0
    assert w.quantile(0.9) == pytest.approx(2.01)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9, 0.99])
def test_wait_tally_quantile_is_within_one_bin_above_the_exact_quantile(q):
    rng = np.random.default_rng(1)
    x = rng.exponential(3.0, 5000)
    w = WaitTally(bin_months=0.01)
    for v in x:
        w.add(float(v))
    exact = float(np.sort(x)[math.ceil(q * len(x)) - 1])  # the inverse empirical cdf
    assert exact - 1e-9 <= w.quantile(q) <= exact + 0.01 + 1e-9


def test_wait_tally_histogram_gives_upper_bin_edges_and_counts():
    w = WaitTally(bin_months=0.5, max_months=10.0)
    for x in (0.0, 0.2, 0.4, 1.2, 0.0):
        w.add(x)
    edges, counts = w.histogram()
    assert edges == [0.0, 0.5, 1.5]
    assert counts == [2, 2, 1]
    assert sum(counts) == w.n


def test_wait_tally_overflow_keeps_the_exact_mean_and_caps_the_quantile():
    w = WaitTally(bin_months=1.0, max_months=10.0)
    w.add(300.0)
    assert w.mean() == 300.0
    edges, counts = w.histogram()
    assert counts == [1] and edges[0] > 10.0
    assert w.quantile(0.5) == edges[0]
