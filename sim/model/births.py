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

from sim.config.schema import CityConfig, DistSpec


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


def draw_many(d: DistSpec, gen: np.random.Generator, n: int) -> np.ndarray:
    """Return ``n`` draws from distribution spec ``d`` (vectorised twin of ``sampler``)."""
    kind = d.dist
    if kind == "fixed":
        return np.full(n, float(d.value))  # type: ignore[arg-type]
    if kind == "never":
        return np.full(n, math.inf)
    if kind == "exponential":
        return gen.exponential(float(d.mean), n)  # type: ignore[arg-type]
    if kind == "uniform":
        return gen.uniform(float(d.low), float(d.high), n)  # type: ignore[arg-type]
    if kind == "lognormal":
        return np.exp(math.log(float(d.median)) + float(d.sigma) * gen.standard_normal(n))  # type: ignore[arg-type]
    if kind == "normal":
        x = float(d.mean) + float(d.sd) * gen.standard_normal(n)  # type: ignore[arg-type]
        lo = 0.0 if d.low is None else float(d.low)
        hi = math.inf if d.high is None else float(d.high)
        return np.clip(x, lo, hi)
    if kind == "gamma":
        shape = 1.0 / float(d.cv) ** 2  # type: ignore[arg-type]
        return gen.gamma(shape, float(d.mean) / shape, n)  # type: ignore[arg-type]
    raise ValueError(f"unknown distribution {kind!r}")


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
