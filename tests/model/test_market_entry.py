"""Market entry that looks around (issue 13): vacancies of every provider within reach, the
births outlook, the fee it would charge, and the size of the market (families waiting)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.load import load
from sim.model.market import Market
from sim.model.world import World
from tests.scenarios import small

SEED = 11


class Stock:
    """Places per district as the entry check reads them."""

    def __init__(self, occupied: list[float], licensed: list[int]) -> None:
        self.occupied, self.licensed = occupied, licensed

    def by_district_exact(self, q: str) -> list[float]:
        assert q == "occupied"
        return self.occupied

    def by_district(self, q: str) -> list[int]:
        assert q == "licensed"
        return self.licensed


def market(w: World, occupied: list[float], licensed: list[int], waiting: list[float],
           km: float = 4.0) -> Market:
    for lv, n in zip(w.recorder.waiting, waiting, strict=True):
        lv.value = n
    dist = np.array([[0.0, km], [km, 0.0]])
    return Market(w.params, w.districts, w.providers, w.recorder, Stock(occupied, licensed), dist)  # type: ignore[arg-type]


def world(*extra: str) -> World:
    return World(load(small("economics.max_entries_per_district_year=1", *extra)), SEED)


def test_full_places_and_families_waiting_bring_an_entrant():
    w = world()
    m = market(w, occupied=[300.0, 300.0], licensed=[300, 300], waiting=[200.0, 200.0])
    m.enter()
    assert w.providers.ordered == 2 and len(m.entries_log) == 2


def test_vacancies_in_a_neighbouring_district_within_reach_keep_an_entrant_out():
    w = world()
    m = market(w, occupied=[300.0, 0.0], licensed=[300, 3000], waiting=[200.0, 0.0], km=4.0)
    m.enter()
    assert w.providers.ordered == 0
    far = world()
    m = market(far, occupied=[300.0, 0.0], licensed=[300, 3000], waiting=[200.0, 0.0], km=40.0)
    m.enter()
    assert far.providers.ordered == 1 and m.entries_log[0].district == 0


def test_no_entrant_where_no_family_waits_within_reach():
    w = world()
    m = market(w, occupied=[300.0, 300.0], licensed=[300, 300], waiting=[0.0, 0.0])
    m.enter()
    assert w.providers.ordered == 0


def test_entrants_add_no_more_places_than_the_families_waiting_allow():
    w = world("economics.max_entries_per_district_year=5", "economics.entry_max_waiting_share=1.0")
    plain = Market(w.params, w.districts, w.providers, w.recorder)
    places, _ = plain.entry_economics(w.districts[0], "market")
    m = market(w, occupied=[300.0, 300.0], licensed=[300, 300], waiting=[places * 1.5, 0.0], km=40.0)
    m.enter()
    assert w.providers.ordered == 1  # a second entrant would add more places than families wait


def test_the_entrant_breaks_even_on_the_fee_it_would_charge():
    w = world()
    d = w.districts[0]
    m = Market(w.params, w.districts, w.providers, w.recorder)
    _, need = m.entry_economics(d, "market")
    for inst in w.institutions:
        if inst.type == "market" and inst.district is d:
            inst.fee *= 0.7  # the district's market fees have fallen
    _, need_cheap = m.entry_economics(d, "market")
    assert need_cheap > need


def test_an_entrant_that_closes_within_a_year_does_not_survive_it():
    w = world()
    prov = w.providers
    prov.entrant_opened = {1: 0.0, 2: 0.0, 3: 110.0}  # the third is too young to count
    prov.closed_at = {1: 6.0}
    assert prov.entrants_survival(12.0, 120.0) == pytest.approx(0.5)
    assert prov.entrants_survival(36.0, 120.0) == pytest.approx(0.5)
    prov.closed_at = {1: 6.0, 2: 30.0}
    assert prov.entrants_survival(12.0, 120.0) == pytest.approx(0.5)
    assert prov.entrants_survival(36.0, 120.0) == 0.0


def test_entry_is_marked_high_need_where_the_waitlist_is_above_the_median():
    w = world()
    m = market(w, occupied=[0.0, 0.0], licensed=[0, 0], waiting=[50.0, 5.0])
    assert m.high_need([50.0, 5.0]) == [True, False]
