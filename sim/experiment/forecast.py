"""The 2025 forecast's range over the assumptions the 2021-2024 path cannot rule out (issue 14).

The forecast of :mod:`sim.cli.calibrate` (``--forecast``) has confidence intervals over
replications only: they say how precisely the model at its fitted values is known, not how
much the forecast depends on assumptions nobody has measured. This module answers the second
question the way history matching does (Craig, Goldstein et al. 1997; Andrianakis et al. 2015
for simulators): draw a Latin hypercube over the ranges of the assumption registry
(``configs/assumptions.yaml``, fitted parameters included), run each point from 2021 to the
end of 2025 with the same seed (common random numbers), keep the points whose simulated
2021-2024 path stays inside every fitted target's tolerance (the others are ruled out by the
published path), and report the 2025 forecast over the points kept.

A point is one replication: the range it gives mixes the assumptions' effect with
replication noise, which the preset's CIs show to be small (a fraction of a percentage point
of enrollment).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.config.load import load
from sim.experiment.assumptions import Assumption, applies, load_assumptions, overrides, with_defaults
from sim.experiment.calibration import FORECAST, TARGETS, replication_metrics

FIT = tuple(t for t in TARGETS if t.fit_weight)


@dataclass(frozen=True)
class Band:
    """The points drawn, which the path kept, and the forecast over the kept ones."""

    assumptions: list[Assumption]
    units: np.ndarray  # points x assumptions, in [0, 1]
    metrics: list[dict[str, float] | None]  # None: the run failed
    kept: list[bool]

    def summary(self) -> dict[str, tuple[float, float, float]]:
        """Return (lowest, median, highest) of every forecast KPI over the kept points."""
        rows = [m for m, k in zip(self.metrics, self.kept, strict=True) if k and m is not None]
        out = {}
        for name, _ in FORECAST:
            v = np.array([r[name] for r in rows])
            out[name] = (float(v.min()), float(np.median(v)), float(v.max())) if len(v) else (math.nan,) * 3
        return out

    def ruled_out_by(self) -> dict[str, int]:
        """Return, for each fitted target, how many points missed it."""
        return {t.name: sum(1 for m in self.metrics if m is not None and not t.holds(m[t.name])) for t in FIT}


def path_holds(m: dict[str, float]) -> bool:
    """True when every fitted target of the 2021-2024 path lies inside its tolerance."""
    return all(t.holds(m[t.name]) for t in FIT)


def band_assumptions(cfg: Any) -> list[Assumption]:
    """Return the registry's assumptions that apply to the composed preset ``cfg`` (with defaults)."""
    return [a for a in with_defaults(load_assumptions(), cfg) if a.default is not None and applies(a, cfg)]


def _job(args: tuple[list[str], int]) -> dict[str, float] | None:
    ovs, seed = args
    try:
        return replication_metrics((load(ovs), seed, 0))
    except Exception:  # noqa: BLE001 - a point whose run fails is reported, not fatal
        return None


def forecast_band(base: Sequence[str], points: int, seed: int, pool: Executor,
                  log: Callable[[str], None] = print) -> Band:
    """Run ``points`` Latin-hypercube points of the assumptions on the 2021-2025 run ``base``."""
    cfg = load(list(base))
    assumptions = band_assumptions(cfg)
    units = qmc.LatinHypercube(d=len(assumptions), seed=seed).random(points)
    jobs = []
    for u in units:
        values = [a.from_unit(float(x)) for a, x in zip(assumptions, u, strict=True)]
        jobs.append(([*base, *overrides(assumptions, values, cfg)], seed))
    log(f"forecast band: {points} points over {len(assumptions)} assumptions")
    metrics = list(pool.map(_job, jobs))
    kept = [m is not None and path_holds(m) for m in metrics]
    log(f"forecast band: {sum(kept)} of {points} points keep the 2021-2024 path within tolerance")
    return Band(assumptions, units, metrics, kept)
