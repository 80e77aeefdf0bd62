"""The ``childcare-sim`` command: a Hydra application around :func:`execute`.

Before Hydra makes any directory, the command line is composed and validated (for a
``--multirun``, every combination of the sweep), so bad input prints one line
``error: <key>: <reason>`` on stderr, exits with status 2 and writes nothing. During a
sweep, a run that fails records ``error.json`` in its own directory and the others go on;
the command then exits with status 1.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.config.errors import ConfigError
from sim.config.load import CONFIG_DIR, compose, register, to_params
from sim.experiment.outputs import config_hash, git_commit, write_error, write_run
from sim.experiment.runner import run_replications
from sim.model.ledger import LedgerError

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


class _Progress:
    """A one-line progress indicator on stderr (only when stderr is a terminal)."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.t0 = time.perf_counter()

    def __call__(self, done: float, total: float) -> None:
        if not self.enabled or total <= 0:
            return
        frac = min(1.0, max(0.0, done / total))
        bar = "#" * int(frac * 30)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {frac:4.0%} {time.perf_counter() - self.t0:5.1f}s")
        if frac >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()


def execute(cfg: DictConfig, out_dir: Path, quiet: bool = False) -> dict[str, Any]:
    """Validate ``cfg``, run its replications and write the run directory. Return the summary."""
    params = to_params(cfg)
    t0 = time.perf_counter()
    reps = params.run.replications
    label = "simulating" if reps == 1 else f"{reps} replications"
    results = run_replications(params, _Progress(label, params.run.progress and not quiet))
    plain = OmegaConf.to_yaml({k: v for k, v in cfg.items() if k != "hydra"}, resolve=True)
    meta = {
        "seed": params.seed,
        "replications": reps,
        "config_hash": config_hash(plain),
        "version": __version__,
        "git_commit": git_commit(),
        "wall_seconds": round(time.perf_counter() - t0, 3),
        "city": params.city.name,
        "scenario": "queue" if params.queue is not None else "city",
    }
    return write_run(out_dir, results, meta, params.seed)


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base=None)
def _app(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    try:
        summary = execute(cfg, out_dir, quiet=multirun)
    except ConfigError as exc:
        _fail(out_dir, exc.key, exc.reason, "config", multirun)
        return
    except LedgerError as exc:
        _fail(out_dir, "ledger", str(exc), "conservation", multirun)
        return
    except Exception as exc:  # noqa: BLE001 - a sweep must survive one failing run
        if not multirun:
            raise
        _fail(out_dir, type(exc).__name__, str(exc), "crash", multirun)
        return
    tag = f" [{hc.job.num}] {' '.join(hc.overrides.task)}" if multirun else ""
    print(f"childcare-sim {__version__}{tag}: {summary['meta']['wall_seconds']:.1f}s -> {out_dir}")
    if not multirun:
        print(format_table(summary))


def _fail(out_dir: Path, key: str, reason: str, kind: str, multirun: bool) -> None:
    write_error(out_dir, key, reason, kind)
    print(f"error: {key}: {reason}", file=sys.stderr)
    if not multirun:
        sys.exit(2)
    failfile = os.environ.get(_FAILFILE_ENV)
    if failfile:
        with open(failfile, "a", encoding="utf-8") as fh:
            fh.write(f"{out_dir}\t{key}\t{reason}\n")


def _sweep_combinations(overrides: list[str]) -> list[list[str]]:
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    return BasicSweeper.split_arguments(parsed, max_batch_size=None)[0]


def prevalidate(argv: list[str]) -> None:
    """Compose and validate what ``argv`` would run; raise ConfigError on bad input."""
    for a in argv:
        if not a.startswith(("-", "~")) and "=" not in a:
            raise ConfigError(a, "not an override: write key=value (e.g. run.horizon_months=60)")
    overrides = [a for a in argv if not a.startswith("-") and "=" in a]
    overrides = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    multirun = any(a in ("-m", "--multirun") for a in argv)
    if not multirun:
        to_params(compose(overrides))
        return
    try:
        combos = _sweep_combinations(overrides)
    except Exception as exc:  # noqa: BLE001 - a malformed sweep override
        raise ConfigError("override", str(exc).splitlines()[0]) from None
    for combo in combos[:_MAX_PREVALIDATE]:
        to_params(compose(combo))


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``childcare-sim`` (and ``python -m sim``)."""
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
