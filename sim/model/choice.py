"""How a family values the places it can reach: one utility, and the best few of many.

Utility of option j for a family with income y living in district d::

    u_j = pref[type_j] - price_weight * fee_j / y - distance_weight * km(d, j) + taste_j

``fee_j`` is what the family would pay the provider (fee minus voucher); taste is a Gumbel
draw per family and option scaled by ``taste_sd`` (0 = deterministic ranking). A family's
taste for an option is fixed: it comes from the family's taste key (drawn at birth from its
own stream) and the option's class index through a counter-based hash (:func:`taste`, and
:func:`seeded_tastes` for many options), so a
family that ranks again (after outgrowing a class, a closure, a new policy) sees the same
tastes, and the same family has the same tastes in every scenario of a comparison (common
random numbers), whatever happened before it ranked. The weights
are assumptions (price 0-10, distance 0-0.5 per km, taste 0-1; to be calibrated). Only
options within the family's travel limit whose age class fits the child are ranked
(:mod:`sim.model.options`).
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np

_PARTITION_FROM = 64  # below this a full sort is as fast as a partition
X = TypeVar("X", float, np.ndarray)


def disutility(base: X, fee: X, price_per_yuan: X | float) -> X:
    """Return ``-u`` of options without their taste draw (ranking sorts ascending).

    ``base`` is ``pref - distance_weight * km`` (the part no family changes, cached per
    option), ``price_per_yuan`` is ``price_weight / income``: ``-u = price_per_yuan * fee -
    base``. Works on floats and arrays (a column of families' ``price_per_yuan`` against a
    row of options gives one family per row); the one definition of the utility.
    """
    return price_per_yuan * fee - base


def base_utility(pref: X, km: X, distance_weight: float) -> X:
    """Return the part of the utility that depends only on the option: type preference and distance."""
    return pref - distance_weight * km


_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1, _MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_G64, _M1, _M2 = np.uint64(_GOLDEN), np.uint64(_MIX1), np.uint64(_MIX2)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def _mix(x: int) -> int:
    """SplitMix64's finaliser: a bijection of 64-bit integers that scrambles every bit."""
    x = (x + _GOLDEN) & _M64
    x = ((x ^ (x >> 30)) * _MIX1) & _M64
    x = ((x ^ (x >> 27)) * _MIX2) & _M64
    return x ^ (x >> 31)


def taste(key: int, option: int, sd: float) -> float:
    """Return ``sd`` times minus a standard Gumbel for (family ``key``, ``option``): fixed per pair.

    (Minus, because rankings sort disutilities: ``disutility + taste`` ranks as utility plus
    a Gumbel.)
    """
    u = ((_mix((key + option * _GOLDEN) & _M64) >> 11) + 0.5) * (1.0 / 9007199254740992.0)
    return sd * math.log(-math.log(u))


def taste_seeds(options: np.ndarray) -> np.ndarray:
    """Return the per-option part of :func:`taste`'s hash input (kept with the options, computed once)."""
    with np.errstate(over="ignore"):
        return options.astype(np.uint64) * _G64 + _G64


def seeded_tastes(key: int | np.ndarray, seeds: np.ndarray, sd: float) -> np.ndarray:
    """:func:`taste` of the options whose :func:`taste_seeds` are ``seeds`` (in place on one copy).

    ``key`` may be an array of family keys shaped to broadcast against ``seeds`` (a column
    of keys and a row of seeds give one family per row): the same values, element by element.
    """
    x = seeds + np.uint64(key)  # wraps modulo 2**64, as _mix
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    x >>= _S11
    u = x.astype(np.float64)
    u += 0.5
    u *= 1.0 / 9007199254740992.0
    np.log(u, out=u)
    np.negative(u, out=u)
    np.log(u, out=u)
    u *= sd
    return u


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
