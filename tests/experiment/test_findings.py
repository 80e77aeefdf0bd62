"""The report's main finding is generated from the numbers: the right scenario, with its numbers."""

from __future__ import annotations

import pandas as pd

from sim.analysis.findings import main_finding
from sim.analysis.kpis import fmt
from sim.analysis.tables import Study, paired_differences, scenarios_frame

# scenario -> (mean waitlist, public cost per year in million yuan); three replications each
NUMBERS = {"base": (100.0, 0.0), "cheap": (80.0, 10.0), "dear": (50.0, 100.0), "free": (90.0, 0.0)}


def _runs(names: list[str]) -> pd.DataFrame:
    rows = []
    for s in names:
        wait, cost = NUMBERS[s]
        for r, noise in enumerate((-1.0, 0.0, 1.0)):
            rows.append({"scenario": s, "seed": 42, "replication": r, "mean_waitlist": wait + noise,
                         "public_cost_total": cost * 1e6 * 5, "window_months": 60.0})
    return pd.DataFrame(rows)


def _study(names: list[str], cost: str | None = "public_cost_total") -> Study:
    return Study("t", "test", "experiment", names, {s: [] for s in names}, [], [], "base", cost=cost)


def test_a_scenario_that_helps_at_no_extra_cost_is_the_finding() -> None:
    names = ["base", "cheap", "dear", "free"]
    text = main_finding(_study(names), _runs(names))
    assert text.startswith("free improves the mean waitlist most per yuan, as it needs no extra public money")
    assert "100.0 families under base" in text and "90.0 families" in text
    assert "the best mean waitlist overall is under dear (50.0 families" in text


def test_otherwise_the_largest_improvement_per_extra_yuan_wins() -> None:
    names = ["base", "cheap", "dear"]
    text = main_finding(_study(names), _runs(names))
    assert text.startswith("cheap improves the mean waitlist most per yuan: 2.00 fewer families "
                           "waiting per extra million yuan a year")
    assert "(−20.0 ± 0.0, paired 95% CI) for 10.0 against 0.0 million yuan a year" in text


def test_without_a_cost_kpi_the_best_value_is_the_finding() -> None:
    names = ["base", "cheap", "dear"]
    text = main_finding(_study(names, cost=None), _runs(names))
    assert text.startswith("dear has the best mean waitlist, 50.0 ± 2.5 families against 100.0 ± 2.5")


def test_a_difference_inside_the_noise_is_called_so() -> None:
    runs = _runs(["base", "cheap"])
    runs.loc[runs["scenario"] == "cheap", "mean_waitlist"] = [130.0, 80.0, 40.0]
    text = main_finding(_study(["base", "cheap"]), runs)
    assert text.startswith("No scenario improves the mean waitlist on base (100.0 families) beyond the "
                           "noise of 3 replications: the closest is cheap")


def test_no_complete_run_gives_an_honest_sentence() -> None:
    assert main_finding(_study(["base"]), pd.DataFrame(columns=["scenario"])).startswith("No run completed")


def test_scenario_means_cis_and_paired_differences() -> None:
    names = ["base", "cheap"]
    runs = _runs(names)
    scen = scenarios_frame(_study(names), runs)
    assert list(scen["scenario"]) == names
    row = scen.set_index("scenario").loc["cheap"]
    assert row["mean_waitlist"] == 80.0 and row["replications"] == 3
    assert abs(row["mean_waitlist_ci95"] - 4.303 * 1 / 3**0.5) < 1e-3  # t(0.975, 2) * sd / sqrt(n)
    diffs = paired_differences(runs, "base", ["mean_waitlist"]).set_index("scenario")
    assert diffs.loc["cheap", "mean_waitlist"] == -20.0 and diffs.loc["cheap", "mean_waitlist_ci95"] == 0.0


def test_numbers_are_shown_in_their_units() -> None:
    assert fmt("occupancy", 0.6412, 0.004, unit=True) == "64.12 ± 0.40%"
    assert fmt("public_cost_total", 2.5e8) == "250.0"
    assert fmt("institutions_closed", -0.2, 2.0) == "0 ± 2"
    assert fmt("no_such_kpi", float("nan")) == "–"
