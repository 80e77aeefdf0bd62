"""Pieces of the report a reviewer reads: settings, units, intervals of counts, what is bold."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.report import diff_table, kpi_table
from sim.analysis.report_sections import count_interval, warmup_html
from sim.analysis.study import RunRecord, Study, last_per_key
from sim.analysis.tables import paired_differences, scenarios_frame, shown_kpis, with_costs_per_year


def test_the_settings_line_lists_each_key_once_with_the_value_that_wins() -> None:
    common = ["run.horizon_months=60", "run.replications=5", "seed=1", "run.replications=3",
              "run.horizon_months=24"]
    assert last_per_key(common) == ["run.horizon_months=24", "run.replications=3", "seed=1"]


def test_public_money_is_shown_per_year_of_the_window_in_one_unit() -> None:
    runs = pd.DataFrame({"scenario": ["a"], "seed": [1], "replication": [0], "window_months": [24.0],
                         "public_cost_total": [60e6], "public_cost_voucher": [20e6],
                         "public_cost_per_enrolled_child_month": [500.0]})
    out = with_costs_per_year(runs)
    assert out.loc[0, "public_cost_total_per_year"] == 30e6
    assert out.loc[0, "public_cost_voucher_per_year"] == 10e6
    assert "public_cost_per_enrolled_child_month_per_year" not in out  # a ratio, not a window sum
    assert shown_kpis(["mean_waitlist", "public_cost_total"], out.columns) == [
        "public_cost_total_per_year"]  # mean_waitlist is not a column here
    scen = scenarios_frame(Study("t", "t", "experiment", ["a"], {"a": []}, [], [], "a"), out)
    html = kpi_table(scen, ["public_cost_total_per_year"], out)
    assert "million yuan/year" in html and "30.0" in html


def test_a_count_never_shows_an_interval_below_zero() -> None:
    assert count_interval("institutions_closed", 0.4, 1.2, nonnegative=True) == "0 (0 to 2)"
    assert count_interval("mean_waitlist", 10.0, 2.0, nonnegative=True) == "10.0 ± 2.0"
    assert count_interval("provider_margin", 0.01, 0.05, nonnegative=False) == "1.00 ± 5.00"


def _runs() -> pd.DataFrame:
    rows = []
    for r, e in enumerate((-1.0, 0.0, 1.0)):
        rows += [{"scenario": "base", "seed": 1, "replication": r, "mean_waitlist": 100 + e},
                 {"scenario": "clear", "seed": 1, "replication": r, "mean_waitlist": 80 + e},
                 {"scenario": "noisy", "seed": 1, "replication": r, "mean_waitlist": 79 + 30 * e}]
    return pd.DataFrame(rows)


def test_only_differences_whose_interval_excludes_zero_are_bold() -> None:
    runs = _runs()
    html = diff_table(paired_differences(runs, "base", ["mean_waitlist"]), ["mean_waitlist"], "base")
    cells = html.split("<td")[1:]
    assert "best" in cells[0] and "-20.0" in cells[0]  # clear: −20 ± 0
    assert "best" not in cells[1]  # noisy: −21 ± 74


def test_the_best_value_is_bold_only_when_it_beats_every_other_scenario_beyond_the_noise() -> None:
    runs = _runs()
    study = Study("t", "t", "experiment", ["base", "clear", "noisy"], {}, [], [], "base")
    scen = scenarios_frame(study, runs)
    assert "best" not in kpi_table(scen, ["mean_waitlist"], runs)  # noisy's mean is lowest, not clearly
    runs2 = runs[runs["scenario"] != "noisy"]
    scen2 = scenarios_frame(Study("t", "t", "experiment", ["base", "clear"], {}, [], [], "base"), runs2)
    assert "class='num best'>80.0" in kpi_table(scen2, ["mean_waitlist"], runs2)


def _warm_study(tmp: Path, warmup: int) -> Study:
    (tmp / ".hydra").mkdir(parents=True, exist_ok=True)
    (tmp / ".hydra" / "config.yaml").write_text(f"run: {{warmup_months: {warmup}, burnin_months: 36}}\n")
    run = RunRecord("s", tmp, [], {"meta": {"seed": 1}})
    return Study("t", "t", "experiment", ["s"], {"s": []}, [], [run], "s")


def test_the_report_warns_when_the_warm_up_used_is_shorter_than_mser5_detects(tmp_path: Path) -> None:
    ts = pd.DataFrame([{"scenario": "s", "seed": 1, "replication": 0, "month": m, "district": "A",
                        "waitlist": (200.0 if m < 20 else 50.0) + m % 2} for m in range(80)])
    short = warmup_html(_warm_study(tmp_path, 0), ts, "Xiamen")
    assert "detects s 20 months" in short and "class='warn'" in short
    assert "shorter than MSER-5 detects (20 months in s)" in short
    enough = warmup_html(_warm_study(tmp_path, 24), ts, "Xiamen")
    assert "class='warn'" not in enough and "month 24" in enough
