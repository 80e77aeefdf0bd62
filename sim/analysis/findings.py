"""The report's main finding, written as a policy brief from the numbers.

:func:`main_finding` is the lead sentence on the experiment's headline KPI. With a cost KPI
(default ``public_cost_total``) it names the scenario that improves the headline KPI most per
yuan, relative to the baseline: first a scenario that improves it without costing more (it
dominates the baseline), else the largest improvement per extra million yuan a year. Without
a cost KPI it names the scenario with the best headline value. :func:`policy_brief` then weighs
every headline KPI of the brief (enrollment, priced out, fee burden, waits, public cost and
equity when the runs have it) for each scenario against the baseline and names the
trade-offs. Differences are paired over replications (common random numbers); no scenario is
called better, worse, best or worst on a KPI whose paired 95% CI includes zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.analysis import kpis as K
from sim.analysis.study import Study
from sim.analysis.tables import clearly_extreme, cost_per_year, paired_differences
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


def _extreme(study: Study, runs: pd.DataFrame, pts: list[Point], best: bool) -> Point | None:
    """The clearly best (worst) scenario on the headline KPI: beyond the noise against every other."""
    scen = pd.DataFrame({"scenario": [p.name for p in pts], study.headline: [p.value for p in pts]})
    who = clearly_extreme(scen, runs, study.headline, best)
    return next((p for p in pts if p.name in who), None)


def _cost_sentence(study: Study, runs: pd.DataFrame, pts: list[Point], base: Point, n: int) -> str:
    kpi, label = study.headline, K.info(study.headline).label
    sgn = _better(kpi)
    others = [p for p in pts if p.name != base.name]
    best = _extreme(study, runs, pts, True)
    gains = [p for p in others if sgn * p.diff < 0 and abs(p.diff) > p.diff_ci]
    if not gains:
        near = min(others, key=lambda q: sgn * q.value)
        worst = _extreme(study, runs, pts, False)
        tail = ("" if worst is None or worst.name == near.name
                else f"; the worst, beyond the noise, is {worst.name} ({_v(kpi, worst)})")
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
    tail = "" if best is None or best.name == p.name else (
        f"; the best {label} overall is under {best.name} ({_v(kpi, best)} for "
        f"{best.cost:,.1f} million yuan a year)")
    return how + tail + "."


def _plain_sentence(study: Study, runs: pd.DataFrame, pts: list[Point], base: Point, n: int) -> str:
    kpi, label = study.headline, K.info(study.headline).label
    sgn = _better(kpi)
    best = _extreme(study, runs, pts, True)
    worst = _extreme(study, runs, pts, False)
    if best is None:
        low = min(pts, key=lambda p: sgn * p.value)
        return (f"No scenario has clearly the best {label} beyond the noise of {n} replications "
                f"(paired 95% CIs include 0): the best mean is under {low.name} ({_v(kpi, low, True)}) "
                f"against {_v(kpi, base, True)} under {base.name}.")
    if best.name == base.name:
        head = f"{base.name} has the best {label}, {_v(kpi, base, True)}"
    else:
        head = (f"{best.name} has the best {label}, {_v(kpi, best, True)} against "
                f"{_v(kpi, base, True)} under {base.name} ({_delta(kpi, best)}, paired 95% CI)"
                + _noise(best, n))
    tail = "" if worst is None or worst.name in (best.name, base.name) else (
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
        return _cost_sentence(study, runs, pts, base, n)
    return _plain_sentence(study, runs, pts, base, n)


# -- the policy brief: every headline KPI, each scenario against the baseline ------------------
BRIEF_KPIS = (("enrollment_rate", "enrollment"), ("priced_out", "families priced out"),
              ("family_cost_share", "fee burden"), ("mean_wait_months", "mean wait"),
              ("mean_waitlist", "families waiting"))
EQUITY_KPIS = (("enrollment_concentration_index", "equity (concentration index)"),
               ("enrollment_rate_q1", "enrollment of the poorest fifth"))


@dataclass(frozen=True)
class Brief:
    """The brief's parts: one line per scenario, the trade-offs, the clear bests, and notes."""

    lines: list[str]
    tradeoffs: str
    bests: str
    notes: str


def brief_kpis(runs: pd.DataFrame) -> list[tuple[str, str]]:
    """Return the (KPI, short name) pairs the brief weighs: the headline KPIs and one of equity."""
    equity = next(([e] for e in EQUITY_KPIS if e[0] in runs), [])
    return [k for k in BRIEF_KPIS if k[0] in runs] + equity


