"""childcare-sim-experiment: the smoke experiment end to end, resuming, failures, parallelism."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.experiment import main
from sim.experiment.layout import DEFAULT_FIGURES
from sim.experiment.spec import ExperimentError, expand_grid, load_experiment, parse_experiment
from tests.commands import exit_status

SMOKE_SCENARIOS = ("baseline", "target")


def _drawn(smoke: Path) -> list[str]:
    """The default figures, but the quintile bars only when the runs have quintile KPIs."""
    quintiles = "enrollment_rate_q1" in pd.read_parquet(smoke / "runs.parquet").columns
    return [f for f in DEFAULT_FIGURES if f != "distribution" or quintiles]
KPI_SAMPLE = ("mean_waitlist", "enrollment_rate", "occupancy", "public_cost_total", "children_born")



@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The smoke experiment run on two processes, report included."""
    out = tmp_path_factory.mktemp("smoke")
    assert exit_status(main, ["smoke", "--out", str(out), "--jobs", "2"]) == 0
    return out


def _kpis(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["wall_seconds"]).reset_index(drop=True)


def test_smoke_experiment_writes_every_output(smoke: Path) -> None:
    for name in ("experiment.json", "runs.parquet", "scenarios.csv", "timeseries.parquet", "report.html"):
        assert (smoke / name).is_file(), name
    for s in SMOKE_SCENARIOS:
        run = smoke / "runs" / s
        for name in ("summary.json", "timeseries.parquet", "replications.parquet", "waits.parquet",
                     ".hydra/overrides.yaml", ".hydra/config.yaml"):
            assert (run / name).is_file(), f"{s}/{name}"
        assert not (run / "error.json").exists()
    for fig in _drawn(smoke):
        assert (smoke / "figures" / f"{fig}.png").stat().st_size > 10_000, fig
    assert (smoke / "cost_effectiveness.parquet").is_file()


def test_runs_parquet_has_one_row_per_scenario_and_replication(smoke: Path) -> None:
    runs = pd.read_parquet(smoke / "runs.parquet")
    assert list(runs.columns[:1]) == ["scenario"]
    assert {"seed", "replication", "overrides", "capacity", "capacity.target_per_1000"} <= set(runs.columns)
    assert set(KPI_SAMPLE) <= set(runs.columns)
    assert sorted(zip(runs["scenario"], runs["replication"], strict=True)) == [
        (s, r) for s in SMOKE_SCENARIOS for r in (0, 1)]
    assert runs["seed"].nunique() == 1  # common random numbers: one root seed for all scenarios
    assert runs.loc[runs["scenario"] == "target", "capacity.target_per_1000"].eq(6.5).all()
    assert runs.groupby("replication")["children_born"].nunique().eq(1).all()  # same families


def test_scenarios_csv_has_kpi_means_and_ci95_half_widths(smoke: Path) -> None:
    scen = pd.read_csv(smoke / "scenarios.csv")
    runs = pd.read_parquet(smoke / "runs.parquet")
    assert list(scen["scenario"]) == list(SMOKE_SCENARIOS)
    assert scen["replications"].eq(2).all()
    for k in KPI_SAMPLE:
        assert f"{k}_ci95" in scen.columns
        means = runs.groupby("scenario")[k].mean()
        for _, row in scen.iterrows():
            assert row[k] == pytest.approx(means[row["scenario"]])
            assert math.isfinite(row[f"{k}_ci95"]) and row[f"{k}_ci95"] >= 0


def test_timeseries_has_scenario_and_replication_of_every_run(smoke: Path) -> None:
    ts = pd.read_parquet(smoke / "timeseries.parquet")
    assert {"scenario", "replication", "month", "district", "waitlist"} <= set(ts.columns)
    assert ts.groupby("scenario")["replication"].nunique().to_dict() == dict.fromkeys(SMOKE_SCENARIOS, 2)


def test_report_is_self_contained_with_every_figure_embedded(smoke: Path) -> None:
    text = (smoke / "report.html").read_text(encoding="utf-8")
    assert text.count("src='data:image/png;base64,") == len(_drawn(smoke))
    for section in ("Cost-effectiveness against", "Distribution: who gets a place", "Warm-up:"):
        assert section in text
    assert "src='figures/" not in text and "<script" not in text
    assert 'class="finding"' in text and "± " in text
    for s in SMOKE_SCENARIOS:
        assert s in text
    assert "capacity.target_per_1000=6.5" in text  # the parameter differences
    assert "The ledger" in text  # the model's assumptions, from README.md


def test_parallel_sweep_gives_the_same_results_as_sequential(smoke: Path, tmp_path: Path) -> None:
    assert exit_status(main, ["smoke", "--out", str(tmp_path), "--jobs", "1", "--no-report"]) == 0
    for s in SMOKE_SCENARIOS:
        a = pd.read_parquet(smoke / "runs" / s / "replications.parquet")
        b = pd.read_parquet(tmp_path / "runs" / s / "replications.parquet")
        pd.testing.assert_frame_equal(_kpis(a), _kpis(b))
        pd.testing.assert_frame_equal(pd.read_parquet(smoke / "runs" / s / "timeseries.parquet"),
                                      pd.read_parquet(tmp_path / "runs" / s / "timeseries.parquet"))


