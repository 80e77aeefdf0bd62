"""Conversion to 普惠 status and the capacity programme's purchase channel (issue 13).

The rules checked, on a small world of two districts started but barely run:
- a converting class's contribution to every per-type level moves to the new type, and the
  city's totals do not change (:meth:`Places.retype`);
- a private provider of a ``convert_from`` type converts each January exactly when the result
  it expects as a 普惠 provider beats its own outlook by more than the switching gain; 普惠,
  public and other types never convert;
- a conversion changes the type, the 普惠 flag and the fee for new contracts (the type's
  list fee in the district under the cap in force) but not the fee children already pay;
- the 普惠 outlook keeps the provider's premises at the relief share of their rent and takes
  the new type's overhead; after converting it pays that rent;
- a purchase buys the private provider with most vacancies near the neediest district (a
  market one converts, a 普惠 one keeps its type), signs a per-place contract that the
  government pays monthly (cost kind ``purchase``) and that reaches the provider's
  statement; a market provider that would do worse refuses and is not bought.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.load import load
from sim.model.capacity import PURCHASE, CapacityProgramme
from sim.model.world import World
from tests.scenarios import small

MARKET_CITY = ("city.institutions=[{name:M0,district:D0,type:market,places:{older:40}},"
               "{name:M1,district:D1,type:market,places:{older:20}},"
               "{name:A0,district:D0,type:affordable,places:{older:40}},"
               "{name:P0,district:D1,type:public,places:{older:40}}]",)


def started(*extra: str, until: float = 0.5) -> World:
    w = World(load(small(*MARKET_CITY, "economics.enabled=true", "economics.entry=false", *extra)), 7)
    w.start()
    w.env.run(until=until)
    return w


def inst(w: World, name: str):
    return next(i for i in w.institutions if i.name == name)


def level(w: World, q: str, tname: str) -> float:
    k = list(w.params.city.types).index(tname)
    n = w.places.n_types
    return sum(lv.value for lv in w.places.levels[q][k::n])


def test_retype_moves_every_level_to_the_new_type_and_keeps_the_city_totals():
    w = started()
    m0 = inst(w, "M0")
    before = {q: w.places.total(q) for q in ("enrolled", "licensed", "usable", "caregivers")}
    market_before, aff_before = level(w, "licensed", "market"), level(w, "licensed", "affordable")
    w.providers.conversion.convert(m0, "affordable")
    assert {q: w.places.total(q) for q in before} == before
    assert level(w, "licensed", "market") == market_before - 40
    assert level(w, "licensed", "affordable") == aff_before + 40
    # later changes of the class feed the new type's levels
    c = m0.classes[0]
    w.places.set_licensed(c, 20)
    assert level(w, "licensed", "affordable") == aff_before + 20
    assert level(w, "licensed", "market") == market_before - 40


def test_a_conversion_changes_type_and_fee_for_new_contracts_not_for_children_enrolled():
    w = started("policy.fee_cap=2000")
    m0 = inst(w, "M0")
    c = m0.classes[0]
    rate_before = c.fee_rate
    w.providers.conversion.convert(m0, "affordable")
    t = w.params.city.types["affordable"]
    assert m0.type == "affordable" and m0.affordable and m0.sector == "private"
    assert m0.list_fee == pytest.approx(t.fee_per_month * m0.district.spec.fee_index)
    assert m0.fee == pytest.approx(min(2000.0, m0.list_fee))  # the cap in force applies
    assert c.fee_rate == rate_before  # contracts made keep their fee
    assert w.providers.conversion.count(0.0) == 1 and w.providers.conversion.converted[0][2] is False


CASES = [(-100.0, 0.0, 0.0, True), (0.0, -100.0, 0.0, False), (-100.0, 0.0, 200.0, False),
         (-5.0, -5.0, 0.0, False)]


@pytest.mark.parametrize("stay, convert, gain, converts", CASES)
def test_a_private_provider_converts_when_its_affordable_outlook_beats_its_own(
        monkeypatch, stay, convert, gain, converts):
    w = started(f"economics.conversion_gain_per_month={gain}")
    monkeypatch.setattr(w.providers.conversion, "terms", lambda inst, tname, per_place=0.0: (stay, convert))
    for name in ("M0", "A0", "P0"):
        w.providers.conversion.consider(inst(w, name))
    assert inst(w, "M0").affordable is converts
    assert inst(w, "M0").type == ("affordable" if converts else "market")
    assert inst(w, "P0").type == "public" and w.providers.conversion.count(0.0) == int(converts)


def test_types_not_listed_in_convert_from_never_convert(monkeypatch):
    w = started("economics.convert_from=[home]")
    monkeypatch.setattr(w.providers.conversion, "terms", lambda inst, tname, per_place=0.0: (-1e9, 1e9))
    w.providers.conversion.consider(inst(w, "M0"))
    assert inst(w, "M0").type == "market"


def test_the_affordable_outlook_keeps_its_premises_at_the_relief_share_and_uses_the_types_occupancy():
    """Before any month is booked a provider expects nothing as it is (no history); as a 普惠
    provider it expects the 普惠 type's occupancy in its district times its places, at the type's
    fee, against its costs with the type's overhead and its own rent times the relief share."""
    w = started("economics.conversion_rent_share=0.8")
    m0, a0 = inst(w, "M0"), inst(w, "A0")
    prov = w.providers
    occ = prov.conversion.affordable_occupancy(m0.district, "affordable")
    assert occ == pytest.approx(sum(c.load / 2 for c in a0.classes) / a0.licensed)
    stay, convert = prov.conversion.terms(m0, "affordable")
    t = w.params.city.types["affordable"]
    fee = t.fee_per_month * m0.district.spec.fee_index
    costs = prov.costs(m0, "affordable")
    children = occ * 40 * prov.births_outlook()
    assert stay == 0.0
    assert convert == pytest.approx(children * fee - costs.cost(children))
    # its own premises at 80% of their rent, and the 普惠 type's overhead
    diff = prov.costs(m0).fixed - costs.fixed
    ci = m0.district.spec.fee_index if m0.district.spec.cost_index is None else m0.district.spec.cost_index
    overhead = (w.params.city.types["market"].overhead_per_month - t.overhead_per_month) * ci
    assert diff == pytest.approx(0.2 * prov.rent(m0) * 40 + overhead)
    # after converting it pays that rent
    rent = prov.rent(m0)
    prov.conversion.convert(m0, "affordable")
    assert prov.rent(m0) == pytest.approx(0.8 * rent) and m0.premises == "market"


