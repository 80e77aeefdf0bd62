"""childcare-sim-robustness: the design, the choice of assumptions, resuming, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.robustness import main
from sim.experiment.assumptions import Assumption
from sim.experiment.robustness import latin_hypercube, set_by
from tests.commands import exit_status

QUEUES = """purpose: Two textbook queues (10 or 12 places), for the robustness command's tests.
scenarios:
  ten: [queue.places=10]
  twelve: [queue.places=12]
replications: 2
common: [scenario=queue, run.horizon_months=36, run.warmup_months=6]
kpis: [mean_waitlist, mean_wait_months, occupancy]
figures: [kpis]
"""



@pytest.fixture
def queues(tmp_path: Path) -> Path:
    p = tmp_path / "queues.yaml"
    p.write_text(QUEUES, encoding="utf-8")
    return p


def test_latin_hypercube_puts_exactly_one_point_in_each_stratum_of_every_assumption() -> None:
    n = 16
    u = latin_hypercube(n, 3, seed=7)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))
    a = Assumption(key="families.patience.mean", low=2.0, high=12.0, log=True)  # strata of equal log width
    values = [a.from_unit(x) for x in u[:, 0]]
    edges = np.exp(np.linspace(np.log(2.0), np.log(12.0), n + 1))
    assert sorted(np.searchsorted(edges, values) - 1) == list(range(n))
    assert np.array_equal(u, latin_hypercube(n, 3, seed=7))  # the same design on a rerun
    assert not np.array_equal(u, latin_hypercube(n, 3, seed=8))


def test_an_assumption_set_by_a_scenario_is_a_lever_but_a_group_choice_is_not() -> None:
    assert set_by("families.patience.mean", ["families.patience.mean=3"])
    assert set_by("families.patience.mean", ["families.patience={dist: fixed, value: 3}"])
    assert set_by("city.districts.*.fee_index", ["city.districts.2.fee_index=1.1"])
    assert not set_by("policy.voucher_per_month", ["policy=voucher"])
    assert not set_by("families.patience.mean", ["families.start_age.mean=20"])


def _argv(queues: Path, out: Path, *more: str) -> list[str]:
    return [str(queues), "-p", "families.move_hazard_per_month", "-j", "1", "--out", str(out), *more]


def test_a_second_invocation_runs_nothing(queues: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    argv = _argv(queues, out, "--points", "2", "--no-report")
    assert exit_status(main, argv) == 0
    found = (out / "runs").glob("*/*/summary.json")
    runs = sorted(p.parent.relative_to(out / "runs").as_posix() for p in found)
    assert runs == ["default/ten", "default/twelve", "p000/ten", "p000/twelve", "p001/ten", "p001/twelve"]
    design = pd.read_csv(out / "design.csv")
    assert list(design.columns) == ["point", "families.move_hazard_per_month"]
    manifest = json.loads((out / "robustness.json").read_text())
    assert manifest["kpis"] == ["mean_waitlist", "mean_wait_months"]  # occupancy has no better direction
    run = json.loads((out / "runs" / "p001" / "ten" / "run.json").read_text())
    value = design.loc[1, "families.move_hazard_per_month"]
    assert f"families.move_hazard_per_month={value:.10g}" in run["overrides"]
    assert run["overrides"][-1] == "seed=42"
    capsys.readouterr()
    assert exit_status(main, argv) == 0
    err = capsys.readouterr().err
    assert "6 of 6 runs already complete" in err and "running" not in err


@pytest.mark.slow
def test_robustness_end_to_end_tables_report_and_a_lost_run_rerun_alone(
        queues: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    argv = _argv(queues, out, "--points", "6", "--replications", "3")
    assert exit_status(main, argv) == 0
    res = pd.read_csv(out / "robustness.csv")
    assert list(res.columns) == ["kpi", "scenario_a", "scenario_b", "default_ranking", "share_holds",
                                 "ci_low", "ci_high", "share_flipped", "share_tied", "points"]
    assert len(res) == 2 and res["points"].eq(6).all()
    assert np.allclose(res["share_holds"] + res["share_flipped"] + res["share_tied"], 1)
    assert (res["ci_low"] <= res["share_holds"]).all() and (res["share_holds"] <= res["ci_high"]).all()
    v = pd.read_csv(out / "verdicts.csv")
    for _, r in res.iterrows():
        mine = v[(v["kpi"] == r["kpi"]) & (v["scenario_a"] == r["scenario_a"])]
        assert (mine["outcome"] == "holds").mean() == pytest.approx(r["share_holds"])
    # twelve places wait less than ten (M/M/c, 9 arrivals a month): a holds everywhere or ties
    wl = res[res["kpi"] == "mean_waitlist"].iloc[0]
    assert wl["scenario_a"] == "twelve" and wl["share_flipped"] == 0
    html = (out / "robustness.html").read_text()
    assert "data:image/png;base64," in html and "Does the ranking hold?" in html
    assert (out / "boxes.csv").is_file() and (out / "boxes.json").is_file()
    (out / "runs" / "p003" / "twelve" / "summary.json").unlink()
    capsys.readouterr()
    assert exit_status(main, argv) == 0
    err = capsys.readouterr().err
    assert "13 of 14 runs already complete" in err and "running 1 of 14 runs" in err


@pytest.mark.parametrize(("args", "line"), [
    (["--points", "1"], "error: points: must be an integer >= 2, got 1"),
    (["-p", "families.no_such_thing"],
     "error: parameters: families.no_such_thing: not in the assumption registry"),
    (["-p", "quality"], "error: parameters: no assumption to vary"),
    (["-p", "quality.fine"],
     "error: parameters: quality.fine is inert in every scenario (it requires quality.enabled=true)"),
    (["-p", "families.move_hazard_per_month", "families.move_hazard_per_month=0.01"],
     "error: parameters: families.move_hazard_per_month is set by an extra override: it cannot also vary"),
    (["run.horizon_months=-3"], "error: run.horizon_months:"),
    (["--points", "many"], "error: arguments: argument --points/-n: invalid int value: 'many'"),
])
def test_bad_input_is_one_line_naming_the_key_with_exit_status_2(
        queues: Path, tmp_path: Path, args: list[str], line: str, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    assert exit_status(main, [str(queues), "--out", str(out), "-j", "1", "--no-report", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(line), err
    assert not any("Traceback" in e for e in err)
    assert not out.exists()


def test_an_unknown_experiment_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert exit_status(main, ["no_such_experiment", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip().startswith("error: experiment: no_such_experiment:")
