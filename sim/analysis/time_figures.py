"""Figures over time: the city's waitlist, enrollment rate and occupancy month by month.

One line per scenario, the mean over replications at the end of each month, in a band of
its 95% t confidence interval; the dates where levers change are marked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats as st

from sim.analysis.figure_context import FigureContext, mark_changes, year_axis

UNIT = ["scenario", "seed", "replication"]


def _ci_half(std: pd.Series, n: pd.Series) -> pd.Series:
    t = pd.Series(st.t.ppf(0.975, np.maximum(n - 1, 1)), index=n.index)
    return (t * std / np.sqrt(n)).where(n > 1)


def _band(per_unit: pd.DataFrame, value: str) -> pd.DataFrame:
    """Mean and 95% CI over replications of ``value`` per scenario and month."""
    g = per_unit.groupby(["scenario", "month"], sort=False)[value]
    out = pd.DataFrame({"mean": g.mean(), "std": g.std(), "n": g.count()}).reset_index()
    out["half"] = _ci_half(out["std"], out["n"])
    return out


def _city_month(ctx: FigureContext) -> pd.DataFrame:
    cols = ["children_under3", "licensed_places", "usable_places", "enrolled", "waitlist"]
    return ctx.ts.groupby([*UNIT, "month"], sort=False)[cols].sum().reset_index()


def _plot_bands(ctx: FigureContext, ax: Axes, band: pd.DataFrame, scale: float = 1.0) -> None:
    for s in ctx.scenarios:
        b = band[band["scenario"] == s].sort_values("month")
        x = ctx.x_years(b["month"])
        ax.plot(x, b["mean"] * scale, color=ctx.colors[s], lw=1.8, label=s)
        if b["half"].notna().any():
            low = ((b["mean"] - b["half"]) * scale).clip(lower=0)  # counts and rates: never below 0
            ax.fill_between(x, low, (b["mean"] + b["half"]) * scale, color=ctx.colors[s], alpha=0.2, lw=0)
    mark_changes(ctx, ax)
    year_axis(ax)
    ax.grid(alpha=0.3)


def waitlist_figure(ctx: FigureContext) -> tuple[Figure, str]:
    """Families on a waitlist (city total) over time, per scenario, with 95% CI bands."""
    fig = Figure(figsize=(10, 5), layout="constrained")
    ax = fig.add_subplot()
    _plot_bands(ctx, ax, _band(_city_month(ctx), "waitlist"))
    ax.set_ylabel("families on a waitlist (city total)")
    ax.set_ylim(bottom=0)
    ax.legend(title="scenario", loc="best")
    return fig, "Line: mean over replications at the end of each month; band: 95% CI"


def enrollment_figure(ctx: FigureContext) -> tuple[Figure, str]:
    """Enrollment rate (enrolled / children under 3) and occupancy (enrolled / licensed places)."""
    per = _city_month(ctx)
    per["enrollment_rate"] = per["enrolled"] / per["children_under3"].where(per["children_under3"] > 0)
    per["occupancy"] = per["enrolled"] / per["licensed_places"].where(per["licensed_places"] > 0)
    fig = Figure(figsize=(12, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    _plot_bands(ctx, left, _band(per, "enrollment_rate"), 100.0)
    left.set_ylabel("children enrolled / children under 3 (%)")
    left.set_title("Enrollment rate of children under 3")
    _plot_bands(ctx, right, _band(per, "occupancy"), 100.0)
    right.set_ylabel("children enrolled / licensed places (%)")
    right.set_title("Occupancy of licensed places")
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, title="scenario", loc="outside right upper")
    return fig, "City totals at the end of each month; bands: 95% CI over replications"
