"""Replication statistics: means and 95% confidence half-widths (Student t)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean_ci95(values: Sequence[float]) -> tuple[float, float]:
    """Return (mean, half-width of the 95% t confidence interval); half-width 0 for n < 2."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan
    m = math.fsum(values) / n
    if n < 2:
        return m, 0.0
    var = math.fsum((v - m) ** 2 for v in values) / (n - 1)
    from scipy import stats  # imported here: it costs ~0.6 s, and single runs never need it

    return m, float(stats.t.ppf(0.975, n - 1)) * math.sqrt(var / n)


def summarise(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Return every KPI's mean under its name and, for 2+ rows, ``<name>_ci95``."""
    out: dict[str, float] = {}
    for k in rows[0]:
        m, h = mean_ci95([r[k] for r in rows])
        out[k] = m
        if len(rows) > 1:
            out[f"{k}_ci95"] = h
    return out


def welch_half_width(sd_a: float, n_a: int, sd_b: float, n_b: int, confidence: float) -> float:
    """Return the half-width of the two-sided Welch interval of a difference of two means.

    ``sd_*`` are sample standard deviations of ``n_*`` replications each; the degrees of
    freedom are Welch-Satterthwaite's. 0 when both samples are constant.
    """
    va, vb = sd_a ** 2 / n_a, sd_b ** 2 / n_b
    se = math.sqrt(va + vb)
    if se == 0:
        return 0.0
    dof = (va + vb) ** 2 / ((va ** 2 / (n_a - 1) if va else 0.0) + (vb ** 2 / (n_b - 1) if vb else 0.0))
    from scipy import stats

    return float(stats.t.ppf(1.0 - (1.0 - confidence) / 2.0, dof)) * se


def ratio_ci95(num: Sequence[float], den: Sequence[float]) -> tuple[float, float]:
    """Return the ratio of means ``mean(num) / mean(den)`` of paired replications and the
    half-width of its 95% confidence interval by the delta method.

    The residuals ``num_i - R den_i`` have mean 0; their standard error over ``|mean(den)|``
    is the ratio's (Stuart and Ord; a first-order approximation that holds when ``den``'s mean
    is well away from 0: callers report no ratio when ``den``'s own interval includes 0).
    NaN for no pairs or a zero mean denominator; half-width 0 for one pair.
    """
    n = len(num)
    if n == 0 or n != len(den):
        return math.nan, math.nan
    mean_den = math.fsum(den) / n
    if mean_den == 0:
        return math.nan, math.nan
    r = math.fsum(num) / n / mean_den
    _, half = mean_ci95([a - r * b for a, b in zip(num, den, strict=True)])
    return r, half / abs(mean_den)
