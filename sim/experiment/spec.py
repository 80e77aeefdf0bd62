"""Named experiments: the experiment file ``experiments/NAME.yaml`` parsed and checked.

An experiment (format: ``docs/experiments.md``) has a ``purpose``, named ``scenarios`` (or a
``grid``) of Hydra overrides, ``replications``, ``common`` overrides, the ``kpis`` to compare
and the ``figures`` to draw. :func:`load_experiment` finds and reads the file and
:func:`parse_experiment` checks it; a malformed file raises :class:`ExperimentError` naming
the field at fault. :mod:`sim.experiment.sweep` runs the parsed :class:`Experiment`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.experiment.layout import DEFAULT_FIGURES, DEFAULT_KPIS

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
