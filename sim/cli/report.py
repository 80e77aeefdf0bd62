"""The ``childcare-sim-report`` command: redraw the report of a study directory.

``childcare-sim-report DIR`` regenerates the tables, figures and ``report.html`` of an
experiment, a ``--multirun`` sweep or a single run directory
(:func:`sim.analysis.report.build_report`). A directory that holds no study exits with
status 2 and one line ``error: <reason>``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.analysis.report import build_report
from sim.analysis.study import UnreadableResult
from sim.experiment.atomic import os_error_line as os_line


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``childcare-sim-report DIR``."""
    p = argparse.ArgumentParser(prog="childcare-sim-report",
                                description="Regenerate tables, figures and report.html from an "
                                            "experiment, multirun sweep or run directory.")
    p.add_argument("dir", type=Path, help="the directory (e.g. results/experiments/NAME)")
    args = p.parse_args(argv)
    try:
        out = build_report(args.dir)
    except (FileNotFoundError, UnreadableResult) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        print(f"error: output: {os_line(exc)}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ninterrupted: the report was not finished; run the same command again", file=sys.stderr)
        sys.exit(130)
    print(f"report: {out}")

