"""Past one machine: an experiment run as Ray tasks gives the KPIs of local processes for the
same seed, a worker that dies fails only its own run, and an engine that cannot start is one
error line. The Ray tests need the optional extra (pip install 'childcare-sim[ray]') and skip,
saying so, when it is absent; sweeps on the Ray and submitit launchers: test_cluster_launchers.py.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.experiment import main
from sim.experiment.ray_pool import RayPool
from tests.commands import exit_status
from tests.experiment.test_launchers import _kpis

NO_RAY = "ray is not installed: pip install 'childcare-sim[ray]'"
SMOKE_SCENARIOS = ("baseline", "target")
RUN_FILES = ("timeseries.parquet", "replications.parquet", "waits.parquet", "kpis_by_year.parquet")


def _same_run(a: Path, b: Path) -> None:
    """Assert that two run directories hold the same KPIs and tables (wall times aside)."""
    x, y = _kpis(a), _kpis(b)
    differ = {k: (x.get(k), y.get(k)) for k in x.keys() | y.keys() if x.get(k) != y.get(k)}
    assert not differ, differ
    for name in RUN_FILES:
        left, right = pd.read_parquet(a / name), pd.read_parquet(b / name)
        wall = [c for c in left.columns if "wall" in c]
        pd.testing.assert_frame_equal(left.drop(columns=wall), right.drop(columns=wall))


@pytest.fixture(scope="module")
def local_ray() -> Iterator[object]:
    """A local Ray instance of two CPUs for this module's tests, shut down after them."""
    ray = pytest.importorskip("ray", reason=NO_RAY)
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    yield ray
    ray.shutdown()


def test_smoke_experiment_on_local_ray_has_the_kpis_of_local_processes(
        local_ray: object, tmp_path: Path) -> None:
    assert exit_status(main, ["smoke", "--out", str(tmp_path / "local"), "--jobs", "2", "--no-report"]) == 0
    assert exit_status(main, ["smoke", "--out", str(tmp_path / "ray"), "--engine", "ray", "--no-report"]) == 0
    for s in SMOKE_SCENARIOS:
        _same_run(tmp_path / "local" / "runs" / s, tmp_path / "ray" / "runs" / s)
    assert _kpis(tmp_path / "ray" / "runs" / "baseline") != _kpis(tmp_path / "ray" / "runs" / "target")


def test_a_ray_worker_that_dies_fails_its_own_task_only(local_ray: object) -> None:
    def die() -> None:  # defined here: sent to the worker by value
        os._exit(3)

    def add(a: int, b: int) -> int:
        return a + b

    pool = RayPool()
    crashed, fine = pool.submit(die), pool.submit(add, 1, 2)
    assert crashed.exception() is not None
    assert fine.result() == 3


def test_an_unreachable_ray_address_is_one_error_line_before_any_run(tmp_path: Path, capsys) -> None:
    pytest.importorskip("ray", reason=NO_RAY)
    out = tmp_path / "out"
    assert exit_status(main, ["smoke", "--out", str(out), "--address", "127.0.0.1:1", "--no-report"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: address: cannot reach 127.0.0.1:1"), err
    assert not (out / "runs").exists()


def test_the_ray_engine_without_ray_is_one_error_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    assert exit_status(main, ["smoke", "--out", str(tmp_path / "out"), "--engine", "ray"]) == 2
    assert capsys.readouterr().err.strip() == f"error: engine: {NO_RAY}"
    assert not (tmp_path / "out").exists()


def test_an_address_with_the_local_engine_is_one_error_line(tmp_path: Path, capsys) -> None:
    assert exit_status(main, ["smoke", "--engine", "local", "--address", "auto", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == "error: address: a Ray address needs --engine ray"
