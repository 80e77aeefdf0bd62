"""The existing private providers a capacity programme closes, paired with the status quo.

Issue 13's pattern 3c ("``capacity=target`` reaches its target without closing more than a
fifth of the existing private providers") is measured as closures the programme causes: a
private provider open at the start that closes under the programme and stays open in the
status-quo run of the same seed and replication (common random numbers: the same city,
births and families until the programme acts). This runs both sides for every replication
and prints, with 95% confidence intervals over replications, the share the programme closes,
the share closed under it and the share closed under the status quo. The measure is the one
``tests/model/test_supply_patterns.py`` asserts (its :func:`programme_closures`).

Usage::

    python experiments/paired_closures.py                       # the demo city, seed 1313, 4 replications
    python experiments/paired_closures.py --reps 8 --jobs 2
    python experiments/paired_closures.py --programme capacity=target capacity.placement=ratio
    python experiments/paired_closures.py city=tier1 city.scale=0.25   # overrides for both sides
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sim.config.load import load  # noqa: E402
from sim.experiment.stats import mean_ci95  # noqa: E402
from sim.model.world import World  # noqa: E402
from tests.model.test_supply_patterns import Provider, opening_providers, programme_closures  # noqa: E402


def one_run(overrides: tuple[str, ...], seed: int, replication: int) -> list[Provider]:
    """Run one side of one replication; return its opening providers at the end."""
    w = World(load([*overrides, "run.progress=false"]), seed, replication)
    res = w.run()
    return opening_providers(w, int(res.summary["institutions_start"]))


def measure(common: list[str], programme: list[str], seed: int, reps: int,
            jobs: int) -> dict[str, tuple[float, float]]:
    """Return (mean, 95% half-width) of each share over ``reps`` paired replications."""
    sides = (tuple(common), (*common, *programme))
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [[pool.submit(one_run, side, seed, r) for side in sides] for r in range(reps)]
        pairs = [(quo.result(), prog.result()) for quo, prog in futures]
    shares = [programme_closures(prog, quo) for quo, prog in pairs]
    names = ("closed_by_programme", "closed_under_programme", "closed_under_status_quo")
    out = {name: mean_ci95([s[k] for s in shares]) for k, name in enumerate(names)}
    out["difference"] = mean_ci95([s[1] - s[2] for s in shares])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of both sides (city, horizon)")
    parser.add_argument("--programme", nargs="+", default=["capacity=target"],
                        help="overrides of the programme side only (default: capacity=target)")
    parser.add_argument("--seed", type=int, default=1313)
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if args.reps < 2:
        parser.error("--reps must be at least 2 (a confidence interval needs two replications)")
    out = measure(args.overrides, args.programme, args.seed, args.reps, args.jobs)
    if args.json:
        print(json.dumps({k: {"mean": m, "half_width": h} for k, (m, h) in out.items()}))
        return 0
    print(f"existing private providers, seed {args.seed}, {args.reps} paired replications "
          f"(programme: {' '.join(args.programme)})")
    for name, (m, h) in out.items():
        print(f"{name:26s} {m:7.1%} +/- {h:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
