"""Start-up transients: how many months of a run's output to discard before averaging.

A run starts from a city built to its 2024 places and a simulated pre-history
(``run.burnin_months``), yet its waitlists may still be filling up or draining in the first
years; averaging over them would measure the start, not the policy. MSER-5 (White 1997;
White, Cobb and Spratt 2000; the method that sim-tools lacks, STYLE.md) picks the truncation
point that minimises the standard error of the mean of what is left: the monthly series is
cut into batches of 5, and for each candidate number ``d`` of batches dropped from the start
(at most half of them) the statistic is

    MSER(d) = sum_{j >= d} (b_j - mean(b_d..))^2 / (k - d)^2,

with ``b_j`` the batch means and ``k`` their number. The warm-up is ``5 * argmin MSER``
observations. :func:`detect_warmup` applies it to the city's monthly waitlist of each
scenario (mean over replications); an experiment's warm-up should be at least the largest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

BATCH = 5


def mser5(series: Sequence[float] | np.ndarray) -> int:
    """Return the MSER-5 truncation index: observations to drop from the start of ``series``.

    Only the first half of the batches are candidates (a minimum in the second half means the
    series is too short to tell, and the first half is the usual limit). 0 for a series of
    fewer than two batches or a constant one.
    """
    x = np.asarray(series, dtype=float)
    k = len(x) // BATCH
    if k < 2:
        return 0
    b = x[: k * BATCH].reshape(k, BATCH).mean(axis=1)
    best_d, best = 0, np.inf
    for d in range(k // 2 + 1):
        tail = b[d:]
        stat = float(np.sum((tail - tail.mean()) ** 2)) / (len(tail) ** 2)
        if stat < best:
            best_d, best = d, stat
    return BATCH * best_d


def city_waitlist(ts: pd.DataFrame) -> pd.DataFrame:
    """Return the city's waitlist per scenario, seed, replication and month (districts summed)."""
    keys = [c for c in ("scenario", "seed", "replication") if c in ts.columns]
    return ts.groupby([*keys, "month"], sort=False)["waitlist"].sum().reset_index()


def detect_warmup(ts: pd.DataFrame) -> pd.DataFrame:
    """Return the MSER-5 warm-up (months) of each scenario's monthly city waitlist.

    MSER-5 is applied to the mean over replications of the city's waitlist in each month
    (Hoad, Robinson and Davies 2010 do the same: one replication's series is too noisy).
    Columns: ``scenario`` (``"run"`` when ``ts`` has none), ``warmup_months`` (from the first
    month with a row) and ``months`` (the series' length).
    """
    city = city_waitlist(ts)
    if "scenario" not in city.columns:
        city["scenario"] = "run"
    rows = []
    for s, g in city.groupby("scenario", sort=False):
        mean = g.groupby("month")["waitlist"].mean().sort_index()
        rows.append({"scenario": s, "warmup_months": mser5(mean.to_numpy()), "months": len(mean)})
    return pd.DataFrame(rows, columns=["scenario", "warmup_months", "months"])
