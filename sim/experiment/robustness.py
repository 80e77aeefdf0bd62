"""An experiment rerun over the uncertainty ranges: a Latin hypercube of the assumptions (issue 14).

:func:`plan` takes a parsed experiment (:mod:`sim.experiment.spec`) and the assumptions to
vary (the registry ``configs/assumptions.yaml``, :mod:`sim.experiment.assumptions`) and
returns one child run per design point and scenario: ``runs/default/<scenario>/`` is the
experiment as shipped (no assumption changed), ``runs/p000/<scenario>/``, ... the points of a
Latin hypercube of ``points`` rows over the assumptions (McKay, Beckman and Conover 1979;
``scipy.stats.qmc.LatinHypercube``, seeded: each assumption's range is cut into ``points``
equal strata of its unit scale, log or linear as the registry says, and every stratum holds
exactly one point). At a point every scenario runs with the same assumption values, the same
root ``seed`` and the same ``replications`` (common random numbers: replication ``r`` of two
scenarios faces the same families, so their difference is paired).

A run's overrides are the experiment's (``common``, the scenario's, ``run.replications``),
then the point's assumption overrides (:func:`sim.experiment.assumptions.overrides`, with
the scenario's own parameters as the base of ``multiply`` assumptions), then ``seed`` and
the caller's extra overrides. The runs go through the experiments' runner
(:func:`sim.experiment.sweep.run_planned`): in parallel, a crash loses no other run, and a
rerun skips every run whose directory holds a complete run of the same inputs.

Which assumptions vary by default (:func:`select`): every registry entry whose ``requires``
holds in at least one scenario (an assumption of the quality rules means nothing where they
are off), except those whose key a scenario or an extra override sets (they are the
experiment's levers, or fixed on purpose).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
from scipy.stats import qmc

from sim.config.errors import ConfigError
from sim.config.load import compose, to_params
from sim.experiment.assumptions import (
    GROUPS,
    Assumption,
    AssumptionError,
    applies,
    load_assumptions,
    overrides,
    with_defaults,
)
from sim.experiment.atomic import atomic_write_bytes
from sim.experiment.layout import DEFAULT_POINT, DESIGN_FILE, ROBUSTNESS_FILE, RUNS_DIR
from sim.experiment.spec import Experiment
from sim.experiment.sweep import LOCAL, Engine, Outcome, RunTask, make_task, run_planned
from sim.params.schema import Config


@dataclass
class Robustness:
    """What a robustness run varies and how: the experiment, assumptions, design size and seeds."""

    exp: Experiment
    assumptions: list[Assumption]
    points: int = 32
    seed: int = 42
    replications: int = 0  # 0: the experiment's
    extra: list[str] = field(default_factory=list)

    def reps(self) -> int:
        """Replications of every run."""
        return self.replications or self.exp.replications

    def point_names(self) -> list[str]:
        """``p000``, ``p001``, ... one per design point."""
        width = max(3, len(str(self.points - 1)))
        return [f"p{i:0{width}d}" for i in range(self.points)]

    def run_overrides(self, scenario: str, assumption_overrides: list[str]) -> list[str]:
        """The overrides of a scenario's run at a point (later ones win)."""
        return [*self.exp.common, *self.exp.scenarios[scenario], f"run.replications={self.reps()}",
                *assumption_overrides, f"seed={self.seed}", *self.extra]


def latin_hypercube(n: int, d: int, seed: int) -> np.ndarray:
    """Return ``n`` points of a ``d``-dimensional Latin hypercube in [0, 1) (one per stratum)."""
    return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def set_by(key: str, overrides_: list[str]) -> bool:
    """True when an override sets ``key`` (an item of a ``*`` key), a key inside it, or the node
    that holds it; not a config group choice such as ``policy=voucher``, which picks a preset."""
    want = key.split(".")
    for o in overrides_:
        got = _key(o).split(".")
        if len(got) > 1 and all(w in ("*", g) for w, g in zip(want, got, strict=False)):
            return True
    return False


