"""Births: the yearly births path, birth times and vectorised attribute draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.births import birth_times_poisson, birth_times_regular, births_multiplier
from sim.params.schema import CityConfig

Z = 5.0


def path(index=(), year=None, growth=0.0) -> CityConfig:
    return CityConfig(births_index=list(index), births_index_year=year, births_growth_per_year=growth)


# -- births_multiplier ----------------------------------------------------------------------
def test_no_births_path_means_a_constant_multiplier_of_one():
    assert [births_multiplier(path(), y, 2024) for y in (2000, 2024, 2050)] == [1.0, 1.0, 1.0]


def test_births_index_lists_one_value_per_year_from_the_start_year():
    city = path([1.0, 0.9, 0.8])
    assert births_multiplier(city, 2024, 2024) == 1.0
    assert births_multiplier(city, 2025, 2024) == 0.9
    assert births_multiplier(city, 2026, 2024) == 0.8


def test_years_before_the_path_use_its_first_value():
    city = path([1.2, 0.9], year=2024)
    assert births_multiplier(city, 2021, 2024) == 1.2


def test_years_after_the_path_hold_the_last_value_without_growth():
    assert births_multiplier(path([1.0, 0.7]), 2030, 2024) == 0.7


def test_years_after_the_path_grow_the_last_value_at_the_yearly_rate():
    city = path([1.0, 0.8], growth=-0.1)
    assert births_multiplier(city, 2025, 2024) == pytest.approx(0.8)
    assert births_multiplier(city, 2027, 2024) == pytest.approx(0.8 * 0.9**2)


def test_growth_without_a_path_compounds_from_the_first_year():
    city = path(growth=0.05)
    assert births_multiplier(city, 2024, 2024) == pytest.approx(1.0)
    assert births_multiplier(city, 2026, 2024) == pytest.approx(1.05**2)


def test_births_index_year_moves_the_start_of_the_path():
    city = path([1.0, 0.5], year=2020)
    assert births_multiplier(city, 2021, 2024) == 0.5
    assert births_multiplier(city, 2020, 2024) == 1.0


# -- birth times -----------------------------------------------------------------------------
def test_regular_births_are_exactly_equally_spaced_and_exclude_the_end():
    t = birth_times_regular(0.0, 4.0, 2.0)
    assert t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
    t = birth_times_regular(0.3, 3.0, 5.0)
    assert np.allclose(np.diff(t), 1.0 / 3.0, rtol=0, atol=1e-12)
    assert t[0] == 0.3 and t[-1] < 5.0 and t[-1] + 1.0 / 3.0 >= 5.0 - 1e-12


def test_regular_births_chained_month_by_month_equal_one_long_sequence():
    rate = 7.3
    nxt, chained = 0.0, []
    for month in range(60):
        times = birth_times_regular(nxt, rate, month + 1.0)
        chained.extend(times.tolist())
        if len(times):
            nxt = float(times[-1]) + 1.0 / rate
    whole = birth_times_regular(0.0, rate, 60.0)
    assert len(chained) == len(whole) == math.ceil(60 * rate)
    assert np.allclose(chained, whole, rtol=0, atol=1e-9)


def test_regular_births_of_a_zero_rate_or_empty_span_are_none():
    assert len(birth_times_regular(0.0, 0.0, 10.0)) == 0
    assert len(birth_times_regular(5.0, 2.0, 5.0)) == 0


def test_poisson_birth_times_are_sorted_inside_their_months_with_the_right_counts():
    gen = np.random.default_rng(5)
    rate, months = 50.0, 400
    start = np.arange(months, dtype=float)
    t, counts = birth_times_poisson(gen, start, np.ones(months), np.full(months, rate))
    assert (np.diff(t) >= 0).all() and len(t) == counts.sum()
    month_of = np.floor(t).astype(int)
    assert (np.bincount(month_of, minlength=months) == counts).all()
    assert abs(np.mean(counts) - rate) <= Z * math.sqrt(rate / months)
    assert abs(np.var(counts, ddof=1) / rate - 1.0) <= Z * math.sqrt(2.0 / (months - 1)) + 0.05


def test_poisson_birth_times_respect_a_partial_span_and_each_months_rate():
    t, counts = birth_times_poisson(np.random.default_rng(1), np.array([10.0, 11.0]), np.array([0.25, 1.0]),
                                    np.array([1000.0, 0.0]))
    assert counts[1] == 0
    assert (t >= 10.0).all() and (t < 10.25).all()
    assert abs(len(t) - 250) <= Z * math.sqrt(250)
