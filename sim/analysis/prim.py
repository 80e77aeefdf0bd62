"""Scenario discovery: the Patient Rule Induction Method (PRIM) of Friedman and Fisher (1999).

Given points ``x`` of an input space (here the assumptions of a robustness run, each scaled
to [0, 1] by the Latin hypercube) and a 0/1 outcome ``y`` (here: the ranking of two policies
flips at that point), PRIM looks for a box (one interval per input) where ``y`` is mostly 1.
It starts from the box holding every point and *peels*: at each step it considers, for
every input, removing the ``alpha`` share of the box's points with the lowest values of that
input, or with the highest, and keeps the one peel whose remaining box has the highest mean
of ``y`` (ties: the peel that keeps more points). It stops when a further peel would leave
fewer than ``min_mass`` of all points, or none removes a point. The sequence of boxes is the
*peeling trajectory*; each box has

- **coverage**: the share of all points with ``y = 1`` that lie inside it,
- **density**: the share of the points inside it with ``y = 1``,
- **mass**: the share of all points that lie inside it.

Early boxes cover much and are dilute, late ones are dense and cover little. The box chosen
here (:func:`choose`) is the densest box of the trajectory whose coverage is at least
``min_coverage`` (0.5), the one with more coverage among equally dense ones. This is what
``ema_workbench``'s ``prim.Prim`` does with ``peel_alpha=0.05`` before its optional pasting
step; pasting (growing the box back by ``alpha`` where that raises the density) is not done.
A limit is written halfway between the last point peeled and the first kept; an input whose
limits were never peeled is *free* (unrestricted).

With few points a restriction may be chance. :func:`quasi_p` gives each restricted input the
quasi-p-value of Bryant and Lempert (2010), as ``ema_workbench`` reports it: the probability
of at least the box's number of ``y = 1`` points among its points if they were drawn at the
density of the box with that one restriction lifted (a one-sided binomial test). A large
value says the restriction adds little. :func:`prune` lifts such restrictions one at a time
(the largest quasi-p-value first, recomputed after each) until every one left has a
quasi-p-value of at most ``qp_max`` (0.05): with few points and many inputs, peeling one point
at a time reaches a dense box by restricting inputs that merely happen to separate a point or
two, and pruning keeps only the restrictions the data support (Bryant and Lempert's advice to
drop restrictions that do not matter, done here by a fixed rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """One box of a peeling trajectory: a lower and upper limit per input, and its statistics."""

    low: tuple[float, ...]
    high: tuple[float, ...]
    coverage: float
    density: float
    mass: float
    points: int

    def restricted(self, bounds: tuple[tuple[float, ...], tuple[float, ...]]) -> list[int]:
        """Return the inputs whose limits lie inside ``bounds`` (the starting box), in order."""
        lo, hi = bounds
        return [j for j in range(len(self.low)) if self.low[j] > lo[j] or self.high[j] < hi[j]]


def _stats(inside: np.ndarray, y: np.ndarray) -> tuple[float, float, float, int]:
    n_in = int(inside.sum())
    hits = float(y[inside].sum())
    total = float(y.sum())
    return (hits / total if total else 0.0, hits / n_in if n_in else 0.0, n_in / len(y), n_in)


def _box(low: np.ndarray, high: np.ndarray, inside: np.ndarray, y: np.ndarray) -> Box:
    coverage, density, mass, n_in = _stats(inside, y)
    return Box(tuple(float(v) for v in low), tuple(float(v) for v in high), coverage, density, mass, n_in)


def _candidates(xj: np.ndarray, alpha: float) -> list[tuple[str, float, np.ndarray]]:
    """The two peels of one input: ('low', new lower limit, keep mask) and ('high', ...)."""
    v = np.sort(xj)
    k = max(1, int(np.floor(alpha * len(v))))
    out = []
    if k < len(v) and v[k] > v[0]:  # the k lowest values (and any tie with the k-th) go
        cut = float(v[v < v[k]].max() + v[k]) / 2.0
        out.append(("low", cut, xj >= cut))
    if k < len(v) and v[-k - 1] < v[-1]:
        cut = float(v[-k - 1] + v[v > v[-k - 1]].min()) / 2.0
        out.append(("high", cut, xj <= cut))
    return out


def _best_peel(x: np.ndarray, y: np.ndarray, inside: np.ndarray, alpha: float,
               min_points: int) -> tuple[int, str, float, np.ndarray] | None:
    """Return (input, side, new limit, new inside mask) of the best peel, or None."""
    idx = np.flatnonzero(inside)
    best: tuple[float, int, int, str, float, np.ndarray] | None = None
    for j in range(x.shape[1]):
        for side, cut, keep in _candidates(x[idx, j], alpha):
            kept = int(keep.sum())
            if kept < min_points:
                continue
            score = (float(y[idx[keep]].mean()), kept)
            if best is None or score > (best[0], best[1]):
                new_inside = np.zeros_like(inside)
                new_inside[idx[keep]] = True
                best = (score[0], kept, j, side, cut, new_inside)
    return None if best is None else best[2:]


def peel(x: np.ndarray, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05,
         bounds: tuple[tuple[float, ...], tuple[float, ...]] | None = None) -> list[Box]:
    """Return PRIM's peeling trajectory on points ``x`` (n x d) with outcome ``y`` (0/1).

    The first box holds every point, with limits ``bounds`` (default: each input's range
    in ``x``); every later box is the previous one with one limit peeled. ``min_mass``: the
    smallest share of the points a box may keep.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 2 or len(x) != len(y) or len(y) == 0:
        raise ValueError("peel: x must be n x d and y must have n values, n > 0")
    lo, hi = bounds or (tuple(x.min(axis=0)), tuple(x.max(axis=0)))
    low, high = np.array(lo, dtype=float), np.array(hi, dtype=float)
    inside = np.ones(len(y), dtype=bool)
    min_points = max(1, int(np.ceil(min_mass * len(y))))
    boxes = [_box(low, high, inside, y)]
    while True:
        step = _best_peel(x, y, inside, alpha, min_points)
        if step is None:
            return boxes
        j, side, cut, inside = step
        (low if side == "low" else high)[j] = cut
        boxes.append(_box(low, high, inside, y))


