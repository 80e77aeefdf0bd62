"""The brief's figures: counts without negative whiskers, no CJK glyphs, the city in every
caption, the district map and the income-quintile bars (quintile KPIs fabricated here)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.analysis.figure_context import FigureContext
from sim.analysis.figure_text import has_cjk, plain
from sim.analysis.figures import FIGURES, draw
from sim.analysis.maps import distribution_figure, map_figure
from sim.analysis.scenario_figures import kpi_bars_figure
from sim.analysis.study import RunRecord, Study
from sim.analysis.tables import scenarios_frame

NAMES = ["base", "普惠 cap"]  # a scenario named in Chinese, as a planner might
DISTRICTS = [{"name": "Gulou", "x_km": 0.0, "y_km": 0.0, "population": 100000},
             {"name": "东城", "x_km": 5.0, "y_km": 2.0, "population": 50000}]


def _study(tmp: Path) -> Study:
    runs = []
    for s in NAMES:
        d = tmp / s.replace(" ", "_")
        (d / ".hydra").mkdir(parents=True)
        conf = {"city": {"name": "Xiamen", "districts": DISTRICTS}, "run": {"warmup_months": 0}}
        (d / ".hydra" / "config.yaml").write_text(yaml.safe_dump(conf, allow_unicode=True), encoding="utf-8")
        runs.append(RunRecord(s, d, [], {"meta": {"city": "file.csv", "seed": 1}}))
    return Study("t", "t", "experiment", NAMES, {s: [] for s in NAMES}, [], runs, "base",
                 kpis=["institutions_closed", "mean_waitlist"], cost=None)


def _runs(quintiles: bool) -> pd.DataFrame:
    rows = []
    for s in NAMES:
        for r, e in enumerate((0.0, 0.0, 2.0)):  # institutions closed: mean 0.67, CI ± 2.9
            row = {"scenario": s, "seed": 1, "replication": r, "institutions_closed": e,
                   "mean_waitlist": 50.0 + r}
            if quintiles:
                row.update({f"enrollment_rate_q{q}": 0.05 * q + 0.01 * r for q in range(1, 6)})
            rows.append(row)
    return pd.DataFrame(rows)


def _ts() -> pd.DataFrame:
    rows = [{"scenario": s, "seed": 1, "replication": r, "month": m, "year": 2024 + m // 12,
             "district": d["name"], "children_under3": 1000.0, "licensed_places": 40.0 + r,
             "usable_places": 40.0, "enrolled": 30.0, "waitlist": 10.0 + m % 3}
            for s in NAMES for r in range(3) for m in range(12) for d in DISTRICTS]
    return pd.DataFrame(rows)


def _ctx(tmp: Path, quintiles: bool = True) -> FigureContext:
    study = _study(tmp)
    runs = _runs(quintiles)
    return FigureContext(study, runs, scenarios_frame(study, runs), _ts(), pd.DataFrame())


def _texts(fig: Figure) -> list[str]:
    fig.canvas.draw()  # tick labels exist only once drawn
    return [t.get_text() for t in fig.findobj(Text)]


def test_a_count_has_no_whisker_below_zero(tmp_path: Path) -> None:
    fig, _ = kpi_bars_figure(_ctx(tmp_path))
    ax = fig.axes[0]  # institutions closed
    lows = [seg[:, 1].min() for c in ax.containers if hasattr(c, "errorbar") and c.errorbar
            for seg in c.errorbar.lines[2][0].get_segments()]
    assert lows and min(lows) >= 0.0


def test_no_figure_text_needs_a_cjk_glyph_and_every_caption_names_the_city(tmp_path: Path,
                                                                        monkeypatch) -> None:
    ctx = _ctx(tmp_path)
    seen: dict[str, list[str]] = {}

    def capture(self: Figure, path: Path, **_: object) -> None:
        seen[Path(path).name] = _texts(self)
        Path(path).write_bytes(b"png")

    monkeypatch.setattr(Figure, "savefig", capture)
    for name in ("kpis", "distribution", "map", "waitlist"):
        drawn = draw(ctx, name, tmp_path / "figs")
        assert drawn is not None and drawn.path is not None, name
        assert "Xiamen city" in drawn.caption, name  # city.name of the resolved configuration
    for name, texts in seen.items():
        assert not [t for t in texts if has_cjk(t)], name
    assert any("puhui cap" in t for t in seen[".map.png.tmp"])


def test_plain_writes_known_terms_in_pinyin_and_never_keeps_a_cjk_glyph() -> None:
    assert plain("普惠 places") == "puhui places"
    assert not has_cjk(plain("东城 district"))
    assert plain("Gulou") == "Gulou"


def test_the_map_colours_each_district_by_its_places_and_waitlist(tmp_path: Path) -> None:
    fig, note = map_figure(_ctx(tmp_path))
    panels = [ax for ax in fig.axes if ax.collections and ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["base", "base", "普惠 cap", "普惠 cap"]
    places = panels[0].collections[0].get_array()
    assert places[0] == pytest.approx(41.0 / 100000 * 1000)  # licensed places (40, 41, 42) at the end
    assert places[1] == pytest.approx(41.0 / 50000 * 1000)
    waiting = panels[1].collections[0].get_array()
    assert waiting[0] == pytest.approx(11.0)  # (10, 11, 12) waiting per 1,000 children, mean 11
    assert "no access map" in note  # the runs have no access_affordable_share column


def test_quintile_bars_show_the_means_and_are_left_out_without_quintile_kpis(tmp_path: Path) -> None:
    fig, _ = distribution_figure(_ctx(tmp_path))
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights[:5] == pytest.approx([100 * (0.05 * q + 0.01) for q in range(1, 6)])
    assert distribution_figure(_ctx(tmp_path / "none", quintiles=False)) is None


def test_every_registered_figure_is_a_default_figure() -> None:
    from sim.experiment.layout import DEFAULT_FIGURES

    assert set(FIGURES) == set(DEFAULT_FIGURES)
