"""Figures that compare scenarios: key indicators, public cost against waiting, and waits.

Bars and points are means over replications with 95% confidence whiskers (a count's lower
whisker stops at 0); the waits are those of every admitted family, replications pooled.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.analysis import kpis as K
from sim.analysis.figure_context import FigureContext
from sim.analysis.tables import cost_per_year, shown_kpis
from sim.experiment.stats import mean_ci95


def _nonnegative(runs: pd.DataFrame, kpi: str) -> bool:
    return kpi in runs and bool((runs[kpi].dropna() >= 0).all())


def count_whiskers(mean: pd.Series | np.ndarray, half: pd.Series | np.ndarray,
                   nonnegative: bool) -> np.ndarray:
    """Lower and upper whisker lengths; a non-negative quantity's lower whisker stops at 0."""
    m, h = np.asarray(mean, dtype=float), np.asarray(half, dtype=float)
    low = np.minimum(h, np.maximum(m, 0.0)) if nonnegative else h
    return np.vstack([low, h])


def kpi_bars_figure(ctx: FigureContext) -> tuple[Figure, str]:
    """One panel per compared KPI: a bar per scenario with 95% CI whiskers."""
    kpis = shown_kpis(ctx.study.kpis, ctx.scen.columns)
    ncols = min(3, max(1, len(kpis)))
    nrows = math.ceil(len(kpis) / ncols)
    names = ctx.scenarios
    fig = Figure(figsize=(4.2 * ncols, 3.3 * nrows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    sc = ctx.scen.set_index("scenario")
    long_names = max(len(s) for s in names) > 14
    for ax, k in zip(axes, kpis, strict=False):
        i = K.info(k)
        ci = sc[f"{k}_ci95"].fillna(0) if f"{k}_ci95" in sc else None
        mean = sc.loc[names, k] * i.scale
        ax.bar(range(len(names)), mean, color=[ctx.colors[s] for s in names],
               yerr=None if ci is None else count_whiskers(mean, ci.loc[names] * i.scale,
                                                           _nonnegative(ctx.runs, k)),
               capsize=4, ecolor="0.2")
        ax.set_title(i.label, fontsize=10)
        ax.set_ylabel(i.unit or "value")
        if long_names:
            ax.set_xticks([])
            ax.set_xlabel("scenarios (colours: see legend)", fontsize=8)
        else:
            ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[len(kpis):]:
        ax.set_visible(False)
    fig.legend([Patch(color=ctx.colors[s]) for s in names], names, title="scenario",
               loc="outside right upper")
    return fig, "Bars: mean over replications; whiskers: 95% CI"


def frontier_figure(ctx: FigureContext) -> tuple[Figure, str]:
    """Public cost per year against the mean waitlist, one labelled point per scenario."""
    cost = ctx.study.cost or "public_cost_total"
    y_kpi = ctx.study.headline
    fig = Figure(figsize=(9, 6), layout="constrained")
    ax = fig.add_subplot()
    pts = []
    for s in ctx.scenarios:
        sub = ctx.runs[ctx.runs["scenario"] == s]
        x, xh = mean_ci95((cost_per_year(sub, cost) / 1e6).tolist())
        y, yh = mean_ci95((sub[y_kpi] * K.info(y_kpi).scale).tolist())
        pts.append((x, y, s))
        ax.errorbar(x, y, xerr=count_whiskers([x], [xh], x >= 0) if xh else None,
                    yerr=count_whiskers([y], [yh], y >= 0) if yh else None, fmt="o", ms=8, capsize=4,
                    color=ctx.colors[s], label=s)
        ax.annotate(s, (x, y), xytext=(7, 7), textcoords="offset points", fontsize=9)
    front, best = [], math.inf
    for x, y, _ in sorted(pts):
        if y < best:
            front.append((x, y))
            best = y
    if len(front) > 1:
        ax.plot(*zip(*front, strict=True), ls="--", color="0.4", lw=1, zorder=0,
                label="efficient frontier")
    ax.set_xlabel("public cost (million yuan per year)")
    ax.set_ylabel(K.axis_label(y_kpi))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(title="scenario", loc="best")
    return fig, ("Lower left is better. Cost: all public spending on childcare in the observation "
                 "window, per year; dashed: scenarios no other scenario beats on both axes; "
                 "whiskers: 95% CI")


def _wait_bins(w: pd.DataFrame) -> np.ndarray:
    pos = w[w["wait_months"] > 0]
    if pos.empty:
        return np.array([0.0, 1.0])
    order = pos.sort_values("wait_months")
    cum = order["families"].cumsum() / order["families"].sum()
    p99 = float(order["wait_months"].to_numpy()[np.searchsorted(cum.to_numpy(), 0.99)])
    step = min((s for s in (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 6.0) if p99 / s <= 30), default=12.0)
    return np.arange(0.0, p99 + step, step)


def waits_figure(ctx: FigureContext) -> tuple[Figure, str]:
    """Distribution of the waits of admitted families: histogram and cumulative share."""
    w = ctx.waits.groupby(["scenario", "wait_months"], sort=False)["families"].sum().reset_index()
    edges = _wait_bins(w)
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    for s in ctx.scenarios:
        sub = w[w["scenario"] == s].sort_values("wait_months")
        total = float(sub["families"].sum())
        if total <= 0:
            continue
        zero = float(sub.loc[sub["wait_months"] <= 0, "families"].sum()) / total
        pos = sub[sub["wait_months"] > 0]
        hist, _ = np.histogram(pos["wait_months"], bins=edges, weights=pos["families"])
        left.stairs(100.0 * hist / total, edges, color=ctx.colors[s], lw=1.8,
                    label=f"{s} ({zero:.0%} admitted at once)")
        right.step(sub["wait_months"], 100.0 * sub["families"].cumsum() / total, where="post",
                   color=ctx.colors[s], lw=1.8, label=s)
    left.set_xlabel("wait from application to admission (months)")
    left.set_ylabel("share of admitted families (%)")
    left.set_title("Waits longer than zero")
    left.legend(title="scenario", fontsize=8)
    right.set_xlabel("wait from application to admission (months)")
    right.set_ylabel("admitted within this wait (%)")
    right.set_title("Cumulative share, zero waits included")
    right.set_xlim(0, edges[-1])
    right.set_ylim(0, 100)
    right.legend(title="scenario", fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return fig, ("Families admitted in the observation window, all replications pooled; bins of "
                 f"{edges[1] - edges[0]:g} months")
