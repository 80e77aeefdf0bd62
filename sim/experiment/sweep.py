"""Named experiments: every scenario and replication in one command, from sweep to report.

An experiment is a YAML file ``experiments/NAME.yaml`` (format: ``docs/experiments.md``):
a ``purpose``, named ``scenarios`` (or a ``grid``) of Hydra overrides, ``replications``,
``common`` overrides, the ``kpis`` to compare and the ``figures`` to draw.
``childcare-sim-experiment NAME`` runs each scenario as a child run through the same code as
``childcare-sim`` (:func:`sim.config.load.compose`, then :func:`sim.cli.execute`) into
``<out>/runs/<scenario>/``. Every scenario uses the same root seed, so replication ``r`` of
each scenario faces the same families (common random numbers). Runs are spread over local
cores and give the same results as a sequential sweep. A run that fails writes
``error.json`` and the others complete; running the experiment again skips every run whose
``summary.json`` is complete and whose overrides are unchanged, so an interrupted sweep
resumes without duplicates. Then :func:`sim.analysis.report.build_report` writes the tables,
the figures and ``report.html``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from sim.cli import execute
from sim.config.errors import ConfigError
from sim.config.load import compose
from sim.experiment.atomic import atomic_write_bytes
from sim.experiment.layout import (
    DEFAULT_FIGURES,
    DEFAULT_KPIS,
    ERROR,
    EXPERIMENT_FILE,
    RUN_FILE,
    RUNS_DIR,
    SUMMARY,
)
from sim.experiment.outputs import write_error
from sim.model import LedgerError

_KEYS = {"purpose", "scenarios", "grid", "replications", "common", "kpis", "figures",
         "baseline", "headline", "cost"}
_REPO = Path(__file__).resolve().parents[2]


class ExperimentError(ValueError):
    """A malformed experiment file: the message names the field at fault."""


@dataclass
class Experiment:
    """A named comparison of scenarios (the parsed ``experiments/NAME.yaml``)."""

    name: str
    purpose: str
    scenarios: dict[str, list[str]]
    replications: int = 5
    common: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    kpis: list[str] = field(default_factory=lambda: list(DEFAULT_KPIS))
    figures: list[str] = field(default_factory=lambda: list(DEFAULT_FIGURES))
    baseline: str = ""
    headline: str = "mean_waitlist"
    cost: str | None = "public_cost_total"
    source: str = ""

    def overrides(self, scenario: str) -> list[str]:
        """Return the full override list of a scenario's child run (later ones win)."""
        return [*self.common, *self.scenarios[scenario], f"run.replications={self.replications}",
                *self.extra]

    def run_dirs(self) -> dict[str, str]:
        """Return each scenario's run directory name under ``runs/``."""
        return {s: safe_dirname(s) for s in self.scenarios}


def safe_dirname(name: str) -> str:
    """Return ``name`` with anything but letters, digits and ``._=+-`` replaced by ``_``."""
    return re.sub(r"[^\w.=+-]", "_", name).strip(".") or "scenario"


def _str_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise ExperimentError(f"{what}: must be a list of strings, got {value!r}")
    return [str(v) for v in value]


