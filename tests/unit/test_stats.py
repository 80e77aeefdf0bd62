"""Replication statistics: means and 95% t confidence half-widths, checked against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.experiment.stats import mean_ci95, summarise


@pytest.mark.parametrize("values", [
    [1.0, 2.0],
    [3.1, 2.9, 3.4, 3.0, 2.7],
    list(np.random.default_rng(0).normal(10, 3, 30)),
    [5.0, 5.0, 5.0],
])
def test_mean_ci95_matches_scipys_t_interval(values):
    m, h = mean_ci95(values)
    assert m == pytest.approx(np.mean(values))
    if np.std(values) == 0:
        assert h == 0.0
        return
    lo, hi = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert h == pytest.approx((hi - lo) / 2, rel=1e-12)


def test_mean_ci95_of_one_value_has_zero_half_width():
    assert mean_ci95([4.2]) == (4.2, 0.0)


def test_mean_ci95_of_no_values_is_nan():
    m, h = mean_ci95([])
    assert math.isnan(m) and math.isnan(h)


def test_mean_ci95_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    trials, n = 2000, 5
    hits = 0
    for _ in range(trials):
        m, h = mean_ci95(list(rng.exponential(2.0, n) + rng.normal(0, 1, n)))
        hits += abs(m - 2.0) <= h
    # binomial standard error of the coverage, five of them (skewed data: allow 2 points more)
    assert abs(hits / trials - 0.95) <= 5 * math.sqrt(0.95 * 0.05 / trials) + 0.02


def test_summarise_one_row_gives_the_values_without_ci():
    assert summarise([{"a": 1.0, "b": 2.0}]) == {"a": 1.0, "b": 2.0}


def test_summarise_several_rows_gives_means_and_ci95_for_every_kpi():
    out = summarise([{"a": 1.0, "b": 2.0}, {"a": 3.0, "b": 2.0}])
    assert out["a"] == 2.0 and out["b"] == 2.0
    assert out["a_ci95"] == pytest.approx(mean_ci95([1.0, 3.0])[1])
    assert out["b_ci95"] == 0.0
    assert set(out) == {"a", "a_ci95", "b", "b_ci95"}
