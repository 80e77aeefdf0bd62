"""The run size estimate (sim/experiment/budget.py) against measured runs.

Each case runs in a fresh process (one replication, one core): wall time and peak resident
memory (``ru_maxrss``) are measured and printed beside the estimate, with their ratio.
``python benchmarks/estimate.py [--quick]``. The constants of ``budget.py`` were fitted to
these cases; docs/testing.md ("Run size estimate") records the last table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CASES = {
    "demo 10 years": [],
    "demo 2 years": ["run.horizon_months=24"],
    "queue": ["scenario=queue"],
    "china_2024": ["city=china_2024"],
    "demo births x5, 3 years": ["city.births_index=[5.0]", "run.horizon_months=36"],
    "demo births x40, 1 year": ["city.births_index=[40.0]", "run.horizon_months=12", "run.burnin_months=0"],
    "megacity 10 years": ["city=megacity"],
}
QUICK = ("demo 2 years", "queue")

_CHILD = """
import json, resource, sys, time
from sim.config.load import load
from sim.experiment.runner import run_replications
p = load(sys.argv[1:])
t0 = time.perf_counter()
run_replications(p)
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def measure(overrides: list[str]) -> dict[str, float]:
    """Run one case in a fresh process; return its wall seconds and peak memory."""
    out = subprocess.run([sys.executable, "-c", _CHILD, *overrides, "run.max_hours=1000",
                          "run.max_memory_gb=1000"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print estimate, measurement and ratio for every case."""
    from sim.config.load import load
    from sim.experiment.budget import estimate

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="two small cases only")
    args = ap.parse_args()
    print(f"{'case':<28} {'births':>10} {'est MB':>8} {'meas MB':>8} {'ratio':>6} "
          f"{'est s':>7} {'meas s':>7} {'ratio':>6}")
    for name, overrides in CASES.items():
        if args.quick and name not in QUICK:
            continue
        est = estimate(load(overrides))
        got = measure(overrides)
        print(f"{name:<28} {est.births:>10,.0f} {est.peak_bytes / 1e6:>8.0f} {got['peak_bytes'] / 1e6:>8.0f} "
              f"{est.peak_bytes / got['peak_bytes']:>6.2f} {est.seconds:>7.1f} {got['seconds']:>7.1f} "
              f"{est.seconds / got['seconds']:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
