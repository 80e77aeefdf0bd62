"""Single runs and replications, sequential or over local cores with identical results.

Replication ``r`` of root seed ``s`` draws every named stream from
``SeedSequence(s, spawn_key=(r, crc32(name)))``: replications are independent, and two
scenarios run with the same seed share their replications' random numbers (common random
numbers), whichever launcher or process runs them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from sim.experiment.workers import pool as worker_pool
from sim.model import RunResult, World
from sim.params.schema import Config

ProgressFn = Callable[[float, float], None]


def single_run(params: Config, seed: int, replication: int = 0,
               progress: ProgressFn | None = None) -> RunResult:
    """Run one replication of ``params`` and return its result (pure and picklable)."""
    t0 = time.perf_counter()
    result = World(params, seed, replication).run(progress)
    result.meta["wall_seconds"] = time.perf_counter() - t0
    result.meta["replication"] = replication
    return result


def _job(args: tuple[Config, int, int]) -> RunResult:
    params, seed, rep = args
    return single_run(params, seed, rep)


def resolve_jobs(jobs: int) -> int:
    """Return the number of worker processes for ``run.jobs`` (-1 = every core)."""
    return os.cpu_count() or 1 if jobs == -1 else max(1, jobs)


def run_replications(params: Config, progress: ProgressFn | None = None) -> list[RunResult]:
    """Run ``params.run.replications`` replications, in parallel when ``run.jobs`` > 1.

    Results come back in replication order and are identical however many processes run
    them. With one replication the progress callback follows simulated time; with several
    it follows finished replications.
    """
    n = params.run.replications
    jobs = min(resolve_jobs(params.run.jobs), n)
    if n == 1:
        return [single_run(params, params.seed, 0, progress)]
    args = [(params, params.seed, r) for r in range(n)]
    results: list[RunResult] = []
    if jobs <= 1:
        for a in args:
            results.append(_job(a))
            if progress is not None:
                progress(len(results), n)
        return results
    with worker_pool(jobs) as pool:
        for res in pool.map(_job, args):
            results.append(res)
            if progress is not None:
                progress(len(results), n)
    return results
