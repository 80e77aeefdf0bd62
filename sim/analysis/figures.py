"""The figures of an experiment, for readers who did not run the model.

Each figure has a title, axis labels with units, a legend and a caption line naming the
scenarios and the number of replications. Bands and whiskers are 95% t confidence intervals
over replications. Drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas
(no pyplot, no global state), saved as PNG.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator
from scipy import stats as st

from sim.analysis import kpis as K
from sim.analysis.figure_text import plain_figure
from sim.analysis.maps import distribution_figure, map_figure
from sim.analysis.study import LeverMark, Study, city_name, lever_marks
from sim.analysis.tables import by_year_means, cost_per_year, shown_kpis
from sim.experiment.stats import mean_ci95

UNIT = ["scenario", "seed", "replication"]


@dataclass
class FigureContext:
    """Everything the figures read: the study and its frames."""

    study: Study
    runs: pd.DataFrame
    scen: pd.DataFrame
    ts: pd.DataFrame
    waits: pd.DataFrame
    by_year: pd.DataFrame = field(default_factory=pd.DataFrame)
    colors: dict[str, str] = field(default_factory=dict)
    marks: list[LeverMark] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.marks = self.marks or lever_marks(self.study)
        names = self.scenarios
        cmap = "tab10" if len(names) <= 10 else "tab20"
        from matplotlib import colormaps

        cols = colormaps[cmap].colors  # type: ignore[attr-defined]
        self.colors = {s: cols[i % len(cols)] for i, s in enumerate(names)}

    @property
    def scenarios(self) -> list[str]:
        """Scenarios with at least one complete run, in the study's order."""
        have = set(self.scen["scenario"]) if not self.scen.empty else set()
        return [s for s in self.study.scenarios if s in have]

    def start_year(self) -> int:
        """Calendar year of month 0."""
        if self.ts.empty:
            return 0
        row = self.ts.iloc[0]
        return int(row["year"]) - int(row["month"]) // 12

    def period(self) -> str:
        """The simulated period, e.g. 'Jan 2024 to Dec 2033'."""
        if self.ts.empty:
            return ""
        y0, m1 = self.start_year(), int(self.ts["month"].max())
        months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
        return f"Jan {y0} to {months[m1 % 12]} {y0 + m1 // 12}"

    def caption(self, note: str = "") -> str:
        """Caption: scenarios, replications, city and period, and a figure-specific note."""
        reps = self.scen.set_index("scenario")["replications"] if not self.scen.empty else pd.Series()
        counts = sorted(set(int(n) for n in reps))
        rep_text = (f"{counts[0]} replication{'s' if counts[0] != 1 else ''} each" if len(counts) == 1
                    else "replications: " + ", ".join(f"{s} {int(n)}" for s, n in reps.items()))
        where = f"{city_name(self.study)} city, {self.period()}".strip(", ")
        parts = [f"Scenarios: {', '.join(self.scenarios)}", f"{rep_text} (common random numbers)",
                 where, note]
        return ". ".join(p for p in parts if p) + "."

    def x_years(self, months: pd.Series | np.ndarray) -> np.ndarray:
        """Month index to decimal calendar year."""
        return self.start_year() + np.asarray(months, dtype=float) / 12.0


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


