"""Morris and Sobol designs and indices (SALib), with bootstrap confidence intervals.

Designs live on the unit cube, one axis per parameter; :meth:`Assumption.from_unit` maps a
coordinate onto the parameter's range (log or linear, rounded for whole-number keys), so a
Morris elementary effect is the KPI's change per whole range of the parameter, comparable
across parameters. Morris (Morris 1991; Campolongo et al. 2007): ``mu_star`` (mean absolute
elementary effect: importance), ``mu`` (signed mean: direction), ``sigma`` (spread:
interactions or non-linearity); their intervals come from resampling whole trajectories.
Sobol (Saltelli 2002/2010 estimators, SALib): first-order ``S1`` and total ``ST`` indices with
SALib's bootstrap intervals. A design point whose run failed (NaN) drops its trajectory
(Morris) or its base sample's block (Sobol): the rest still give estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.experiment.assumptions import Assumption


@dataclass(frozen=True)
class Index:
    """One sensitivity index of one parameter on one KPI, with its confidence interval."""

    method: str  # morris or sobol
    parameter: str
    kpi: str
    index: str  # mu_star, mu, sigma, S1, ST
    value: float
    ci_low: float
    ci_high: float
    n: int  # trajectories (Morris) or base samples (Sobol) behind it


def problem(params: Sequence[Assumption]) -> dict[str, Any]:
    """SALib's problem: one unit axis per parameter."""
    return {"num_vars": len(params), "names": [a.key for a in params], "bounds": [[0.0, 1.0]] * len(params)}


def morris_design(params: Sequence[Assumption], trajectories: int, levels: int, seed: int) -> np.ndarray:
    """Return the Morris sample on the unit cube: ``trajectories`` blocks of k+1 rows."""
    return np.asarray(morris_sample.sample(problem(params), trajectories, num_levels=levels, seed=seed))


def sobol_design(params: Sequence[Assumption], n_base: int, seed: int) -> np.ndarray:
    """Return the Saltelli sample (first and total order): ``n_base`` blocks of k+2 rows."""
    return np.asarray(sobol_sample.sample(problem(params), n_base, calc_second_order=False, seed=seed))


def to_values(params: Sequence[Assumption], unit: np.ndarray) -> np.ndarray:
    """Map unit-cube rows onto the parameters' values."""
    return np.array([[a.from_unit(u) for a, u in zip(params, row, strict=True)] for row in unit])


def _complete_blocks(y: np.ndarray, size: int) -> np.ndarray:
    """Return a boolean row mask keeping the blocks of ``size`` rows without NaN."""
    ok_blocks = ~np.isnan(y.reshape(-1, size)).any(axis=1)
    return np.repeat(ok_blocks, size)


def elementary_effects(unit: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the (trajectories, k) elementary effects of a Morris design (one step per axis)."""
    k = unit.shape[1]
    x = unit.reshape(-1, k + 1, k)
    yy = y.reshape(-1, k + 1)
    dx = np.diff(x, axis=1)  # (r, k, k): each step moves one axis
    axis = np.abs(dx).argmax(axis=2)  # (r, k)
    step = np.take_along_axis(dx, axis[..., None], axis=2)[..., 0]
    effects = np.diff(yy, axis=1) / step
    out = np.empty_like(effects)
    np.put_along_axis(out, axis, effects, axis=1)
    return out


def _morris_stats(ee: np.ndarray) -> dict[str, np.ndarray]:
    return {"mu_star": np.abs(ee).mean(axis=0), "mu": ee.mean(axis=0),
            "sigma": ee.std(axis=0, ddof=1) if len(ee) > 1 else np.zeros(ee.shape[1])}


def morris_indices(params: Sequence[Assumption], unit: np.ndarray, y: np.ndarray, kpi: str, levels: int,
                   resamples: int, conf_level: float, seed: int) -> list[Index]:
    """Return mu_star, mu and sigma of every parameter on one KPI, with percentile intervals
    from ``resamples`` bootstrap resamples of whole trajectories."""
    k = len(params)
    keep = _complete_blocks(y, k + 1)
    if not keep.any():
        return []
    x, yy = unit[keep], y[keep]
    point = morris_analyze.analyze(problem(params), x, yy, num_resamples=10, conf_level=conf_level,
                                   num_levels=levels, seed=seed)
    ee = elementary_effects(x, yy)
    rng = np.random.default_rng(seed)
    boot = [_morris_stats(ee[rng.integers(0, len(ee), len(ee))]) for _ in range(resamples)]
    tail = 100 * (1 - conf_level) / 2
    out = []
    for name in ("mu_star", "mu", "sigma"):
        draws = np.array([b[name] for b in boot])
        low, high = np.percentile(draws, [tail, 100 - tail], axis=0)
        for i, a in enumerate(params):
            out.append(Index("morris", a.key, kpi, name, float(point[name][i]), float(low[i]),
                             float(high[i]), len(ee)))
    return out


def sobol_indices(params: Sequence[Assumption], y: np.ndarray, kpi: str, resamples: int,
                  conf_level: float, seed: int) -> list[Index]:
    """Return S1 and ST of every parameter on one KPI (SALib; interval: value -+ its bootstrap half-width)."""
    k = len(params)
    keep = _complete_blocks(y, k + 2)
    yy = y[keep]
    if len(yy) < 2 * (k + 2) or np.var(yy) == 0:
        return []  # fewer than two complete blocks, or a KPI the parameters do not move at all
    res = sobol_analyze.analyze(problem(params), yy, calc_second_order=False, num_resamples=resamples,
                                conf_level=conf_level, seed=seed)
    n = len(yy) // (k + 2)
    out = []
    for name in ("S1", "ST"):
        for i, a in enumerate(params):
            value, half = float(res[name][i]), float(res[f"{name}_conf"][i])
            out.append(Index("sobol", a.key, kpi, name, value, value - half, value + half, n))
    return out


def top_parameters(indices: Sequence[Index], k: int) -> list[str]:
    """Return the ``k`` parameters with the largest Morris mu_star on any KPI.

    KPIs have different units, so each KPI's mu_star is divided by its largest one; a
    parameter's score is its largest share over the KPIs. Parameters whose mu_star is zero
    on every KPI are never chosen.
    """
    rows = [i for i in indices if i.method == "morris" and i.index == "mu_star"]
    best: dict[str, float] = {}
    order = {p: n for n, p in reversed(list(enumerate(i.parameter for i in rows)))}
    for kpi in sorted({i.kpi for i in rows}):
        scale = max(i.value for i in rows if i.kpi == kpi)
        for i in rows:
            if i.kpi == kpi:
                share = i.value / scale if scale > 0 else 0.0
                best[i.parameter] = max(best.get(i.parameter, 0.0), share)
    ranked = sorted((p for p in best if best[p] > 0), key=lambda p: (-best[p], order[p]))
    return ranked[:k]
