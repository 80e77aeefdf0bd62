"""Where and for whom: the district map and the income-quintile bars of an experiment.

The map draws each district as a circle at its ``x_km``, ``y_km`` (the resolved
configuration's ``city.districts``; there are no district boundaries in the model), its area
proportional to the population, coloured by places per 1,000 people at the end, families
waiting per 1,000 children under 3 (mean over the observation window) and, when the runs
record it, the share of children with an affordable place with a vacancy within reach
(``access_affordable_share``): one row of small multiples per scenario. The quintile bars show
the enrollment rate (and, when present, the share priced out) of each household-income
quintile per scenario with 95% CIs, from the KPIs ``<kpi>_q1`` .. ``<kpi>_q5``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.analysis import kpis as K
from sim.analysis.study import resolved_config
from sim.experiment.stats import mean_ci95

if TYPE_CHECKING:
    from sim.analysis.figure_context import FigureContext

ACCESS = "access_affordable_share"
QUINTILE_KPIS = ("enrollment_rate_q", "priced_out_share_q")


def districts(ctx: FigureContext) -> pd.DataFrame:
    """Return name, x_km, y_km and population of the city's districts (empty when unknown)."""
    for r in ctx.study.ok_runs:
        rows = ((resolved_config(r).get("city") or {}).get("districts")) or []
        if rows and all("x_km" in d and "y_km" in d for d in rows):
            return pd.DataFrame([{"district": str(d["name"]), "x_km": float(d["x_km"]),
                                  "y_km": float(d["y_km"]), "population": float(d.get("population", 1))}
                                 for d in rows])
    return pd.DataFrame(columns=["district", "x_km", "y_km", "population"])


def _window(ctx: FigureContext) -> pd.DataFrame:
    from sim.analysis.report_sections import configured_warmup

    return ctx.ts[ctx.ts["month"] >= configured_warmup(ctx.study)]


def district_values(ctx: FigureContext, where: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per metric, a frame scenario x district of its mean over replications (see module doc)."""
    ts = _window(ctx)
    last = ts[ts["month"] == ts["month"].max()]
    pop = where.set_index("district")["population"]
    places = last.groupby(["scenario", "district"])["licensed_places"].mean().unstack()
    g = ts.groupby(["scenario", "district"])[["waitlist", "children_under3"]].mean()
    out = {"places per 1,000 people (end)": places / pop * 1000.0,
           "families waiting per 1,000 children under 3 (mean)":
               (g["waitlist"] / g["children_under3"].where(g["children_under3"] > 0) * 1000.0).unstack()}
    if ACCESS in ts.columns:
        out["children with an affordable vacancy within reach (%, mean)"] = (
            ts.groupby(["scenario", "district"])[ACCESS].mean().unstack() * 100.0)
    return out


_CMAPS = ("viridis", "Reds", "RdYlGn")


def _panel(ax: Any, where: pd.DataFrame, values: pd.Series, cmap: str, vmin: float, vmax: float) -> Any:
    size = 900.0 * where["population"] / where["population"].max()
    v = values.reindex(where["district"]).to_numpy(dtype=float)
    sc = ax.scatter(where["x_km"], where["y_km"], s=size, c=v, cmap=cmap, vmin=vmin, vmax=vmax,
                    edgecolors="0.2", linewidths=0.6)
    for (_, d), val in zip(where.iterrows(), v, strict=True):
        ax.annotate(f"{d['district']}\n{val:,.1f}", (d["x_km"], d["y_km"]), xytext=(0, -14),
                    textcoords="offset points", ha="center", va="top", fontsize=7)
    pad = 4.0
    ax.set_xlim(where["x_km"].min() - pad, where["x_km"].max() + pad)
    ax.set_ylim(where["y_km"].min() - pad * 1.6, where["y_km"].max() + pad)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)
    return sc


def map_figure(ctx: FigureContext) -> tuple[Figure, str] | None:
    """Districts as circles (area: population) coloured by access, waitlist and places per 1,000."""
    where = districts(ctx)
    if where.empty or ctx.ts.empty:
        return None
    metrics = district_values(ctx, where)
    names = ctx.scenarios
    fig = Figure(figsize=(4.3 * len(metrics) + 0.5, 3.6 * len(names) + 0.8), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(names), len(metrics), squeeze=False))
    for j, ((label, frame), cmap) in enumerate(zip(metrics.items(), _CMAPS, strict=False)):
        vals = frame.to_numpy(dtype=float)
        vmin, vmax = float(np.nanmin(vals)), float(np.nanmax(vals))
        sc = None
        for i, s in enumerate(names):
            ax = axes[i, j]
            sc = _panel(ax, where, frame.loc[s] if s in frame.index else pd.Series(dtype=float),
                        cmap, vmin, vmax)
            ax.set_title(s, fontsize=9)
            ax.set_xlabel("x (km)" if i == len(names) - 1 else "", fontsize=8)
            ax.set_ylabel("y (km)" if j == 0 else "", fontsize=8)
        assert sc is not None  # at least one scenario
        cb = fig.colorbar(sc, ax=axes[:, j].tolist(), location="top", shrink=0.85, aspect=30)
        cb.set_label(label, fontsize=9)
    missing = "" if ACCESS in ctx.ts.columns else (
        f"; no access map: these runs have no '{ACCESS}' column")
    return fig, ("Circles at the districts' centres (x_km, y_km of the city configuration; no "
                 "boundaries), area proportional to population; colour scales shared by the "
                 f"scenarios of a column; means over replications and the observation window{missing}")


def quintile_kpis(runs: pd.DataFrame) -> list[str]:
    """The KPI families present for all five quintiles (``enrollment_rate_q``, ...)."""
    return [p for p in QUINTILE_KPIS if all(f"{p}{q}" in runs.columns for q in range(1, 6))]


def distribution_figure(ctx: FigureContext) -> tuple[Figure, str] | None:
    """Bars per income quintile and scenario with 95% CIs (clipped at 0); None without quintile KPIs."""
    families = quintile_kpis(ctx.runs)
    if not families:
        return None
    names = ctx.scenarios
    fig = Figure(figsize=(6.2 * len(families) + 1.6, 4.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(families), squeeze=False)).ravel()
    width = 0.8 / len(names)
    for ax, prefix in zip(axes, families, strict=True):
        info = K.info(f"{prefix}1")
        for i, s in enumerate(names):
            sub = ctx.runs[ctx.runs["scenario"] == s]
            stats = [mean_ci95(sub[f"{prefix}{q}"].astype(float).tolist()) for q in range(1, 6)]
            m = np.array([x for x, _ in stats]) * info.scale
            h = np.nan_to_num(np.array([x for _, x in stats]) * info.scale)
            x = np.arange(5) + (i - (len(names) - 1) / 2) * width
            ax.bar(x, m, width=width, color=ctx.colors[s], yerr=[np.minimum(h, m), h], capsize=3,
                   ecolor="0.2", label=s)
        ax.set_xticks(range(5), ["Q1\npoorest", "Q2", "Q3", "Q4", "Q5\nrichest"])
        ax.set_xlabel("household-income quintile")
        ax.set_ylabel(f"{info.label.split(',')[0]} ({info.unit})")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
    fig.legend([Patch(color=ctx.colors[s]) for s in names], names, title="scenario",
               loc="outside right upper")
    return fig, "Bars: mean over replications; whiskers: 95% CI, clipped at 0"