def select(exp: Experiment, scenario_params: dict[str, Config], names: list[str] | None,
           extra: list[str]) -> list[Assumption]:
    """Return the assumptions to vary: ``names`` (registry keys or groups), or the default set.

    The default: every registry entry that applies (``requires``) in at least one scenario,
    less those a scenario or an extra override sets. A named one that is set that way, or
    inert in every scenario, is an error (a group keeps those of its entries that apply).
    """
    live = [a for a in (_named(names) if names else load_assumptions())
            if any(applies(a, p) for p in scenario_params.values())]
    dead = [n for n in names or [] if n not in GROUPS and n not in {a.key for a in live}]
    if dead:
        raise ConfigError("parameters", f"{dead[0]} is inert in every scenario (it requires "
                          f"{next(a.requires for a in _named(dead[:1]))})")
    out = []
    for a in live:
        who = [f"scenario {s}" for s, ov in exp.scenarios.items() if set_by(a.key, ov)]
        who += ["an extra override"] if set_by(a.key, extra) else []
        if who and names:
            raise ConfigError("parameters", f"{a.key} is set by {who[0]}: it cannot also vary")
        if not who:
            out.append(a)
    if not out:
        raise ConfigError("parameters", "no assumption to vary: none applies to these scenarios")
    base = scenario_params.get(exp.baseline) or next(iter(scenario_params.values()))
    return with_defaults(out, base)


def known(names: list[str] | None) -> None:
    """Raise ConfigError naming the first of ``names`` that is neither a registry key nor a group."""
    if names:
        _named(names)


def _named(names: list[str]) -> list[Assumption]:
    groups = [n for n in names if n in GROUPS]
    keys = [n for n in names if n not in GROUPS]
    try:
        return load_assumptions(keys, groups)
    except AssumptionError as exc:
        raise ConfigError("parameters", f"{exc} (groups: {', '.join(GROUPS)})") from None


@dataclass
class Plan:
    """The child runs of a robustness run and its design."""

    tasks: list[RunTask]
    design: list[dict[str, float]]  # one row of assumption values per point
    params: dict[str, Config]  # each scenario's parameters at the default point


def default_tasks(rob: Robustness, out: Path) -> tuple[list[RunTask], dict[str, Config]]:
    """The experiment as shipped (the default point) and each scenario's parameters."""
    dirs = rob.exp.run_dirs()
    tasks, params = [], {}
    for s in rob.exp.scenarios:
        ov = rob.run_overrides(s, [])
        t, p = make_task(f"{DEFAULT_POINT}/{s}", ov, out / RUNS_DIR / DEFAULT_POINT / dirs[s])
        if p is None:
            to_params(compose(ov))  # raises the ConfigError that names the key
            raise ConfigError(f"scenario {s}", "its configuration cannot be composed")
        tasks.append(t)
        params[s] = p
    return tasks, params


def plan(rob: Robustness, out: Path, default: tuple[list[RunTask], dict[str, Config]]) -> Plan:
    """Return every child run: the default point's, then each design point's, scenario by scenario."""
    tasks, params = default
    tasks = list(tasks)
    unit = latin_hypercube(rob.points, len(rob.assumptions), rob.seed)
    design = []
    dirs = rob.exp.run_dirs()
    for name, u in zip(rob.point_names(), unit, strict=True):
        values = [a.from_unit(float(x)) for a, x in zip(rob.assumptions, u, strict=True)]
        design.append({a.key: v for a, v in zip(rob.assumptions, values, strict=True)})
        for s in rob.exp.scenarios:
            ov = rob.run_overrides(s, overrides(rob.assumptions, values, params[s]))
            tasks.append(make_task(f"{name}/{s}", ov, out / RUNS_DIR / name / dirs[s])[0])
    return Plan(tasks, design, params)


def write_inputs(rob: Robustness, p: Plan, out: Path) -> None:
    """Write ``robustness.json`` (what was varied and how) and ``design.csv`` (the points)."""
    out.mkdir(parents=True, exist_ok=True)
    exp = rob.exp
    manifest = {"experiment": exp.name, "purpose": exp.purpose, "source": exp.source,
                "scenarios": list(exp.scenarios), "baseline": exp.baseline, "run_dirs": exp.run_dirs(),
                "scenario_overrides": exp.scenarios, "common": exp.common, "extra": rob.extra,
                "kpis": exp.kpis, "points": rob.points, "seed": rob.seed, "replications": rob.reps(),
                "parameters": [asdict(a) for a in rob.assumptions]}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(out / ROBUSTNESS_FILE, text.encode())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    keys = [a.key for a in rob.assumptions]
    w.writerow(["point", *keys])
    for name, row in zip(rob.point_names(), p.design, strict=True):
        w.writerow([name, *(repr(float(row[k])) for k in keys)])
    atomic_write_bytes(out / DESIGN_FILE, buf.getvalue().encode())


def run(p: Plan, out: Path, jobs: int, force: bool = False, stream: TextIO | None = None,
        engine: Engine = LOCAL) -> list[Outcome]:
    """Run every incomplete child run of the plan (the experiments' runner: resumable)."""
    return run_planned(p.tasks, out, jobs, force, stream, engine)
