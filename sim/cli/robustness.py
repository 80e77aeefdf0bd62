"""The ``childcare-sim-robustness`` command: does an experiment's ranking survive its assumptions?

``childcare-sim-robustness NAME [OVERRIDES] [--points N] [--parameters KEYS|GROUPS]
[--replications R] [--seed S] [--jobs N] [--out DIR] [--force] [--no-report]`` reads
``experiments/NAME.yaml`` (:mod:`sim.experiment.spec`), picks the assumptions to vary from
``configs/assumptions.yaml`` (:func:`sim.experiment.robustness.select`), runs every scenario at
the default point and at ``N`` Latin hypercube points (:mod:`sim.experiment.robustness`, the
experiments' runner: parallel and resumable) into ``results/robustness/NAME/``, then writes
``robustness.csv``, ``boxes.csv``/``boxes.json``, figures and ``robustness.html``
(:func:`sim.analysis.robustness_report.build`). Bad input is one line ``error: <key>:
<reason>`` and exit status 2 before anything runs; failed runs exit with status 1 (the others
complete and are reported), an interrupt with 130 (the same command resumes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

from sim.analysis.robustness import RobustnessError, lower_is_better
from sim.config.errors import ConfigError
from sim.experiment.atomic import os_error_line
from sim.experiment.names import check_kpi_names, known_kpis
from sim.experiment.robustness import (
    Plan,
    Robustness,
    default_tasks,
    known,
    plan,
    run,
    select,
    write_inputs,
)
from sim.experiment.spec import ExperimentError, load_experiment
from sim.experiment.workers import exit_interrupted


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """A bad option is one line, like every other bad input."""
        _fail("arguments", message)


def _fail(key: str, reason: str, status: int = 2) -> NoReturn:
    print(f"error: {key}: {reason}", file=sys.stderr)
    sys.exit(status)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="childcare-sim-robustness",
                description="Rerun an experiment over a Latin hypercube of the assumptions and report "
                            "where each pairwise ranking holds, ties or flips (with PRIM boxes).")
    p.add_argument("name", help="experiment name (experiments/NAME.yaml) or a path to a YAML file")
    p.add_argument("overrides", nargs="*",
                   help="extra Hydra overrides for every run, e.g. run.horizon_months=48")
    p.add_argument("--points", "-n", type=int, default=32, help="Latin hypercube points (default 32)")
    p.add_argument("--parameters", "-p", default=None,
                   help="comma-separated registry keys or groups to vary (default: every assumption "
                        "that applies to the experiment's scenarios and that they do not set)")
    p.add_argument("--replications", "-r", type=int, default=0,
                   help="replications of every run (default: the experiment's)")
    p.add_argument("--seed", type=int, default=42,
                   help="root seed of every run and of the design (default 42)")
    p.add_argument("--jobs", "-j", type=int, default=-1, help="processes (default: every core)")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help="output directory (default: results/robustness/NAME)")
    p.add_argument("--force", action="store_true", help="rerun runs that are already complete")
    p.add_argument("--no-report", action="store_true", help="run only; no tables, figures or report")
    return p


def _check(args: argparse.Namespace) -> None:
    if args.points < 2:
        _fail("points", f"must be an integer >= 2, got {args.points}")
    if args.replications < 0:
        _fail("replications", f"must be a positive integer, got {args.replications}")
    if args.seed < 0:
        _fail("seed", f"must be >= 0, got {args.seed}")


def ranked_kpis(kpis: list[str]) -> list[str]:
    """The experiment's KPIs that have a better direction (the others are named and left out)."""
    kept, left = [], []
    for k in kpis:
        try:
            lower_is_better(k)
            kept.append(k)
        except RobustnessError:
            left.append(k)
    if left:
        print(f"not ranked (no better direction): {', '.join(left)}", file=sys.stderr)
    if not kept:
        raise RobustnessError("kpis", f"none of {', '.join(kpis)} has a better direction "
                              "(sim/analysis/kpis.py), so there is no ranking to test")
    return kept


def prepare(args: argparse.Namespace, out: Path) -> tuple[Robustness, Plan]:
    """Check everything and plan the runs (nothing is written); exit 2 on bad input."""
    try:
        exp = load_experiment(args.name)
        exp.kpis = ranked_kpis(exp.kpis)
        rob = Robustness(exp, [], args.points, args.seed, args.replications, list(args.overrides))
        names = [n.strip() for n in args.parameters.split(",") if n.strip()] if args.parameters else None
        known(names)  # before composing anything
        print(f"checking {len(exp.scenarios)} scenario(s) ...", file=sys.stderr)
        default = default_tasks(rob, out)
        check_kpi_names(exp, known_kpis(default[1].values()))
        rob.assumptions = select(exp, default[1], names, rob.extra)
        print(f"planning {(args.points + 1) * len(exp.scenarios)} runs over {len(rob.assumptions)} "
              "assumption(s) ...", file=sys.stderr)
        return rob, plan(rob, out, default)
    except ExperimentError as exc:
        _fail("experiment", str(exc))
    except (ConfigError, RobustnessError) as exc:
        _fail(exc.key, exc.reason)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``childcare-sim-robustness``."""
    args = _parser().parse_intermixed_args(argv)
    _check(args)
    out = args.out or Path("results") / "robustness" / Path(args.name).stem
    rob, p = prepare(args, out)
    jobs = os.cpu_count() or 1 if args.jobs < 1 else args.jobs
    t0 = time.perf_counter()
    try:
        write_inputs(rob, p, out)
        outcomes = run(p, out, jobs, args.force)
        failed = [o for o in outcomes if not o.ok]
        for o in failed:
            print(f"error: run {o.scenario!r} failed: {o.error}", file=sys.stderr)
        if not args.no_report:
            from sim.analysis.robustness_report import build

            print(f"report: {build(out)}")
    except KeyboardInterrupt:
        exit_interrupted(f"\ninterrupted: complete runs are kept in {out}; run the same command again "
                         "to resume")
    except OSError as exc:
        _fail("output", f"{os_error_line(exc)}; complete runs are kept in {out}", 1)
    print(f"childcare-sim-robustness {rob.exp.name}: {len(outcomes)} run(s) in "
          f"{time.perf_counter() - t0:.1f}s -> {out}")
    if failed:
        print(f"{len(failed)} run(s) failed; see error.json in their directories", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
