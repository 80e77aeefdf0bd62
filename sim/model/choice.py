"""How a family values the places it can reach: one utility, and the best few of many.

Utility of option j for a family with income y living in district d::

    u_j = pref[type_j] - price_weight * fee_j / y - distance_weight * km(d, j) + taste_j

``fee_j`` is what the family would pay the provider (fee minus voucher); taste is a Gumbel
draw per family and option scaled by ``taste_sd`` (0 = deterministic ranking). The weights
are assumptions (price 0-10, distance 0-0.5 per km, taste 0-1; to be calibrated). Only
options within the family's travel limit whose age class fits the child are ranked
(:mod:`sim.model.options`).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

_PARTITION_FROM = 64  # below this a full sort is as fast as a partition
X = TypeVar("X", float, np.ndarray)


def disutility(base: X, fee: X, price_per_yuan: float) -> X:
    """Return ``-u`` of options without their taste draw (ranking sorts ascending).

    ``base`` is ``pref - distance_weight * km`` (the part no family changes, cached per
    option), ``price_per_yuan`` is ``price_weight / income``: ``-u = price_per_yuan * fee -
    base``. Works on floats and arrays; the one definition of the utility.
    """
    return price_per_yuan * fee - base


def base_utility(pref: X, km: X, distance_weight: float) -> X:
    """Return the part of the utility that depends only on the option: type preference and distance."""
    return pref - distance_weight * km


def smallest(values: np.ndarray, limit: int, distinct: bool = False) -> np.ndarray:
    """Return the indices of the ``limit`` smallest values, smallest first, ties in index order.

    The same as ``np.argsort(values, kind="stable")[:limit]``, in linear time for long
    arrays: everything up to the limit-th smallest value, then a stable sort of those few.
    With ``distinct`` (values drawn from a continuous distribution, so ties have probability
    0) the candidates come from one ``argpartition``.
    """
    if len(values) <= max(limit, _PARTITION_FROM):
        return np.argsort(values, kind="stable")[:limit]
    if distinct:
        top = np.argpartition(values, limit - 1)[:limit]
        return top[np.argsort(values[top], kind="stable")]
    kth = np.partition(values, limit - 1)[limit - 1]
    top = np.flatnonzero(values <= kth)
    return top[np.argsort(values[top], kind="stable")][:limit]