_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def year_axis(ax: Axes, axis: Literal["x", "y"] = "x") -> None:
    """Calendar years on an axis of decimal years: a tick each January, quarters on short spans."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
    span = hi - lo
    step = 1 if span <= 12 else 2 if span <= 24 else 5
    target.set_major_locator(MultipleLocator(step))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{int(round(v))}"))
    if span <= 3:
        target.set_minor_locator(MultipleLocator(0.25))
        target.set_minor_formatter(FuncFormatter(lambda v, _: _MONTHS[int(round((v % 1) * 12)) % 12]))
        ax.tick_params(axis=axis, which="minor", labelsize=7, colors="0.35")
    ax.set_xlabel("year (ticks: January)") if axis == "x" else ax.set_ylabel("year")


def mark_changes(ctx: FigureContext, ax: Axes, scenario: str | None = None) -> None:
    """A dashed vertical line with a short label at each date where a lever changes.

    On a panel of one ``scenario`` only its changes; on a shared axis every change, naming
    its scenarios when not all of them make it.
    """
    everyone = frozenset(ctx.scenarios)
    labels: dict[int, list[str]] = {}
    for mk in ctx.marks:
        if scenario is not None and scenario not in mk.scenarios:
            continue
        shared = scenario is not None or everyone <= mk.scenarios
        who = "" if shared else f" ({', '.join(sorted(mk.scenarios))})"
        labels.setdefault(mk.month, []).append(mk.text + who)
    for month, texts in labels.items():
        x = float(ctx.x_years(np.array([month]))[0])
        ax.axvline(x, color="0.2", ls="--", lw=1.0, zorder=3)
        ax.annotate(textwrap.shorten("; ".join(texts), 70, placeholder="…"), xy=(x, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(3, -4), textcoords="offset points",
                    rotation=90, va="top", ha="left", fontsize=7, color="0.15", zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})


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


def _mix_colors(names: list[str]) -> dict[str, str]:
    """One colour per provider type or channel, the same in every panel and figure."""
    from matplotlib import colormaps

    cols = colormaps["tab10"].colors  # type: ignore[attr-defined]
    return {n: to_hex(cols[i % len(cols)]) for i, n in enumerate(names)}


def _panels(ctx: FigureContext, names: list[str]) -> tuple[Figure, np.ndarray]:
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = Figure(figsize=(4.4 * ncols + 2.0, 3.6 * nrows + 0.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, sharey=True)).ravel()
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return fig, axes


def _mix_axes(ctx: FigureContext, ax: Axes, s: str, x: np.ndarray, labels: list[str],
              pad: float, ylabel: str) -> None:
    """Decimal years on x (so lever changes fall on their dates), a labelled tick per year shown."""
    ax.set_xlim(float(x.min()) - pad, float(x.max()) + pad)
    mark_changes(ctx, ax, s)
    step = max(1, math.ceil(len(x) / 6))
    ax.set_xticks(x[::step], labels[::step], fontsize=8)
    ax.set_ylabel(ylabel if ax.get_subplotspec().is_first_col() else "")  # type: ignore[union-attr]
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.grid(axis="y", alpha=0.3)


def places_by_type_figure(ctx: FigureContext) -> tuple[Figure, str]:
    """Licensed places by provider type at the end of each year, stacked, one panel per scenario."""
    m, types = by_year_means(ctx.by_year, "places_end_")
    colors = _mix_colors(types)
    shown = [t for t in types if m[t].sum() > 0]
    names = [s for s in ctx.scenarios if s in set(m["scenario"])]
    fig, axes = _panels(ctx, names)
    years = sorted(set(m["year"]))
    months = m.groupby("year")["months"].first()
    x_all = np.array([y + months[y] / 12.0 for y in years])
    ends = [f"Dec {y}" if months[y] == 12 else f"{_MONTHS[int(months[y]) - 1]} {y}" for y in years]
    pad = 0.5 if len(years) <= 1 else 0.15  # room for the bar of a single year
    for ax, s in zip(axes, names, strict=False):
        sub = m[m["scenario"] == s].sort_values("year")
        x = (sub["year"] + sub["months"] / 12.0).to_numpy(dtype=float)
        ys = [sub[t].to_numpy(dtype=float) for t in shown]
        if len(x) > 1:
            ax.stackplot(x, ys, colors=[colors[t] for t in shown], labels=shown, alpha=0.9, lw=0)
        else:  # one year: a stacked bar at its end
            bottom = np.zeros(len(x))
            for t, y in zip(shown, ys, strict=True):
                ax.bar(x, y, width=0.4, bottom=bottom, color=colors[t], label=t)
                bottom = bottom + y
        total = float(sum(y[-1] for y in ys)) if len(x) else 0.0
        ax.set_title(f"{s}\n{total:,.0f} places at the end", fontsize=10)
        _mix_axes(ctx, ax, s, x_all, ends, pad, "licensed places at the end of the year")
        ax.set_xlabel("end of the year")
    fig.legend([Patch(color=colors[t]) for t in reversed(shown)], list(reversed(shown)),
               title="provider type", loc="outside right upper")
    return fig, ("Stacked: licensed places of open institutions of each type (kpis_by_year "
                 "places_end_<type>) at the end of each year, mean over replications; a provider "
                 "counts under its type at that date; types with no place in any scenario left out")


def programme_figure(ctx: FigureContext) -> tuple[Figure, str] | None:
    """Places the capacity programme ordered each year by channel; None when no scenario ordered any."""
    m, channels = by_year_means(ctx.by_year, "programme_places_")
    _, types = by_year_means(ctx.by_year, "places_end_")
    colors = _mix_colors([*types, *(c for c in channels if c not in types)])
    shown = [c for c in channels if m[c].sum() > 0]
    names = [s for s in ctx.scenarios if m.loc[m["scenario"] == s, shown].to_numpy().sum() > 0]
    if not names:
        return None
    fig, axes = _panels(ctx, names)
    years = sorted(set(m["year"]))
    months = m.groupby("year")["months"].first()
    centres = np.array([y + 0.5 * months[y] / 12.0 for y in years])
    for ax, s in zip(axes, names, strict=False):
        sub = m[m["scenario"] == s].sort_values("year")
        width = 0.8 * sub["months"].to_numpy(dtype=float) / 12.0
        x = sub["year"].to_numpy(dtype=float) + 0.5 * sub["months"].to_numpy(dtype=float) / 12.0
        bottom = np.zeros(len(sub))
        for c in shown:
            y = sub[c].to_numpy(dtype=float)
            ax.bar(x, y, width=width, bottom=bottom, color=colors[c], label=c)
            bottom = bottom + y
        ax.set_title(f"{s}\n{float(bottom.sum()):,.0f} places ordered", fontsize=10)
        _mix_axes(ctx, ax, s, centres, [str(y) for y in years], 0.5, "places ordered in the year")
        ax.set_xlabel("year of the order")
    fig.legend([Patch(color=colors[c]) for c in reversed(shown)], list(reversed(shown)),
               title="channel", loc="outside right upper")
    left_out = [s for s in ctx.scenarios if s not in names]
    note = f"; no order in {', '.join(left_out)} (not shown)" if left_out else ""
    return fig, ("Stacked bars: places the capacity programme ordered in each calendar year by "
                 "channel (kpis_by_year programme_places_<channel>; they open after the build "
                 "or conversion lead time; purchase: places of existing private providers bought "
                 f"as affordable places, no new place), mean over replications{note}")


FIGURES: dict[str, tuple[str, Callable[[FigureContext], tuple[Figure, str] | None]]] = {
    "waitlist": ("Families on a waitlist over time", waitlist_figure),
    "enrollment": ("Enrollment rate and occupancy over time", enrollment_figure),
    "kpis": ("Key indicators by scenario", kpi_bars_figure),
    "frontier": ("Public cost against families waiting", frontier_figure),
    "deserts": ("Access within reach and places against the national target", deserts_figure),
    "waits": ("How long admitted families waited", waits_figure),
    "places_by_type": ("Places by provider type over time", places_by_type_figure),
    "programme": ("Programme places by channel", programme_figure),
    "distribution": ("Enrollment by household-income quintile", distribution_figure),
    "map": ("Districts: places, waitlists and access", map_figure),
}


@dataclass
class DrawnFigure:
    """A saved figure: its name, title, caption and file (or why it could not be drawn)."""

    name: str
    title: str
    caption: str
    path: Path | None
    error: str = ""


def _wrap(text: str, width_in: float) -> str:
    return "\n".join(textwrap.wrap(text, max(40, int(width_in * 13))))


def draw(ctx: FigureContext, name: str, out_dir: Path) -> DrawnFigure | None:
    """Draw figure ``name`` with its title and caption line into ``out_dir/<name>.png``.

    None when the figure has nothing to show in this study (``programme`` without a capacity
    programme that ordered places).
    """
    title, fn = FIGURES[name]
    try:
        drawn = fn(ctx)
    except Exception as exc:  # noqa: BLE001 - one bad figure must not lose the report
        return DrawnFigure(name, title, "", None, f"{type(exc).__name__}: {exc}")
    if drawn is None:
        return None
    fig, note = drawn
    caption = ctx.caption(note)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    fig.text(0.01, 0.0, _wrap(caption, fig.get_figwidth()), fontsize=9, va="top", ha="left",
             color="0.25")
    plain_figure(fig)  # no CJK glyph: the default fonts have none
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.png"
    tmp = out_dir / f".{name}.png.tmp"
    fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    tmp.replace(path)
    return DrawnFigure(name, title, caption, path)
