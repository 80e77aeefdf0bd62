"""Robustness of an experiment's conclusions over the uncertainty ranges (issue 14).

Reads a directory written by ``childcare-sim-robustness`` (:mod:`sim.experiment.robustness`):
``robustness.json`` (the experiment, the assumptions varied and their ranges), ``design.csv``
(one row per Latin hypercube point: each assumption's value) and one run directory per point
and scenario, ``runs/<point>/<scenario>/`` (``point`` is ``default`` for the experiment as
shipped, ``p000``, ``p001``, ... for the design). Every run of a point uses the same seed and
replications, so replication ``r`` of two scenarios faces the same families and their
difference is paired (common random numbers).

**Verdict at a point.** For a KPI and two scenarios ``a`` and ``b``: the paired differences
``a_r - b_r`` over the replications, their mean ``D`` and the half-width ``h`` of its 95%
t interval, with the sign turned so that ``D < 0`` means ``a`` is better (lower is better
for waitlists, waits, fee burden, closures and public money; higher for enrollment; the
directions of :mod:`sim.analysis.kpis`, plus :data:`LOWER_IS_BETTER`). ``a`` is *better* when
``D < -h``, *worse* when ``D > h``, and they are *tied* when ``|D| <= h`` (the difference is
within the replication noise at that point; with one replication ``h = 0`` and only an exact
equality ties).

**Ranking and shares.** Each pair is written with ``scenario_a`` the scenario ahead at the
default point by its mean; ``default_ranking`` is ``a better`` when it is ahead beyond the
noise there and ``tie`` when within it. Over the design points where both runs completed:
``share_holds`` is the share where ``a`` is better (the ranking holds), ``share_flipped``
where ``b`` is better (it flips), ``share_tied`` the rest; ``ci_low``/``ci_high`` is the
Wilson 95% interval of ``share_holds`` (Wilson 1927; it stays inside [0, 1] and is not
degenerate at 0 or 1 holds, unlike the normal one). The points are a Latin hypercube sample
of the assumption space (uniform on each range, on a log scale for a log-scaled one), so a
share is an estimate of the share of that space's volume.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis import kpis as K
from sim.analysis.study import read_table
from sim.experiment.layout import DEFAULT_POINT, REPLICATIONS, RUNS_DIR, SUMMARY
from sim.experiment.layout import DESIGN_FILE as DESIGN
from sim.experiment.layout import ROBUSTNESS_FILE as MANIFEST
from sim.experiment.stats import mean_ci95

RESULT = "robustness.csv"
VERDICTS = "verdicts.csv"
COLUMNS = ["kpi", "scenario_a", "scenario_b", "default_ranking", "share_holds", "ci_low", "ci_high",
           "share_flipped", "share_tied", "points"]
Z95 = 1.959963984540054
OUTCOMES = {"a": "holds", "b": "flipped", "tie": "tied"}  # a verdict at a point, in verdicts.csv

# KPIs the display table (sim.analysis.kpis) leaves without a direction, because the experiment
# report weighs them against what they buy; ranked on their own, less is better.
LOWER_IS_BETTER = ("public_cost_", "institutions_closed", "budget_refused", "hub_public_cost")


class RobustnessError(ValueError):
    """Bad input to the robustness analysis: ``key: reason``."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


def lower_is_better(kpi: str) -> bool:
    """Return True when less of ``kpi`` is better; RobustnessError when it has no direction."""
    known = K.info(kpi).lower_is_better
    if known is not None:
        return known
    if kpi.startswith(LOWER_IS_BETTER):
        return True
    raise RobustnessError("kpis", f"{kpi!r} has no better direction (sim/analysis/kpis.py), so a ranking "
                          "on it means nothing; leave it out of the experiment's kpis")


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Return the Wilson score interval of a proportion ``k / n`` (NaN, NaN for n = 0)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


@dataclass(frozen=True)
class Verdict:
    """A paired comparison at one point: D (a - b, signed so that < 0 is a better) and h."""

    diff: float
    half_width: float

    @property
    def outcome(self) -> str:
        """'a' (a better beyond the noise), 'b', or 'tie'."""
        if self.diff < -self.half_width:
            return "a"
        if self.diff > self.half_width:
            return "b"
        return "tie"


def verdict(a: list[float], b: list[float], lower: bool) -> Verdict:
    """Compare replications ``a`` and ``b`` (paired by position) on a KPI."""
    sign = 1.0 if lower else -1.0
    m, h = mean_ci95([sign * (x - y) for x, y in zip(a, b, strict=True)])
    return Verdict(m, h)


