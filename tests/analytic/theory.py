"""Textbook queueing results the model must reproduce, and small statistics helpers.

Everything here is written from the definitions, independently of the model:

- :func:`erlang_b`: blocking probability of M/M/c/c (stable recursion in the servers);
- :func:`erlang_c`: probability of waiting in M/M/c (from Erlang B);
- :func:`mmc`: the M/M/c KPIs (P(wait), mean wait, mean queue);
- :func:`mmc_abandonment`: M/M/c+M (exponential patience, "Erlang A") by solving the
  birth-death chain numerically, truncated where the stationary tail is negligible;
- :func:`replication_check`: the replication mean, its standard error and the half-width
  of a two-sided Student-t confidence interval: the tolerance of every statistical test.

Time is in months, like the model: ``lam`` arrivals per month, ``mu`` = 1 / mean stay,
``theta`` = 1 / mean patience.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Confidence level of every statistical test in tests/analytic.
CONFIDENCE = 0.999


def erlang_b(c: int, a: float) -> float:
    """Return the Erlang B blocking probability for ``c`` servers and offered load ``a``.

    Uses ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``, which never overflows.
    """
    if c < 0 or a < 0:
        raise ValueError("need c >= 0 and a >= 0")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Return the Erlang C probability that an arrival waits (M/M/c, load ``a`` < ``c``)."""
    if not 0 <= a < c:
        raise ValueError(f"M/M/c is unstable unless a < c (a={a}, c={c})")
    rho = a / c
    b = erlang_b(c, a)
    return b / (1.0 - rho * (1.0 - b))


@dataclass(frozen=True)
class QueueTheory:
    """Stationary KPIs of a queue, named like the model's KPIs.

    ``mean_wait`` is the mean wait of *served* arrivals (zero waits included), like the
    KPI ``mean_wait_months``; ``mean_time_in_queue`` is the mean time on the waitlist of
    every arrival that joined it (served or not), like ``mean_time_on_waitlist``.
    """

    p_wait: float
    p_blocked: float
    p_reneged: float
    mean_wait: float
    mean_queue: float
    mean_time_in_queue: float
    mean_busy: float


def mmc(c: int, lam: float, mu: float) -> QueueTheory:
    """Return the stationary KPIs of M/M/c with an unlimited waitlist (Erlang C)."""
    a = lam / mu
    p = erlang_c(c, a)
    wq = p / (c * mu - lam)
    return QueueTheory(p_wait=p, p_blocked=0.0, p_reneged=0.0, mean_wait=wq,
                       mean_queue=lam * wq, mean_time_in_queue=1.0 / (c * mu - lam),
                       mean_busy=a)


def mmcc(c: int, lam: float, mu: float) -> QueueTheory:
    """Return the stationary KPIs of M/M/c/c, the loss system (Erlang B)."""
    a = lam / mu
    b = erlang_b(c, a)
    return QueueTheory(p_wait=b, p_blocked=b, p_reneged=0.0, mean_wait=0.0,
                       mean_queue=0.0, mean_time_in_queue=0.0, mean_busy=a * (1.0 - b))


def birth_death_stationary(lam: float, death: Sequence[float]) -> np.ndarray:
    """Return the stationary law of a birth-death chain on 0..N with birth rate ``lam``.

    ``death[n]`` is the rate from state ``n`` down to ``n - 1`` (``death[0]`` unused).
    Computed in logs, so long chains do not overflow.
    """
    d = np.asarray(death, dtype=float)
    logw = np.concatenate(([0.0], np.cumsum(math.log(lam) - np.log(d[1:]))))
    w = np.exp(logw - logw.max())
    return w / w.sum()


def _abandonment_chain(c: int, lam: float, mu: float, theta: float, tail: float) -> np.ndarray:
    """Return the stationary law of M/M/c+M, truncated once the tail is below ``tail``.

    Above ``c`` the death rate ``c mu + (n - c) theta`` grows without bound, so the law
    decays faster than geometrically; the chain is extended until the last state's mass,
    relative to the mode, is below ``tail`` (with ``theta = 0`` this needs ``lam < c mu``).
    """
    n = max(2 * c, c + 10)
    while True:
        death = [0.0] + [min(k, c) * mu + max(k - c, 0) * theta for k in range(1, n + 1)]
        pi = birth_death_stationary(lam, death)
        if pi[-1] < tail * pi.max() and pi[-1] <= pi[-2]:
            return pi
        n *= 2
        if n > 10_000_000:
            raise ValueError("chain does not converge (unstable without abandonment?)")