def _format_value(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if v is None:
        return "null"
    return str(v)


def expand_grid(grid: Any) -> dict[str, list[str]]:
    """Return one scenario per combination of a ``grid`` (key -> list of values)."""
    if not isinstance(grid, dict) or not grid:
        raise ExperimentError("grid: must map override keys to lists of values")
    keys = list(grid)
    values = []
    for k in keys:
        vs = grid[k] if isinstance(grid[k], list) else [grid[k]]
        if not vs:
            raise ExperimentError(f"grid.{k}: needs at least one value")
        values.append([_format_value(v) for v in vs])
    out: dict[str, list[str]] = {}
    for combo in itertools.product(*values):
        name = " ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in zip(keys, combo, strict=True))
        out[name] = [f"{k}={v}" for k, v in zip(keys, combo, strict=True)]
    return out


def _scenarios(raw: dict[str, Any]) -> dict[str, list[str]]:
    if ("scenarios" in raw) == ("grid" in raw):
        raise ExperimentError("scenarios: give either `scenarios` (name -> overrides) or `grid`")
    if "grid" in raw:
        return expand_grid(raw["grid"])
    sc = raw["scenarios"]
    if not isinstance(sc, dict) or not sc:
        raise ExperimentError("scenarios: must map scenario names to lists of overrides")
    out = {str(k): _str_list(v, f"scenarios.{k}") for k, v in sc.items()}
    dirs = [safe_dirname(s) for s in out]
    if len(set(dirs)) != len(dirs):
        raise ExperimentError("scenarios: two names map to the same directory name")
    return out


def parse_experiment(raw: Any, name: str, source: str = "") -> Experiment:
    """Return the experiment described by a parsed YAML mapping; raise ExperimentError."""
    if not isinstance(raw, dict):
        raise ExperimentError(f"{name}: an experiment file must be a mapping")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ExperimentError(f"{unknown[0]}: unknown key (allowed: {', '.join(sorted(_KEYS))})")
    purpose = raw.get("purpose")
    if not isinstance(purpose, str) or not purpose.strip():
        raise ExperimentError("purpose: a one-line purpose is required")
    scenarios = _scenarios(raw)
    reps = raw.get("replications", 5)
    if not isinstance(reps, int) or isinstance(reps, bool) or reps < 1:
        raise ExperimentError(f"replications: must be a positive integer, got {reps!r}")
    figures = _str_list(raw.get("figures", list(DEFAULT_FIGURES)), "figures")
    bad = [f for f in figures if f not in DEFAULT_FIGURES]
    if bad:
        raise ExperimentError(f"figures: unknown figure {bad[0]!r} (known: {', '.join(DEFAULT_FIGURES)})")
    baseline = str(raw.get("baseline", next(iter(scenarios))))
    if baseline not in scenarios:
        raise ExperimentError(f"baseline: {baseline!r} is not one of the scenarios")
    return Experiment(
        name=name, purpose=" ".join(purpose.split()), scenarios=scenarios, replications=reps,
        common=_str_list(raw.get("common"), "common"),
        kpis=_str_list(raw.get("kpis", list(DEFAULT_KPIS)), "kpis"), figures=figures,
        baseline=baseline, headline=str(raw.get("headline", "mean_waitlist")),
        cost=raw.get("cost", "public_cost_total"), source=source,
    )


def find_experiment(name: str) -> Path:
    """Return the YAML file of experiment ``name`` (a path, or ``experiments/NAME.yaml``)."""
    direct = Path(name)
    if direct.suffix in (".yaml", ".yml") and direct.is_file():
        return direct
    for root in (Path.cwd(), _REPO):
        p = root / "experiments" / f"{name}.yaml"
        if p.is_file():
            return p
    raise ExperimentError(f"{name}: no experiments/{name}.yaml here or in {_REPO}")


def load_experiment(name: str, extra: list[str] | None = None) -> Experiment:
    """Read and check an experiment file; ``extra`` overrides go after everything else."""
    path = find_experiment(name)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ExperimentError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    exp = parse_experiment(raw, path.stem, str(path))
    exp.extra = list(extra or [])
    return exp


# -- child runs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunTask:
    """One scenario's child run: its overrides and directory."""

    scenario: str
    overrides: tuple[str, ...]
    run_dir: Path


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
    """True when the run directory holds a complete summary for the same overrides."""
    try:
        summary = json.loads((task.run_dir / SUMMARY).read_text(encoding="utf-8"))
        recorded = json.loads((task.run_dir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return "meta" in summary and recorded.get("overrides") == list(task.overrides)


def _record_config(run_dir: Path, cfg: Any, overrides: tuple[str, ...]) -> None:
    """Write ``.hydra/config.yaml`` and ``.hydra/overrides.yaml`` as a CLI run would have them."""
    from omegaconf import OmegaConf

    plain = OmegaConf.to_yaml({k: v for k, v in cfg.items() if k != "hydra"}, resolve=True)
    atomic_write_bytes(run_dir / ".hydra" / "config.yaml", plain.encode("utf-8"))
    atomic_write_bytes(run_dir / ".hydra" / "overrides.yaml",
                       yaml.safe_dump(list(overrides), allow_unicode=True).encode("utf-8"))


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
        _record_config(d, cfg, task.overrides)
        execute(cfg, d, quiet=True)
        return Outcome(task.scenario, True, time.perf_counter() - t0)
    except ConfigError as exc:
        kind, key, reason = "config", exc.key, exc.reason
    except LedgerError as exc:
        kind, key, reason = "conservation", "ledger", str(exc)
    except Exception as exc:  # noqa: BLE001 - one failing run must not stop the experiment
        kind, key, reason = "crash", type(exc).__name__, str(exc)
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
    write_error(task.run_dir, type(exc).__name__, str(exc), "crash")
    return Outcome(task.scenario, False, 0.0, f"{type(exc).__name__}: {exc}")


def run_tasks(tasks: list[RunTask], jobs: int, progress: SweepProgress | None = None) -> list[Outcome]:
    """Run ``tasks`` over ``jobs`` local processes; return outcomes in task order."""
    if not tasks:
        return []
    workers = min(jobs, len(tasks))
    per_run = max(1, jobs // len(tasks))
    outcomes: dict[str, Outcome] = {}
    if workers <= 1:
        for t in tasks:
            outcomes[t.scenario] = run_task(t, per_run)
            if progress:
                progress.update(outcomes[t.scenario])
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
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


def plan(exp: Experiment, out_dir: Path) -> list[RunTask]:
    """Return one task per scenario, in the experiment's order."""
    dirs = exp.run_dirs()
    return [RunTask(s, tuple(exp.overrides(s)), out_dir / RUNS_DIR / dirs[s]) for s in exp.scenarios]


def write_manifest(exp: Experiment, out_dir: Path) -> None:
    """Write ``experiment.json`` (the resolved experiment) and a copy of its YAML."""
    body = asdict(exp)
    body["run_dirs"] = exp.run_dirs()
    atomic_write_bytes(out_dir / EXPERIMENT_FILE, _json_bytes(body))
    if exp.source and Path(exp.source).is_file():
        atomic_write_bytes(out_dir / "experiment.yaml", Path(exp.source).read_bytes())


def run_experiment(exp: Experiment, out_dir: Path, jobs: int, force: bool = False,
                   stream: TextIO | None = None) -> list[Outcome]:
    """Run every incomplete scenario of ``exp`` into ``out_dir``; return this call's outcomes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_manifest(exp, out_dir)
    tasks = plan(exp, out_dir)
    todo = tasks if force else [t for t in tasks if not is_complete(t)]
    stream = stream or sys.stderr
    skipped = len(tasks) - len(todo)
    if skipped:
        stream.write(f"{skipped} of {len(tasks)} runs already complete in {out_dir}: skipped\n")
    workers = min(jobs, len(todo))
    if todo:
        stream.write(f"running {len(todo)} of {len(tasks)} runs on {workers} process(es)\n")
    return run_tasks(todo, jobs, SweepProgress(len(tasks), skipped, workers, stream))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="childcare-sim-experiment",
        description="Run a named experiment (experiments/NAME.yaml): every scenario and "
                    "replication, then tables, figures and report.html.")
    p.add_argument("name", help="experiment name (experiments/NAME.yaml) or a path to a YAML file")
    p.add_argument("overrides", nargs="*",
                   help="extra Hydra overrides for every run, e.g. run.horizon_months=60")
    p.add_argument("--jobs", "-j", type=int, default=-1, help="processes (default: every core)")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help="output directory (default: results/experiments/NAME)")
    p.add_argument("--force", action="store_true", help="rerun runs that are already complete")
    p.add_argument("--no-report", action="store_true", help="run only; no tables, figures or report")
    return p


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``childcare-sim-experiment``."""
    args = _parser().parse_intermixed_args(argv)
    try:
        exp = load_experiment(args.name, args.overrides)
    except ExperimentError as exc:
        print(f"error: experiment {exc}", file=sys.stderr)
        sys.exit(2)
    out_dir = args.out or Path("results") / "experiments" / exp.name
    jobs = os.cpu_count() or 1 if args.jobs < 1 else args.jobs
    t0 = time.perf_counter()
    try:
        outcomes = run_experiment(exp, out_dir, jobs, args.force)
    except KeyboardInterrupt:
        print(f"\ninterrupted: complete runs are kept in {out_dir}; run the same command again "
              "to resume", file=sys.stderr)
        sys.exit(130)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"error: run {o.scenario!r} failed: {o.error}", file=sys.stderr)
    if not args.no_report:
        from sim.analysis.report import build_report

        report = build_report(out_dir)
        print(f"report: {report}")
    print(f"childcare-sim-experiment {exp.name}: {len(outcomes)} run(s) in "
          f"{time.perf_counter() - t0:.1f}s -> {out_dir}")
    if failed:
        print(f"{len(failed)} run(s) failed; see error.json in their directories", file=sys.stderr)
        sys.exit(1)
