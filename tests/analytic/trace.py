"""An independent record of a run: every ledger transition with its time.

The ledger is the model's single point of truth for a family's state (README, "The
ledger"): only ``Ledger.move`` changes a state, and every move goes to the run's trace hook
(``world.trace``). Listening to it for one run gives an exact event log (admissions, joins,
reneges, departures) that does not go through the recorder whose KPIs are being checked.
From the log this module rebuilds every waitlist spell and splits the Little's-law balance
of the observation window into its parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from sim.config.load import load
from sim.model.trace import TraceEvent
from sim.model.world import RunResult, World
from tests.analytic.theory import batch_means_se

Event = tuple[float, int, str, str]  # (time, family id, old state, new state)


@contextmanager
def ledger_log(world: World) -> Iterator[list[Event]]:
    """Record every ledger move of ``world`` (through its trace hook) while the context is open."""
    log: list[Event] = []

    def listen(ev: TraceEvent) -> None:
        if ev.kind == "move":
            log.append((ev.time, ev.subject.fid, ev.data[0], ev.data[1]))

    world.trace.subscribe(listen)
    try:
        yield log
    finally:
        world.trace.unsubscribe(listen)


def run_traced(overrides: list[str], seed: int, replication: int = 0) -> tuple[World, RunResult, list[Event]]:
    """Run one replication of ``overrides`` and return the world, its result and its log."""
    params = load(overrides)
    world = World(params, seed, replication)
    with ledger_log(world) as log:
        result = world.run()
    return world, result, log


def window_of(world: World) -> tuple[float, float]:
    """Return the observation window (end of warm-up, or the start of the run; horizon)."""
    return max(world.warmup, world.t_start), world.horizon


@dataclass(frozen=True)
class Spells:
    """Waitlist spells: join times and leave times (``inf`` when still waiting at the end)."""

    join: np.ndarray
    leave: np.ndarray


def waitlist_spells(log: list[Event]) -> Spells:
    """Return every spell on the waitlist (from a move into ``waiting`` to one out of it)."""
    open_: dict[int, float] = {}
    joins, leaves = [], []
    for t, fid, old, new in log:
        if old == "waiting":
            joins.append(open_.pop(fid))
            leaves.append(t)
        if new == "waiting":
            open_[fid] = t
    joins.extend(open_.values())
    leaves.extend([math.inf] * len(open_))
    return Spells(np.array(joins, dtype=float), np.array(leaves, dtype=float))


@dataclass(frozen=True)
class LittleBalance:
    """Little's law over the window ``[t0, t1]`` of one run, split into its exact parts.

    ``area`` (the integral of the waitlist over the window) is exactly
    ``completed + before + after``: the time on the list of spells that began and ended in
    the window, the part inside the window of spells that began before it, and the time so
    far of spells still open at its end. The KPI estimate ``lambda W = joins / window *
    (completed / ended)`` misses the last two and extrapolates the first, so

        L - lambda W = (before + after - W (joins - ended)) / window,

    an end effect whose size the log measures.
    """

    t0: float
    t1: float
    area: float
    completed: float
    before: float
    after: float
    joins: int
    ended: int

    @property
    def window(self) -> float:
        return self.t1 - self.t0

    @property
    def mean_waitlist(self) -> float:
        return self.area / self.window

    @property
    def mean_time(self) -> float:
        return self.completed / self.ended if self.ended else 0.0

    @property
    def end_effect(self) -> float:
        """``L - lambda W`` predicted exactly from the measured end effects."""
        return (self.before + self.after - self.mean_time * (self.joins - self.ended)) / self.window

    @property
    def end_effect_bound(self) -> float:
        """A bound on ``|L - lambda W|``: the larger of the two one-sided end effects."""
        return max(self.before + self.after, self.mean_time * (self.joins - self.ended)) / self.window


def little_balance(spells: Spells, t0: float, t1: float) -> LittleBalance:
    """Return the Little's-law balance of ``spells`` over the window ``[t0, t1]``."""
    j, lv = spells.join, spells.leave
    overlap = np.clip(np.minimum(lv, t1) - np.maximum(j, t0), 0.0, None)
    inside = j >= t0
    ended = inside & (lv <= t1)
    still = inside & (lv > t1)
    return LittleBalance(
        t0=t0, t1=t1,
        area=float(overlap.sum()),
        completed=float((lv[ended] - j[ended]).sum()),
        before=float(overlap[~inside].sum()),
        after=float(overlap[still].sum()),
        joins=int(inside.sum()),
        ended=int(ended.sum()),
    )


def waitlist_path(spells: Spells, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the waitlist as a step function on ``[t0, t1]``: (change times, levels).

    Every spell that touches the window adds one at ``max(join, t0)`` and, if it ends
    before ``t1``, removes one at its end (spells open at ``t0`` enter at ``t0``).
    """
    j, lv = spells.join, spells.leave
    touch = (lv >= t0) & (j < t1)
    ups = np.maximum(j[touch], t0)
    downs = lv[touch & (lv < t1)]
    t = np.concatenate((ups, downs))
    d = np.concatenate((np.ones(len(ups)), -np.ones(len(downs))))
    order = np.argsort(t, kind="stable")
    times = np.concatenate(([t0], t[order]))
    levels = np.concatenate(([0.0], np.cumsum(d[order])))
    return times, levels


def waitlist_batch_se(spells: Spells, t0: float, t1: float, batches: int) -> tuple[float, float]:
    """Return the time-average waitlist and its batch-means standard error."""
    times, levels = waitlist_path(spells, t0, t1)
    return batch_means_se(times, levels, t0, t1, batches)
