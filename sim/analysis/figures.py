"""The figures of an experiment, for readers who did not run the model: which, and how drawn.

Each figure has a title, axis labels with units, a legend and a caption line naming the
scenarios and the number of replications. Bands and whiskers are 95% t confidence intervals
over replications. Drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas
(no pyplot, no global state), saved as PNG. :data:`FIGURES` names every figure and the module
of its family draws it: over time (:mod:`sim.analysis.time_figures`), scenarios compared
(:mod:`sim.analysis.scenario_figures`), access deserts (:mod:`sim.analysis.desert_figures`),
the provider mix (:mod:`sim.analysis.mix_figures`), districts and income groups
(:mod:`sim.analysis.maps`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from sim.analysis.desert_figures import deserts_figure
from sim.analysis.figure_context import FigureContext
from sim.analysis.figure_text import plain_figure
from sim.analysis.maps import distribution_figure, map_figure
from sim.analysis.mix_figures import places_by_type_figure, programme_figure
from sim.analysis.scenario_figures import frontier_figure, kpi_bars_figure, waits_figure
from sim.analysis.time_figures import enrollment_figure, waitlist_figure

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
