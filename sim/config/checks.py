"""The checks every section of a configuration is made of: one value, one key, one line.

Each check raises a :class:`ConfigError` naming the full key it was given, so the user sees
one line: ``error: <key>: <reason>``. The checks of each section are in
:mod:`sim.config.validate` and the modules it calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from sim.config.errors import ConfigError
from sim.params.distributions import DistributionError, from_spec
from sim.params.schema import DistSpec


def require(ok: bool, key: str, reason: str) -> None:
    """Raise ``ConfigError(key, reason)`` unless ``ok``."""
    if not ok:
        raise ConfigError(key, reason)


def finite(key: str, v: float) -> None:
    """Require a finite number."""
    require(isinstance(v, int | float) and math.isfinite(v), key, f"must be a finite number, got {v}")


def positive(key: str, v: float) -> None:
    """Require ``v > 0``."""
    finite(key, v)
    require(v > 0, key, f"must be > 0, got {v}")


def non_negative(key: str, v: float) -> None:
    """Require ``v >= 0``."""
    finite(key, v)
    require(v >= 0, key, f"must be >= 0, got {v}")


def probability(key: str, v: float) -> None:
    """Require ``0 <= v <= 1``."""
    finite(key, v)
    require(0 <= v <= 1, key, f"must be a probability in [0, 1], got {v}")


def one_of(key: str, v: str, choices: Iterable[str]) -> None:
    """Require ``v`` to be one of ``choices``."""
    choices = tuple(choices)
    require(v in choices, key, f"must be one of {', '.join(choices)}, got '{v}'")


def distribution(key: str, d: DistSpec) -> None:
    """Require a valid distribution spec."""
    try:
        from_spec(d)
    except DistributionError as exc:
        raise ConfigError(key, str(exc)) from None


def mix_shares(key: str, mix: dict[str, float], known: Iterable[str],
               unknown: str = "unknown institution type (not in city.types)") -> None:
    """Shares by name (a type mix, accept rules, care modes): known names, each in [0, 1], sum 1."""
    known = tuple(known)
    for t, share in mix.items():
        require(t in known, f"{key}.{t}", unknown)
        probability(f"{key}.{t}", share)
    if mix:
        total = sum(mix.values())
        require(abs(total - 1.0) < 1e-6, key, f"shares must add up to 1, got {total:g}")
