"""What every figure of a study reads and shares: its frames, colours, caption and calendar.

:class:`FigureContext` holds the study (:mod:`sim.analysis.study`) and its frames, gives each
scenario one colour in every figure and writes the caption line (scenarios, replications,
city and period). :func:`year_axis` puts calendar years on an axis of decimal years;
:func:`mark_changes` draws the dates where a scenario's levers change.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MultipleLocator

from sim.analysis.study import LeverMark, Study, city_name, lever_marks

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


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
        return f"Jan {y0} to {MONTHS[m1 % 12]} {y0 + m1 // 12}"

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
        target.set_minor_formatter(FuncFormatter(lambda v, _: MONTHS[int(round((v % 1) * 12)) % 12]))
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
