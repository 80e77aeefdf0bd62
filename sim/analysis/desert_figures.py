"""Access deserts: access within reach and places per 1,000 people, month by district.

Heatmaps of the timeseries' ``access_affordable_share`` (reach: ``access.reach_km``, the
15-minute community life circle) and ``places_per_1000`` against the national target
(``access.places_target_per_1000``, the 14th Five-Year Plan), one row per scenario.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from sim.analysis.figure_context import FigureContext, mark_changes, year_axis

ACCESS_SOURCE = ("the 15-minute community life circle, about 1 km on foot (Ministry of Natural Resources, "
                 "TD/T 1062-2021)")
PLACES_TARGET_SOURCE = "14th Five-Year Plan target for end 2025 (calibration/china.md s.1)"


def _district_grid(ctx: FigureContext, scenario: str, districts: list[str], column: str) -> np.ndarray:
    """District x month grid of ``column``, the mean over the scenario's replications."""
    sub = ctx.ts[ctx.ts["scenario"] == scenario]
    g = sub.groupby(["district", "month"])[column].mean()
    return g.unstack("month").reindex(districts).to_numpy(dtype=float)


def _run_mean(ctx: FigureContext, scenario: str, kpi: str, default: float) -> float:
    """The mean over a scenario's runs of a summary entry (a KPI or a threshold), or ``default``."""
    runs = ctx.runs
    if kpi not in runs or "scenario" not in runs:
        return default
    values = runs.loc[runs["scenario"] == scenario, kpi].dropna()
    return float(values.mean()) if len(values) else default


def _heatmap(ctx: FigureContext, ax: Axes, grid: np.ndarray, districts: list[str], scenario: str,
             norm: TwoSlopeNorm) -> None:
    """Draw a district x month grid on ``ax`` (red low, green high) with the scenario's lever dates."""
    m1 = int(ctx.ts["month"].max()) + 1
    x0, x1 = ctx.x_years(np.array([0, m1]))
    ax.imshow(grid, aspect="auto", interpolation="nearest", cmap="RdYlGn", norm=norm,
                   extent=(x0, x1, len(districts) - 0.5, -0.5))
    ax.set_yticks(range(len(districts)), districts, fontsize=8)
    mark_changes(ctx, ax, scenario)
    year_axis(ax)
    ax.set_ylabel("district")


def deserts_figure(ctx: FigureContext) -> tuple[Figure, str] | None:
    """Access within reach and places per 1,000 against the national target, month x district.

    One row per scenario: left, the share of children under 3 with an affordable place that
    has room within reach (timeseries ``access_affordable_share``); right, licensed places per
    1,000 people against the target (red below it). None for results written before these
    columns existed.
    """
    if not {"access_affordable_share", "places_per_1000"} <= set(ctx.ts.columns):
        return None
    names = ctx.scenarios
    districts = list(dict.fromkeys(ctx.ts["district"]))
    per_1000 = {s: _district_grid(ctx, s, districts, "places_per_1000") for s in names}
    targets = {s: _run_mean(ctx, s, "access_places_target_per_1000", 4.5) for s in names}
    vmax = max(max(targets.values()) * 2, max(float(np.nanmax(g)) for g in per_1000.values()))
    fig = Figure(figsize=(15, (0.32 * len(districts) + 1.3) * len(names) + 0.6), layout="constrained")
    axes = fig.subplots(len(names), 2, squeeze=False)
    for (ax_a, ax_p), s in zip(axes, names, strict=True):
        reach = _run_mean(ctx, s, "access_reach_km", 1.0)
        share = _district_grid(ctx, s, districts, "access_affordable_share")
        _heatmap(ctx, ax_a, share, districts, s, TwoSlopeNorm(vmin=0.0, vcenter=0.5, vmax=1.0))
        kpi = _run_mean(ctx, s, "access_affordable_share", float(np.nanmean(share)))
        ax_a.set_title(f"{s}: {kpi:.0%} of children under 3 have an affordable place\n"
                       f"with room within {reach:g} km (lacking: {1 - kpi:.0%})", fontsize=9)
        norm = TwoSlopeNorm(vmin=0.0, vcenter=targets[s], vmax=vmax)
        _heatmap(ctx, ax_p, per_1000[s], districts, s, norm)
        below = float(np.mean(per_1000[s] < targets[s]))
        ax_p.set_title(f"{s}: places per 1,000 people; {below:.0%} of district-months\n"
                       f"below the national target of {targets[s]:g}", fontsize=9)
    if names:
        fig.colorbar(axes[0, 0].images[0], ax=axes[:, 0].tolist(), shrink=0.9).set_label(
            "share of children with an affordable place\nwith room within reach")
        cb = fig.colorbar(axes[0, 1].images[0], ax=axes[:, 1].tolist(), shrink=0.9)
        cb.set_label("licensed places per 1,000 people\n(red: below the target)")
        for t in set(targets.values()):
            cb.ax.axhline(t, color="k", lw=1)
    return fig, (f"Left: share of children under 3 (sample points spread over each district) within "
                 f"reach of an open affordable place (public, puhui, kindergarten class, community "
                 f"centre, hub; not employer-reserved) that has a free place or a short waitlist "
                 f"(access.short_waitlist); reach: {ACCESS_SOURCE}, access.reach_km. Right: licensed "
                 f"places per 1,000 people against the {PLACES_TARGET_SOURCE}, "
                 f"access.places_target_per_1000. Mean over replications; titles: the scenario's "
                 f"children-weighted access KPI and its share of district-months below the target")
