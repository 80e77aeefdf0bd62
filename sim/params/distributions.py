"""The distribution language: how a duration or an attribute is written in config.

``{dist: exponential, mean: 12}``, ``{dist: fixed, value: 36}``,
``{dist: lognormal, median: 18, sigma: 0.3}``, ``{dist: uniform, low: 6, high: 30}``,
``{dist: normal, mean: 20, sd: 4}`` (clipped to ``[low, high]``, ``low`` 0 by default),
``{dist: gamma, mean: 3, cv: 0.5}``, ``{dist: never}`` (an infinite duration).

One class per kind owns everything about it: its parameters, validation, mean, bounds of
its support, a scalar sampler (:meth:`Distribution.sampler`, buffered through a stream) and a
vectorised draw (:meth:`Distribution.draw`). :func:`from_spec` turns a config mapping (any
object with the attributes ``dist``, ``value``, ``mean`` ...) into one of them, or raises
:class:`DistributionError` saying why it cannot. All values are months (or km for travel).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

KINDS = ("fixed", "exponential", "lognormal", "uniform", "normal", "gamma", "never")
_BUFFER = 4096


class DistributionError(ValueError):
    """A distribution spec that cannot be built (the message says why)."""


class UniformSource(Protocol):
    """What a sampler draws from: a named random stream (``sim.model.rng.Stream``)."""

    gen: np.random.Generator

    def uniform(self) -> float: ...
    def take(self, n: int) -> list[float]: ...
    def normal(self) -> float: ...


Sampler = Callable[[], float]


class Distribution:
    """Base class: a validated distribution of non-negative values."""

    kind: ClassVar[str] = ""
    required: ClassVar[tuple[str, ...]] = ()
    positive: ClassVar[tuple[str, ...]] = ()

    def check(self) -> None:
        """Raise DistributionError when a parameter is out of range."""
        for name in self.required:
            v = getattr(self, name)
            if not math.isfinite(v):
                raise DistributionError(f"'{name}' must be finite, got {v}")
        for name in self.positive:
            if getattr(self, name) <= 0:
                raise DistributionError(f"'{name}' must be > 0, got {getattr(self, name)}")

    def mean(self) -> float:
        """Return the expected value (``inf`` for ``never``)."""
        raise NotImplementedError

    def bounds(self) -> tuple[float, float]:
        """Return the smallest and largest value a draw can take."""
        return 0.0, math.inf

    def sampler(self, stream: UniformSource) -> Sampler:
        """Return a zero-argument function drawing one value at a time from ``stream``."""
        raise NotImplementedError

    def draw(self, gen: np.random.Generator, n: int) -> np.ndarray:
        """Return ``n`` draws as an array (vectorised)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Fixed(Distribution):
    """Always ``value``."""

    value: float
    kind: ClassVar[str] = "fixed"
    required: ClassVar[tuple[str, ...]] = ("value",)

    def check(self) -> None:  # noqa: D102
        super().check()
        if self.value < 0:
            raise DistributionError(f"'value' must be >= 0, got {self.value}")

    def mean(self) -> float:  # noqa: D102
        return self.value

    def bounds(self) -> tuple[float, float]:  # noqa: D102
        return self.value, self.value

    def sampler(self, stream: UniformSource) -> Sampler:  # noqa: D102
        v = self.value
        return lambda: v

    def draw(self, gen: np.random.Generator, n: int) -> np.ndarray:  # noqa: D102
        return np.full(n, self.value)


@dataclass(frozen=True)
class Never(Distribution):
    """An event that never happens (an infinite duration)."""

    kind: ClassVar[str] = "never"

    def mean(self) -> float:  # noqa: D102
        return math.inf

    def bounds(self) -> tuple[float, float]:  # noqa: D102
        return math.inf, math.inf

    def sampler(self, stream: UniformSource) -> Sampler:  # noqa: D102
        return lambda: math.inf

    def draw(self, gen: np.random.Generator, n: int) -> np.ndarray:  # noqa: D102
        return np.full(n, math.inf)


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential with the given mean."""

    mean_value: float
    kind: ClassVar[str] = "exponential"
    required: ClassVar[tuple[str, ...]] = ("mean_value",)
    positive: ClassVar[tuple[str, ...]] = ("mean_value",)

    def mean(self) -> float:  # noqa: D102
        return self.mean_value

    def sampler(self, stream: UniformSource) -> Sampler:
        """Inverse transform of the stream's uniforms, a block at a time.

        Same values, in the same order, as ``-mean * log(1 - stream.uniform())``.
        """
        mean, log = self.mean_value, math.log
        buf: list[float] = []
        i = 0

        def draw() -> float:
            nonlocal buf, i
            if i >= len(buf):
                buf = [-mean * log(1.0 - u) for u in stream.take(len(buf) or _BUFFER)]
                i = 0
            i += 1
            return buf[i - 1]

        return draw

    def draw(self, gen: np.random.Generator, n: int) -> np.ndarray:  # noqa: D102
        return gen.exponential(self.mean_value, n)


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on ``[low, high]``."""

    low: float
    high: float
    kind: ClassVar[str] = "uniform"
    required: ClassVar[tuple[str, ...]] = ("low", "high")

    def check(self) -> None:  # noqa: D102
        super().check()
        if self.low < 0 or self.high < self.low:
            raise DistributionError(f"need 0 <= low <= high, got low={self.low}, high={self.high}")

    def mean(self) -> float:  # noqa: D102
        return (self.low + self.high) / 2

    def bounds(self) -> tuple[float, float]:  # noqa: D102
        return self.low, self.high

    def sampler(self, stream: UniformSource) -> Sampler:  # noqa: D102
        lo, width, u = self.low, self.high - self.low, stream.uniform
        return lambda: lo + width * u()

    def draw(self, gen: np.random.Generator, n: int) -> np.ndarray:  # noqa: D102
        return gen.uniform(self.low, self.high, n)


