"""One configured run into its run directory: validate, run the replications, write outputs.

:func:`execute` is what ``childcare-sim`` runs in every Hydra job and what
``childcare-sim-experiment`` runs for every scenario, so both write the same files. A run
that fails is classified by :func:`failure` into the ``error.json`` fields (``config``,
``conservation`` or ``crash``, a key and a reason).
"""

from __future__ import annotations

import dataclasses
import errno
import shutil
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import yaml
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.config.errors import ConfigError
from sim.config.load import to_params
from sim.experiment.atomic import atomic_write_bytes, os_error_line
from sim.experiment.budget import Estimate
from sim.experiment.budget import check as check_resources
from sim.experiment.objective import evaluate
from sim.experiment.outputs import config_hash, git_commit, write_run
from sim.experiment.runner import run_replications
from sim.experiment.stats import summarise
from sim.model import LedgerError
from sim.params.schema import Config, thaw


class TerminalProgress:
    """Progress of a run on stderr: a bar on a terminal, a line every 5% in a log.

    When stderr is not a terminal (a log file, a batch job), a line is written each time the
    run passes another ``LOG_STEP`` of its work, once it has taken ``LOG_AFTER_SECONDS``
    (short runs stay quiet).
    """

    LOG_STEP = 0.05
    LOG_AFTER_SECONDS = 2.0

    def __init__(self, label: str, enabled: bool, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty()
        self.t0 = time.perf_counter()
        self.logged = 0  # LOG_STEPs already reported

    def __call__(self, done: float, total: float) -> None:
        """Report ``done`` of ``total`` (simulated months or replications)."""
        if not self.enabled or total <= 0:
            return
        frac = min(1.0, max(0.0, done / total))
        elapsed = time.perf_counter() - self.t0
        if self.tty:
            bar = "#" * int(frac * 30)
            self.stream.write(f"\r{self.label} [{bar:<30}] {frac:4.0%} {elapsed:5.1f}s")
            if frac >= 1.0:
                self.stream.write("\n")
        else:
            step = int(frac / self.LOG_STEP + 1e-9)
            if step <= self.logged or elapsed < self.LOG_AFTER_SECONDS:
                return
            self.logged = step
            left = elapsed / frac * (1.0 - frac) if frac > 0 else float("nan")
            self.stream.write(f"{self.label}: {frac:.0%} ({done:g} of {total:g}) after {elapsed:.0f} s, "
                              f"about {left:.0f} s left\n")
        self.stream.flush()


OUTPUT_BYTES = 1e6  # summary, small tables, .hydra/ (with margin)
OUTPUT_BYTES_PER_ROW = 100.0  # a monthly district row in timeseries.parquet (measured ~40, with margin)

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


def execute(cfg: DictConfig, out_dir: Path, quiet: bool = False,
            scenario: str | None = None) -> dict[str, Any]:
    """Validate ``cfg``, run its replications and write the run directory. Return the summary.

    ``.hydra/config.yaml`` is (re)written with the resolved configuration of what runs
    (:func:`run_record`); ``meta.scenario`` is ``scenario`` (an experiment's scenario name),
    or else the run's overrides.
    """
    params = to_params(cfg)
    est = check_resources(params)
    check_free_space(out_dir, est)
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
    obj = params.objective
    if obj.kpis:  # what a sweeper optimises (sim.experiment.objective)
        flat = summarise([r.summary for r in results])
        meta["objective"] = evaluate(flat, obj.kpis, obj.directions, obj.constraints, obj.penalty)
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
    if isinstance(exc, OSError):
        return ("disk" if is_disk_full(exc) else "io"), "output", os_reason(exc)
    return "crash", type(exc).__name__, str(exc)


def is_disk_full(exc: OSError) -> bool:
    """True for 'no space left on device' or 'disk quota exceeded' (errno or message)."""
    return exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc)


def os_reason(exc: OSError) -> str:
    """One line about a failed write: what, where, and the fix for a full disk."""
    return os_error_line(exc)


def check_free_space(out_dir: Path, est: Estimate) -> None:
    """Raise OSError(ENOSPC) when ``out_dir``'s filesystem cannot hold the run's outputs."""
    need = OUTPUT_BYTES + OUTPUT_BYTES_PER_ROW * est.rows
    probe = out_dir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < need:
        raise OSError(errno.ENOSPC, f"No space left on device: {free / 1e6:,.0f} MB free, the outputs "
                                    f"need about {need / 1e6:,.0f} MB", str(probe))


def record_config(run_dir: Path, cfg: DictConfig, overrides: Iterable[str]) -> None:
    """Write ``.hydra/config.yaml`` and ``.hydra/overrides.yaml`` as a Hydra job would have them.

    :func:`execute` rewrites ``config.yaml`` with what runs once the CSV files are read.
    """
    atomic_write_bytes(run_dir / ".hydra" / "config.yaml", resolved_yaml(cfg).encode("utf-8"))
    atomic_write_bytes(run_dir / ".hydra" / "overrides.yaml",
                       yaml.safe_dump(list(overrides), allow_unicode=True).encode("utf-8"))
