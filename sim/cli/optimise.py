"""The ``childcare-sim-optimise`` command: search a policy mix with Hydra's Optuna sweeper.

``childcare-sim-optimise NAME [OVERRIDES] [--out DIR] [--trials N] [--no-reevaluate]`` reads
``experiments/NAME.yaml`` (:mod:`sim.experiment.optimise`), runs the trials as
``childcare-sim --multirun hydra/sweeper=optuna ...`` into ``results/optimise/NAME/trials/``,
collects them into ``trials.parquet``, re-evaluates the best candidates (or the Pareto front)
with fresh replications, and writes ``reevaluation.parquet``, ``optimum.json``, the figure
``figures/optimise.png`` and ``optimise.html``. A malformed file exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.experiment.optimise import (
    REEVALUATION,
    OptimiseError,
    candidates,
    collect,
    conclude,
    load_search,
    reevaluate,
    run_search,
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="childcare-sim-optimise",
                                description="Search a policy mix (experiments/NAME.yaml) with Optuna.")
    p.add_argument("name", help="optimisation name (experiments/NAME.yaml) or a path to a YAML file")
    p.add_argument("overrides", nargs="*", help="extra Hydra overrides for every trial")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help="output directory (default: results/optimise/NAME)")
    p.add_argument("--trials", type=int, default=None, help="number of trials (default: the file's)")
    p.add_argument("--no-reevaluate", action="store_true", help="skip the fresh replications of the best")
    return p


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``childcare-sim-optimise``."""
    args = _parser().parse_intermixed_args(argv)
    try:
        s = load_search(args.name, args.overrides)
    except OptimiseError as exc:
        print(f"error: optimise {exc}", file=sys.stderr)
        sys.exit(2)
    out = args.out or Path("results") / "optimise" / s.name
    status = run_search(s, out, args.trials)
    trials = collect(s, out)
    if trials.empty or trials["failed"].all():
        print(f"error: {s.name}: no trial completed (exit status {status}); see {out / 'sweep.log'}",
              file=sys.stderr)
        sys.exit(1)
    n_ok = int(trials["feasible"].sum())
    print(f"childcare-sim-optimise {s.name}: {len(trials)} trial(s), {n_ok} feasible -> {out}")
    if args.no_reevaluate:
        return
    from sim.analysis.optimise_report import draw, write_report

    re_df = reevaluate(s, candidates(s, trials))
    re_df.to_parquet(out / REEVALUATION, index=False)
    result = conclude(s, re_df)
    fig = draw(s, trials, result, out / "figures" / "optimise.png")
    print(f"report: {write_report(s, out, trials, result, fig)}")
