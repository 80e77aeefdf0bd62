"""The tables of a study (:mod:`sim.analysis.study`): one row per run, per scenario, per pair.

``runs_frame`` (one row per scenario and replication), ``scenarios_frame`` (KPI means and
95% confidence half-widths per scenario), ``paired_differences`` (each scenario minus the
baseline, replication by replication: common random numbers make these tight); every run's
time series, yearly KPIs, groups and waits in one frame each; public costs per year of the
observation window, as the report shows them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from sim.analysis import kpis as K
from sim.analysis.study import Study, read_table
from sim.experiment.layout import KPIS_BY_YEAR, REPLICATIONS, TIMESERIES, WAITS
from sim.experiment.stats import mean_ci95

ID_COLUMNS = ("scenario", "seed", "replication")
_NOT_KPIS = {"replication", "seed", "wall_seconds"}


# -- frames -----------------------------------------------------------------------------------
def swept_values(study: Study) -> pd.DataFrame:
    """Return one row per scenario with a column per override key that differs between them."""
    parsed = {s: dict(o.split("=", 1) for o in study.overrides.get(s, []) if "=" in o)
              for s in study.scenarios}
    keys: list[str] = []
    for kv in parsed.values():
        keys.extend(k.lstrip("+~") for k in kv if k.lstrip("+~") not in keys and k != "seed")
    rows = []
    for s in study.scenarios:
        kv = {k.lstrip("+~"): v for k, v in parsed[s].items()}
        rows.append({"scenario": s, **{k: kv.get(k) for k in keys}})
    df = pd.DataFrame(rows, columns=["scenario", *keys])
    for k in keys:
        num = pd.to_numeric(df[k], errors="coerce")
        if num.notna().sum() == df[k].notna().sum():
            df[k] = num
    return df


def runs_frame(study: Study) -> pd.DataFrame:
    """Return one row per scenario and replication: ids, swept values, overrides, every KPI."""
    frames = []
    for r in study.ok_runs:
        df = read_table(r.path / REPLICATIONS)
        df.insert(0, "scenario", r.scenario)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=list(ID_COLUMNS))
    reps = pd.concat(frames, ignore_index=True)
    sweep = swept_values(study)
    sweep["overrides"] = [" ".join(study.overrides.get(s, [])) for s in sweep["scenario"]]
    out = sweep.merge(reps, on="scenario", how="inner")
    kpis = [c for c in reps.columns if c not in _NOT_KPIS and c != "scenario"]
    front = ["scenario", *[c for c in sweep.columns if c != "scenario"], "seed", "replication"]
    out = out[front + kpis + (["wall_seconds"] if "wall_seconds" in out else [])]
    return out.sort_values(["scenario", "seed", "replication"], key=_scenario_key(study),
                           kind="stable").reset_index(drop=True)


def _scenario_key(study: Study):  # noqa: ANN202 - a pandas sort key
    order = {s: i for i, s in enumerate(study.scenarios)}
    return lambda col: col.map(order) if col.name == "scenario" else col


def kpi_columns(runs: pd.DataFrame) -> list[str]:
    """Return the KPI columns of a runs frame (numeric, not ids or swept values)."""
    start = list(runs.columns).index("replication") + 1 if "replication" in runs else 0
    return [c for c in runs.columns[start:] if c != "wall_seconds"]


def scenarios_frame(study: Study, runs: pd.DataFrame, first: Iterable[str] = ()) -> pd.DataFrame:
    """Return per scenario: replications, swept values, ``<kpi>`` means and ``<kpi>_ci95``."""
    kpis = kpi_columns(runs)
    first = [k for k in first if k in kpis]
    kpis = first + [k for k in kpis if k not in first]
    sweep = swept_values(study)
    rows = []
    for s in study.scenarios:
        sub = runs[runs["scenario"] == s]
        if sub.empty:
            continue
        row: dict[str, Any] = {"scenario": s, "replications": len(sub)}
        for k in kpis:
            m, h = mean_ci95(sub[k].astype(float).tolist())
            row[k], row[f"{k}_ci95"] = m, (h if len(sub) > 1 else math.nan)
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=["scenario", "replications"])
    return sweep.merge(df, on="scenario", how="inner")[
        ["scenario", "replications", *sweep.columns[1:], *df.columns[2:]]]


def paired_differences(runs: pd.DataFrame, baseline: str, kpis: Iterable[str]) -> pd.DataFrame:
    """Return per scenario and KPI the mean difference from the baseline and its 95% CI.

    Replications are paired by (seed, replication): the same families under both scenarios.
    """
    base = runs[runs["scenario"] == baseline]
    rows = []
    for s, sub in runs.groupby("scenario", sort=False):
        if s == baseline:
            continue
        joined = sub.merge(base, on=["seed", "replication"], suffixes=("", "__base"), how="inner")
        row: dict[str, Any] = {"scenario": s, "pairs": len(joined)}
        for k in kpis:
            if k in joined and f"{k}__base" in joined:
                m, h = mean_ci95((joined[k] - joined[f"{k}__base"]).astype(float).tolist())
                row[k], row[f"{k}_ci95"] = m, (h if len(joined) > 1 else math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def clearly_extreme(scen: pd.DataFrame, runs: pd.DataFrame, kpi: str, best: bool = True) -> set[str]:
    """The scenario with the best (or worst) mean of ``kpi``, if it is so beyond the noise.

    Beyond the noise: the paired 95% CI of its difference from every other scenario excludes 0.
    Empty when the KPI has no better direction, fewer than two scenarios, or no clear extreme.
    """
    lower = K.info(kpi).lower_is_better
    if lower is None or kpi not in runs or kpi not in scen or scen[kpi].isna().all() or len(scen) < 2:
        return set()
    low = lower == best
    who = str(scen.loc[scen[kpi].idxmin() if low else scen[kpi].idxmax(), "scenario"])
    d = paired_differences(runs, who, [kpi])
    if d.empty or f"{kpi}_ci95" not in d or not (d[kpi].abs() > d[f"{kpi}_ci95"]).all():
        return set()
    return {who}


def _concat_runs(study: Study, filename: str) -> pd.DataFrame:
    frames = []
    for r in study.ok_runs:
        p = r.path / filename
        if not p.is_file():
            continue
        df = read_table(p)
        df.insert(0, "seed", int(r.summary["meta"].get("seed", 0)) if r.summary else 0)
        df.insert(0, "scenario", r.scenario)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["scenario", "seed"])


def timeseries_frame(study: Study) -> pd.DataFrame:
    """Return every run's monthly district rows with ``scenario`` and ``seed`` columns."""
    return _concat_runs(study, TIMESERIES)


