"""The comprehensive childcare service centre, the "1" of "1+N" (:mod:`sim.model.hub`).

The rules: with ``capacity.hub`` on, a planning round orders one institution of type ``hub``
when the city has none open and none on order (in the district with most children under 3,
ties to the first), through the providers' order with ``programme=True`` and channel ``hub``
in the programme's places built, committing ``hub_grant_per_place`` per place (refused: tried
again at a later round); each month every open hub's services cost ``hub_services_per_year /
12``, paid within the budget as cost kind ``hub`` and charged to its district, and deliver
training places and guidance visits at the share paid; a closed hub costs and delivers
nothing. Each test names the bug it would catch.
"""

from __future__ import annotations

import pytest

from sim.model.world import World
from tests.conftest import load_config
from tests.model.test_rules import SEED, world
from tests.scenarios import small

HUB_PLACES = 90  # city.types.hub: 2 infant (10), 2 toddler (15), 2 older (20) classes
SERVICES = ("capacity.hub_services_per_year=1200", "capacity.hub_training_places_per_year=120",
            "capacity.hub_guidance_visits_per_year=24")
D = "{{name:D{i},population:100000,births_per_year:800,places_per_1000:3.0,x_km:{x},y_km:0}}"
CITY = (f"city.districts=[{D.format(i=0, x=0)},{D.format(i=1, x=4)}]",
        "city.institutions=[{name:M0,district:D0,type:market,places:{older:130}},"
        "{name:M1,district:D1,type:market,places:{older:130}}]")
WITH_HUB = (CITY[0], "city.institutions=[{name:M0,district:D0,type:market,places:{older:130}},"
                     "{name:H1,district:D1,type:hub,places:{older:40}}]")


def hub_world(*extra: str, kids: tuple[int, int] = (200, 300), city: tuple[str, ...] = CITY):
    """A world built but not run with ``kids`` under 3 per district now; returns it and its orders."""
    w = world(*city, "capacity.hub=true", "capacity.build_lead_months=2", *extra)
    for c in w.classes:
        w.places.open_class(c, with_staff=False)
    for d, n in zip(w.districts, kids, strict=True):
        d.add_births(int(w.env.now) - 1, n)
    orders: list[tuple[int, str, int, float, dict]] = []
    order = w.providers.order

    def spy(d, tname, size, lead, **kw):
        orders.append((d.idx, tname, sum(size.values()), lead, kw))
        order(d, tname, size, lead, **kw)

    w.providers.order = spy  # type: ignore[method-assign]
    return w, orders


def hubs(w):
    return [i for i in w.institutions if i.open and i.type == "hub"]


# -- opening the hub -----------------------------------------------------------------------------
def test_one_hub_is_ordered_in_the_district_with_most_children_as_a_programme_place():
    """Catches: a hub in the wrong district, not counted as programme places, or without its grant."""
    w, orders = hub_world(kids=(200, 300))
    w.gov.hub.plan(True)
    assert orders == [(1, "hub", HUB_PLACES, 2.0, {"programme": True})]
    assert w.gov.capacity.built == {"hub": HUB_PLACES}
    assert w.providers.pipeline[1] == HUB_PLACES  # counted by the capacity plan as ordered places
    assert w.gov.cost["construction"] == HUB_PLACES * 10000.0


def test_a_tie_in_children_puts_the_hub_in_the_first_district():
    w, orders = hub_world(kids=(300, 300))
    w.gov.hub.plan(True)
    assert [o[0] for o in orders] == [0]


def test_rounds_after_the_first_order_no_second_hub_while_one_is_on_order_or_open():
    """Catches: a hub ordered every planning round (the check of the pipeline or of open hubs lost)."""
    w, orders = hub_world()
    t0 = w.env.now
    w.gov.hub.plan(True)
    w.gov.hub.plan(True)  # on order
    w.env.run(until=t0 + 2.5)
    assert len(hubs(w)) == 1 and hubs(w)[0].licensed == HUB_PLACES
    w.gov.hub.plan(True)  # open
    w.env.run(until=t0 + 6.0)
    w.gov.hub.plan(True)
    assert len(orders) == 1 and w.gov.hub.ordered == 1 and len(hubs(w)) == 1


def test_a_city_that_has_a_hub_gets_no_other():
    w, orders = hub_world(city=WITH_HUB)
    w.gov.hub.plan(True)
    assert orders == [] and w.gov.capacity.built == {}


def test_without_the_lever_no_hub_is_ordered():
    w, orders = hub_world("capacity.hub=false")
    w.gov.hub.plan(True)
    assert orders == [] and w.gov.cost["construction"] == 0.0


