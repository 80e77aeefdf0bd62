"""The provider mix (issue 13): places by type and the private share at the end, by year, by channel.

``places_by_type_end_<type>`` and ``private_share_institutions`` are read from each open
institution's ``type`` and ``sector`` when the run ends (a provider converted to 普惠 mid-run
counts under its new type); ``kpis_by_year`` has the same count at each year's end and the
capacity programme's orders per channel in the year they were made.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.config.load import load
from sim.model.capacity import programme_channels
from sim.model.summary import provider_mix_kpis
from sim.model.world import World
from tests.model.test_rules import world

# The small world of tests.model.test_rules, per district: 1 affordable (70 places), 1
# kindergarten (40, public sector), 2 market (65 each), 3 home-based points (5 each).
HAND_COUNT = {"public": 0, "affordable": 140, "market": 260, "kindergarten": 80, "home": 30,
              "community": 0, "employer": 0, "hub": 0}


def _inst(w: World, name: str):
    return next(i for i in w.institutions if i.name == name)


def test_places_by_type_end_is_the_hand_count_of_open_institutions_places_by_type():
    w = world()
    k = provider_mix_kpis(w)
    assert {t: k[f"places_by_type_end_{t}"] for t in w.params.city.types} == HAND_COUNT


def test_places_by_type_end_reads_the_type_at_the_end_and_leaves_closed_institutions_out():
    w = world()
    converted = _inst(w, "D0-market-1")
    converted.type, converted.affordable = "affordable", True  # a conversion to 普惠 mid-run
    _inst(w, "D1-home-1").open = False
    k = provider_mix_kpis(w)
    assert k["places_by_type_end_affordable"] == 140 + 65
    assert k["places_by_type_end_market"] == 260 - 65
    assert k["places_by_type_end_home"] == 30 - 5
    assert k["private_share_institutions"] == pytest.approx(11 / 13)  # 13 open, 2 kindergartens public


def test_private_share_counts_sectors_not_types():
    w = world()
    assert provider_mix_kpis(w)["private_share_institutions"] == pytest.approx(12 / 14)
    _inst(w, "D0-kindergarten-1").type = "affordable"  # a public-sector provider of a private type
    assert provider_mix_kpis(w)["private_share_institutions"] == pytest.approx(12 / 14)
    _inst(w, "D0-market-2").sector = "public"  # a market type run by the public sector
    assert provider_mix_kpis(w)["private_share_institutions"] == pytest.approx(11 / 14)


def test_the_channels_are_the_configured_ones_over_the_timeline_and_fixed_per_configuration():
    target = load(["capacity=target"])
    assert programme_channels(target.capacity, 2024) == ("purchase", "community", "employer", "public",
                                                         "kindergarten", "hub")
    later = load(["capacity=status_quo", "capacity.convert_kindergarten=false",
                  'capacity.timeline=[{from: "2026-01", build_type: employer, convert_kindergarten: true}]'])
    assert programme_channels(later.capacity, 2024) == ("public", "employer", "kindergarten")


@pytest.fixture(scope="module")
def target_run():
    """The demo city under capacity=target for 3 years, with every programme order recorded."""
    w = World(load(["capacity=target", "run.horizon_months=36"]), 7)
    orders: list[tuple[float, str, int]] = []
    order = w.providers.order

    def spy(d, tname, size, lead, **kw):
        if kw.get("programme"):
            orders.append((w.env.now, tname, sum(size.values())))
        order(d, tname, size, lead, **kw)

    w.providers.order = spy  # type: ignore[method-assign]
    buy = w.gov.purchase

    def bought(inst, per_place):  # the purchase channel: existing places, no order
        orders.append((w.env.now, "purchase", inst.licensed))
        buy(inst, per_place)

    w.gov.purchase = bought  # type: ignore[method-assign]
    return w, w.run(), orders


def test_programme_places_per_channel_are_the_orders_made_in_each_year(target_run):
    w, res, orders = target_run
    y = pd.DataFrame(res.by_year).set_index("year")
    expected: dict[tuple[int, str], int] = {}
    for t, tname, places in orders:
        key = (2024 + math.floor(t / 12.0), tname)
        expected[key] = expected.get(key, 0) + places
    assert len({year for year, _ in expected}) >= 2, "orders in more than one year: the years are tested"
    for year in y.index:
        for c in programme_channels(w.params.capacity, 2024):
            assert y.loc[year, f"programme_places_{c}"] == expected.get((year, c), 0), (year, c)
        new = sum(v for (yr, c), v in expected.items() if yr == year and c != "purchase")
        assert y.loc[year, "programme_places"] == new  # new places: purchases add none


def test_places_end_by_type_of_the_last_year_is_the_end_of_run_kpi(target_run):
    w, res, _ = target_run
    y = pd.DataFrame(res.by_year)
    for t in w.params.city.types:
        assert y[f"places_end_{t}"].iloc[-1] == res.summary[f"places_by_type_end_{t}"], t
    assert (sum(y[f"places_end_{t}"] for t in w.params.city.types) == y["places_end"]).all()
    assert res.summary["places_by_type_end_community"] > 0  # the programme's channels opened places