def kpis_by_year_frame(study: Study) -> pd.DataFrame:
    """Return every run's KPIs per calendar year with ``scenario`` and ``seed`` columns."""
    return _concat_runs(study, KPIS_BY_YEAR)


def waits_frame(study: Study) -> pd.DataFrame:
    """Return every run's wait histogram with ``scenario`` and ``seed`` columns."""
    return _concat_runs(study, WAITS)


def cost_per_year(runs: pd.DataFrame, cost: str) -> pd.Series:
    """Public cost per year of the observation window (yuan), per replication."""
    years = runs["window_months"] / 12.0 if "window_months" in runs else 1.0
    return runs[cost] / years


_COST_RATIOS = ("public_cost_per_enrolled_child_month", "public_cost_per_new_place")


def window_costs(columns: Iterable[str]) -> list[str]:
    """Return the public-cost KPIs summed over the observation window (yuan) among ``columns``."""
    return [c for c in columns if (c.startswith("public_cost_") or c == "hub_public_cost")
            and c not in _COST_RATIOS and not c.endswith(("_ci95", "_per_year"))]


def per_year_name(kpi: str) -> str:
    """The name under which the report shows a KPI: ``<kpi>_per_year`` for a window cost."""
    return f"{kpi}_per_year" if window_costs([kpi]) else kpi


def with_costs_per_year(runs: pd.DataFrame) -> pd.DataFrame:
    """Return ``runs`` with ``<cost>_per_year`` (yuan per year of the window) after each window cost.

    The report shows public money in one unit, per year; the run files keep the window totals.
    """
    if runs.empty or "window_months" not in runs:
        return runs
    out = runs.copy()
    years = out["window_months"].astype(float) / 12.0
    for c in window_costs(runs.columns):
        out.insert(list(out.columns).index(c) + 1, per_year_name(c), out[c] / years.where(years > 0))
    return out


def shown_kpis(kpis: Iterable[str], columns: Iterable[str]) -> list[str]:
    """Return the KPIs as the report shows them: window costs replaced by their per-year values."""
    have = set(columns)
    out = [per_year_name(k) if per_year_name(k) in have else k for k in kpis]
    return [k for k in dict.fromkeys(out) if k in have]


def by_year_means(by_year: pd.DataFrame, prefix: str) -> tuple[pd.DataFrame, list[str]]:
    """Mean over replications of the yearly columns ``<prefix><name>``, per scenario and year.

    Returns the frame (``scenario``, ``year``, ``months`` and one column per name) and the
    names in table order (``_scaled`` columns left out). A scenario whose runs lack a column
    (a capacity channel that only another scenario configures) has 0 there: nothing was
    ordered through it.
    """
    names = [c[len(prefix):] for c in by_year.columns if c.startswith(prefix) and not c.endswith("_scaled")]
    if by_year.empty or not names:
        return pd.DataFrame(columns=["scenario", "year", "months", *names]), names
    cols = [prefix + n for n in names]
    frame = by_year[["scenario", "year", "months", *cols]].fillna({c: 0.0 for c in cols})
    out = frame.groupby(["scenario", "year"], sort=False).mean().reset_index()
    return out.rename(columns=dict(zip(cols, names, strict=True))), names
