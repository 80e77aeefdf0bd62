"""Figures of the provider mix: places by provider type, and the programme's places by channel.

Read from the yearly KPIs (``kpis_by_year``): one panel per scenario, a colour per type or
channel shared by every panel and figure, the dates where the scenario's levers change marked.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sim.analysis.figure_context import MONTHS, FigureContext, mark_changes
from sim.analysis.tables import by_year_means


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
    ends = [f"Dec {y}" if months[y] == 12 else f"{MONTHS[int(months[y]) - 1]} {y}" for y in years]
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
