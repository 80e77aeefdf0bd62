"""Running an experiment: every scenario's child run, resumable, over local cores.

:func:`run_experiment` runs each scenario of an :class:`~sim.experiment.spec.Experiment` as a
child run through the same code as ``childcare-sim`` (:func:`sim.config.load.compose`, then
:func:`sim.experiment.rundir.execute`) into ``<out>/runs/<scenario>/``. Every scenario uses
the same root seed, so replication ``r`` of each scenario faces the same families (common
random numbers). Runs are spread over local cores, or sent to Ray as tasks
(:mod:`sim.experiment.ray_pool`: a local instance or a cluster), and give the same results
as a sequential sweep. A run that fails writes ``error.json`` and the others complete; running the
experiment again skips every run whose ``summary.json`` is complete and whose overrides are
unchanged, so an interrupted sweep resumes without duplicates. The report is the analysis
layer's job (``childcare-sim-experiment`` calls :func:`sim.analysis.report.build_report`).
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import Future, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

import pyarrow.parquet as pq

from sim.config.errors import ConfigError
from sim.config.load import compose, to_params
from sim.experiment.atomic import atomic_write_bytes
from sim.experiment.layout import (
    BY_GROUP,
    ERROR,
    EXPERIMENT_FILE,
    KPIS_BY_YEAR,
    REPLICATIONS,
    RUN_FILE,
    RUNS_DIR,
    SUMMARY,
    TIMESERIES,
    WAITS,
)
from sim.experiment.names import check_kpi_names, known_kpis
from sim.experiment.outputs import write_error
from sim.experiment.ray_pool import RayPool, session
from sim.experiment.rundir import execute, failure, record_config, record_hash, run_record
from sim.experiment.spec import Experiment
from sim.experiment.workers import pool as worker_pool
from sim.params.schema import Config


@dataclass(frozen=True)
class Engine:
    """Where runs execute: ``local`` processes, or ``ray`` tasks.

    With ``ray``, ``address`` names a running cluster (``host:port``, ``ray://host:port``,
    ``auto``); None joins ``RAY_ADDRESS`` when it is set and starts a local instance otherwise.
    """

    name: str = "local"
    address: str | None = None


LOCAL = Engine()


@dataclass(frozen=True)
class RunTask:
    """One scenario's child run: its overrides and directory."""

    scenario: str
    overrides: tuple[str, ...]
    run_dir: Path
    config_hash: str | None = None  # what a run of it records (None: its configuration is bad)


