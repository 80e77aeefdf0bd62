"""The report's main finding is generated from the numbers: the right scenario, with its numbers."""

from __future__ import annotations

import pandas as pd

from sim.analysis.findings import main_finding
from sim.analysis.kpis import fmt
from sim.analysis.study import Study
from sim.analysis.tables import paired_differences, scenarios_frame

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


# -- the policy brief --------------------------------------------------------------------------
def _brief_runs(concentration: bool = False) -> pd.DataFrame:
    """base; 'trade': more enrolled, fewer priced out, longer waits, dearer; 'same': noise only."""
    rows = []
    for r, e in enumerate((-0.01, 0.0, 0.01)):
        for s, enrol, priced, wait, cost, ci in (("base", 0.10, 500, 0.5, 0.0, 0.05),
                                                 ("trade", 0.12, 400, 0.9, 30.0, -0.02),
                                                 ("same", 0.10 + 3 * e, 500 - 100 * (r - 1), 0.5, 0.0, 0.05)):
            rows.append({"scenario": s, "seed": 42, "replication": r, "enrollment_rate": enrol + e,
                         "priced_out": priced + r, "family_cost_share": 0.2, "mean_wait_months": wait + e,
                         "mean_waitlist": 50.0 + r, "public_cost_total": cost * 1e6 * 5 + r,
                         "window_months": 60.0, **({"enrollment_concentration_index": ci + e}
                                                   if concentration else {})})
    return pd.DataFrame(rows)


def _brief_study() -> Study:
    names = ["base", "trade", "same"]
    return Study("t", "test", "experiment", names, {s: [] for s in names}, [], [], "base")


def test_the_brief_weighs_every_headline_kpi_and_names_the_trade_off() -> None:
    from sim.analysis.findings import policy_brief

    b = policy_brief(_brief_study(), _brief_runs())
    trade = next(line for line in b.lines if line.startswith("trade:"))
    assert "better on enrollment +2.00 ± 0.00 pp, families priced out −100 ± 0 families" in trade
    assert "worse on mean wait +0.40 ± 0.00 months" in trade
    assert "costs 30.0 ± 0.0 million yuan a year more" in trade
    assert "no clear difference in fee burden, families waiting" in trade
    assert "trade improves enrollment, families priced out at the price of mean wait and public money" \
        in b.tradeoffs
    assert "Equity is not weighed" in b.notes


def test_the_brief_never_calls_a_difference_inside_the_noise_better_worse_or_best() -> None:
    from sim.analysis.findings import policy_brief

    b = policy_brief(_brief_study(), _brief_runs())
    same = next(line for line in b.lines if line.startswith("same:"))
    assert same.startswith("same: better on no headline KPI;")  # enrollment and priced out: noise
    assert "worse" not in same and "no clear difference in public cost" in same
    assert "no clear difference in enrollment, families priced out, fee burden, mean wait" in same
    assert "same" not in b.tradeoffs
    # trade beats base on enrollment, but not beyond the noise against 'same': nobody is clearly best
    assert "enrollment:" not in b.bests and "No scenario is clearly best on" in b.bests
    assert "mean wait: base" not in b.bests  # base and same tie on waits


def test_the_brief_weighs_equity_when_the_runs_have_the_concentration_index() -> None:
    from sim.analysis.findings import policy_brief

    b = policy_brief(_brief_study(), _brief_runs(concentration=True))
    trade = next(line for line in b.lines if line.startswith("trade:"))
    assert "better on" in trade and "equity (concentration index) −0.070 ± 0.000" in trade
    assert b.notes == ""


def test_the_lead_sentence_names_no_best_overall_inside_the_noise() -> None:
    runs = _runs(["base", "cheap", "dear"])
    runs.loc[runs["scenario"] == "dear", "mean_waitlist"] = [20.0, 70.0, 120.0]  # the lowest mean, noisy
    runs.loc[runs["scenario"] == "cheap", "mean_waitlist"] = [79.0, 80.0, 81.0]
    text = main_finding(_study(["base", "cheap", "dear"]), runs)
    assert "best mean waitlist overall" not in text  # dear's is no better beyond the noise
