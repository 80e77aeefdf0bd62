"""The ``childcare-sim-experiment`` command: run a named experiment, then its report.

``childcare-sim-experiment NAME [OVERRIDES] [--jobs N] [--engine local|ray] [--address ADDR]
[--out DIR] [--force] [--no-report]`` reads ``experiments/NAME.yaml``
(:mod:`sim.experiment.spec`), runs every incomplete scenario
(:func:`sim.experiment.sweep.run_experiment`) on local processes or as Ray tasks
(a local instance, or the cluster at ADDR) into ``results/experiments/NAME/`` and writes
the tables, figures and ``report.html`` (:func:`sim.analysis.report.build_report`). A malformed
experiment, or an engine that cannot start, exits with status 2, failed runs with status 1, an
interrupt with status 130 (the complete runs are kept, and the same command resumes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sim.experiment.atomic import os_error_line as os_line
from sim.experiment.ray_pool import EngineError, import_ray
from sim.experiment.spec import ExperimentError, load_experiment
from sim.experiment.sweep import Engine, run_experiment
from sim.experiment.workers import exit_interrupted


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="childcare-sim-experiment",
        description="Run a named experiment (experiments/NAME.yaml): every scenario and "
                    "replication, then tables, figures and report.html.")
    p.add_argument("name", help="experiment name (experiments/NAME.yaml) or a path to a YAML file")
    p.add_argument("overrides", nargs="*",
                   help="extra Hydra overrides for every run, e.g. run.horizon_months=60")
    p.add_argument("--jobs", "-j", type=int, default=-1,
                   help="processes, or CPUs of a local Ray instance (default: every core)")
    p.add_argument("--engine", choices=("local", "ray"), default=None,
                   help="where runs execute: local processes (default) or Ray tasks "
                        "(pip install 'childcare-sim[ray]')")
    p.add_argument("--address", default=None,
                   help="a running Ray cluster, e.g. ray://head:10001 or auto (implies --engine ray; "
                        "default: RAY_ADDRESS, else a local Ray instance)")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help="output directory (default: results/experiments/NAME)")
    p.add_argument("--force", action="store_true", help="rerun runs that are already complete")
    p.add_argument("--no-report", action="store_true", help="run only; no tables, figures or report")
    return p


def _report(out_dir: Path) -> None:
    from sim.analysis.report import build_report  # here: pandas and matplotlib only when needed
    from sim.analysis.study import UnreadableResult

    try:
        report = build_report(out_dir)
    except UnreadableResult as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"report: {report}")


def _engine(args: argparse.Namespace) -> Engine:
    """Return where the runs execute; exit with status 2 when that engine cannot be used."""
    try:
        if args.engine == "local" and args.address:
            raise EngineError("address", "a Ray address needs --engine ray")
        engine = Engine("ray" if args.address else args.engine or "local", args.address)
        if engine.name == "ray":
            import_ray()  # before anything is written
    except EngineError as exc:
        print(exc.line(), file=sys.stderr)
        sys.exit(2)
    return engine


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
    engine = _engine(args)
    t0 = time.perf_counter()
    try:
        outcomes = run_experiment(exp, out_dir, jobs, args.force, engine=engine)
        failed = [o for o in outcomes if not o.ok]
        for o in failed:
            print(f"error: run {o.scenario!r} failed: {o.error}", file=sys.stderr)
        if not args.no_report:
            _report(out_dir)
    except ExperimentError as exc:
        print(f"error: experiment {exc}", file=sys.stderr)
        sys.exit(2)
    except EngineError as exc:
        print(exc.line(), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        exit_interrupted(f"\ninterrupted: complete runs are kept in {out_dir}; run the same command again "
                         "to resume")
    except OSError as exc:  # the experiment's own files (manifest, tables, report) on a full disk
        print(f"error: output: {os_line(exc)}; complete runs are kept in {out_dir}", file=sys.stderr)
        sys.exit(1)
    print(f"childcare-sim-experiment {exp.name}: {len(outcomes)} run(s) in "
          f"{time.perf_counter() - t0:.1f}s -> {out_dir}")
    if failed:
        print(f"{len(failed)} run(s) failed; see error.json in their directories", file=sys.stderr)
        sys.exit(1)