def test_a_hub_closed_is_replaced_at_the_next_round():
    """One hub per city: the rule checks for an open hub, not for one ever ordered."""
    w, orders = hub_world()
    t0 = w.env.now
    w.gov.hub.plan(True)
    w.env.run(until=t0 + 3.0)
    w.providers.close(hubs(w))
    w.gov.hub.plan(True)
    assert len(orders) == 2


def test_a_refused_grant_orders_nothing_and_the_next_round_tries_again():
    """Catches: a hub ordered without its grant, or a refusal that gives up for the run."""
    w, orders = hub_world("policy.budget_per_year=100000")
    w.gov.hub.plan(True)
    assert orders == [] and w.gov.refused == HUB_PLACES * 10000.0 and w.gov.exhausted
    w.gov.new_year()
    w.gov.remaining = 1e7
    w.gov.hub.plan(True)
    assert len(orders) == 1 and w.gov.remaining == pytest.approx(1e7 - HUB_PLACES * 10000.0)


# -- its services ---------------------------------------------------------------------------------
def month_with_hub(*extra: str):
    """A city whose hub (in district 1) is open: the world and the end of its first month."""
    w = world(*WITH_HUB, *SERVICES, *extra)
    for c in w.classes:
        w.places.open_class(c, with_staff=False)
    t = w.env.now + 1.0
    w.env.run(until=t)
    return w, t


def test_an_open_hubs_services_are_paid_each_month_as_cost_kind_hub_in_its_district():
    """Catches: the services not booked, booked yearly instead of monthly, or in the wrong district."""
    w, t = month_with_hub()
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.cost["hub"] == pytest.approx(100.0)
    assert w.gov.month_cost == pytest.approx([0.0, 100.0])
    assert w.gov.hub.training_places == pytest.approx(10.0)
    assert w.gov.hub.guidance_visits == pytest.approx(2.0)
    w.env.run(until=t + 1.0)
    w.gov.close_month(t + 1.0, True, w.institutions)
    assert w.gov.cost["hub"] == pytest.approx(200.0)
    assert w.gov.cost_by_year[w.gov.year_of(t - 1.0)]["hub"] == pytest.approx(200.0)


def test_a_closed_hub_costs_and_delivers_nothing():
    """Catches: services paid for a hub that closed."""
    w, t = month_with_hub()
    w.providers.close(hubs(w))
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.cost["hub"] == 0.0 and w.gov.hub.training_places == 0.0


def test_services_are_paid_within_the_budget_and_deliver_at_the_share_paid():
    """Budget 50 against 100 due: half paid, half refused, half the training and visits."""
    w, t = month_with_hub("policy.budget_per_year=50")
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.cost["hub"] == pytest.approx(50.0) and w.gov.refused == pytest.approx(50.0)
    assert w.gov.hub.training_places == pytest.approx(5.0) and w.gov.hub.guidance_visits == pytest.approx(1.0)


def test_services_outside_the_window_are_not_counted():
    w, t = month_with_hub()
    w.gov.close_month(t, False, w.institutions)
    assert w.gov.cost["hub"] == 0.0 and w.gov.hub.training_places == 0.0
    assert w.gov.month_cost == pytest.approx([0.0, 100.0])


# -- a whole run ----------------------------------------------------------------------------------
def test_a_run_with_the_lever_opens_one_hub_and_reports_its_places_and_cost():
    """Ordered at the first planning round (month 0), open from month 2: 34 months of services."""
    p = load_config(small(*CITY, *SERVICES, "capacity.hub=true", "capacity.build_lead_months=2"))
    s = World(p, SEED).run().summary
    assert s["hub_places"] == HUB_PLACES and s["hubs_ordered"] == 1
    assert s["programme_places_hub"] == HUB_PLACES
    assert s["public_cost_hub"] == pytest.approx(34 * 100.0)
    assert s["hub_training_places"] == pytest.approx(34 * 10.0)
    assert s["hub_public_cost"] >= HUB_PLACES * 10000.0 + s["public_cost_hub"]
    assert s["public_cost_total"] == pytest.approx(sum(s[f"public_cost_{k}"] for k in (
        "family_subsidy", "voucher", "operating", "construction", "public_providers", "hub")))


def test_a_run_without_the_lever_has_no_hub_and_no_hub_cost():
    s = World(load_config(small(*CITY, *SERVICES)), SEED).run().summary
    assert s["hub_places"] == 0 and s["public_cost_hub"] == 0.0 and s["hubs_ordered"] == 0


def test_a_capacity_timeline_can_turn_the_hub_on_at_a_date():
    p = load_config(small(*CITY, *SERVICES, "capacity.build_lead_months=0",
                          "capacity.timeline=[{from:'2025-01',hub:true}]"))
    s = World(p, SEED).run().summary
    assert s["hubs_ordered"] == 1 and s["public_cost_hub"] == pytest.approx(24 * 100.0)
