"""MSER-5 warm-up detection on hand-made series whose transient is known."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiment.warmup import detect_warmup, mser5


def _noise(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 1.0, n)


def test_a_step_transient_is_cut_at_the_step() -> None:
    x = np.concatenate([np.full(30, 50.0), np.zeros(90)]) + _noise(120)
    assert 30 <= mser5(x) <= 35  # never keeps the step; noise may take one more batch
    assert mser5(np.concatenate([np.full(30, 50.0), np.zeros(90)])) == 30  # exactly, without noise


def test_a_decaying_start_is_cut_where_it_has_settled() -> None:
    t = np.arange(120)
    x = 100.0 * np.exp(-t / 6.0) + _noise(120, 2)
    cut = mser5(x)
    assert 15 <= cut <= 40  # 100 e^{-t/6} < 1 (the noise) from t = 28


def test_a_stationary_series_is_not_cut() -> None:
    for seed in range(5):
        assert mser5(_noise(120, seed)) <= 10  # at most two batches, by chance


def test_a_constant_or_short_series_is_not_cut() -> None:
    assert mser5(np.full(60, 3.0)) == 0
    assert mser5([5.0, 1.0, 1.0, 1.0]) == 0


def test_the_cut_never_passes_half_the_series() -> None:
    x = np.concatenate([np.full(100, 50.0), np.zeros(20)])  # a "transient" over most of the run
    assert mser5(x) <= 60


def test_detect_warmup_sums_districts_and_averages_replications_per_scenario() -> None:
    rows = []
    for s, step in (("slow", 30), ("fast", 10)):
        for rep in (0, 1):
            for m in range(60):
                level = 40.0 if m < step else 0.0
                for d in ("A", "B"):  # half the families in each district
                    rows.append({"scenario": s, "seed": 42, "replication": rep, "month": m,
                                 "district": d, "waitlist": level / 2 + (m + rep) % 2})
    out = detect_warmup(pd.DataFrame(rows)).set_index("scenario")
    assert out["warmup_months"].to_dict() == {"slow": 30, "fast": 10}
    assert out["months"].to_dict() == {"slow": 60, "fast": 60}
