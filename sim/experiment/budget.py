"""What a run will cost before it starts: families, places, rows, memory and time.

:func:`estimate` counts the work a configuration implies (births over burn-in and horizon,
licensed places, monthly rows) and turns it into peak memory and wall time with constants
measured on real runs (``benchmarks/estimate.py`` prints the estimate against measured
runs; docs/testing.md "Run size estimate" has the numbers). :func:`check` refuses, as a
:class:`~sim.config.errors.ConfigError` carrying the estimate, a run that would not fit this
machine's memory (``run.max_memory_gb``, default 80% of it) or would take longer than
``run.max_hours`` (default 12): nothing runs, nothing is written.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from sim.config.errors import ConfigError
from sim.model import births_multiplier
from sim.params.schema import Config

# Measured constants (benchmarks/estimate.py, 2-core x86-64 machine shared with other work,
# 2026-11-30; docs/testing.md "Run size estimate"). Generous by design: the estimate refuses
# runs that are orders of magnitude too large, and lets every measured case through.
BASE_BYTES = 110e6  # interpreter, numpy, SimPy, pyarrow, the model's modules and one city
BYTES_PER_LIVE_BIRTH = 700.0  # a family born in the last 36 months (measured 580-650)
BYTES_PER_BLOCK_BIRTH = 200.0  # one month's (or block's) births drawn as vectorised arrays
BYTES_PER_PLACE = 250.0  # a licensed place: its share of classes, caregivers and their processes
BYTES_PER_ROW = 700.0  # one monthly district row, while recorded and while written
SECONDS_BASE = 0.5  # building the world
SECONDS_PER_BIRTH = 80e-6  # a birth early enough to seek care, and what follows (measured 25-90)
SECONDS_PER_PLACE_MONTH = 1.0e-6  # classes, caregivers and accounts, every month
SECONDS_PER_ROW = 30e-6  # a monthly district row
SEEK_LAG_MONTHS = 18.0  # births in the last months of a run seek care after its end: no work
LIVE_MONTHS = 36.0  # a child is in the world (as a family that may seek care) until age 3
BLOCK_BIRTHS = 1000  # births are drawn in blocks of at least this many (sim/model/births.py)


@dataclass(frozen=True)
class Estimate:
    """The size of a run (all replications) and what it will need."""

    births: float  # children born, every replication
    places: float  # licensed places at the start, one replication
    rows: float  # monthly district rows, every replication
    peak_bytes: float  # peak memory of the whole run (parallel replications together)
    seconds: float  # wall time

    def describe(self) -> str:
        """One line: the sizes and the needs."""
        return (f"about {_count(self.births)} births, {_count(self.places)} places and "
                f"{_count(self.rows)} monthly rows: ~{_gb(self.peak_bytes)} of memory and "
                f"~{_duration(self.seconds)}")


def _count(x: float) -> str:
    return f"{x:,.0f}" if x < 1e9 else f"{x:.3g}"


def _gb(b: float) -> str:
    return f"{b / 1e9:.2g} GB" if b < 1e15 else f"{b / 1e9:.3g} GB"


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 86400 * 365:
        return f"{s / 3600:.1f} h"
    return f"{s / (86400 * 365):.3g} years"


def _births(p: Config, end: float) -> tuple[float, float]:
    """Return (births from the burn-in to ``end``, peak births in one block) of one replication."""
    start = -float(p.run.burnin_months)
    total, peak_month = 0.0, 0.0
    per_year = sum(d.births_per_year for d in p.city.districts) * p.city.scale
    first = math.floor(start / 12.0)
    for k in range(first, math.floor((end - 1e-9) / 12.0) + 1 if end > start else first):
        if k - first > 2000:  # beyond 2,000 years the growth path is not worth adding up exactly
            total += per_year * (end - 12.0 * k) / 12.0 * births_multiplier(p.city, p.run.start_year + k,
                                                                              p.run.start_year)
            break
        months = min(end, 12.0 * (k + 1)) - max(start, 12.0 * k)
        mult = births_multiplier(p.city, p.run.start_year + k, p.run.start_year)
        total += per_year * mult * months / 12.0
        peak_month = max(peak_month, per_year * mult / 12.0)
    return total, max(float(BLOCK_BIRTHS), peak_month)


def _places(p: Config) -> float:
    if p.city.institutions:
        return float(sum(sum(i.places.values()) for i in p.city.institutions))
    return sum(d.population * p.city.scale / 1000.0 * d.places_per_1000 for d in p.city.districts)


def estimate(p: Config) -> Estimate:
    """Return the estimated size and needs of a run of ``p`` (every replication)."""
    reps = p.run.replications
    horizon = float(p.run.horizon_months)
    births, block = _births(p, horizon)
    working = _births(p, horizon - SEEK_LAG_MONTHS)[0]  # births that seek care before the end
    months = float(p.run.burnin_months + p.run.horizon_months)
    live = min(working, births / max(months, 1.0) * LIVE_MONTHS)  # families exist once they will seek
    places = _places(p) if p.queue is None else float(p.queue.places)
    rows_one = float(math.ceil(p.run.horizon_months)) * len(p.city.districts)
    one = (BASE_BYTES + BYTES_PER_LIVE_BIRTH * live + BYTES_PER_BLOCK_BIRTH * block
           + BYTES_PER_PLACE * places + BYTES_PER_ROW * rows_one)
    parallel = max(1, min(reps, os.cpu_count() or 1 if p.run.jobs == -1 else p.run.jobs))
    peak = parallel * one + (BYTES_PER_ROW * rows_one * reps if reps > 1 else 0.0)
    seconds_one = (SECONDS_BASE + SECONDS_PER_BIRTH * working + SECONDS_PER_PLACE_MONTH * places * months
                   + SECONDS_PER_ROW * rows_one)
    seconds = seconds_one * math.ceil(reps / parallel)
    return Estimate(births * reps, places, rows_one * reps, peak, seconds)


def machine_memory_bytes() -> float:
    """Return the memory this process may use: physical memory, or a smaller cgroup limit."""
    try:
        total = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        total = math.inf
    for f in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(f).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, float(text))
    return total


def check(p: Config) -> Estimate:
    """Return the estimate of a run of ``p``; raise ConfigError if it cannot fit or would take too long."""
    est = estimate(p)
    limit_gb = p.run.max_memory_gb
    limit = limit_gb * 1e9 if limit_gb is not None else 0.8 * machine_memory_bytes()
    if est.peak_bytes > limit:
        where = (f"run.max_memory_gb={limit_gb:g}" if limit_gb is not None
                 else f"80% of this machine's {_gb(limit / 0.8)}")
        raise ConfigError("run.max_memory_gb", f"the run needs {est.describe()}, more than {where}: "
                          "make it smaller (births, horizon, replications, run.jobs) "
                          "or raise run.max_memory_gb")
    if est.seconds > p.run.max_hours * 3600.0:
        raise ConfigError("run.max_hours", f"the run needs {est.describe()}, longer than "
                          f"run.max_hours={p.run.max_hours:g}: make it smaller or raise run.max_hours")
    return est
