"""Statistical equivalence of two versions of the model: same scenarios, many replications.

A restructuring that changes the order of random draws cannot keep results bit-identical,
but it must keep them statistically the same. This script runs each scenario with
``--reps`` replications on the work tree and on a reference checkout (``--ref DIR``, e.g. a
``git worktree`` of the last commit before the change), and for every KPI reports the
difference of the replication means with its Welch confidence interval, at a joint 95%
level over the scenario's KPIs (Bonferroni), so a correct restructuring is flagged in a
scenario with probability at most 5%. A KPI differs
when its interval excludes zero and the difference is larger than ``--rel`` of the
reference mean (a difference too small to matter is not flagged however sure it is).

Usage::

    git worktree add /tmp/ref 2df1a81
    python benchmarks/equivalence.py --ref /tmp/ref --reps 20

Exit status 1 when any KPI differs. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from sim.experiment.stats import welch_half_width

ROOT = Path(__file__).resolve().parents[1]
ALPHA = 0.05
SCENARIOS: dict[str, tuple[str, ...]] = {
    "demo": ("run.horizon_months=48",),
    "demo_policies": ("policy=combined", "capacity=target", "run.horizon_months=48"),
    "demo_lottery_patience": ("allocation=lottery", "families.patience={dist:exponential,mean:2}",
                              "run.horizon_months=48"),
    "queue_mmc_patience": ("scenario=queue", "queue.arrival_rate=9", "queue.mean_stay_months=1",
                           "queue.places=10", "queue.mean_patience_months=0.5", "run.horizon_months=600"),
}
KPIS = ("sought_care", "enrolled_ever", "priced_out", "reneged", "left_early", "aged_out", "p_wait",
        "mean_wait_months", "mean_waitlist", "enrollment_rate", "occupancy", "usable_share",
        "staff_shortfall", "places_end", "institutions_closed", "institutions_opened", "displaced",
        "fee_exits", "family_cost_share", "mean_net_fee", "provider_margin", "public_cost_total")


def run(tree: Path, args: tuple[str, ...], reps: int, out: Path) -> pd.DataFrame:
    """Run one scenario in ``tree`` and return its replications table."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    cmd = [sys.executable, "-m", "sim", "run.progress=false", f"run.replications={reps}", "run.jobs=1",
           f"hydra.run.dir={out}", *args]
    p = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{tree}: {' '.join(args)} failed:\n{p.stderr[-2000:]}")
    return pd.read_parquet(out / "replications.parquet")


def compare(new: pd.DataFrame, ref: pd.DataFrame, rel: float) -> list[dict[str, object]]:
    """Return one row per KPI: reference and new means, the difference and its joint-95% Welch CI."""
    rows = []
    for k in KPIS:
        if k not in new or k not in ref:
            continue
        a, b = new[k].astype(float), ref[k].astype(float)
        diff = a.mean() - b.mean()
        half = welch_half_width(a.std(ddof=1), len(a), b.std(ddof=1), len(b), 1.0 - ALPHA / len(KPIS))
        sure = abs(diff) > half
        big = abs(diff) > rel * max(abs(b.mean()), 1e-12)
        rows.append({"kpi": k, "reference": b.mean(), "new": a.mean(), "difference": diff, "ci95": half,
                     "differs": bool(sure and big)})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run every scenario on both trees and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", type=Path, required=True, help="a checkout of the reference version")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--rel", type=float, default=0.01, help="differences below this share are not flagged")
    ap.add_argument("--only", default=None, help="comma-separated scenario names")
    ap.add_argument("--json", type=Path, default=None, help="also write every row here")
    a = ap.parse_args(argv)
    names = a.only.split(",") if a.only else list(SCENARIOS)
    everything, failed = {}, False
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            new = run(ROOT, SCENARIOS[name], a.reps, Path(tmp) / f"{name}-new")
            ref = run(a.ref.resolve(), SCENARIOS[name], a.reps, Path(tmp) / f"{name}-ref")
            rows = compare(new, ref, a.rel)
            everything[name] = rows
            print(f"\n### {name} ({a.reps} replications each)\n")
            print("| KPI | reference | new | difference | CI half-width | verdict |")
            print("|---|---|---|---|---|---|")
            for r in rows:
                verdict = "DIFFERS" if r["differs"] else "same"
                failed |= bool(r["differs"])
                print(f"| {r['kpi']} | {r['reference']:.4g} | {r['new']:.4g} | {r['difference']:+.3g} | "
                      f"{r['ci95']:.3g} | {verdict} |")
    if a.json:
        a.json.write_text(json.dumps(everything, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
