"""Change-only statistics: time-weighted levels and a fixed-bin tally of waits.

A :class:`Level` adds the area under its curve only when its value changes, so observing a
level costs nothing between changes and memory does not grow with time. :meth:`reset` at the
end of warm-up starts a new observation window.
"""

from __future__ import annotations

import math


class Level:
    """A piecewise-constant quantity and its integral over the observation window."""

    __slots__ = ("value", "t_last", "area", "t0")

    def __init__(self, t0: float, value: float = 0.0) -> None:
        self.value = value
        self.t_last = t0
        self.area = 0.0
        self.t0 = t0

    def add(self, t: float, delta: float) -> None:
        """Change the level by ``delta`` at time ``t``."""
        self.area += self.value * (t - self.t_last)
        self.t_last = t
        self.value += delta

    def reset(self, t: float) -> None:
        """Start a new observation window at ``t`` (the level itself is kept)."""
        self.area = 0.0
        self.t_last = t
        self.t0 = t

    def mean(self, t: float) -> float:
        """Return the time-average over [t0, t] (the current level if the window is empty)."""
        span = t - self.t0
        if span <= 0:
            return self.value
        return (self.area + self.value * (t - self.t_last)) / span


class WaitTally:
    """Count, sum and a fixed-resolution histogram of waits (for mean and quantiles).

    Parameters
    ----------
    bin_months
        Histogram resolution; quantiles are exact to within one bin.
    max_months
        Waits beyond this go to an overflow bin (their exact sum still counts in the mean).
    """

    __slots__ = ("n", "total", "n_positive", "bins", "width", "nbins")

    def __init__(self, bin_months: float = 0.01, max_months: float = 240.0) -> None:
        self.width = bin_months
        self.nbins = int(math.ceil(max_months / bin_months)) + 1
        self.bins = [0] * (self.nbins + 1)
        self.n = 0
        self.total = 0.0
        self.n_positive = 0

    def add(self, w: float) -> None:
        """Record one wait of ``w`` months."""
        self.n += 1
        self.total += w
        if w > 0.0:
            self.n_positive += 1
            i = int(w / self.width) + 1
            self.bins[i if i < self.nbins else self.nbins] += 1
        else:
            self.bins[0] += 1

    def mean(self) -> float:
        """Return the mean wait (0 when nothing was recorded)."""
        return self.total / self.n if self.n else 0.0

    def quantile(self, q: float) -> float:
        """Return the ``q`` quantile, to within one bin (upper bin edge; 0 for zero waits)."""
        if self.n == 0:
            return 0.0
        target = q * self.n
        seen = 0
        for i, c in enumerate(self.bins):
            seen += c
            if seen >= target and c:
                return 0.0 if i == 0 else min(i, self.nbins) * self.width
        return self.nbins * self.width

    def histogram(self) -> tuple[list[float], list[int]]:
        """Return (upper bin edges, counts) of the non-empty bins."""
        edges, counts = [], []
        for i, c in enumerate(self.bins):
            if c:
                edges.append(i * self.width)
                counts.append(c)
        return edges, counts
