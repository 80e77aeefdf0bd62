"""A change that silently shifts results is seen: pinned KPIs of small scenarios, tolerances
from their replication spreads (see tests/regression/golden_kpis.py for how they are made)."""

from __future__ import annotations

import json
import math

import pytest

from sim.experiment.stats import welch_half_width
from tests.regression.golden_kpis import KPIS, PATH, SCENARIOS, measure

JOINT_CONFIDENCE = 0.999
N_KPIS = sum(len(v) for v in KPIS.values())


def tolerance(a: dict[str, float], b: dict[str, float]) -> float:
    """Half-width of the Welch interval of a difference of means, at the joint level (and at
    least a rounding slack, for a KPI that does not vary between replications)."""
    half = welch_half_width(a["sd"], int(a["n"]), b["sd"], int(b["n"]), 1 - (1 - JOINT_CONFIDENCE) / N_KPIS)
    return max(half, 1e-9 * max(1.0, abs(a["mean"])))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_pinned_kpis_are_reproduced_within_their_replication_error(name):
    pinned = json.loads(PATH.read_text())[name]
    now = measure(name)
    off = {k: (now[k]["mean"], pinned[k]["mean"], tolerance(now[k], pinned[k]))
           for k in KPIS[name] if abs(now[k]["mean"] - pinned[k]["mean"]) > tolerance(now[k], pinned[k])}
    assert not off, "KPIs moved beyond their replication error (new, pinned, tolerance): " + repr(off)


def test_the_tolerance_would_catch_a_shift_of_a_few_standard_errors():
    """Power: with 6 replications a side and 21 KPIs at a joint 99.9%, the tolerance is
    under 8 standard errors of the difference (t at 1 - 0.001/42 with 10 degrees of freedom
    is 6.8), so a KPI whose mean moves by 8 of them is flagged (for the demo's enrollment
    rate, about 3% of its value)."""
    a = {"mean": 0.10, "sd": 0.004, "n": 6}
    se = math.sqrt(2 * a["sd"] ** 2 / a["n"])
    assert tolerance(a, a) < 8 * se
    shifted = dict(a, mean=a["mean"] + 8 * se)
    assert abs(shifted["mean"] - a["mean"]) > tolerance(shifted, a)
