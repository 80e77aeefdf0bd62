"""Sweeps on the Ray and submitit launchers (README "Running on a cluster") give the KPIs of
Hydra's basic launcher for the same seed, and the launcher presets compose. Each test needs its
plugin (pip install 'childcare-sim[cluster]') and skips, saying so, when it is absent.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim.config.load import CONFIG_DIR, register
from tests.experiment.test_cluster import _same_run
from tests.experiment.test_launchers import _sweep

NO_CLUSTER = "a launcher plugin is not installed: pip install 'childcare-sim[cluster]'"
RAY_PLUGIN = importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None
SUBMITIT_PLUGIN = importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is not None


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cluster") / "basic"
    _sweep(out)
    return out


LAUNCHERS = [
    pytest.param(("hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2"), id="ray_local",
                 marks=pytest.mark.skipif(not RAY_PLUGIN, reason="hydra-ray-launcher is not installed: "
                                          "pip install 'childcare-sim[ray]'")),
    pytest.param(("hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"), id="submitit_local",
                 marks=pytest.mark.skipif(not SUBMITIT_PLUGIN, reason="hydra-submitit-launcher is not "
                                          "installed: pip install 'childcare-sim[slurm]'")),
]


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_a_sweep_on_a_cluster_launcher_has_the_kpis_of_the_basic_launcher(
        launcher: tuple[str, ...], basic_sweep: Path, tmp_path: Path) -> None:
    _sweep(tmp_path / "sweep", *launcher)
    for job in ("0", "1"):
        _same_run(basic_sweep / job, tmp_path / "sweep" / job)


@pytest.mark.parametrize("preset, target", [
    ("ray_local", "hydra_ray_launcher.ray_launcher.RayLauncher"),
    ("ray_cluster", "hydra_ray_launcher.ray_launcher.RayLauncher"),
    ("slurm", "hydra_submitit_launcher.submitit_launcher.SlurmLauncher"),
])
def test_launcher_presets_compose(preset: str, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip(f"hydra_plugins.{target.split('.')[0]}", reason=NO_CLUSTER)
    from hydra import compose, initialize_config_dir

    register()
    monkeypatch.setenv("RAY_ADDRESS", "ray://head:10001")
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None):
        cfg = compose("config", [f"hydra/launcher={preset}"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_ == f"hydra_plugins.{target}"
    if preset == "ray_cluster":  # the cluster's address comes from RAY_ADDRESS
        assert launcher.ray.init.address == "ray://head:10001"
    if preset == "slurm":
        assert (launcher.timeout_min, launcher.cpus_per_task, launcher.partition) == (120, 1, None)
