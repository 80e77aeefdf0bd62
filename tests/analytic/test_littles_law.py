"""Little's law holds inside every run, for the textbook queue and for the city model.

The KPIs give both sides: ``mean_waitlist`` (L, the time-average waitlist over the window)
and ``waitlist_joins / window_months`` (lambda) times ``mean_time_on_waitlist`` (W, over
the joiners whose wait ended). In a finite window they differ only by end effects: families
already waiting when the window opens and families still waiting when it closes
(:class:`tests.analytic.trace.LittleBalance`). Each run is traced through the ledger, so

1. the three KPIs equal the same quantities rebuilt from the ledger's event log;
2. in the stationary queue preset the gap ``L - lambda W`` is inside the run's statistical
   error: ``|L - lambda W| <= t * se(L)``, with ``se(L)`` from batch means of the waitlist path.

(A former test that the gap equals the end effect measured from the log could not fail once
point 1 holds: it restated an identity of the log. It was removed; issue 19.)
"""

from __future__ import annotations

import functools

import pytest

from tests.analytic.theory import CONFIDENCE, t_quantile
from tests.analytic.trace import (
    LittleBalance,
    little_balance,
    run_traced,
    waitlist_batch_se,
    waitlist_spells,
    window_of,
)

BATCHES = 10

QUEUE_RUNS = {
    "M/M/1 rho=0.5": ("scenario=queue", "queue.places=1", "queue.arrival_rate=0.5"),
    "M/M/10 rho=0.9": ("scenario=queue",),
    "M/M/10 rho=0.9 lottery": ("scenario=queue", "allocation=lottery"),
    "M/M/5+M rho=1.2": ("scenario=queue", "queue.places=5", "queue.arrival_rate=6.0",
                        "queue.mean_patience_months=2.0"),
    "M/M/50 rho=0.95": ("scenario=queue", "queue.places=50", "queue.arrival_rate=47.5",
                        "run.horizon_months=600"),
}
CITY_RUNS = {
    "city 12 months": ("run.horizon_months=12",),
    "city 18 months, warm-up 6": ("run.horizon_months=18", "run.warmup_months=6"),
}
SLOW_CITY_RUNS = {
    "city 120 months (default)": (),
    "city 36 months, lottery": ("run.horizon_months=36", "allocation=lottery"),
    "city 60 months, warm-up 24, one waitlist": ("run.horizon_months=60", "run.warmup_months=24",
                                                 "families.max_waitlists=1"),
}
SEEDS = (11, 12)


@functools.cache
def traced(overrides: tuple[str, ...], seed: int) -> tuple[dict[str, float], LittleBalance, tuple]:
    """Run once, and return the KPIs, the Little balance and the window's waitlist spells."""
    world, result, log = run_traced(list(overrides), seed)
    t0, t1 = window_of(world)
    spells = waitlist_spells(log)
    return result.summary, little_balance(spells, t0, t1), (spells, t0, t1)


def _little_gap(s: dict[str, float]) -> float:
    lam = s["waitlist_joins"] / s["window_months"]
    return s["mean_waitlist"] - lam * s["mean_time_on_waitlist"]


def _runs(table: dict, seeds: tuple[int, ...] = SEEDS, slow: bool = False) -> list:
    marks = [pytest.mark.slow] if slow else []
    return [pytest.param(ov, seed, id=f"{name}-seed{seed}", marks=marks)
            for name, ov in table.items() for seed in seeds]


ALL_RUNS = (_runs(QUEUE_RUNS) + _runs(CITY_RUNS, SEEDS[:1]) + _runs(CITY_RUNS, SEEDS[1:], slow=True)
            + _runs(SLOW_CITY_RUNS, slow=True))


@pytest.mark.parametrize(("overrides", "seed"), ALL_RUNS)
def test_waitlist_kpis_equal_the_ledger_event_log(overrides, seed):
    s, b, _ = traced(overrides, seed)
    assert s["window_months"] == pytest.approx(b.window)
    assert s["waitlist_joins"] == b.joins
    assert s["mean_waitlist"] == pytest.approx(b.mean_waitlist, rel=1e-9)
    assert s["mean_time_on_waitlist"] == pytest.approx(b.mean_time, rel=1e-9)
    assert b.joins > 0 and b.area > 0


@pytest.mark.parametrize(("overrides", "seed"), _runs(QUEUE_RUNS))
def test_littles_law_holds_within_the_runs_batch_means_error(overrides, seed):
    s, _, (spells, t0, t1) = traced(overrides, seed)
    mean, se = waitlist_batch_se(spells, t0, t1, BATCHES)
    assert mean == pytest.approx(s["mean_waitlist"], rel=1e-9)
    tol = t_quantile(BATCHES, CONFIDENCE) * se
    gap = _little_gap(s)
    assert abs(gap) <= tol, f"L - lambda W = {gap:.4g}, {CONFIDENCE:.1%} batch-means tolerance {tol:.4g}"
