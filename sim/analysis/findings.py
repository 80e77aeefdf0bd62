"""The report's main finding: one sentence generated from the numbers.

With a cost KPI (default ``public_cost_total``) the sentence names the scenario that takes the
most families off the waitlist per yuan, relative to the baseline: first a scenario that
lowers the headline KPI without costing more (it dominates the baseline), else the largest
reduction per extra million yuan a year. Without a cost KPI it names the scenario with the
best headline value. Differences are paired over replications (common random numbers) and
the sentence says when their 95% CI includes zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.analysis import kpis as K
from sim.analysis.tables import Study, cost_per_year
from sim.experiment.stats import mean_ci95


@dataclass(frozen=True)
class Point:
    """A scenario's headline KPI and public cost per year (million yuan), with 95% CIs."""

    name: str
    value: float
    value_ci: float
    cost: float
    cost_ci: float
    diff: float = 0.0
    diff_ci: float = 0.0


def _points(study: Study, runs: pd.DataFrame, base: str) -> list[Point]:
    kpi, cost = study.headline, study.cost
    b = runs[runs["scenario"] == base].set_index(["seed", "replication"])
    pts = []
    for s in study.scenarios:
        sub = runs[runs["scenario"] == s]
        if sub.empty:
            continue
        v, vh = mean_ci95(sub[kpi].tolist())
        c, ch = mean_ci95((cost_per_year(sub, cost) / 1e6).tolist()) if cost else (0.0, 0.0)
        paired = sub.set_index(["seed", "replication"])[kpi] - b[kpi]
        d, dh = mean_ci95(paired.dropna().tolist()) if s != base else (0.0, 0.0)
        pts.append(Point(s, v, vh, c, ch, d, dh))
    return pts


def _v(kpi: str, p: Point, ci: bool = False) -> str:
    return K.fmt(kpi, p.value, p.value_ci if ci else None, unit=True)


def _noise(p: Point, n: int) -> str:
    if abs(p.diff) <= p.diff_ci:
        return f", a difference within the noise of {n} replications (its paired 95% CI includes 0)"
    return ""


def _delta(kpi: str, p: Point) -> str:
    i = K.info(kpi)
    sign = "+" if p.diff > 0 else "−" if p.diff < 0 else "±"
    return f"{sign}{i.fmt.format(abs(p.diff) * i.scale)} ± {i.fmt.format(p.diff_ci * i.scale)}"


def _better(kpi: str) -> int:
    return -1 if K.info(kpi).lower_is_better is False else 1


def _cost_sentence(study: Study, pts: list[Point], base: Point, n: int) -> str:
    kpi, label = study.headline, K.info(study.headline).label
    sgn = _better(kpi)
    gains = [p for p in pts if p.name != base.name and sgn * p.diff < 0]
    if not gains:
        best = min((p for p in pts if p.name != base.name), key=lambda p: sgn * p.value)
        return (f"No scenario improves the {label} on {base.name} ({_v(kpi, base)}); the closest "
                f"is {best.name} ({_v(kpi, best)}, {_delta(kpi, best)} paired 95% CI, for "
                f"{best.cost:,.1f} against {base.cost:,.1f} million yuan a year).")
    free = [p for p in gains if p.cost <= base.cost]
    if free:
        p = max(free, key=lambda q: -sgn * q.diff)
        how = (f"{p.name} improves the {label} most per yuan: it does so at no extra public cost, "
               f"{_v(kpi, base)} under {base.name} becoming {_v(kpi, p)} ({_delta(kpi, p)}, paired "
               f"95% CI) while public spending is {p.cost:,.1f} against {base.cost:,.1f} million yuan a year")
    else:
        p = max(gains, key=lambda q: -sgn * q.diff / (q.cost - base.cost))
        per = -sgn * p.diff * K.info(kpi).scale / (p.cost - base.cost)
        word = ("fewer " if sgn > 0 else "more ") + K.info(kpi).unit
        word += " waiting" if "waitlist" in kpi else ""
        how = (f"{p.name} improves the {label} most per yuan: {per:,.2f} {word} per "
               f"extra million yuan a year, from {_v(kpi, base)} under {base.name} to {_v(kpi, p)} "
               f"({_delta(kpi, p)}, paired 95% CI) for {p.cost:,.1f} against {base.cost:,.1f} "
               f"million yuan a year")
    best = min(pts, key=lambda q: sgn * q.value)
    tail = "" if best.name == p.name else (
        f"; the best {label} overall is under {best.name} ({_v(kpi, best)} for "
        f"{best.cost:,.1f} million yuan a year)")
    return how + _noise(p, n) + tail + "."


def _plain_sentence(study: Study, pts: list[Point], base: Point, n: int) -> str:
    kpi, label = study.headline, K.info(study.headline).label
    sgn = _better(kpi)
    best = min(pts, key=lambda p: sgn * p.value)
    worst = max(pts, key=lambda p: sgn * p.value)
    if best.name == base.name:
        head = f"{base.name} has the best {label}, {_v(kpi, base, True)}"
    else:
        head = (f"{best.name} has the best {label}, {_v(kpi, best, True)} against "
                f"{_v(kpi, base, True)} under {base.name} ({_delta(kpi, best)}, paired 95% CI)"
                + _noise(best, n))
    tail = "" if worst.name in (best.name, base.name) else (
        f"; the worst is {worst.name} ({_v(kpi, worst)})")
    return head + tail + "."


def main_finding(study: Study, runs: pd.DataFrame) -> str:
    """Return the one-sentence main finding of a study (from its runs frame)."""
    if runs.empty or study.headline not in runs:
        return "No run completed, so there is nothing to compare yet (see the failed runs below)."
    base_name = study.baseline if (runs["scenario"] == study.baseline).any() else runs["scenario"].iloc[0]
    pts = _points(study, runs, base_name)
    base = next(p for p in pts if p.name == base_name)
    n = int(runs.groupby("scenario").size().min())
    if len(pts) == 1:
        return (f"{base.name}: {K.info(study.headline).label} {_v(study.headline, base, True)} "
                f"over {n} replication(s); there is no other scenario to compare with.")
    if study.cost and study.cost in runs:
        return _cost_sentence(study, pts, base, n)
    return _plain_sentence(study, pts, base, n)
