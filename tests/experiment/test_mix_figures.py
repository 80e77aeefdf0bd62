"""The report's provider-mix figures draw the right series from ``kpis_by_year`` (issue 13).

A hand-made yearly frame of two scenarios, two replications and two years: the figures must
show the replication means of ``places_end_<type>`` stacked per scenario and of
``programme_places_<channel>`` per year, leave out types and channels that are always 0, and
leave the programme figure out when no scenario's programme ordered a place.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.figure_context import FigureContext
from sim.analysis.figures import draw
from sim.analysis.mix_figures import places_by_type_figure, programme_figure
from sim.analysis.study import Study
from sim.analysis.tables import by_year_means

YEARS = (2024, 2025)


def _rows(scenario: str, rep: int, public: list[int], market: list[int],
          programme: dict[str, list[int]] | None) -> list[dict]:
    rows = []
    for k, year in enumerate(YEARS):
        row = {"scenario": scenario, "seed": 42, "replication": rep, "year": year, "months": 12.0,
               "places_end": public[k] + market[k], "places_end_public": public[k],
               "places_end_market": market[k], "places_end_home": 0, "places_end_scaled": 1.0,
               "programme_places": sum(v[k] for v in (programme or {}).values())}
        row.update({f"programme_places_{c}": v[k] for c, v in (programme or {}).items()})
        rows.append(row)
    return rows


def _ctx(with_programme: bool = True) -> FigureContext:
    prog0 = {"public": [100, 300], "community": [50, 0]} if with_programme else {"public": [0, 0]}
    prog1 = {"public": [200, 100], "community": [150, 0]} if with_programme else {"public": [0, 0]}
    frames = [pd.DataFrame(_rows("quo", 0, [10, 10], [500, 400], {"public": [0, 0]})),
              pd.DataFrame(_rows("quo", 1, [10, 10], [520, 420], {"public": [0, 0]})),
              pd.DataFrame(_rows("target", 0, [10, 110], [500, 450], prog0)),
              pd.DataFrame(_rows("target", 1, [10, 310], [520, 470], prog1))]
    by_year = pd.concat(frames, ignore_index=True)  # quo has no community column: NaN, as in a study
    names = ["quo", "target"]
    study = Study("t", "test", "experiment", names, {s: [] for s in names}, [], [], "quo")
    scen = pd.DataFrame({"scenario": names, "replications": [2, 2]})
    return FigureContext(study, pd.DataFrame(), scen, pd.DataFrame(), pd.DataFrame(), by_year)


def test_by_year_means_average_replications_and_count_a_missing_channel_as_zero():
    m, names = by_year_means(_ctx().by_year, "programme_places_")
    assert names == ["public", "community"]
    m = m.set_index(["scenario", "year"])
    assert m.loc[("target", 2024), "public"] == 150 and m.loc[("target", 2025), "public"] == 200
    assert m.loc[("quo", 2024), "community"] == 0
    assert by_year_means(_ctx().by_year, "places_end_")[1] == ["public", "market", "home"]  # no _scaled


def test_places_figure_stacks_the_mean_places_of_each_type_per_scenario():
    fig, note = places_by_type_figure(_ctx())
    quo, target = fig.axes[:2]
    assert quo.get_title().startswith("quo") and "420 places at the end" in quo.get_title()
    assert "670 places at the end" in target.get_title()  # means: 210 public + 460 market
    assert [c.get_label() for c in target.collections] == ["public", "market"]  # home is always 0
    top = target.collections[-1].get_paths()[0].vertices  # market stacked on public
    x_end = 2026.0  # the end of 2025
    assert top[np.isclose(top[:, 0], x_end), 1].max() == pytest.approx(210 + 460)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["market", "public"]
    assert "mean over replications" in note


def test_programme_figure_draws_the_mean_orders_per_channel_and_year_of_scenarios_that_ordered():
    fig, note = programme_figure(_ctx())
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split("\n")[0] for ax in shown] == ["target"]  # quo ordered nothing
    bars = [(round(b.get_x() + b.get_width() / 2, 3), b.get_y(), b.get_height()) for b in shown[0].patches]
    assert bars == [(2024.5, 0, 150), (2025.5, 0, 200),  # public, then community stacked on it
                    (2024.5, 150, 100), (2025.5, 200, 0)]
    assert "450 places ordered" in shown[0].get_title()
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["community", "public"]
    assert "no order in quo" in note


def test_without_programme_orders_the_programme_figure_is_left_out(tmp_path: Path):
    ctx = _ctx(with_programme=False)
    assert programme_figure(ctx) is None
    assert draw(ctx, "programme", tmp_path) is None
    drawn = draw(ctx, "places_by_type", tmp_path)
    assert drawn is not None and drawn.path is not None and "2 replications each" in drawn.caption
