"""What a run returns to a sweeper: KPIs as objectives, constraints as penalties (issue 16).

Hydra's Optuna sweeper (``hydra/sweeper=optuna``) minimises or maximises what the task
function returns. With ``objective.kpis`` set, ``childcare-sim`` returns, for each KPI, the
mean over the run's replications (with the same seed, every trial faces the same families:
common random numbers, so trials differ by policy, not by noise), made worse by a penalty
for every violated constraint:

    value = mean(kpi) + sign * penalty * sum(relative violations)

``sign`` is +1 when the KPI is minimised, -1 when maximised; a constraint ``{kpi, min}`` is
violated by ``(min - x) / |min|`` when ``x < min`` (``{kpi, max}``: ``(x - max) / |max|``;
a bound of 0 uses the absolute gap). The penalty is in the objective's units per unit of
relative violation, so a planner sets how much cost a 10% shortfall of the enrollment target
is worth; a penalty far above the objective's range makes every infeasible trial worse than
every feasible one. Optuna 2.10's own constraint support (``constraints_func`` of the
NSGA-II sampler) takes a Python callable that Hydra's sweeper config cannot carry, hence
the penalty. The run's ``summary.json`` ``meta.objective`` records the values, whether the
run met every constraint and each violation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

DIRECTIONS = ("minimize", "maximize")


def violation(x: float, low: float | None, high: float | None) -> float:
    """Return the relative violation of ``low <= x <= high`` (0 when met)."""
    v = 0.0
    if low is not None and x < low:
        v += (low - x) / abs(low) if low != 0 else low - x
    if high is not None and x > high:
        v += (x - high) / abs(high) if high != 0 else x - high
    return v


def evaluate(summary: Mapping[str, Any], kpis: Sequence[str], directions: Sequence[str],
             constraints: Sequence[Mapping[str, Any]], penalty: Sequence[float]) -> dict[str, Any]:
    """Return the objective record of a run: ``values`` (penalised), ``raw``, ``feasible``, ``violations``.

    ``summary`` holds the KPI means (``summary.json``'s flat part). A KPI missing from it or
    not finite makes every value NaN (a failed trial).
    """
    violations = {}
    for c in constraints:
        x = summary.get(c["kpi"], math.nan)
        violations[c["kpi"]] = violation(float(x), c.get("min"), c.get("max")) if _finite(x) else math.inf
    total = sum(violations.values())
    raw = [float(summary.get(k, math.nan)) for k in kpis]
    values = []
    for i, (x, d) in enumerate(zip(raw, directions, strict=True)):
        pen = penalty[i] if i < len(penalty) else 0.0
        sign = 1.0 if d == "minimize" else -1.0
        values.append(x + sign * pen * total if _finite(x) and math.isfinite(total) else math.nan)
    return {"kpis": list(kpis), "directions": list(directions), "values": values, "raw": raw,
            "feasible": total == 0.0, "violations": violations}


def returned(record: Mapping[str, Any] | None, n: int) -> float | list[float]:
    """Return what the task function gives the sweeper: one float, or a list for several KPIs."""
    values = list(record["values"]) if record is not None else [math.nan] * n
    return values[0] if n == 1 else values


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)
