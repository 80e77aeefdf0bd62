"""The ``childcare-sim`` command: a Hydra application around :func:`sim.experiment.rundir.execute`.

Before Hydra makes any directory, the command line is composed and validated (for a
``--multirun``, every combination of the sweep), so bad input prints one line
``error: <key>: <reason>`` on stderr, exits with status 2 and writes nothing. During a
sweep, a run that fails records ``error.json`` in its own directory and the others go on;
the command then exits with status 1. Ctrl-C exits with status 130 and one line.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim import __version__
from sim.config.errors import ConfigError
from sim.config.load import CONFIG_DIR, compose, register, to_params
from sim.experiment.budget import check as check_resources
from sim.experiment.objective import returned
from sim.experiment.outputs import write_error
from sim.experiment.rundir import execute, failure

_FAILFILE_ENV = "CHILDCARE_SIM_FAILFILE"
_MAX_PREVALIDATE = 500

TABLE_KPIS = (
    ("children_born", "children born", "{:,.0f}"),
    ("sought_care", "families that sought care", "{:,.0f}"),
    ("enrolled_ever", "admissions", "{:,.0f}"),
    ("priced_out", "priced out", "{:,.0f}"),
    ("reneged", "gave up waiting (reneged)", "{:,.0f}"),
    ("mean_wait_months", "mean wait (months)", "{:.2f}"),
    ("p90_wait_months", "90th percentile wait (months)", "{:.2f}"),
    ("mean_waitlist", "mean waitlist (families)", "{:,.1f}"),
    ("waitlist_end", "waitlist at the end", "{:,.0f}"),
    ("enrollment_rate", "enrollment rate (under-3s)", "{:.2%}"),
    ("occupancy", "occupancy of licensed places", "{:.1%}"),
    ("usable_share", "usable share of licensed places", "{:.1%}"),
    ("staff_shortfall", "caregivers missing", "{:.1%}"),
    ("places_per_1000_start", "places per 1,000 (start)", "{:.2f}"),
    ("places_per_1000_end", "places per 1,000 (end)", "{:.2f}"),
    ("access_affordable_share", "affordable place within reach", "{:.1%}"),
    ("unaccounted", "unaccounted children", "{:.0f}"),
)


def format_table(summary: dict[str, Any]) -> str:
    """Return a short aligned table of the main KPIs (with 95% CIs when present)."""
    lines = []
    for key, label, fmt in TABLE_KPIS:
        if key not in summary or summary[key] is None:
            continue
        text = fmt.format(summary[key])
        ci = summary.get(f"{key}_ci95")
        if ci:
            text += " ± " + fmt.format(ci)
        lines.append(f"  {label:<34} {text:>18}")
    return "\n".join(lines)


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base=None)
def _app(cfg: DictConfig) -> float | list[float] | None:
    """One run; with ``objective.kpis`` set, return the objective to the sweeper (NaN if it failed)."""
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    n_obj = len(cfg.get("objective", {}).get("kpis", []) or [])
    try:
        summary = execute(cfg, out_dir, quiet=multirun)
    except Exception as exc:  # noqa: BLE001 - a sweep must survive one failing run
        kind, key, reason = failure(exc)
        if kind == "crash" and not multirun:
            raise
        _fail(out_dir, key, reason, kind, multirun, 2 if kind == "config" else 1)
        return returned(None, n_obj) if n_obj else None
    tag = f" [{hc.job.num}] {' '.join(hc.overrides.task)}" if multirun else ""
    print(f"childcare-sim {__version__}{tag}: {summary['meta']['wall_seconds']:.1f}s -> {out_dir}")
    if not multirun:
        print(format_table(summary))
    return returned(summary["meta"]["objective"], n_obj) if n_obj else None


def _fail(out_dir: Path, key: str, reason: str, kind: str, multirun: bool, status: int = 2) -> None:
    write_error(out_dir, key, reason, kind)
    print(f"error: {key}: {reason}", file=sys.stderr)
    if not multirun:
        sys.exit(status)
    failfile = os.environ.get(_FAILFILE_ENV)
    if failfile:
        try:
            with open(failfile, "a", encoding="utf-8") as fh:
                fh.write(f"{out_dir}\t{key}\t{reason}\n")
        except OSError:  # a full disk: the run's error.json and the line above still say it
            print(f"error: {out_dir}: could not record the failure", file=sys.stderr)


def _sweep_combinations(overrides: list[str]) -> list[list[str]]:
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    return BasicSweeper.split_arguments(parsed, max_batch_size=None)[0]


def _fixed_part(overrides: list[str]) -> list[str]:
    """Return the overrides that are not sweeps (a sweeper such as Optuna's picks those values)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    try:
        return [o for o, p in zip(overrides, parser.parse_overrides(overrides), strict=True)
                if not p.is_sweep_override()]
    except Exception as exc:  # noqa: BLE001 - a malformed override
        raise ConfigError("override", str(exc).splitlines()[0]) from None


def prevalidate(argv: list[str]) -> None:
    """Compose and validate what ``argv`` would run; raise ConfigError on bad input."""
    for a in argv:
        if not a.startswith(("-", "~")) and "=" not in a:
            raise ConfigError(a, "not an override: write key=value (e.g. run.horizon_months=60)")
    overrides = [a for a in argv if not a.startswith("-") and "=" in a]
    overrides = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    multirun = any(a in ("-m", "--multirun") for a in argv)
    if not multirun:
        check_resources(to_params(compose(overrides)))
        return
    if any(a.startswith("hydra/sweeper=") and a != "hydra/sweeper=basic" for a in argv):
        # another sweeper (optuna) chooses the swept values itself: check the fixed part
        overrides = _fixed_part(overrides)
    try:
        combos = _sweep_combinations(overrides)
    except Exception as exc:  # noqa: BLE001 - a malformed sweep override
        raise ConfigError("override", str(exc).splitlines()[0]) from None
    for combo in combos[:_MAX_PREVALIDATE]:
        check_resources(to_params(compose(combo)))


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``childcare-sim`` (and ``python -m sim``).

    Ctrl-C ends the command with one line on stderr and status 130: runs that finished keep
    their outputs; the run that was interrupted wrote no ``summary.json`` (outputs are
    written whole at the end of a run), so nothing it left looks complete.
    """
    try:
        _main(argv)
    except KeyboardInterrupt:
        print("interrupted: runs that finished keep their outputs; the interrupted run wrote no "
              "summary.json", file=sys.stderr)
        sys.exit(130)


def _main(argv: list[str] | None) -> None:
    register()
    args = list(sys.argv[1:] if argv is None else argv)
    informational = {"--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--shell-completion"}
    if not informational.intersection(a.split("=")[0] for a in args):
        try:
            prevalidate(args)
        except ConfigError as exc:
            print(exc.line(), file=sys.stderr)
            sys.exit(2)
    multirun = any(a in ("-m", "--multirun") for a in args)
    fd, failfile = tempfile.mkstemp(prefix="childcare-sim-fail-")
    os.close(fd)
    os.environ[_FAILFILE_ENV] = failfile
    sys.argv = [sys.argv[0], *args]
    try:
        _app()
        failures = Path(failfile).read_text(encoding="utf-8").splitlines()
    finally:
        Path(failfile).unlink(missing_ok=True)
    if multirun and failures:
        print(f"{len(failures)} run(s) of the sweep failed; see error.json in their directories",
              file=sys.stderr)
        sys.exit(1)
