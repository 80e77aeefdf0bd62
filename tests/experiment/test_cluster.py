"""Past one machine: an experiment on Ray, and sweeps on the Ray and submitit launchers, give
the KPIs of the local run for the same seed; an engine that cannot start is one error line.

The Ray and submitit tests need the optional extras (pip install 'childcare-sim[ray,slurm]')
and skip, saying so, when they are absent.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.experiment import main
from sim.experiment.ray_pool import RayPool
from tests.experiment.test_launchers import _kpis, _sweep

NO_RAY = "ray is not installed: pip install 'childcare-sim[ray]'"
SMOKE_SCENARIOS = ("baseline", "target")
RUN_FILES = ("timeseries.parquet", "replications.parquet", "waits.parquet", "kpis_by_year.parquet")


def _run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


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
    assert _run(["smoke", "--out", str(tmp_path / "local"), "--jobs", "2", "--no-report"]) == 0
    assert _run(["smoke", "--out", str(tmp_path / "ray"), "--engine", "ray", "--no-report"]) == 0
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
    assert _run(["smoke", "--out", str(out), "--address", "127.0.0.1:1", "--no-report"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: address: cannot reach 127.0.0.1:1"), err
    assert not (out / "runs").exists()


def test_the_ray_engine_without_ray_is_one_error_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    assert _run(["smoke", "--out", str(tmp_path / "out"), "--engine", "ray"]) == 2
    assert capsys.readouterr().err.strip() == f"error: engine: {NO_RAY}"
    assert not (tmp_path / "out").exists()


def test_an_address_with_the_local_engine_is_one_error_line(tmp_path: Path, capsys) -> None:
    assert _run(["smoke", "--engine", "local", "--address", "auto", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == "error: address: a Ray address needs --engine ray"


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cluster") / "basic"
    _sweep(out)
    return out


def test_ray_launcher_sweep_has_the_kpis_of_the_basic_launcher(basic_sweep: Path, tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_ray_launcher", reason="pip install 'childcare-sim[ray]'")
    _sweep(tmp_path / "ray", "hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2")
    for job in ("0", "1"):
        _same_run(basic_sweep / job, tmp_path / "ray" / job)


def test_submitit_local_sweep_has_the_kpis_of_the_basic_launcher(basic_sweep: Path, tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason="pip install 'childcare-sim[slurm]'")
    _sweep(tmp_path / "submitit", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10")
    for job in ("0", "1"):
        _same_run(basic_sweep / job, tmp_path / "submitit" / job)


@pytest.mark.parametrize("preset, target", [
    ("ray_local", "hydra_ray_launcher.ray_launcher.RayLauncher"),
    ("ray_cluster", "hydra_ray_launcher.ray_launcher.RayLauncher"),
    ("slurm", "hydra_submitit_launcher.submitit_launcher.SlurmLauncher"),
])
def test_launcher_presets_compose(preset: str, target: str) -> None:
    plugin = f"hydra_plugins.{target.split('.')[0]}"
    pytest.importorskip(plugin, reason="pip install 'childcare-sim[cluster]'")
    cmd = [sys.executable, "-m", "sim", f"hydra/launcher={preset}", "--cfg", "hydra", "--resolve",
           "-p", "hydra.launcher"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "RAY_ADDRESS": "ray://head:10001"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"_target_: hydra_plugins.{target}" in done.stdout
    if preset == "ray_cluster":  # the cluster's address comes from RAY_ADDRESS
        assert "address: ray://head:10001" in done.stdout
