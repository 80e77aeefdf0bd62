"""Cost-effectiveness against the baseline: paired by replication, over the window's whole years."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.analysis.cost_effectiveness import cost_effectiveness


def _year_rows(scenario: str, rep: int, cost: float, enrolled: float, priced_out: float,
               waitlist: float) -> list[dict]:
    """Two calendar years: 2024 in the warm-up (wild numbers that must not count), 2025 in the window."""
    warm = {"scenario": scenario, "seed": 42, "replication": rep, "year": 2024, "months": 12.0,
            "in_window": False, "public_cost_total": 1e12, "mean_enrolled": 1e6, "priced_out": 1e6,
            "mean_waitlist": 1e6}
    return [warm, {"scenario": scenario, "seed": 42, "replication": rep, "year": 2025, "months": 12.0,
                   "in_window": True, "public_cost_total": cost, "mean_enrolled": enrolled,
                   "priced_out": priced_out, "mean_waitlist": waitlist}]


def _runs(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{"scenario": s, "seed": 42, "replication": r, "public_cost_total": 0.0,
                          "window_months": 24.0} for s in names for r in (0, 1, 2)])


def _table(spec: dict[str, list[tuple[float, float, float, float]]]) -> pd.DataFrame:
    rows = [row for s, reps in spec.items() for r, v in enumerate(reps) for row in _year_rows(s, r, *v)]
    out = cost_effectiveness(_runs(list(spec)), pd.DataFrame(rows), "base")
    return out.set_index(["scenario", "measure"])


BASE = [(1e6, 100.0, 50.0, 40.0), (1e6, 110.0, 60.0, 30.0), (1e6, 90.0, 40.0, 50.0)]


def test_cost_per_unit_is_the_paired_extra_cost_over_the_paired_gain() -> None:
    # +2 million a year; +20 enrolled child-years; 10 fewer priced out; 5 fewer families waiting
    more = [(3e6, 120.0, 40.0, 35.0), (3e6, 130.0, 50.0, 25.0), (3e6, 110.0, 30.0, 45.0)]
    t = _table({"base": BASE, "more": more})
    kids = t.loc[("more", "enrolled_child_years")]
    assert kids["status"] == "ratio" and kids["delta_cost_per_year"] == pytest.approx(2e6)
    assert kids["gain_per_year"] == pytest.approx(20.0) and kids["cost_per_unit"] == pytest.approx(1e5)
    assert kids["cost_per_unit_ci95"] == pytest.approx(0.0, abs=1e-6)  # the same ratio in every pair
    assert t.loc[("more", "families_no_longer_priced_out"), "cost_per_unit"] == pytest.approx(2e5)
    wait = t.loc[("more", "waiting_months_removed")]  # 5 families x 12 months
    assert wait["gain_per_year"] == pytest.approx(60.0) and wait["cost_per_unit"] == pytest.approx(2e6 / 60)
    assert kids["years"] == 1.0 and kids["pairs"] == 3  # the warm-up year is left out


def test_a_gain_within_the_noise_has_no_ratio() -> None:
    noisy = [(3e6, 150.0, 50.0, 40.0), (3e6, 60.0, 60.0, 30.0), (3e6, 120.0, 40.0, 50.0)]  # +30, -50, +30
    t = _table({"base": BASE, "noisy": noisy})
    row = t.loc[("noisy", "enrolled_child_years")]
    assert row["status"] == "not estimable" and math.isnan(row["cost_per_unit"])
    assert t.loc[("noisy", "families_no_longer_priced_out"), "status"] == "not estimable"  # gain 0


def test_a_worse_outcome_and_a_saving_are_named_not_divided() -> None:
    cheap = [(0.5e6, 110.0, 60.0, 40.0), (0.5e6, 120.0, 70.0, 30.0), (0.5e6, 100.0, 50.0, 50.0)]
    t = _table({"base": BASE, "cheap": cheap})
    assert t.loc[("cheap", "enrolled_child_years"), "status"] == "saves money"
    assert t.loc[("cheap", "families_no_longer_priced_out"), "status"] == "worse"  # 10 more priced out
    assert math.isnan(t.loc[("cheap", "families_no_longer_priced_out"), "cost_per_unit"])


def test_pairs_are_matched_by_replication_not_by_row_order() -> None:
    more = [(3e6, 120.0, 40.0, 35.0), (3e6, 130.0, 50.0, 25.0), (3e6, 110.0, 30.0, 45.0)]
    rows = [row for s, reps in {"base": BASE, "more": more}.items()
            for r, v in enumerate(reps) for row in _year_rows(s, r, *v)]
    shuffled = pd.DataFrame(rows).sample(frac=1.0, random_state=3)
    t = cost_effectiveness(_runs(["base", "more"]), shuffled, "base").set_index(["scenario", "measure"])
    assert t.loc[("more", "enrolled_child_years"), "gain_per_year_ci95"] == pytest.approx(0.0, abs=1e-9)
