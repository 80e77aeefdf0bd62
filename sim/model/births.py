"""Births: a Poisson (or regular) stream per district, with attributes drawn once at birth.

Births of one calendar month are drawn together (the count, then the times, uniform within
the month: together a Poisson process), and every attribute comes from its own named stream,
so a family's attributes never depend on policy or event order (common random numbers).
The yearly rate follows the district's ``births_per_year`` times the city's births index for
the calendar year (calibration/china.md section 2 for the national path).
"""

from __future__ import annotations

import math

import numpy as np

from sim.params.schema import CityConfig


def births_multiplier(city: CityConfig, year: int, start_year: int) -> float:
    """Return the births multiplier of calendar ``year``.

    ``city.births_index`` lists one multiplier per year from ``city.births_index_year``
    (default: the run's start year); before it the first value holds; after the list ends,
    the last value grows by ``city.births_growth_per_year`` each year (e.g. -0.15 for a
    15% yearly decline; with an empty list from the first year on).
    """
    first = start_year if city.births_index_year is None else city.births_index_year
    index = city.births_index
    k = year - first
    if k < 0:
        return float(index[0]) if index else 1.0
    if k < len(index):
        return float(index[k])
    last = float(index[-1]) if index else 1.0
    extra = k - (len(index) - 1) if index else k
    return last * (1.0 + city.births_growth_per_year) ** extra


def birth_times_poisson(gen: np.random.Generator, rate_per_month: float, t0: float,
                        span: float) -> np.ndarray:
    """Return sorted Poisson arrival times in [t0, t0 + span)."""
    n = int(gen.poisson(rate_per_month * span))
    return np.sort(t0 + span * gen.random(n))


def birth_times_regular(next_time: float, rate_per_month: float, t_end: float) -> np.ndarray:
    """Return equally spaced times from ``next_time`` (inclusive) up to ``t_end`` (exclusive)."""
    if rate_per_month <= 0 or next_time >= t_end:
        return np.empty(0)
    step = 1.0 / rate_per_month
    n = int(math.ceil((t_end - next_time) / step - 1e-12))
    times = next_time + step * np.arange(n)
    return times[times < t_end]