def diff_text(kpi: str, d: float, h: float) -> str:
    """A paired difference in display units: '+1.52 ± 0.13 pp' (percentage points for a %)."""
    i = K.info(kpi)
    sign = "+" if d > 0 else "−" if d < 0 else "±"
    unit = "pp" if i.unit == "%" else i.unit
    size, half = (i.fmt.format(x * i.scale).lstrip("+") for x in (abs(d), h))
    return f"{sign}{size} ± {half} {unit}".strip()


COST = "public cost per year"  # the brief's cost column (yuan per year of the window)


def _judge(kpis: list[tuple[str, str]], row: pd.Series) -> tuple[list[tuple[str, str]], ...]:
    """Split the KPIs into better, worse (each: name, difference text) and unclear (name, '')."""
    better: list[tuple[str, str]] = []
    worse: list[tuple[str, str]] = []
    unclear: list[tuple[str, str]] = []
    for k, name in kpis:
        d, h = row.get(k, math.nan), row.get(f"{k}_ci95", math.nan)
        if not abs(d) > h:  # NaN (one replication) is no evidence either
            unclear.append((name, ""))
            continue
        good = (d < 0) == bool(K.info(k).lower_is_better)
        (better if good else worse).append((name, diff_text(k, d, h)))
    return better, worse, unclear


def _cost_words(row: pd.Series) -> tuple[str, bool]:
    """The cost clause and whether the scenario costs more beyond the noise."""
    if COST not in row:
        return "", False
    d, h = row[COST] / 1e6, row.get(f"{COST}_ci95", math.nan) / 1e6
    text = f"{abs(d):,.1f} ± {h:,.1f} million yuan a year"
    if not abs(d) > h:
        return f"no clear difference in public cost ({'+' if d > 0 else '−'}{text})", False
    return (f"costs {text} more" if d > 0 else f"saves {text}"), d > 0


def _joined(items: list[tuple[str, str]]) -> str:
    return ", ".join(f"{n} {t}".strip() for n, t in items)


def _scenario_line(s: str, kpis: list[tuple[str, str]], row: pd.Series) -> tuple[str, str]:
    better, worse, unclear = _judge(kpis, row)
    cost_text, dearer = _cost_words(row)
    parts = [f"better on {_joined(better)}" if better else "better on no headline KPI",
             f"worse on {_joined(worse)}" if worse else "", cost_text,
             f"no clear difference in {_joined(unclear)}" if unclear else ""]
    line = f"{s}: " + "; ".join(p for p in parts if p) + "."
    gains = ", ".join(n for n, _ in better)
    if better and (worse or dearer):
        price = [n for n, _ in worse] + (["public money"] if dearer else [])
        return line, f"{s} improves {gains} at the price of {' and '.join(price)}"
    if better:
        return line, f"{s} improves {gains} with no clear loss"
    return line, ""


def policy_brief(study: Study, runs: pd.DataFrame) -> Brief:
    """Weigh every headline KPI of each scenario against the baseline (paired 95% CIs)."""
    if runs.empty or (runs["scenario"] == study.baseline).sum() == 0:
        return Brief([], "", "", "")
    kpis = brief_kpis(runs)
    if study.cost and study.cost in runs:
        runs = runs.assign(**{COST: cost_per_year(runs, study.cost)})
    cols = [k for k, _ in kpis] + ([COST] if COST in runs else [])
    diffs = paired_differences(runs, study.baseline, cols)
    lines, trades = [], []
    for _, row in diffs.iterrows():
        line, trade = _scenario_line(str(row["scenario"]), kpis, row)
        lines.append(line)
        if trade:
            trades.append(trade)
    scen = runs.groupby("scenario", sort=False)[[k for k, _ in kpis]].mean().reset_index()
    clear = {name: clearly_extreme(scen, runs, k) for k, name in kpis}
    bests = [f"{name}: {next(iter(w))}" for name, w in clear.items() if w]
    unclear = [name for name, w in clear.items() if not w]
    best_text = ("Clearly best (beyond the noise against every other scenario): " + "; ".join(bests)
                 + (f". No scenario is clearly best on {', '.join(unclear)}." if unclear else ".")
                 if bests else "No scenario is clearly best on any headline KPI.")
    notes = ("" if any(k in runs for k, _ in EQUITY_KPIS) else
             "Equity is not weighed: these runs have no KPIs by household income "
             "(enrollment_concentration_index, enrollment_rate_q1..q5).")
    trade_text = f"Trade-offs against {study.baseline}: {'; '.join(trades)}." if trades else ""
    return Brief(lines, trade_text, best_text, notes)
