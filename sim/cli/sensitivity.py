"""The ``childcare-sim-sensitivity`` command: which assumptions drive which KPIs.

``childcare-sim-sensitivity NAME [OVERRIDES] [--out DIR] [--jobs N] [--force] [--no-report]``
reads ``experiments/sensitivity_NAME.yaml`` (:mod:`sim.experiment.sensitivity_spec`), runs or
resumes its Morris and Sobol design points through the experiments' runner
(:func:`sim.experiment.sensitivity.run_sensitivity`) into ``results/sensitivity/NAME/``, and
writes ``figures/sensitivity_<kpi>.png`` and ``sensitivity.html``
(:mod:`sim.analysis.sensitivity_report`). Bad input (the file, its base overrides, a KPI no run
writes) exits with status 2 and one line ``error: <key>: <reason>``; failed design points with
status 1 after the report of the others; an interrupt with status 130 (the same command resumes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sim.config.errors import ConfigError
from sim.experiment.atomic import os_error_line as os_line
from sim.experiment.sensitivity import run_sensitivity
from sim.experiment.sensitivity_spec import load_sensitivity
from sim.experiment.workers import exit_interrupted


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="childcare-sim-sensitivity",
                                description="Global sensitivity analysis of the assumptions "
                                            "(experiments/sensitivity_NAME.yaml): Morris, then Sobol.")
    p.add_argument("name", help="study name (experiments/sensitivity_NAME.yaml) or a path to a YAML file")
    p.add_argument("overrides", nargs="*", help="extra Hydra overrides for every run (added to common)")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help="output directory (default: results/sensitivity/NAME)")
    p.add_argument("--jobs", "-j", type=int, default=-1, help="processes (default: every core)")
    p.add_argument("--force", action="store_true", help="rerun design points that are already complete")
    p.add_argument("--no-report", action="store_true", help="run and write the indices only")
    return p


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``childcare-sim-sensitivity``."""
    args = _parser().parse_intermixed_args(argv)
    t0 = time.perf_counter()
    try:
        study = load_sensitivity(args.name, args.overrides)
        out = args.out or Path("results") / "sensitivity" / study.name
        jobs = (os.cpu_count() or 1) if args.jobs < 1 else args.jobs
        result = run_sensitivity(study, out, jobs, args.force)
        if not args.no_report:
            from sim.analysis.sensitivity_report import write_report  # pandas and matplotlib only here

            print(f"report: {write_report(out)}")
    except ConfigError as exc:
        print(exc.line(), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        exit_interrupted("\ninterrupted: complete design points are kept; run the same command again "
                         "to resume")
    except OSError as exc:
        print(f"error: output: {os_line(exc)}", file=sys.stderr)
        sys.exit(1)
    print(f"childcare-sim-sensitivity {study.name}: {result.ran} run(s), {result.skipped} already complete, "
          f"{len(result.indices)} indices in {time.perf_counter() - t0:.1f}s -> {out}")
    for o in result.failed:
        print(f"error: point {o.scenario!r} failed: {o.error}", file=sys.stderr)
    if result.failed:
        print(f"{len(result.failed)} point(s) failed; see error.json in their directories", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
