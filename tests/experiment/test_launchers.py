"""A --multirun sweep gives the same KPIs on Hydra's basic and joblib launchers, and
childcare-sim-report turns the sweep directory into a report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.report import main as report_main

SWEEP = ["policy=baseline,fee_cap", "run.horizon_months=12", "run.burnin_months=12",
         "run.replications=2"]


def _sweep(out: Path, *extra: str) -> None:
    cmd = [sys.executable, "-m", "sim", "--multirun", f"hydra.sweep.dir={out}", *extra, *SWEEP]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def _kpis(job: Path) -> dict:
    summary = json.loads((job / "summary.json").read_text())
    summary["meta"].pop("wall_seconds")
    # a commit landing between the two sweeps (shared working trees) changes only this field;
    # the configuration hash, the version and every KPI are still compared
    summary["meta"].pop("git_commit")
    return summary


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("launchers")
    _sweep(root / "basic")
    _sweep(root / "joblib", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    return {"basic": root / "basic", "joblib": root / "joblib"}


def test_basic_and_joblib_launchers_give_identical_kpis(sweeps: dict[str, Path]) -> None:
    for job in ("0", "1"):
        basic, joblib = sweeps["basic"] / job, sweeps["joblib"] / job
        a, b = _kpis(basic), _kpis(joblib)
        differ = {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
        assert not differ, differ
        pd.testing.assert_frame_equal(pd.read_parquet(basic / "timeseries.parquet"),
                                      pd.read_parquet(joblib / "timeseries.parquet"))
    assert _kpis(sweeps["basic"] / "0") != _kpis(sweeps["basic"] / "1")  # the policies differ


def test_report_from_a_plain_multirun_directory(sweeps: dict[str, Path]) -> None:
    d = sweeps["basic"]
    report_main([str(d)])
    runs = pd.read_parquet(d / "runs.parquet")
    assert list(runs["scenario"].unique()) == ["policy=baseline", "policy=fee_cap"]
    assert runs.groupby("scenario").size().eq(2).all()
    assert list(pd.read_csv(d / "scenarios.csv")["scenario"]) == ["policy=baseline", "policy=fee_cap"]
    text = (d / "report.html").read_text(encoding="utf-8")
    # the default figures, less "Programme places by channel" (no programme in these policies)
    # and the quintile bars unless the runs have quintile KPIs
    quintiles = "enrollment_rate_q1" in runs.columns
    assert text.count("src='data:image/png;base64,") == 8 + quintiles
    assert "run.horizon_months=12" in text  # the shared settings


def test_report_of_a_missing_directory_exits_with_status_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        report_main([str(tmp_path / "nothing")])
    assert exc.value.code == 2