def programme(w: World) -> CapacityProgramme:
    return CapacityProgramme(w.env, w.params, w.districts, w.gov, w.providers, w.places, w.recorder,
                             np.array([[0.0, 4.0], [4.0, 0.0]]))


def test_the_purchase_channel_buys_the_emptiest_private_provider_near_need_and_pays_its_contract(monkeypatch):
    w = started("++capacity.channels={purchase:0.5,public:0.5}", "capacity.purchase_per_place_month=300",
                "capacity.reach_km=10")
    prog = programme(w)
    m0, m1 = inst(w, "M0"), inst(w, "M1")
    monkeypatch.setattr(w.providers.conversion, "terms", lambda inst, tname, per_place=0.0: (0.0, per_place))
    a0 = inst(w, "A0")
    prog._build(100.0, True)  # two public builds of 40; purchases take turns with them
    # every private provider is bought (40 + 20 + 40 places), the market ones converted; the
    # one with most vacant places first (A0, already 普惠, is bought without converting)
    assert prog.built[PURCHASE] == 100 and set(w.gov.contracts) == {m0.idx, m1.idx, a0.idx}
    vacant = {i.idx: sum(c.usable - c.load / 2 for c in i.classes) for i in (m0, m1, a0)}
    first = next(iter(w.gov.contracts))
    assert vacant[first] == max(vacant.values())
    converted = [i for _, i, bought in w.providers.conversion.converted if bought]
    assert converted == [i for i in w.gov.contracts if i != a0.idx]
    assert a0.type == "affordable" and m0.type == m1.type == "affordable"
    assert w.gov.contracts[m0.idx] == 300.0
    # the contract reaches the statement and the public cost, month by month
    v, op, pl = w.gov.provider_terms(m0)
    assert pl == pytest.approx(300.0)
    w.env.run(until=1.0)
    cost_before = w.gov.cost["purchase"]
    w.gov.close_month(1.0, True, w.institutions)
    # the month's place-months of the three contracted providers (100 places, open all month)
    assert w.gov.cost["purchase"] - cost_before == pytest.approx(300.0 * 100 * 1.0)


def test_a_provider_that_would_do_worse_refuses_the_purchase_and_building_goes_on(monkeypatch):
    w = started("++capacity.channels={purchase:0.5,public:0.5}", "capacity.reach_km=10")
    prog = programme(w)
    monkeypatch.setattr(w.providers.conversion, "terms", lambda inst, tname, per_place=0.0: (10.0, 0.0))
    before = sum(w.providers.pipeline.values())
    prog._build(100.0, True)
    assert inst(w, "M0").type == inst(w, "M1").type == "market"  # both refused
    assert set(w.gov.contracts) == {inst(w, "A0").idx}  # a 普惠 provider accepts: its fee is capped already
    assert prog.built[PURCHASE] == 40
    assert sum(w.providers.pipeline.values()) > before  # the public channel still builds