@dataclass
class Outcome:
    """What became of a child run."""

    scenario: str
    ok: bool
    wall_seconds: float
    error: str = ""


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def is_complete(task: RunTask) -> bool:
    """True when the run directory holds a complete summary of the same inputs.

    The same overrides and the same configuration hash (which covers the rows of CSV files
    and everything else that determines the results): a run whose inputs changed reruns.
    """
    try:
        summary = json.loads((task.run_dir / SUMMARY).read_text(encoding="utf-8"))
        recorded = json.loads((task.run_dir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return ("meta" in summary and recorded.get("overrides") == list(task.overrides)
            and task.config_hash is not None and summary["meta"].get("config_hash") == task.config_hash)


def run_task(task: RunTask, jobs: int = 1) -> Outcome:
    """Run one scenario (all its replications on ``jobs`` processes); record any failure."""
    t0 = time.perf_counter()
    d = task.run_dir
    d.mkdir(parents=True, exist_ok=True)
    for stale in (SUMMARY, ERROR):
        (d / stale).unlink(missing_ok=True)
    atomic_write_bytes(d / RUN_FILE, _json_bytes({"scenario": task.scenario,
                                                   "overrides": list(task.overrides)}))
    try:
        cfg = compose([*task.overrides, f"run.jobs={jobs}"])
        record_config(d, cfg, task.overrides)
        execute(cfg, d, quiet=True, scenario=task.scenario)
        return Outcome(task.scenario, True, time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - one failing run must not stop the experiment
        kind, key, reason = failure(exc)
    write_error(d, key, reason, kind)
    return Outcome(task.scenario, False, time.perf_counter() - t0, f"{key}: {reason}")


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class SweepProgress:
    """Runs done / total and an estimate of the time left, on stderr.

    A bar redrawn in place on a terminal; one line per finished run otherwise (logs, CI).
    """

    def __init__(self, total: int, skipped: int, workers: int = 1, stream: TextIO | None = None) -> None:
        self.total = total
        self.workers = max(1, workers)
        self.busy = 0.0
        self.done = skipped
        self.ran = 0
        self.failed = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.t0 = time.perf_counter()

    def update(self, out: Outcome) -> None:
        """Count a finished run and redraw."""
        self.done += 1
        self.ran += 1
        self.failed += 0 if out.ok else 1
        self.busy += out.wall_seconds
        elapsed = time.perf_counter() - self.t0
        left = self.busy / self.ran * (self.total - self.done) / self.workers
        failed = f", {self.failed} failed" if self.failed else ""
        if self.tty:
            bar = "#" * int(30 * self.done / self.total)
            self.stream.write(f"\r[{bar:<30}] {self.done}/{self.total} runs{failed}  "
                              f"elapsed {_clock(elapsed)}  left ~{_clock(left)} ")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            status = "done" if out.ok else "FAILED"
            self.stream.write(f"run {self.done}/{self.total} {status}: {out.scenario} "
                              f"({out.wall_seconds:.1f} s){failed}; about {_clock(left)} left\n")
        self.stream.flush()


def _crashed(task: RunTask, exc: BaseException) -> Outcome:
    reason = (str(exc).strip().splitlines() or [""])[0]  # a Ray error carries a traceback
    write_error(task.run_dir, type(exc).__name__, reason, "crash")
    return Outcome(task.scenario, False, 0.0, f"{type(exc).__name__}: {reason}")


def run_tasks(tasks: list[RunTask], jobs: int, progress: SweepProgress | None = None,
              ray: bool = False) -> list[Outcome]:
    """Run ``tasks`` over ``jobs`` local processes (or Ray CPUs); return outcomes in task order.

    With ``ray`` the caller holds a Ray :func:`~sim.experiment.ray_pool.session` and every
    run is a Ray task, even a single one.
    """
    if not tasks:
        return []
    workers = min(jobs, len(tasks))
    per_run = max(1, jobs // len(tasks))
    outcomes: dict[str, Outcome] = {}
    if workers <= 1 and not ray:
        for t in tasks:
            outcomes[t.scenario] = run_task(t, per_run)
            if progress:
                progress.update(outcomes[t.scenario])
    else:
        pool = RayPool(per_run) if ray else worker_pool(workers)
        try:
            futures: dict[Future[Outcome], RunTask] = {pool.submit(run_task, t, per_run): t for t in tasks}
            for fut in as_completed(futures):
                t = futures[fut]
                exc = fut.exception()
                outcomes[t.scenario] = _crashed(t, exc) if exc is not None else fut.result()
                if progress:
                    progress.update(outcomes[t.scenario])
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return [outcomes[t.scenario] for t in tasks]


def _prepare(overrides: list[str]) -> tuple[str | None, Config | None]:
    """Return the hash a run of ``overrides`` will record and its parameters (None if bad input)."""
    try:
        cfg = compose(overrides)
        params = to_params(cfg)
        return record_hash(run_record(cfg, params)), params
    except ConfigError:
        return None, None  # the run fails with error.json when it runs


def task_hash(overrides: list[str]) -> str | None:
    """Return the configuration hash a run of ``overrides`` will record (None: bad input)."""
    return _prepare(overrides)[0]


def plan(exp: Experiment, out_dir: Path) -> list[RunTask]:
    """Return one task per scenario, in the experiment's order, with the hash it will record."""
    return prepare(exp, out_dir)[0]


def prepare(exp: Experiment, out_dir: Path) -> tuple[list[RunTask], list[Config]]:
    """Return the tasks and the parameters of every scenario that composes (bad ones fail later)."""
    dirs = exp.run_dirs()
    tasks, params = [], []
    for s in exp.scenarios:
        h, p = _prepare(exp.overrides(s))
        tasks.append(RunTask(s, tuple(exp.overrides(s)), out_dir / RUNS_DIR / dirs[s], h))
        if p is not None:
            params.append(p)
    return tasks, params


def damaged(task: RunTask) -> str | None:
    """Return the first result file of a complete run that cannot be read (None when all can)."""
    for name in (TIMESERIES, REPLICATIONS, WAITS, KPIS_BY_YEAR, BY_GROUP):
        try:
            pq.read_metadata(task.run_dir / name)
        except (OSError, ValueError):
            return name
    return None


def write_manifest(exp: Experiment, out_dir: Path) -> None:
    """Write ``experiment.json`` (the resolved experiment) and a copy of its YAML."""
    body = asdict(exp)
    body["run_dirs"] = exp.run_dirs()
    atomic_write_bytes(out_dir / EXPERIMENT_FILE, _json_bytes(body))
    if exp.source and Path(exp.source).is_file():
        atomic_write_bytes(out_dir / "experiment.yaml", Path(exp.source).read_bytes())


def run_experiment(exp: Experiment, out_dir: Path, jobs: int, force: bool = False,
                   stream: TextIO | None = None, engine: Engine = LOCAL) -> list[Outcome]:
    """Run every incomplete scenario of ``exp`` into ``out_dir``; return this call's outcomes.

    ``jobs`` is the number of local processes, or the CPUs of a local Ray instance.
    """
    stream = stream or sys.stderr
    tasks, params = prepare(exp, out_dir)
    check_kpi_names(exp, known_kpis(params))  # before anything runs or is written
    out_dir.mkdir(parents=True, exist_ok=True)
    write_manifest(exp, out_dir)
    todo = tasks if force else [t for t in tasks if not is_complete(t)]
    for t in tasks:
        bad = None if t in todo else damaged(t)
        if bad:
            stream.write(f"{t.run_dir / bad} is unreadable: rerunning {t.scenario!r}\n")
            todo.append(t)
    todo = [t for t in tasks if t in todo]
    skipped = len(tasks) - len(todo)
    if skipped:
        stream.write(f"{skipped} of {len(tasks)} runs already complete in {out_dir}: skipped\n")
    if not todo:
        return []
    if engine.name != "ray":
        return _run_todo(todo, len(tasks), jobs, stream, "process(es)")
    with session(engine.address, jobs) as cpus:
        return _run_todo(todo, len(tasks), cpus, stream, "Ray CPU(s)", ray=True)


def _run_todo(todo: list[RunTask], total: int, jobs: int, stream: TextIO, unit: str,
              ray: bool = False) -> list[Outcome]:
    workers = min(jobs, len(todo))
    stream.write(f"running {len(todo)} of {total} runs on {workers} {unit}\n")
    return run_tasks(todo, jobs, SweepProgress(total, total - len(todo), workers, stream), ray)