def _time_on_waitlist(advance: np.ndarray, leave: np.ndarray) -> np.ndarray:
    """Return E[time on the waitlist] from ``m`` ahead: T(m) = 1/l_m + (a_m/l_m) T(m-1)."""
    out = np.empty(len(leave))
    prev = 0.0
    for m in range(len(leave)):
        prev = (1.0 + advance[m] * prev) / leave[m]
        out[m] = prev
    return out


def mmc_abandonment(c: int, lam: float, mu: float, theta: float,
                    tail: float = 1e-16) -> QueueTheory:
    """Return the stationary KPIs of M/M/c+M (exponential patience, rate ``theta``).

    An arrival sees the stationary law (PASTA). One that finds ``n >= c`` present has
    ``m = n - c`` families ahead of it on the waitlist; under FIFO it moves up at rate
    ``c mu + j theta`` while ``j`` are ahead and gives up at rate ``theta``, so it is served
    with probability ``prod_j (c mu + j theta) / (c mu + (j + 1) theta)`` and its time on
    the waitlist, whatever the outcome, is a sum of exponential stage times.
    """
    pi = _abandonment_chain(c, lam, mu, theta, tail)
    n = np.arange(len(pi))
    queue = np.maximum(n - c, 0)
    p_wait = float(pi[c:].sum())
    mean_queue = float((queue * pi).sum())
    m = np.arange(len(pi) - c)
    advance = c * mu + m * theta
    leave = advance + theta
    p_served = np.cumprod(advance / leave)            # served from m ahead
    time_served = p_served * np.cumsum(1.0 / leave)   # E[wait; served] from m ahead
    time_all = _time_on_waitlist(advance, leave)      # E[time on waitlist] from m ahead
    pq = pi[c:]
    served = float(pi[:c].sum() + (pq * p_served).sum())
    return QueueTheory(
        p_wait=p_wait,
        p_blocked=0.0,
        p_reneged=1.0 - served,
        mean_wait=float((pq * time_served).sum()) / served,
        mean_queue=mean_queue,
        mean_time_in_queue=float((pq * time_all).sum()) / p_wait if p_wait > 0 else 0.0,
        mean_busy=float((np.minimum(n, c) * pi).sum()),
    )


# -- statistics ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A replication mean with its standard error and confidence half-width."""

    mean: float
    se: float
    half_width: float
    n: int

    def covers(self, value: float) -> bool:
        """Return True when ``value`` lies inside the confidence interval."""
        return abs(self.mean - value) <= self.half_width

    def describe(self, value: float) -> str:
        """Return a one-line comparison for assertion messages and tables."""
        z = (self.mean - value) / self.se if self.se > 0 else math.inf
        return (f"sim {self.mean:.5g} +- {self.half_width:.2g} "
                f"({CONFIDENCE:.1%} CI, n={self.n}) vs theory {value:.5g} ({z:+.2f} se)")


def t_quantile(n: int, confidence: float = CONFIDENCE) -> float:
    """Return the two-sided Student-t critical value for ``n`` replications."""
    return float(stats.t.ppf(0.5 + confidence / 2.0, n - 1))


def replication_check(values: Sequence[float], confidence: float = CONFIDENCE) -> Estimate:
    """Return the mean of independent replications and its t confidence half-width."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 2:
        raise ValueError("need at least two replications for a confidence interval")
    se = float(x.std(ddof=1) / math.sqrt(n))
    return Estimate(float(x.mean()), se, t_quantile(n, confidence) * se, n)


def batch_means_se(times: np.ndarray, levels: np.ndarray, t0: float, t1: float,
                   batches: int = 20) -> tuple[float, float]:
    """Return (time-average, batch-means standard error) of a step function on [t0, t1].

    ``levels[i]`` holds from ``times[i]`` to ``times[i + 1]`` (the last to ``t1``); the window
    is cut into ``batches`` equal batches whose time-averages are treated as independent.
    """
    edges = np.linspace(t0, t1, batches + 1)
    ts = np.concatenate((times, [t1]))
    cum = np.concatenate(([0.0], np.cumsum(levels * np.diff(ts))))

    def area_to(t: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(ts, t, side="right") - 1, 0, len(levels) - 1)
        return cum[i] + levels[i] * (t - ts[i])

    means = np.diff(area_to(edges)) / np.diff(edges)
    return float(means.mean()), float(means.std(ddof=1) / math.sqrt(batches))
