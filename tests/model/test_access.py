"""Access within reach and the places target (:mod:`sim.model.access`), on a small grid city.

The grid city has four districts one km apart (D00 at (0, 0), D10 at (1, 0), D01 at (0, 1),
D11 at (1, 1)) with no extent (``city.intra_district_km=0``: every sample point of a district
is at its centre), so which district an institution at a given position reaches is known by
hand: from (0, 0) at a reach of 1 km, D00, D10 and D01 (exactly 1 km) but not D11 (1.41 km).
Each test names the bug it would catch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model import access as A
from sim.model.world import World
from tests.conftest import load_config, run_model
from tests.model.test_rules import family
from tests.scenarios import FIXED_SUPPLY, TINY, small

GRID = [(0, 0), (1, 0), (0, 1), (1, 1)]
DISTRICTS = ",".join(f"{{name:D{x}{y},population:100000,births_per_year:600,x_km:{x},y_km:{y}}}"
                     for x, y in GRID)
SEED = 5


def grid_world(*institutions: str, reach: float = 1.0, extra: tuple[str, ...] = ()) -> World:
    """A grid world, built but not run, with the institutions given and their classes open."""
    w = World(load_config([f"city.districts=[{DISTRICTS}]", f"city.institutions=[{','.join(institutions)}]",
                           "city.intra_district_km=0", "access.sample_points=4", f"access.reach_km={reach}",
                           "staff.binding=false", *FIXED_SUPPLY, *TINY, *extra]), SEED)
    for c in w.classes:
        w.places.open_class(c, with_staff=False)
    return w


def inst(name: str, type_: str = "public", x: float = 0.0, y: float = 0.0, district: str = "D00") -> str:
    return f"{{name:{name},district:{district},type:{type_},places:{{older:20}},x_km:{x},y_km:{y}}}"


def shares(w: World) -> list[float]:
    return w.access.shares(w.institutions)


def fill(w: World, waiting: int) -> None:
    """Fill the first class and put ``waiting`` families on its waitlist."""
    c = w.classes[0]
    for i in range(c.usable):
        w.alloc.admit(family(w, 1000 + i), c)
    for i in range(waiting):
        w.alloc.join(family(w, 2000 + i), [c])
    assert not w.alloc.has_room(c)


# -- the coverage rule on the grid -----------------------------------------------------------
def test_a_point_exactly_at_the_reach_has_access_and_one_beyond_it_has_none():
    """Catches: a strict comparison at the edge, or distances in the wrong unit or axis."""
    assert shares(grid_world(inst("P"))) == [1.0, 1.0, 1.0, 0.0]
    assert shares(grid_world(inst("P"), reach=math.sqrt(2.0) - 1e-9)) == [1.0, 1.0, 1.0, 0.0]
    assert shares(grid_world(inst("P"), reach=math.sqrt(2.0) + 1e-9)) == [1.0, 1.0, 1.0, 1.0]
    assert shares(grid_world(inst("P", x=1.0, y=1.0, district="D11"))) == [0.0, 1.0, 1.0, 1.0]


def test_reach_crosses_district_borders():
    """Catches: only an institution's own district counted (the grid's districts are 1 km apart)."""
    assert shares(grid_world(inst("P", x=0.5, y=0.5))) == [1.0, 1.0, 1.0, 1.0]


def test_a_full_class_with_a_long_waitlist_gives_no_access_and_a_short_one_does():
    """Catches: a full provider counted, or ``short_waitlist`` off by one."""
    w = grid_world(inst("P"), extra=("access.short_waitlist=2",))
    fill(w, waiting=3)
    assert shares(w) == [0.0, 0.0, 0.0, 0.0]
    w = grid_world(inst("P"), extra=("access.short_waitlist=2",))
    fill(w, waiting=2)
    assert shares(w) == [1.0, 1.0, 1.0, 0.0]


def test_a_free_place_gives_access_whatever_the_waitlist():
    """Catches: the vacancy test dropped (a class with a free place but families on its list)."""
    w = grid_world(inst("P"), extra=("access.short_waitlist=0",))
    c = w.classes[0]
    w.alloc.join(family(w, 1), [c])
    assert w.alloc.has_room(c) and c.waitlist.count(5) == 1
    assert shares(w) == [1.0, 1.0, 1.0, 0.0]


def test_a_closed_provider_gives_no_access():
    w = grid_world(inst("P"))
    w.institutions[0].open = False
    assert shares(w) == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("type_", ["market", "home", "employer"])
def test_market_home_and_employer_reserved_places_give_no_access(type_):
    """Catches: every provider counted, or reserved (employees-only) 普惠 places counted."""
    places = "{mixed:5}" if type_ == "home" else "{older:20}"
    w = grid_world(f"{{name:X,district:D00,type:{type_},places:{places},x_km:0,y_km:0}}")
    assert shares(w) == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("type_", ["affordable", "kindergarten", "community", "hub"])
def test_every_unreserved_affordable_type_gives_access(type_):
    assert shares(grid_world(inst("P", type_=type_))) == [1.0, 1.0, 1.0, 0.0]


def test_a_provider_converted_to_affordable_gives_access_from_then_on():
    """Catches: the affordable status read once at build instead of each month."""
    w = grid_world(inst("M", type_="market"))
    assert shares(w) == [0.0] * 4
    w.providers.conversion.convert(w.institutions[0], "affordable")
    assert shares(w) == [1.0, 1.0, 1.0, 0.0]


def test_with_a_huge_reach_every_district_has_access_exactly_when_some_affordable_class_is_open():
    w = grid_world(inst("P", x=1.0, y=1.0, district="D11"), inst("M", type_="market"), reach=1e6)
    assert shares(w) == [1.0] * 4
    fill(w, waiting=w.access.short + 1)
    assert shares(w) == [0.0] * 4  # the market provider's free places do not count


# -- where things are ----------------------------------------------------------------------------
def test_the_disc_radius_gives_intra_district_km_as_the_mean_trip_between_two_points():
    """Catches: a wrong constant in 128 a / (45 pi) (checked against the sample points' mean distance)."""
    a = A.district_radius_km(None, 2.0)
    assert a == pytest.approx(2.0 * 45 * math.pi / 128)
    pts = A.sample_points(0.0, 0.0, a, 1500)
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
    assert d.sum() / (len(pts) * (len(pts) - 1)) == pytest.approx(2.0, rel=0.005)
    assert A.district_radius_km(math.pi * 9.0, 2.0) == pytest.approx(3.0)


def test_a_city_run_at_a_sample_scale_keeps_its_density_on_a_smaller_area():
    """Catches: full-size institutions spread over the whole area of a sampled city (access too low)."""
    full = World(load_config(small()), SEED).access.radius
    quarter = World(load_config(small("city.scale=0.25")), SEED).access.radius
    assert quarter == pytest.approx([r / 2 for r in full])


def test_sample_points_fill_the_disc_evenly():
    pts = A.sample_points(3.0, -1.0, 2.0, 400)
    r = np.hypot(pts[:, 0] - 3.0, pts[:, 1] + 1.0)
    assert r.max() < 2.0
    assert np.mean(r <= 1.0) == pytest.approx(0.25, abs=0.01)  # a quarter of the area
    assert np.mean(pts[:, 0] > 3.0) == pytest.approx(0.5, abs=0.02)


def test_points_within_includes_the_edge():
    pts = np.array([[1.0, 0.0], [1.0 + 1e-9, 0.0], [0.0, 0.0]])
    assert A.points_within(pts, 0.0, 0.0, 1.0).tolist() == [0, 2]
    assert A.points_within(pts, 0.0, 0.0, 0.0).tolist() == [2]


def test_drawn_positions_lie_in_the_district_disc_and_given_ones_are_kept():
    given = "{name:G,district:D1,type:public,places:{older:20},x_km:9.5,y_km:-2}"
    drawn = "{name:R,district:D1,type:public,places:{older:20}}"
    w = World(load_config(small(f"city.institutions=[{given},{drawn}]")), SEED)
    g, r = w.institutions
    assert (g.x_km, g.y_km) == (9.5, -2.0)
    d = w.districts[1]
    assert math.hypot(r.x_km - d.spec.x_km, r.y_km - d.spec.y_km) <= w.access.radius[1]


def test_positions_come_from_their_own_stream_and_repeat_with_the_seed():
    """Catches: positions drawn from a shared stream (they would move other draws, or with policy)."""
    a = World(load_config(small()), SEED)
    b = World(load_config(small("policy=voucher")), SEED)
    pos = [(i.x_km, i.y_km) for i in a.institutions]
    assert pos == [(i.x_km, i.y_km) for i in b.institutions]
    assert "access.positions" in a.streams._streams
    assert len(set(pos)) == len(pos)


def test_institutions_opened_during_the_run_get_a_position_and_a_reach():
    programme = ("capacity=target", "capacity.target_per_1000=6", "capacity.build_lead_months=1")
    w = World(load_config(small(*programme, places_per_1000=(1.0, 1.0))), SEED)
    w.run()
    opened = w.institutions[w.n_institutions_start:]
    assert opened, "the scenario must open institutions"
    for i in opened:
        d = i.district
        assert math.hypot(i.x_km - d.spec.x_km, i.y_km - d.spec.y_km) <= w.access.radius[d.idx] + 1e-12
        assert i.idx in w.access.reachable


# -- the KPIs and the monthly column -------------------------------------------------------------
def _window(ts: dict, warmup: float) -> dict[str, np.ndarray]:
    keep = np.asarray(ts["month"]) >= warmup
    return {k: np.asarray(v)[keep] for k, v in ts.items()}


def test_the_kpi_is_the_children_weighted_mean_of_the_window_rows():
    """Catches: an unweighted mean, months before the warm-up counted, or the column not written."""
    r = run_model(small("run.warmup_months=12", "access.reach_km=2.0", fixed_supply=False), seed=SEED)
    ts = _window(r.timeseries, 12.0)
    kids, share = ts["children_under3"].astype(float), ts["access_affordable_share"]
    assert ((share >= 0) & (share <= 1)).all() and 0 < share.mean() < 1
    assert r.summary["access_affordable_share"] == pytest.approx((kids * share).sum() / kids.sum(), rel=1e-12)
    assert r.summary["access_affordable_share"] != pytest.approx(share.mean(), rel=1e-6)


def test_the_places_target_kpi_is_the_population_share_of_district_months_below_it():
    r = run_model(small(places_per_1000=(3.0, 6.0)), seed=SEED)
    ts = r.timeseries
    per_1000 = np.asarray(ts["places_per_1000"])
    assert per_1000 == pytest.approx(np.asarray(ts["licensed_places"]) * 1000.0 / 100_000)
    assert r.summary["population_share_below_places_target"] == pytest.approx(np.mean(per_1000 < 4.5))
    assert 0 < r.summary["population_share_below_places_target"] < 1


def test_reach_zero_gives_no_access():
    r = run_model(small("access.reach_km=0"), seed=SEED)
    assert r.summary["access_affordable_share"] == 0.0
    assert set(r.timeseries["access_affordable_share"]) == {0.0}


def test_a_huge_reach_gives_every_district_the_same_all_or_nothing_share():
    r = run_model(small("access.reach_km=1e6"), seed=SEED)
    rows = np.asarray(r.timeseries["access_affordable_share"]).reshape(-1, 2)
    assert set(rows.ravel()) <= {0.0, 1.0}
    assert (rows[:, 0] == rows[:, 1]).all()


def test_measuring_access_changes_no_other_result():
    """Catches: the measure drawing from another stream or changing the world it reads."""
    near = run_model(small("access.reach_km=0.5", fixed_supply=False), seed=SEED)
    far = run_model(small("access.reach_km=50", "access.short_waitlist=9", "access.sample_points=7",
                          fixed_supply=False), seed=SEED)
    assert (near.summary["access_reach_km"], far.summary["access_reach_km"]) == (0.5, 50.0)
    for k, v in near.summary.items():
        if k not in ("access_affordable_share", "access_reach_km"):
            assert far.summary[k] == v, k