def inside(x: np.ndarray, low: tuple[float, ...], high: tuple[float, ...]) -> np.ndarray:
    """Return the mask of the rows of ``x`` inside the box ``[low, high]``."""
    x = np.asarray(x, dtype=float)
    return np.all((x >= np.asarray(low)) & (x <= np.asarray(high)), axis=1)


def quasi_p(x: np.ndarray, y: np.ndarray, box: Box,
            bounds: tuple[tuple[float, ...], tuple[float, ...]]) -> dict[int, float]:
    """Return, for each restricted input of ``box``, the quasi-p-value of its restriction."""
    from scipy import stats

    y = np.asarray(y, dtype=float)
    hits = int(y[inside(x, box.low, box.high)].sum())
    out = {}
    for j in box.restricted(bounds):
        low, high = list(box.low), list(box.high)
        low[j], high[j] = bounds[0][j], bounds[1][j]
        lifted = inside(x, tuple(low), tuple(high))
        p = float(y[lifted].mean())
        out[j] = float(stats.binom.sf(hits - 1, box.points, p))
    return out


def box_of(x: np.ndarray, y: np.ndarray, low: tuple[float, ...], high: tuple[float, ...]) -> Box:
    """Return the box ``[low, high]`` with its statistics on the points ``x`` and outcome ``y``."""
    return _box(np.asarray(low, dtype=float), np.asarray(high, dtype=float), inside(x, low, high),
                np.asarray(y, dtype=float))


def prune(x: np.ndarray, y: np.ndarray, box: Box, bounds: tuple[tuple[float, ...], tuple[float, ...]],
          qp_max: float = 0.05) -> Box:
    """Lift the restriction with the largest quasi-p-value while it is above ``qp_max``."""
    while True:
        qp = quasi_p(x, y, box, bounds)
        if not qp:
            return box
        j = max(qp, key=lambda k: qp[k])
        if qp[j] <= qp_max:
            return box
        low, high = list(box.low), list(box.high)
        low[j], high[j] = bounds[0][j], bounds[1][j]
        box = box_of(x, y, tuple(low), tuple(high))


def choose(boxes: list[Box], min_coverage: float = 0.5) -> int | None:
    """Return the index of the densest box with coverage >= ``min_coverage`` (ties: more
    coverage, then the earlier box); None when no box has any point with ``y = 1``."""
    ok = [i for i, b in enumerate(boxes) if b.coverage >= min_coverage and b.density > 0]
    if not ok:
        return None
    return max(ok, key=lambda i: (boxes[i].density, boxes[i].coverage, -i))
