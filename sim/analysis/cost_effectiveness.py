"""Cost-effectiveness against the baseline: public yuan per unit of what a scenario gains.

Each scenario is compared with the baseline replication by replication (common random
numbers: replication *r* of both faces the same families), over the whole calendar years of
the observation window (``kpis_by_year`` rows with ``in_window``), so the public cost and the
gains cover the same months:

- **enrolled child-years**: ``sum(mean_enrolled * months) / 12``; gain = scenario - baseline;
- **families priced out**: ``sum(priced_out)`` (families that needed care and gave up on the
  net price in those years); gain = baseline - scenario (families no longer priced out);
- **family-months of waiting**: ``sum(mean_waitlist * months)``, the months families spent
  waiting without a place (by Little's law, arrivals times their mean time waiting, reneged
  families included); gain = baseline - scenario (months of waiting removed).

The public cost is ``public_cost_total`` of the same years (yuan; every kind of public
spending, including public providers' deficits, which lie outside ``policy.budget_per_year``).
Gains and the extra cost are reported per year of the window; the cost per unit is the ratio
of the paired means, ``mean(delta cost) / mean(gain)``, with a 95% delta-method interval
(:func:`sim.experiment.stats.ratio_ci95`). When the gain's own 95% interval includes 0 there is
no ratio to speak of: the status is ``not estimable``. A scenario that gains and costs less
is ``saves money``; one whose gain is negative beyond the noise is ``worse``.
Without ``kpis_by_year`` rows in the window the run summaries are used (``priced_out`` then
covers the whole run, burn-in included: the ``source`` column says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.experiment.stats import mean_ci95, ratio_ci95

PAIR = ["seed", "replication"]
COLUMNS = ["scenario", "measure", "unit", "pairs", "years", "delta_cost_per_year",
           "delta_cost_per_year_ci95", "gain_per_year", "gain_per_year_ci95", "cost_per_unit",
           "cost_per_unit_ci95", "status", "source"]


@dataclass(frozen=True)
class Measure:
    """A gain: the per-run quantity it comes from, its sign (+1: more is a gain) and its unit."""

    name: str
    quantity: str
    sign: int
    unit: str
    label: str


MEASURES = (
    Measure("enrolled_child_years", "child_years", +1, "child-years",
            "per additional enrolled child-year"),
    Measure("families_no_longer_priced_out", "priced_out", -1, "families",
            "per family no longer priced out"),
    Measure("waiting_months_removed", "waiting_months", -1, "family-months",
            "per family-month of waiting removed"),
)


def _from_by_year(by_year: pd.DataFrame) -> pd.DataFrame:
    w = by_year[by_year["in_window"].astype(bool)].copy()
    w["child_years"] = w["mean_enrolled"] * w["months"] / 12.0
    w["waiting_months"] = w["mean_waitlist"] * w["months"]
    w["years"] = w["months"] / 12.0
    cols = ["public_cost_total", "child_years", "priced_out", "waiting_months", "years"]
    out = w.groupby(["scenario", *PAIR], sort=False)[cols].sum().reset_index()
    out = out.rename(columns={"public_cost_total": "cost"})
    return out.assign(source="kpis_by_year, whole years in the window")


def _from_runs(runs: pd.DataFrame) -> pd.DataFrame:
    months = runs["window_months"].astype(float)
    return pd.DataFrame({
        "scenario": runs["scenario"], "seed": runs["seed"], "replication": runs["replication"],
        "cost": runs["public_cost_total"], "child_years": runs["mean_enrolled"] * months / 12.0,
        "priced_out": runs["priced_out"], "waiting_months": runs["mean_waitlist"] * months,
        "years": months / 12.0, "source": "run summaries (priced_out over the whole run)"})


def window_totals(runs: pd.DataFrame, by_year: pd.DataFrame) -> pd.DataFrame:
    """Return per scenario and replication the window's public cost (yuan), enrolled
    child-years, families priced out, family-months of waiting and years."""
    need = {"in_window", "mean_enrolled", "mean_waitlist", "priced_out", "public_cost_total", "months"}
    if not by_year.empty and need <= set(by_year.columns) and by_year["in_window"].astype(bool).any():
        return _from_by_year(by_year)
    return _from_runs(runs)


def _status(gain: float, gain_ci: float, cost: float, cost_ci: float) -> str:
    if not abs(gain) > gain_ci:  # NaN CI (one pair) counts as not estimable too
        return "not estimable"
    if gain < 0:
        return "worse"
    if cost < 0 and abs(cost) > cost_ci:
        return "saves money"
    return "ratio"


def _row(s: str, m: Measure, j: pd.DataFrame) -> dict[str, object]:
    years = j["years"]
    d_cost = ((j["cost"] - j["cost__base"]) / years).tolist()
    gain = (m.sign * (j[m.quantity] - j[f"{m.quantity}__base"]) / years).tolist()
    c, ch = mean_ci95(d_cost)
    g, gh = mean_ci95(gain)
    r, rh = ratio_ci95(d_cost, gain)
    status = _status(g, gh if len(j) > 1 else math.nan, c, ch)
    if status != "ratio":
        r = rh = math.nan
    return {"scenario": s, "measure": m.name, "unit": m.unit, "pairs": len(j),
            "years": float(years.mean()), "delta_cost_per_year": c, "delta_cost_per_year_ci95": ch,
            "gain_per_year": g, "gain_per_year_ci95": gh, "cost_per_unit": r,
            "cost_per_unit_ci95": rh, "status": status,
            "source": j["source"].iloc[0]}


def cost_effectiveness(runs: pd.DataFrame, by_year: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Return one row per scenario (other than the baseline) and measure; see the module doc."""
    if runs.empty or not {"public_cost_total", "window_months"} <= set(runs.columns):
        return pd.DataFrame(columns=COLUMNS)
    tot = window_totals(runs, by_year)
    base = tot[tot["scenario"] == baseline].drop(columns=["scenario", "source", "years"])
    rows: list[dict[str, object]] = []
    for s in dict.fromkeys(tot["scenario"]):
        if s == baseline:
            continue
        j = tot[tot["scenario"] == s].merge(base, on=PAIR, suffixes=("", "__base"))
        if not j.empty:
            rows.extend(_row(s, m, j) for m in MEASURES)
    return pd.DataFrame(rows, columns=COLUMNS)
