"""Duration and attribute distributions written in config as small mappings.

``{dist: exponential, mean: 12}``, ``{dist: fixed, value: 36}``,
``{dist: lognormal, median: 18, sigma: 0.3}``, ``{dist: uniform, low: 6, high: 30}``,
``{dist: normal, mean: 20, sd: 4}`` (truncated at ``low``/``high`` when given),
``{dist: gamma, mean: 3, cv: 0.5}``. Every part of the model samples through
:func:`sampler`, so one spec language covers stays, patience, start ages and delays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.model.rng import Stream

if TYPE_CHECKING:
    from sim.config.schema import DistSpec

KINDS = ("fixed", "exponential", "lognormal", "uniform", "normal", "gamma", "never")


@dataclass(frozen=True, slots=True)
class Dist:
    """A validated distribution spec (all times in months)."""

    dist: str
    value: float | None = None
    mean: float | None = None
    median: float | None = None
    sigma: float | None = None
    sd: float | None = None
    cv: float | None = None
    low: float | None = None
    high: float | None = None

    def expected(self) -> float:
        """Return the mean of the distribution (``inf`` for ``never``)."""
        if self.dist == "fixed":
            return float(self.value)  # type: ignore[arg-type]
        if self.dist in ("exponential", "normal", "gamma"):
            return float(self.mean)  # type: ignore[arg-type]
        if self.dist == "lognormal":
            return float(self.median) * math.exp(float(self.sigma) ** 2 / 2)  # type: ignore[arg-type]
        if self.dist == "uniform":
            return (float(self.low) + float(self.high)) / 2  # type: ignore[arg-type]
        return math.inf


_REQUIRED = {
    "fixed": ("value",),
    "exponential": ("mean",),
    "lognormal": ("median", "sigma"),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "gamma": ("mean", "cv"),
    "never": (),
}


def check_dist(d: Dist) -> str | None:
    """Return why ``d`` is invalid, or None when it is valid."""
    if d.dist not in _REQUIRED:
        return f"unknown distribution '{d.dist}' (choose from {', '.join(KINDS)})"
    for field in _REQUIRED[d.dist]:
        v = getattr(d, field)
        if v is None:
            return f"distribution '{d.dist}' needs '{field}'"
        if not math.isfinite(v):
            return f"'{field}' must be finite, got {v}"
    positive = {"mean", "median", "sigma", "sd", "cv"} & set(_REQUIRED[d.dist])
    for field in positive:
        if getattr(d, field) <= 0:
            return f"'{field}' must be > 0, got {getattr(d, field)}"
    if d.dist == "fixed" and d.value is not None and d.value < 0:
        return f"'value' must be >= 0, got {d.value}"
    for field in ("low", "high"):
        v = getattr(d, field)
        if v is not None and (not math.isfinite(v) or v < 0):
            return f"'{field}' must be a finite number >= 0 (durations and ages), got {v}"
    if d.dist == "uniform" and d.low is not None and d.high is not None:
        if d.low < 0 or d.high < d.low:
            return f"need 0 <= low <= high, got low={d.low}, high={d.high}"
    return None


def sampler(d: Dist | DistSpec, stream: Stream) -> Callable[[], float]:
    """Return a zero-argument function drawing from ``d`` with ``stream``.

    Draws are clipped at zero (durations) and, for ``normal``, to ``[low, high]`` when given.
    """
    kind = d.dist
    if kind == "fixed":
        v = float(d.value)  # type: ignore[arg-type]
        return lambda: v
    if kind == "never":
        return lambda: math.inf
    if kind == "exponential":
        return _exponential(float(d.mean), stream)  # type: ignore[arg-type]
    if kind == "uniform":
        lo, width = float(d.low), float(d.high) - float(d.low)  # type: ignore[arg-type]
        u = stream.uniform
        return lambda: lo + width * u()
    if kind == "lognormal":
        mu, s = math.log(float(d.median)), float(d.sigma)  # type: ignore[arg-type]
        z = stream.normal
        exp = math.exp
        return lambda: exp(mu + s * z())
    if kind == "normal":
        return _truncated_normal(d, stream)
    if kind == "gamma":
        shape = 1.0 / float(d.cv) ** 2  # type: ignore[arg-type]
        scale = float(d.mean) / shape  # type: ignore[arg-type]
        g = stream.gen
        return lambda: float(g.gamma(shape, scale))
    raise ValueError(f"unknown distribution {kind!r}")


def _exponential(mean: float, stream: Stream) -> Callable[[], float]:
    """Exponential draws by inverse transform of the stream's uniforms, a block at a time.

    Same values, in the same order, as ``-mean * log(1 - stream.uniform())`` when the sampler
    is the stream's only user (it takes the stream's uniforms a block ahead).
    """
    log = math.log
    buf: list[float] = []
    i = 0

    def draw() -> float:
        nonlocal buf, i
        if i >= len(buf):
            buf = [-mean * log(1.0 - u) for u in stream.take(len(buf) or 4096)]
            i = 0
        i += 1
        return buf[i - 1]

    return draw


def _truncated_normal(d: Dist | DistSpec, stream: Stream) -> Callable[[], float]:
    m, s = float(d.mean), float(d.sd)  # type: ignore[arg-type]
    lo = 0.0 if d.low is None else float(d.low)
    hi = math.inf if d.high is None else float(d.high)
    z = stream.normal

    def draw() -> float:
        x = m + s * z()
        return lo if x < lo else hi if x > hi else x

    return draw
