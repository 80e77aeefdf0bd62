"""The rules of :mod:`sim.model.conversion` as table tests on a small world that is built and
whose classes are opened, not run (nothing is admitted but what a test places).

The mutation run of session 9 (``python tools/mutate.py conversion``: 150 mutants, 46 survived
against test_conversion.py alone) found what those tests leave open: which occupancy a
converting provider expects (its own district's providers of the type, else the city's, else
none), every term of the 普惠 outlook (capped fee, operating subsidy, per-place payments, its
own recent children against the type's occupancy, the births outlook), the district's fee
index in the new list fee, the trace of a conversion, and the window of ``count``.
"""

from __future__ import annotations

import pytest

from sim.model.world import World
from tests.model.opened import enrol, named, opened_world
from tests.scenarios import small

CITY = ("city.institutions=[{name:A0,district:D0,type:affordable,places:{older:40}},"
        "{name:A1,district:D1,type:affordable,places:{older:10}},"
        "{name:P0,district:D1,type:public,places:{older:1}},"
        "{name:P1,district:D0,type:public,places:{older:3}},"
        "{name:M0,district:D0,type:market,places:{older:1}},"
        "{name:M1,district:D0,type:market,places:{older:20}}]",
        "city.districts.0.fee_index=1.5", "staff.binding=false")


def world(*extra: str) -> World:
    return opened_world(small(*CITY, "economics.enabled=true", "economics.entry=false", *extra), 3)


def test_the_expected_occupancy_is_the_districts_for_the_type_else_the_citys_else_none():
    w = world()
    for name, n in (("A0", 10), ("A1", 5), ("P0", 1), ("M0", 1)):
        enrol(w, name, n)
    occ = w.providers.conversion.affordable_occupancy
    d0, d1 = w.districts
    assert occ(d0, "affordable") == pytest.approx(10 / 40)
    assert occ(d1, "affordable") == pytest.approx(5 / 10)
    assert occ(d1, "public") == pytest.approx(1 / 1)  # one licensed place of its own is enough
    assert occ(d0, "public") == pytest.approx(0 / 3)
    assert occ(d1, "market") == pytest.approx((1 + 0) / (1 + 20))  # none in D1: the city's
    assert occ(d0, "community") is None  # none anywhere


def test_a_type_open_in_one_district_with_one_place_gives_its_occupancy_to_the_others():
    w = world("city.institutions=[{name:A0,district:D0,type:affordable,places:{older:1}},"
              "{name:M1,district:D1,type:market,places:{older:20}}]")
    enrol(w, "A0", 1)
    assert w.providers.conversion.affordable_occupancy(w.districts[1], "affordable") == pytest.approx(1.0)


@pytest.mark.parametrize("cap, history, per_place", [
    ("policy.fee_cap=2000", [(30.0, 0.0)], 0.0),  # one month of history: its own 30 children count
    ("policy.fee_cap=2000", [(30.0, 0.0), (30.0, 0.0)], 150.0),  # two months: 60 / 2 = 30 children
    ("policy.fee_cap=0.1 policy.fee_cap_basis=income_share", [], 80.0),  # no history: the type's occupancy
])
def test_the_affordable_outlook_counts_every_term(cap, history, per_place):
    w = world(*cap.split(), "+policy.operating_subsidy_by_type.affordable=250",
              "policy.operating_subsidy_per_child_month=40", "policy.place_subsidy_per_year=1200",
              "city.births_growth_per_year=-0.2", "run.burnin_months=0")
    enrol(w, "A0", 10)
    m1 = named(w, "M1")
    for months in history:
        m1.acct.remember(*months, 12)
    prov = w.providers
    outlook = prov.births_outlook()
    assert outlook < 0.99  # births fall: next year's children are fewer
    t = w.params.city.types["affordable"]
    d = m1.district
    limit = 0.1 * d.spec.median_income if "income_share" in cap else 2000.0
    assert limit < t.fee_per_month * 1.5  # the cap binds on the type's fee in the district
    fee = limit
    own = 30.0 if history else 0.0
    children = max(own, 10 / 40 * 20) * outlook
    assert (own > 10 / 40 * 20) == bool(history)  # both branches of the max are met
    places = (1200.0 / 12 + per_place) * 20
    expected = children * (fee + 250.0) + places - prov.costs(m1, "affordable").cost(children)
    _, convert = prov.conversion.terms(m1, "affordable", per_place)
    assert convert == pytest.approx(expected)


def test_a_provider_asks_for_its_own_terms_as_the_type_it_would_become(monkeypatch):
    w = world()
    asked = []

    def terms(inst_, tname, per_place=0.0):
        asked.append((inst_.name, tname))
        return 0.0, -1.0

    monkeypatch.setattr(w.providers.conversion, "terms", terms)
    for name in ("A0", "P0", "M1"):
        w.providers.conversion.consider(named(w, name))
    assert asked == [("M1", "affordable")]


def test_a_conversion_sets_the_districts_list_fee_is_traced_and_counted_from_its_time():
    w = world()
    seen = []
    w.trace.subscribe(seen.append)
    m1 = named(w, "M1")
    conv = w.providers.conversion
    now = w.env.now
    conv.convert(m1, "affordable")
    t = w.params.city.types["affordable"]
    assert m1.district.spec.fee_index == 1.5
    assert m1.list_fee == pytest.approx(t.fee_per_month * 1.5)
    assert [(e.time, e.kind, e.subject, e.data) for e in seen] == [(now, "convert", m1, "affordable")]
    assert conv.count(now) == 1  # at its own time
    assert conv.count(now + 0.5) == 0 and conv.count(now + 1.0) == 0  # not before a later time
    assert conv.count(now - 1.0, purchased_only=True) == 0  # its own choice, not a purchase


def test_a_public_provider_never_converts_even_when_its_type_is_listed(monkeypatch):
    """Only private providers convert: a public type that is not 普惠 may be listed in
    ``convert_from`` (validation allows it), and its providers still never convert."""
    w = world("city.types.public.affordable=false", "economics.convert_from=[market,public]")
    monkeypatch.setattr(w.providers.conversion, "terms", lambda inst_, tname, per_place=0.0: (-1e9, 1e9))
    for name in ("P0", "M1"):
        w.providers.conversion.consider(named(w, name))
    assert named(w, "P0").type == "public" and named(w, "M1").type == "affordable"
