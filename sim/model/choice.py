"""How a family ranks the institutions it can reach. Pure functions over arrays.

Utility of option j for a family with income y living in district d::

    u_j = -price_weight * fee_j / y - distance_weight * km(d, j) + pref[type_j] + taste_j

Only options within the family's travel limit whose age class fits the child are ranked.
Taste is a per-option Gumbel draw scaled by ``taste_sd`` (0 = deterministic ranking).
The weights are assumptions (to be calibrated).
"""

from __future__ import annotations

import numpy as np


def rank_options(
    fee: np.ndarray,
    km: np.ndarray,
    pref: np.ndarray,
    income: float,
    price_weight: float,
    distance_weight: float,
    taste: np.ndarray | None,
    limit: int,
) -> np.ndarray:
    """Return indices into the option arrays, best first, at most ``limit`` of them."""
    u = pref - (price_weight / income) * fee - distance_weight * km
    if taste is not None:
        u = u + taste
    return smallest(-u, limit)


def smallest(values: np.ndarray, limit: int) -> np.ndarray:
    """Return the indices of the ``limit`` smallest values, smallest first, ties in index order.

    The same as ``np.argsort(values, kind="stable")[:limit]``, in linear time for long
    arrays: everything up to the limit-th smallest value, then a stable sort of those few.
    """
    if len(values) <= max(limit, _PARTITION_FROM):
        return np.argsort(values, kind="stable")[:limit]
    kth = np.partition(values, limit - 1)[limit - 1]
    top = np.flatnonzero(values <= kth)
    return top[np.argsort(values[top], kind="stable")][:limit]


_PARTITION_FROM = 64  # below this a full sort is as fast as a partition


def eligible(
    min_age: np.ndarray, max_age: np.ndarray, km: np.ndarray, age: float, travel_km: float
) -> np.ndarray:
    """Return the indices of options whose age class fits ``age`` and that lie within reach."""
    return np.flatnonzero((min_age <= age) & (age < max_age) & (km <= travel_km))