def pair_row(kpi: str, a: str, b: str, default: Verdict, points: list[Verdict]) -> dict[str, Any]:
    """Return one row of ``robustness.csv``, oriented so that ``scenario_a`` leads at the default."""
    if default.diff > 0:
        a, b = b, a
        default = Verdict(-default.diff, default.half_width)
        points = [Verdict(-v.diff, v.half_width) for v in points]
    n = len(points)
    holds = sum(v.outcome == "a" for v in points)
    flips = sum(v.outcome == "b" for v in points)
    lo, hi = wilson(holds, n)
    return {"kpi": kpi, "scenario_a": a, "scenario_b": b,
            "default_ranking": "a better" if default.outcome == "a" else "tie",
            "share_holds": holds / n if n else math.nan, "ci_low": lo, "ci_high": hi,
            "share_flipped": flips / n if n else math.nan,
            "share_tied": (n - holds - flips) / n if n else math.nan, "points": n}


def reading(row: dict[str, Any]) -> str:
    """Say in words what one row of ``robustness.csv`` shows.

    ``robust``: *a* is better at 90% of the points or more; ``fragile``: the ranking flips at
    10% or more; ``within the noise``: tied at half of the points or more; otherwise ``holds
    mostly``. The first rule that applies, in the order fragile, robust, noise.
    """
    if row["share_flipped"] >= 0.1:
        return "fragile"
    if row["share_holds"] >= 0.9:
        return "robust"
    if row["share_tied"] >= 0.5:
        return "within the noise"
    return "holds mostly"


@dataclass
class RobustnessRun:
    """What a robustness directory holds: the manifest, the design and each run's replications."""

    path: Path
    manifest: dict[str, Any]
    design: pd.DataFrame
    replications: dict[tuple[str, str], pd.DataFrame]  # (point, scenario) -> replications frame

    @property
    def scenarios(self) -> list[str]:
        """The experiment's scenarios, in its order."""
        return list(self.manifest["scenarios"])

    @property
    def kpis(self) -> list[str]:
        """The KPIs compared."""
        return list(self.manifest["kpis"])

    def values(self, point: str, scenario: str, kpi: str) -> list[float] | None:
        """A run's per-replication values of ``kpi`` in replication order (None: no complete run)."""
        df = self.replications.get((point, scenario))
        if df is None or kpi not in df:
            return None
        return [float(v) for v in df.sort_values("replication")[kpi]]


def load_run(d: Path) -> RobustnessRun:
    """Read a robustness directory (complete runs only: a failed or missing run is left out)."""
    try:
        manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RobustnessError("out", f"{d / MANIFEST} cannot be read ({exc})") from None
    design = pd.read_csv(d / DESIGN, dtype={"point": str})
    reps: dict[tuple[str, str], pd.DataFrame] = {}
    dirs = manifest["run_dirs"]
    for point in [DEFAULT_POINT, *design["point"]]:
        for s in manifest["scenarios"]:
            run = d / RUNS_DIR / point / dirs[s]
            if (run / SUMMARY).is_file():
                reps[(point, s)] = read_table(run / REPLICATIONS)
    return RobustnessRun(d, manifest, design, reps)


def compare(run: RobustnessRun) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``robustness.csv``'s frame and the verdict of every pair at every point."""
    rows, verdicts = [], []
    points = list(run.design["point"])
    for kpi in run.kpis:
        lower = lower_is_better(kpi)
        for a, b in itertools.combinations(run.scenarios, 2):
            da, db = run.values(DEFAULT_POINT, a, kpi), run.values(DEFAULT_POINT, b, kpi)
            if da is None or db is None:
                continue
            default = verdict(da, db, lower)
            at: list[Verdict] = []
            for p in points:
                va, vb = run.values(p, a, kpi), run.values(p, b, kpi)
                if va is None or vb is None or len(va) != len(vb):
                    continue
                at.append(verdict(va, vb, lower))
                verdicts.append({"kpi": kpi, "point": p, "a": a, "b": b, "diff": at[-1].diff,
                                 "half_width": at[-1].half_width})
            row = pair_row(kpi, a, b, default, at)
            rows.append(row)
            _orient(verdicts, row, len(at))
    return pd.DataFrame(rows, columns=COLUMNS), _verdict_frame(verdicts)


def _orient(verdicts: list[dict[str, Any]], row: dict[str, Any], n: int) -> None:
    """Write the pair's last ``n`` verdicts as ``scenario_a``/``scenario_b`` of its row."""
    for v in verdicts[len(verdicts) - n:]:
        if v["a"] != row["scenario_a"]:
            v["diff"] = -v["diff"]
        v["scenario_a"], v["scenario_b"] = row["scenario_a"], row["scenario_b"]
        v["outcome"] = OUTCOMES[Verdict(v["diff"], v["half_width"]).outcome]


def _verdict_frame(verdicts: list[dict[str, Any]]) -> pd.DataFrame:
    cols = ["kpi", "scenario_a", "scenario_b", "point", "diff", "half_width", "outcome"]
    return pd.DataFrame([{c: v[c] for c in cols} for v in verdicts], columns=cols)