def test_rerun_skips_complete_runs_and_redoes_only_missing_ones(tmp_path: Path, capsys) -> None:
    assert exit_status(main, ["smoke", "--out", str(tmp_path), "--jobs", "1", "--no-report"]) == 0
    summaries = {s: tmp_path / "runs" / s / "summary.json" for s in SMOKE_SCENARIOS}
    stamp = {s: p.stat().st_mtime_ns for s, p in summaries.items()}
    before = pd.read_parquet(tmp_path / "runs" / "target" / "replications.parquet")
    capsys.readouterr()
    assert exit_status(main, ["smoke", "--out", str(tmp_path), "--jobs", "1", "--no-report"]) == 0
    assert "2 of 2 runs already complete" in capsys.readouterr().err
    assert {s: p.stat().st_mtime_ns for s, p in summaries.items()} == stamp
    summaries["target"].unlink()  # as if interrupted before the run finished
    assert exit_status(main, ["smoke", "--out", str(tmp_path), "--jobs", "1", "--no-report"]) == 0
    err = capsys.readouterr().err
    assert "1 of 2 runs already complete" in err and "run 2/2 done: target" in err
    assert summaries["baseline"].stat().st_mtime_ns == stamp["baseline"]
    after = pd.read_parquet(tmp_path / "runs" / "target" / "replications.parquet")
    pd.testing.assert_frame_equal(_kpis(before), _kpis(after))


def test_changed_overrides_rerun_the_affected_runs(tmp_path: Path, capsys) -> None:
    argv = ["smoke", "--out", str(tmp_path), "--jobs", "1", "--no-report", "run.replications=1"]
    assert exit_status(main, argv) == 0
    capsys.readouterr()
    assert exit_status(main, ["smoke", "--out", str(tmp_path), "--jobs", "1", "--no-report"]) == 0
    assert "already complete" not in capsys.readouterr().err
    assert len(pd.read_parquet(tmp_path / "runs" / "target" / "replications.parquet")) == 2


def test_failing_run_is_recorded_and_the_others_complete(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(
        "purpose: One good and one invalid scenario.\n"
        "scenarios:\n  good: []\n  bad: [staff.initial_fill=1.5]\n"
        "replications: 1\ncommon: [run.horizon_months=6, run.burnin_months=6]\n"
        "figures: [kpis]\n", encoding="utf-8")
    out = tmp_path / "out"
    assert exit_status(main, [str(spec), "--out", str(out), "--jobs", "2"]) == 1
    assert "staff.initial_fill" in capsys.readouterr().err
    error = json.loads((out / "runs" / "bad" / "error.json").read_text())
    assert error["error"] == "config" and error["key"] == "staff.initial_fill"
    assert not (out / "runs" / "bad" / "summary.json").exists()
    assert (out / "runs" / "good" / "summary.json").is_file()
    assert list(pd.read_parquet(out / "runs.parquet")["scenario"].unique()) == ["good"]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "1 run(s) failed" in report and "staff.initial_fill" in report


def test_every_shipped_experiment_parses() -> None:
    for name in ("smoke", "capacity_targets", "subsidy_mix", "fee_caps", "births_decline", "quality_levers"):
        exp = load_experiment(name)
        assert exp.purpose and len(exp.scenarios) >= 2 and exp.baseline in exp.scenarios
    smoke = load_experiment("smoke")
    assert smoke.replications == 2 and "run.horizon_months=12" in smoke.common
    assert "run.burnin_months=12" in smoke.common


def test_grid_expands_to_one_scenario_per_combination() -> None:
    sc = expand_grid({"city.births_growth_per_year": [0, -0.05], "policy": ["baseline", "fee_cap"]})
    assert list(sc) == ["births_growth_per_year=0 policy=baseline", "births_growth_per_year=0 policy=fee_cap",
                        "births_growth_per_year=-0.05 policy=baseline",
                        "births_growth_per_year=-0.05 policy=fee_cap"]
    assert sc["births_growth_per_year=-0.05 policy=fee_cap"] == [
        "city.births_growth_per_year=-0.05", "policy=fee_cap"]


@pytest.mark.parametrize(("raw", "field"), [
    ({"scenarios": {"a": []}}, "purpose"),
    ({"purpose": "x", "scenarios": {"a": []}, "replicates": 3}, "replicates"),
    ({"purpose": "x"}, "scenarios"),
    ({"purpose": "x", "scenarios": {"a": []}, "grid": {"seed": [1]}}, "scenarios"),
    ({"purpose": "x", "scenarios": {"a": []}, "replications": 0}, "replications"),
    ({"purpose": "x", "scenarios": {"a": []}, "figures": ["pie"]}, "figures"),
    ({"purpose": "x", "scenarios": {"a": []}, "baseline": "b"}, "baseline"),
    ({"purpose": "x", "scenarios": {"a": "policy=fee_cap"}}, "scenarios.a"),
])
def test_malformed_experiment_names_the_field(raw: dict, field: str) -> None:
    with pytest.raises(ExperimentError, match=f"^{field}"):
        parse_experiment(raw, "t")


def test_unknown_experiment_exits_with_status_2(capsys) -> None:
    assert exit_status(main, ["no_such_experiment"]) == 2
    assert capsys.readouterr().err.startswith("error: experiment no_such_experiment")
