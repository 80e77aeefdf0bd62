"""Pinned KPIs of a few small scenarios, with the replication spread they were measured with.

``python -m tests.regression.golden_kpis`` regenerates ``golden_kpis.json`` (only on
purpose: when a change is meant to move results, say so in its commit). The test
(``test_golden_kpis.py``) reruns the scenarios with the same seeds and accepts a KPI when
the difference of the means is inside a Welch interval built from both runs' replication
spreads, at a joint 99.9% level over all pinned KPIs (Bonferroni): a change that only
reorders random draws passes with probability at least 0.999, one that shifts a KPI by a
few of its standard errors fails. A change that keeps every draw gives identical means.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from sim.config.load import load
from sim.model import World

PATH = Path(__file__).with_name("golden_kpis.json")
REPLICATIONS = 6
SEED = 20261129
SCENARIOS: dict[str, tuple[str, ...]] = {
    "demo": ("run.horizon_months=24", "run.burnin_months=24"),
    "demo_policies": ("run.horizon_months=24", "run.burnin_months=24", "policy=combined", "capacity=target"),
    "queue_patience": ("scenario=queue", "queue.arrival_rate=9", "queue.mean_stay_months=1",
                       "queue.places=10", "queue.mean_patience_months=0.5", "run.horizon_months=300",
                       "run.warmup_months=20"),
}
KPIS: dict[str, tuple[str, ...]] = {
    "demo": ("enrollment_rate", "occupancy", "priced_out", "sought_care", "mean_waitlist", "usable_share",
             "institutions_closed", "family_cost_share", "provider_margin", "mean_waitlist_public",
             "occupancy_market", "p_first_choice", "transfers", "hourly_hours_served"),
    "demo_policies": ("enrollment_rate", "occupancy", "priced_out", "institutions_opened",
                      "public_cost_total", "mean_net_fee", "mean_waitlist"),
    "queue_patience": ("p_wait", "p_reneged", "mean_wait_months", "mean_waitlist", "mean_enrolled"),
}


def measure(name: str) -> dict[str, dict[str, float]]:
    """Run one scenario's replications; return per KPI the mean, sd and number of replications."""
    params = load(list(SCENARIOS[name]))
    runs = [World(params, SEED, r).run().summary for r in range(REPLICATIONS)]
    out = {}
    for k in KPIS[name]:
        xs = [s[k] for s in runs]
        m = math.fsum(xs) / len(xs)
        sd = math.sqrt(math.fsum((x - m) ** 2 for x in xs) / (len(xs) - 1))
        out[k] = {"mean": m, "sd": sd, "n": len(xs)}
    return out


def main() -> None:
    """Write the pinned values of every scenario."""
    data = {name: measure(name) for name in SCENARIOS}
    PATH.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {PATH}")


if __name__ == "__main__":
    main()