@dataclass(frozen=True)
class Lognormal(Distribution):
    """Lognormal with the given median and log-scale ``sigma``."""

    median: float
    sigma: float
    kind: ClassVar[str] = "lognormal"
    required: ClassVar[tuple[str, ...]] = ("median", "sigma")
    positive: ClassVar[tuple[str, ...]] = ("median", "sigma")

    def mean(self) -> float:  # noqa: D102
        return self.median * math.exp(self.sigma ** 2 / 2)

    def sampler(self, stream: UniformSource) -> Sampler:  # noqa: D102
        mu, s, z, exp = math.log(self.median), self.sigma, stream.normal, math.exp
        return lambda: exp(mu + s * z())

    def draw(self, gen: np.random.Generator, n: int) -> np.ndarray:  # noqa: D102
        return np.exp(math.log(self.median) + self.sigma * gen.standard_normal(n))


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with ``mean`` and ``sd``, clipped to ``[low, high]`` (``low`` 0 by default)."""

    mean_value: float
    sd: float
    low: float | None = None
    high: float | None = None
    kind: ClassVar[str] = "normal"
    required: ClassVar[tuple[str, ...]] = ("mean_value", "sd")
    positive: ClassVar[tuple[str, ...]] = ("mean_value", "sd")

    def mean(self) -> float:
        """Return the mean before clipping (the configured ``mean``)."""
        return self.mean_value

    def bounds(self) -> tuple[float, float]:  # noqa: D102
        return (0.0 if self.low is None else self.low), (math.inf if self.high is None else self.high)

    def sampler(self, stream: UniformSource) -> Sampler:  # noqa: D102
        m, s, z = self.mean_value, self.sd, stream.normal
        lo, hi = self.bounds()

        def draw() -> float:
            x = m + s * z()
            return lo if x < lo else hi if x > hi else x

        return draw

    def draw(self, gen: np.random.Generator, n: int) -> np.ndarray:  # noqa: D102
        lo, hi = self.bounds()
        return np.clip(self.mean_value + self.sd * gen.standard_normal(n), lo, hi)


@dataclass(frozen=True)
class Gamma(Distribution):
    """Gamma with the given mean and coefficient of variation."""

    mean_value: float
    cv: float
    kind: ClassVar[str] = "gamma"
    required: ClassVar[tuple[str, ...]] = ("mean_value", "cv")
    positive: ClassVar[tuple[str, ...]] = ("mean_value", "cv")

    def mean(self) -> float:  # noqa: D102
        return self.mean_value

    def _shape_scale(self) -> tuple[float, float]:
        shape = 1.0 / self.cv ** 2
        return shape, self.mean_value / shape

    def sampler(self, stream: UniformSource) -> Sampler:  # noqa: D102
        shape, scale = self._shape_scale()
        g = stream.gen
        return lambda: float(g.gamma(shape, scale))

    def draw(self, gen: np.random.Generator, n: int) -> np.ndarray:  # noqa: D102
        shape, scale = self._shape_scale()
        return gen.gamma(shape, scale, n)


_CLASSES: dict[str, type[Distribution]] = {
    c.kind: c for c in (Fixed, Never, Exponential, Uniform, Lognormal, Normal, Gamma)
}
# the config's key for each constructor argument ("mean" is a method name here)
_CONFIG_KEY = {"mean_value": "mean"}


def from_spec(spec: Any) -> Distribution:
    """Return the distribution a config mapping describes (validated).

    ``spec`` has attributes ``dist`` and the parameters of that kind; unused parameters are
    ignored, except that ``low``/``high`` must be finite and >= 0 wherever they are given.
    """
    kind = spec.dist
    cls = _CLASSES.get(kind)
    if cls is None:
        raise DistributionError(f"unknown distribution '{kind}' (choose from {', '.join(KINDS)})")
    for bound in ("low", "high"):
        v = getattr(spec, bound, None)
        if v is not None and (not math.isfinite(v) or v < 0):
            raise DistributionError(f"'{bound}' must be a finite number >= 0 (durations and ages), got {v}")
    args: dict[str, float | None] = {}
    for name in _fields(cls):
        v = getattr(spec, _CONFIG_KEY.get(name, name), None)
        if v is None and name in cls.required:
            raise DistributionError(f"distribution '{kind}' needs '{_CONFIG_KEY.get(name, name)}'")
        args[name] = None if v is None else float(v)
    d = cls(**args)
    try:
        d.check()
    except DistributionError as exc:
        raise DistributionError(str(exc).replace("'mean_value'", "'mean'")) from None
    return d


def _fields(cls: type[Distribution]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
