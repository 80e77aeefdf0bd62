"""Who gains: income groups, tallies by group, and the concentration index (issue 15).

Income groups are city-wide quantiles of the household income of families with a child
under 3. Incomes are drawn at birth from each district's log-normal (``median_income``,
``income_sigma``), so the city's income distribution is the mixture of the districts'
log-normals weighted by their births; its quantiles are fixed before the run starts
(:func:`income_cuts`) and every child belongs to one group for life (:func:`income_group`).
The run measures ``INCOME_GROUPS`` = 20 groups (twentieths) so that the concentration index
is close to its individual-level value; the KPIs report quintiles (four twentieths each).

:class:`GroupTally` holds what the equity KPIs are made of, by group: child-months under 3,
child-months in care, burden and net-fee months, waits of admitted arrivals, and decisions
on the price (applied or priced out). The recorder keeps one tally by district and one by
income group; city totals are sums over districts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.params.schema import INCOME_GROUPS  # twentieths of the city's income distribution

QUINTILES = 5
PER_QUINTILE = INCOME_GROUPS // QUINTILES


def _lognormal_cdf(x: float, median: float, sigma: float) -> float:
    if sigma == 0:
        return 1.0 if x >= median else 0.0
    return 0.5 * (1.0 + math.erf(math.log(x / median) / (sigma * math.sqrt(2.0))))


def income_cuts(medians: Sequence[float], sigmas: Sequence[float], weights: Sequence[float],
                groups: int = INCOME_GROUPS) -> list[float]:
    """Return the ``groups - 1`` inner quantiles of a mixture of log-normal incomes.

    ``weights`` are the components' shares (births per year); each quantile is found by
    bisection on the log of income to a relative precision of 1e-9. With one component the
    cuts are its own quantiles; a component with ``sigma == 0`` is a point mass.
    """
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        w = np.ones(len(w))
    w = w / w.sum()
    comps = list(zip(medians, sigmas, w, strict=True))

    def cdf(x: float) -> float:
        return sum(wk * _lognormal_cdf(x, m, s) for m, s, wk in comps)

    lo0 = min(m * math.exp(-8.0 * s) for m, s, _ in comps)
    hi0 = max(m * math.exp(8.0 * s) for m, s, _ in comps)
    cuts = []
    for k in range(1, groups):
        q = k / groups
        lo, hi = math.log(lo0), math.log(hi0)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if cdf(math.exp(mid)) < q:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-9:
                break
        cuts.append(math.exp(hi))
    return cuts


def income_group(incomes: np.ndarray, cuts: Sequence[float]) -> np.ndarray:
    """Return the group (0 = poorest) of each income: the number of cuts at or below it."""
    return np.searchsorted(np.asarray(cuts, dtype=float), incomes, side="right")


def quintile_of(group: int) -> int:
    """Return the quintile (0..4) of an income group (0..INCOME_GROUPS-1)."""
    return group // PER_QUINTILE


QUINTILE_OF = [quintile_of(g) for g in range(INCOME_GROUPS)]  # labels for GroupTally.merged


def concentration_index(weights: Sequence[float], values: Sequence[float]) -> float:
    """Return the concentration index of ``values`` over groups ranked from poorest to richest.

    ``weights`` are the groups' population shares (or counts), ``values`` the group means of
    the outcome (for example the enrollment rate). With one person per group this is the
    standard index, ``2 cov(h, r) / mean(h)`` with fractional rank ``r``; with groups it is
    the grouped form ``(2 / mu) * sum_t f_t mu_t R_t - 1``, ``R_t`` the relative rank of the
    middle of group ``t`` (Kakwani, Wagstaff and van Doorslaer 1997), which ignores
    inequality within groups. It lies in (-1, 1): negative when the outcome is concentrated
    among the poor, 0 when equal, positive when concentrated among the rich. 0 when the
    outcome is zero everywhere.
    """
    f = np.asarray(weights, dtype=float)
    h = np.asarray(values, dtype=float)
    if f.sum() <= 0:
        return 0.0
    f = f / f.sum()
    mu = float((f * h).sum())
    if mu == 0:
        return 0.0
    rank = np.cumsum(f) - f / 2.0
    return float(2.0 / mu * (f * h * rank).sum() - 1.0)


class GroupTally:
    """What the equity KPIs are made of, for ``n`` groups (districts or income groups)."""

    __slots__ = ("child_area", "care", "burden", "net_fee", "wait_sum", "wait_n", "applied", "priced")

    def __init__(self, n: int) -> None:
        self.child_area = [0.0] * n  # child-months under 3 in the window
        self.care = [0.0] * n  # child-months in care in the window
        self.burden = [0.0] * n  # child-months in care times net fee / income
        self.net_fee = [0.0] * n  # child-months in care times net fee
        self.wait_sum = [0.0] * n  # waits of admitted arrivals counted (applied after warm-up)
        self.wait_n = [0] * n
        self.applied = [0] * n  # families that decided on the price after warm-up: applied ...
        self.priced = [0] * n  # ... or were priced out

    def add_wait(self, g: int, wait: float) -> None:
        """An arrival of group ``g`` counted after warm-up was admitted after ``wait`` months."""
        self.wait_sum[g] += wait
        self.wait_n[g] += 1

    def add_care(self, g: int, months: float, burden: float, fee_months: float) -> None:
        """Group ``g`` adds ``months`` in care, ``burden`` (months times net fee over income) and
        ``fee_months`` (months times net fee) in the window."""
        self.care[g] += months
        self.burden[g] += burden
        self.net_fee[g] += fee_months

    def merged(self, labels: Sequence[int], n: int) -> GroupTally:
        """Return the tally of ``n`` groups in which group ``g`` is added to group ``labels[g]``
        (twentieths into quintiles; districts into strata)."""
        out = GroupTally(n)
        for name in self.__slots__:
            src, dst = getattr(self, name), getattr(out, name)
            for g, v in enumerate(src):
                dst[labels[g]] += v
        return out

    def kpis(self, g: int) -> dict[str, float]:
        """Return group ``g``'s enrollment rate, priced-out share, fee burden and mean wait."""
        decided = self.applied[g] + self.priced[g]
        return {
            "enrollment_rate": self.care[g] / self.child_area[g] if self.child_area[g] > 0 else 0.0,
            "priced_out_share": self.priced[g] / decided if decided else 0.0,
            "family_cost_share": self.burden[g] / self.care[g] if self.care[g] > 0 else 0.0,
            "mean_wait_months": self.wait_sum[g] / self.wait_n[g] if self.wait_n[g] else 0.0,
        }
