"""Hand-written M/M/c queues: the reference the model's queue preset is timed against.

Four ways to simulate the same queue (Poisson arrivals at ``rate`` per month, exponential
stays of mean ``mean_stay``, ``servers`` places, an unlimited FIFO waitlist):

- ``idiomatic``: SimPy as its documentation teaches it, a ``simpy.Resource`` of capacity c
  and one process per customer (``with res.request() as req: yield req; yield timeout``);
- ``store``: SimPy with a ``simpy.Store`` of waiting customers and c server processes;
- ``callbacks``: SimPy's event loop with plain callbacks on ``Timeout`` events, no processes
  (the style the model uses);
- ``heapq``: a plain ``heapq`` event loop, no SimPy (the floor for Python).

Every variant draws the customers' inter-arrival times and stays from the same two named
streams (buffered numpy draws, the way ``sim.model.rng`` does it), so with the same seed all
four simulate the same sample path and report the same mean wait: a check that they are the
same queue.

Usage::

    python benchmarks/reference_mmc.py idiomatic --customers 1000000
    python benchmarks/reference_mmc.py heapq --customers 200000 --servers 10 --rate 9

It prints one JSON line: variant, customers, mean wait, in-process wall seconds and peak RSS.
"""

from __future__ import annotations

import argparse
import heapq
import json
import resource
import sys
import time
from collections import deque
from collections.abc import Callable

import numpy as np

VARIANTS = ("idiomatic", "store", "callbacks", "heapq")
_BLOCK = 4096


class Draws:
    """Exponential draws of one mean from a named seed, in blocks of numpy draws."""

    def __init__(self, seed: int, key: int, mean: float) -> None:
        seq = np.random.SeedSequence(seed, spawn_key=(key,))
        self.gen = np.random.Generator(np.random.PCG64(seq))
        self.mean = mean
        self.buf: list[float] = []
        self.i = 0

    def __call__(self) -> float:
        """Return the next draw."""
        i = self.i
        if i >= len(self.buf):
            self.buf = self.gen.exponential(self.mean, _BLOCK).tolist()
            i = 0
        self.i = i + 1
        return self.buf[i]


class Tally:
    """Count and total of the waits of served customers."""

    __slots__ = ("n", "total")

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0

    def add(self, wait: float) -> None:
        """Record one wait."""
        self.n += 1
        self.total += wait


def run_idiomatic(n: int, servers: int, gap: Draws, stay: Draws, tally: Tally) -> None:
    """One SimPy process per customer, waiting on a ``Resource`` request."""
    import simpy

    env = simpy.Environment()
    places = simpy.Resource(env, capacity=servers)

    def customer(env: simpy.Environment, duration: float):  # type: ignore[no-untyped-def]
        arrived = env.now
        with places.request() as req:
            yield req
            tally.add(env.now - arrived)
            yield env.timeout(duration)

    def source(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for _ in range(n):
            yield env.timeout(gap())
            env.process(customer(env, stay()))

    env.process(source(env))
    env.run()


def run_store(n: int, servers: int, gap: Draws, stay: Draws, tally: Tally) -> None:
    """A ``Store`` of waiting customers served by ``servers`` server processes."""
    import simpy

    env = simpy.Environment()
    queue = simpy.Store(env)

    def server(env: simpy.Environment):  # type: ignore[no-untyped-def]
        while True:
            arrived, duration = yield queue.get()
            tally.add(env.now - arrived)
            yield env.timeout(duration)

    def source(env: simpy.Environment):  # type: ignore[no-untyped-def]
        for _ in range(n):
            yield env.timeout(gap())
            queue.put((env.now, stay()))

    for _ in range(servers):
        env.process(server(env))
    env.process(source(env))
    env.run()


def run_callbacks(n: int, servers: int, gap: Draws, stay: Draws, tally: Tally) -> None:
    """SimPy's event loop with callbacks on ``Timeout`` events only (no processes)."""
    import simpy
    from simpy.events import Timeout

    env = simpy.Environment()
    waiting: deque[tuple[float, float]] = deque()
    free = [servers]
    left = [n]

    def start(arrived: float, duration: float) -> None:
        tally.add(env.now - arrived)
        Timeout(env, duration).callbacks.append(on_departure)

    def on_departure(_ev: Timeout) -> None:
        if waiting:
            start(*waiting.popleft())
        else:
            free[0] += 1

    def on_arrival(_ev: Timeout) -> None:
        duration = stay()
        if free[0]:
            free[0] -= 1
            start(env.now, duration)
        else:
            waiting.append((env.now, duration))
        left[0] -= 1
        if left[0]:
            Timeout(env, gap()).callbacks.append(on_arrival)

    if n:
        Timeout(env, gap()).callbacks.append(on_arrival)
    env.run()


def run_heapq(n: int, servers: int, gap: Draws, stay: Draws, tally: Tally) -> None:
    """A plain heapq event list: (time, sequence number, kind)."""
    arrival, departure = 0, 1
    events: list[tuple[float, int, int]] = []
    push, pop = heapq.heappush, heapq.heappop
    waiting: deque[tuple[float, float]] = deque()
    free, seq, left = servers, 0, n
    if n:
        push(events, (gap(), 0, arrival))
    while events:
        now, _, kind = pop(events)
        if kind == arrival:
            duration = stay()
            if free:
                free -= 1
                tally.add(0.0)
                seq += 1
                push(events, (now + duration, seq, departure))
            else:
                waiting.append((now, duration))
            left -= 1
            if left:
                seq += 1
                push(events, (now + gap(), seq, arrival))
        elif waiting:
            arrived, duration = waiting.popleft()
            tally.add(now - arrived)
            seq += 1
            push(events, (now + duration, seq, departure))
        else:
            free += 1


RUNNERS: dict[str, Callable[[int, int, Draws, Draws, Tally], None]] = {
    "idiomatic": run_idiomatic,
    "store": run_store,
    "callbacks": run_callbacks,
    "heapq": run_heapq,
}


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Parse arguments, run one variant and print (and return) its JSON line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variant", choices=VARIANTS)
    ap.add_argument("--customers", type=int, default=200_000, help="arrivals to simulate")
    ap.add_argument("--rate", type=float, default=9.0, help="arrivals per month")
    ap.add_argument("--mean-stay", type=float, default=1.0, help="mean stay in months")
    ap.add_argument("--servers", type=int, default=10, help="places (c)")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args(argv)
    gap = Draws(a.seed, 1, 1.0 / a.rate)
    stay = Draws(a.seed, 2, a.mean_stay)
    tally = Tally()
    t0 = time.perf_counter()
    RUNNERS[a.variant](a.customers, a.servers, gap, stay, tally)
    wall = time.perf_counter() - t0
    out: dict[str, object] = {
        "variant": a.variant,
        "customers": tally.n,
        "mean_wait": tally.total / tally.n if tally.n else 0.0,
        "wall_seconds": round(wall, 4),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
