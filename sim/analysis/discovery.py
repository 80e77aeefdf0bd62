"""Scenario discovery for a robustness run: where in the assumption space a ranking flips.

For every KPI and pair of scenarios whose ranking flips (the other scenario is better beyond
the noise, :mod:`sim.analysis.robustness`) at :data:`MIN_FLIPS` design points or more, PRIM
(:mod:`sim.analysis.prim`) peels the design on the flip indicator over the assumptions'
values (log-scaled assumptions on a log scale, so that a peel removes the same share of
the range wherever it lies), from the box of the assumptions' whole ranges, with ``alpha``
0.05 and a minimum mass of 0.05, chooses the densest box covering at least half of the
flips, then lifts every restriction the data do not support (quasi-p-value above 0.05,
:func:`sim.analysis.prim.prune`). The box is written as the remaining restricted assumptions'
ranges with its coverage, density and mass and each restriction's quasi-p-value
(``boxes.csv``; no restriction left: one row with an empty ``parameter``, no region the data
support), and with the box before pruning and the whole peeling trajectory (``boxes.json``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.prim import Box, choose, peel, prune, quasi_p
from sim.analysis.robustness import RobustnessRun

MIN_FLIPS = 3
ALPHA = 0.05
MIN_MASS = 0.05
MIN_COVERAGE = 0.5
QP_MAX = 0.05
BOX_COLUMNS = ["kpi", "scenario_a", "scenario_b", "parameter", "box_low", "box_high", "range_low",
               "range_high", "qp", "coverage", "density", "mass", "flips", "points"]


def _scaled(params: list[dict[str, Any]], design: pd.DataFrame) -> tuple[np.ndarray, tuple[Any, Any]]:
    """The design's values as PRIM's inputs (log of log-scaled ones) and the ranges as bounds."""
    cols, lo, hi = [], [], []
    for p in params:
        f = np.log if p["log"] else (lambda v: np.asarray(v, dtype=float))
        cols.append(f(design[p["key"]].to_numpy(dtype=float)))
        lo.append(float(f(p["low"])))
        hi.append(float(f(p["high"])))
    return np.column_stack(cols), (tuple(lo), tuple(hi))


def _unscaled(p: dict[str, Any], v: float) -> float:
    return float(math.exp(v)) if p["log"] else float(v)


def _restrictions(params: list[dict[str, Any]], box: Box, bounds: tuple[Any, Any]) -> dict[str, list[float]]:
    return {params[j]["key"]: [_unscaled(params[j], box.low[j]), _unscaled(params[j], box.high[j])]
            for j in box.restricted(bounds)}


def _trajectory(params: list[dict[str, Any]], boxes: list[Box],
                bounds: tuple[Any, Any]) -> list[dict[str, Any]]:
    return [{"coverage": b.coverage, "density": b.density, "mass": b.mass, "points": b.points,
             "restricted": _restrictions(params, b, bounds)} for b in boxes]


def discover_pair(run: RobustnessRun, v: pd.DataFrame) -> dict[str, Any] | None:
    """PRIM on one pair's verdicts (rows of ``verdicts.csv``); None when it flips too rarely."""
    y = (v["outcome"] == "flipped").to_numpy(dtype=float)
    if y.sum() < MIN_FLIPS:
        return None
    params = run.manifest["parameters"]
    design = run.design.set_index("point").loc[list(v["point"])].reset_index()
    x, bounds = _scaled(params, design)
    boxes = peel(x, y, alpha=ALPHA, min_mass=MIN_MASS, bounds=bounds)
    i = choose(boxes, MIN_COVERAGE)
    first = v.iloc[0]
    out: dict[str, Any] = {"kpi": first["kpi"], "scenario_a": first["scenario_a"],
                           "scenario_b": first["scenario_b"], "flips": int(y.sum()), "points": len(y),
                           "alpha": ALPHA, "min_mass": MIN_MASS, "min_coverage": MIN_COVERAGE,
                           "trajectory": _trajectory(params, boxes, bounds), "chosen": i}
    if i is not None:
        peeled = boxes[i]
        b = prune(x, y, peeled, bounds, QP_MAX)
        out.update(coverage=b.coverage, density=b.density, mass=b.mass,
                   restricted=_restrictions(params, b, bounds),
                   qp={params[j]["key"]: q for j, q in quasi_p(x, y, b, bounds).items()},
                   peeled={"coverage": peeled.coverage, "density": peeled.density, "mass": peeled.mass,
                           "restricted": _restrictions(params, peeled, bounds),
                           "qp": {params[j]["key"]: q for j, q in quasi_p(x, y, peeled, bounds).items()}})
    return out


def discover(run: RobustnessRun, verdicts: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the discovery of every pair that flips at MIN_FLIPS points or more."""
    found = []
    for _, v in verdicts.groupby(["kpi", "scenario_a", "scenario_b"], sort=False):
        d = discover_pair(run, v)
        if d is not None:
            found.append(d)
    return found


def boxes_frame(run: RobustnessRun, found: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per restricted assumption of each chosen, pruned box (``parameter`` empty: no
    restriction is supported, i.e. no region the data can describe holds the flips)."""
    ranges = {p["key"]: (p["low"], p["high"]) for p in run.manifest["parameters"]}
    rows = []
    for d in found:
        if d["chosen"] is None:
            continue
        base = {k: d[k] for k in ("kpi", "scenario_a", "scenario_b")}
        stats = {k: d[k] for k in ("coverage", "density", "mass", "flips", "points")}
        limits = d["restricted"] or {"": [math.nan, math.nan]}
        for key, (lo, hi) in limits.items():
            r = ranges.get(key, (math.nan, math.nan))
            rows.append({**base, "parameter": key, "box_low": lo, "box_high": hi, "range_low": r[0],
                         "range_high": r[1], "qp": d["qp"].get(key, math.nan), **stats})
    return pd.DataFrame(rows, columns=BOX_COLUMNS)
