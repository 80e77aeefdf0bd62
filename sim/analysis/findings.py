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
    """A scenario's headline KPI and public cost per year (million yuan), with 95% CIs, and
    its paired differences from the baseline."""

    name: str
    value: float
    value_ci: float
    cost: float
    diff: float = 0.0
    diff_ci: float = 0.0
    cost_diff: float = 0.0
    cost_diff_ci: float = 0.0


def _paired(sub: pd.DataFrame, base: pd.DataFrame, x: pd.Series, x_base: pd.Series) -> tuple[float, float]:
    """Mean and 95% CI of x - x_base, replications matched by (seed, replication)."""
    a = pd.Series(x.to_numpy(), index=pd.MultiIndex.from_frame(sub[["seed", "replication"]]))
    b = pd.Series(x_base.to_numpy(), index=pd.MultiIndex.from_frame(base[["seed", "replication"]]))
    return mean_ci95((a - b).dropna().tolist())


def _points(study: Study, runs: pd.DataFrame, base: str) -> list[Point]:
    kpi, cost = study.headline, study.cost
    b = runs[runs["scenario"] == base]
    b_cost = cost_per_year(b, cost) / 1e6 if cost else b[kpi] * 0
    pts = []
    for s in study.scenarios:
        sub = runs[runs["scenario"] == s]
        if sub.empty:
            continue
        c_rep = cost_per_year(sub, cost) / 1e6 if cost else sub[kpi] * 0
        v, vh = mean_ci95(sub[kpi].tolist())
        d, dh = _paired(sub, b, sub[kpi], b[kpi]) if s != base else (0.0, 0.0)
        cd, cdh = _paired(sub, b, c_rep, b_cost) if s != base else (0.0, 0.0)
        pts.append(Point(s, v, vh, float(c_rep.mean()), d, dh, cd, cdh))
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
    others = [p for p in pts if p.name != base.name]
    best = min(pts, key=lambda q: sgn * q.value)
    gains = [p for p in others if sgn * p.diff < 0 and abs(p.diff) > p.diff_ci]
    if not gains:
        near = min(others, key=lambda q: sgn * q.value)
        worst = max(others, key=lambda q: sgn * q.value)
        tail = "" if worst.name == near.name else f"; the worst is {worst.name} ({_v(kpi, worst)})"
        return (f"No scenario improves the {label} on {base.name} ({_v(kpi, base)}) beyond the noise "
                f"of {n} replications: the closest is {near.name} ({_v(kpi, near)}, "
                f"{_delta(kpi, near)} paired 95% CI){tail}.")
    free = [p for p in gains if p.cost_diff <= p.cost_diff_ci]
    if free:
        p = max(free, key=lambda q: -sgn * q.diff)
        how = (f"{p.name} improves the {label} most per yuan, as it needs no extra public money: "
               f"{_v(kpi, base)} under {base.name} become {_v(kpi, p)} ({_delta(kpi, p)}, paired "
               f"95% CI) for {p.cost:,.1f} against {base.cost:,.1f} million yuan a year")
    else:
        p = max(gains, key=lambda q: -sgn * q.diff / q.cost_diff)
        per = -sgn * p.diff * K.info(kpi).scale / p.cost_diff
        word = ("fewer " if sgn > 0 else "more ") + K.info(kpi).unit
        word += " waiting" if "waitlist" in kpi else ""
        how = (f"{p.name} improves the {label} most per yuan: {per:,.2f} {word} per "
               f"extra million yuan a year, from {_v(kpi, base)} under {base.name} to {_v(kpi, p)} "
               f"({_delta(kpi, p)}, paired 95% CI) for {p.cost:,.1f} against {base.cost:,.1f} "
               f"million yuan a year")
    tail = "" if best.name == p.name else (
        f"; the best {label} overall is under {best.name} ({_v(kpi, best)} for "
        f"{best.cost:,.1f} million yuan a year)")
    return how + tail + "."


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
