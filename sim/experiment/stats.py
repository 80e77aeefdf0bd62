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
