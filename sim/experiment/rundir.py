"""One configured run into its run directory: validate, run the replications, write outputs.

:func:`execute` is what ``childcare-sim`` runs in every Hydra job and what
``childcare-sim-experiment`` runs for every scenario, so both write the same files. A run
that fails is classified by :func:`failure` into the ``error.json`` fields (``config``,
``conservation`` or ``crash``, a key and a reason).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.config.errors import ConfigError
from sim.config.load import to_params
from sim.experiment.atomic import atomic_write_bytes
from sim.experiment.outputs import config_hash, git_commit, write_run
from sim.experiment.runner import run_replications
from sim.model import LedgerError
from sim.params.schema import Config, thaw


class TerminalProgress:
    """A one-line progress indicator on stderr (only when stderr is a terminal)."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.t0 = time.perf_counter()

    def __call__(self, done: float, total: float) -> None:
        """Redraw the bar at ``done`` of ``total`` (simulated months or replications)."""
        if not self.enabled or total <= 0:
            return
        frac = min(1.0, max(0.0, done / total))
        bar = "#" * int(frac * 30)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {frac:4.0%} {time.perf_counter() - self.t0:5.1f}s")
        if frac >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()


# Keys that choose how a run is carried out, not what it computes: left out of the hash.
_HOW_NOT_WHAT = ("jobs", "progress", "max_memory_gb", "max_hours")


def resolved_yaml(cfg: DictConfig) -> str:
    """Return the resolved configuration as YAML, without Hydra's own settings."""
    return OmegaConf.to_yaml({k: v for k, v in cfg.items() if k != "hydra"}, resolve=True)


def run_record(cfg: DictConfig, params: Config) -> dict[str, Any]:
    """Return the resolved configuration of what runs, as plain data.

    With a CSV city, ``city.districts`` and ``city.institutions`` are the rows read from the
    files (the lists that actually run), not the preset's inline lists the CSV replaced.
    """
    plain = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(plain, dict)
    plain.pop("hydra", None)
    city = plain["city"]
    if params.city.districts_csv:
        city["name"] = params.city.name
        city["districts"] = [dataclasses.asdict(thaw(d)) for d in params.city.districts]
    if params.city.institutions_csv:
        city["institutions"] = [dataclasses.asdict(thaw(i)) for i in params.city.institutions]
    return {str(k): v for k, v in plain.items()}


def record_hash(record: dict[str, Any]) -> str:
    """Return the hash of everything that determines a run's results (CSV rows included)."""
    what = dict(record)
    what["run"] = {k: v for k, v in record.get("run", {}).items() if k not in _HOW_NOT_WHAT}
    return config_hash(OmegaConf.to_yaml(what))


def planned_hash(cfg: DictConfig) -> str:
    """Return the hash a run of ``cfg`` will record (raises ConfigError on bad input)."""
    return record_hash(run_record(cfg, to_params(cfg)))


def execute(cfg: DictConfig, out_dir: Path, quiet: bool = False,
            scenario: str | None = None) -> dict[str, Any]:
    """Validate ``cfg``, run its replications and write the run directory. Return the summary.

    ``.hydra/config.yaml`` is (re)written with the resolved configuration of what runs
    (:func:`run_record`); ``meta.scenario`` is ``scenario`` (an experiment's scenario name),
    or else the run's overrides.
    """
    params = to_params(cfg)
    record = run_record(cfg, params)
    atomic_write_bytes(out_dir / ".hydra" / "config.yaml", OmegaConf.to_yaml(record).encode("utf-8"))
    t0 = time.perf_counter()
    reps = params.run.replications
    label = "simulating" if reps == 1 else f"{reps} replications"
    results = run_replications(params, TerminalProgress(label, params.run.progress and not quiet))
    meta = {
        "seed": params.seed,
        "replications": reps,
        "config_hash": record_hash(record),
        "version": __version__,
        "git_commit": git_commit(),
        "wall_seconds": round(time.perf_counter() - t0, 3),
        "city": params.city.name,
        "scenario": scenario if scenario is not None else _overrides_name(),
        "lever_changes": results[0].lever_changes if results else [],  # the same in every replication
    }
    return write_run(out_dir, results, meta, params.seed)


def _overrides_name() -> str:
    """The overrides of a Hydra job, as a scenario name (``default`` when there are none)."""
    try:
        from hydra.core.hydra_config import HydraConfig

        task = [o for o in HydraConfig.get().overrides.task if not o.lstrip("+~").startswith("hydra")]
    except (ImportError, ValueError):
        task = []
    return " ".join(task) or "default"


def failure(exc: Exception) -> tuple[str, str, str]:
    """Return ``(kind, key, reason)`` of a failed run for ``error.json``.

    ``config``: bad input (the key at fault); ``conservation``: the ledger lost a family;
    ``crash``: anything else (the exception's type as key).
    """
    if isinstance(exc, ConfigError):
        return "config", exc.key, exc.reason
    if isinstance(exc, LedgerError):
        return "conservation", "ledger", str(exc)
    return "crash", type(exc).__name__, str(exc)


def record_config(run_dir: Path, cfg: DictConfig, overrides: Iterable[str]) -> None:
    """Write ``.hydra/config.yaml`` and ``.hydra/overrides.yaml`` as a Hydra job would have them.

    :func:`execute` rewrites ``config.yaml`` with what runs once the CSV files are read.
    """
    atomic_write_bytes(run_dir / ".hydra" / "config.yaml", resolved_yaml(cfg).encode("utf-8"))
    atomic_write_bytes(run_dir / ".hydra" / "overrides.yaml",
                       yaml.safe_dump(list(overrides), allow_unicode=True).encode("utf-8"))
