"""Operating subsidies by provider type and construction grants for private 普惠 entrants.

The rules (:mod:`sim.model.government`, :mod:`sim.model.market`): an affordable provider is
paid, per enrolled child-month, its type's rate of ``policy.operating_subsidy_by_type`` or,
when its type is not listed, ``policy.operating_subsidy_per_child_month`` (non-affordable
providers nothing, whatever is listed); the month's operating subsidies are one payment
within the budget, and every provider gets its rate times the one share paid; the rates can
change on a date (``policy.timeline``). A market entrant of an affordable type gets
``policy.entry_grant_per_place`` per place, committed when it decides (construction cost; the
budget may refuse it, and it enters without) and added to its starting cash when it opens.
Shanxi's rates (500 for centres, 300 for kindergarten classes; calibration/china.md s.4) are
the preset ``policy=operating_subsidy_by_type``. Each test names the bug it would catch.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.errors import ConfigError
from sim.config.load import load
from sim.model.city import type_size
from sim.model.market import Market
from tests.model.test_government_rules import at, inst_of, kinds, traced
from tests.model.test_market_entry import Stock
from tests.model.test_rules import family, world

SHANXI = ("policy=operating_subsidy_by_type", "economics.enabled=true")


def month_of_care(*extra: str):
    """Two children at an affordable centre's class and one at a kindergarten class (district 0),
    one at a market class (district 1), for the first month; returns the world and the month's end."""
    w = world(*extra)
    t0 = w.env.now
    aff, kg = inst_of(w, "affordable").classes[0], inst_of(w, "kindergarten").classes[0]
    market = inst_of(w, "market", 1).classes[0]
    for c, fids in ((aff, (1, 2)), (kg, (3,)), (market, (4,))):
        w.places.open_class(c, with_staff=False)
        for fid in fids:
            w.alloc.admit(family(w, fid), c)
    at(w, t0 + 1)
    return w, t0 + 1


def statement(w, tname, d=0):
    """Book the month of the first ``tname`` provider in district ``d``; return its statement."""
    events = traced(w)
    w.providers.book(inst_of(w, tname, d), True)
    return kinds(events, "statement")[0][1][0]


def test_the_preset_pays_shanxis_rates_500_to_a_centre_and_300_to_a_kindergarten_class():
    """Catches: one rate for every type (the by-type mapping ignored) in payments or statements."""
    w, t = month_of_care(*SHANXI)
    events = traced(w)
    w.gov.close_month(t, True, w.institutions)
    assert kinds(events, "pay") == [("operating", (2 * 500.0 + 300.0, 0.0))]
    assert w.gov.cost["operating"] == pytest.approx(1300.0)
    assert w.gov.provider_terms(inst_of(w, "affordable")) == (1.0, 500.0, 0.0)
    assert w.gov.provider_terms(inst_of(w, "kindergarten")) == (1.0, 300.0, 0.0)
    assert w.gov.provider_terms(inst_of(w, "market", 1)) == (1.0, 0.0, 0.0)
    assert statement(w, "affordable").operating_subsidy == pytest.approx(1000.0)
    assert statement(w, "kindergarten").operating_subsidy == pytest.approx(300.0)
    assert statement(w, "market", 1).operating_subsidy == 0.0


def test_the_budget_share_applies_to_every_types_rate():
    """Budget 650 of 1,300 due: half of each rate. Catches: a share applied to one type only."""
    w, t = month_of_care(*SHANXI, "policy.budget_per_year=650")
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.cost["operating"] == pytest.approx(650.0) and w.gov.refused == pytest.approx(650.0)
    assert w.gov.provider_terms(inst_of(w, "affordable"))[1] == pytest.approx(250.0)
    assert w.gov.provider_terms(inst_of(w, "kindergarten"))[1] == pytest.approx(150.0)
    assert statement(w, "kindergarten").operating_subsidy == pytest.approx(150.0)


def test_the_operating_rate_is_the_types_rate_or_the_default_before_the_budget_share():
    w, t = month_of_care(*SHANXI, "policy.budget_per_year=650")
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.operating_rate("kindergarten") == 300.0
    assert w.gov.operating_rate("affordable") == 500.0
    assert w.gov.operating_rate("market") == 500.0  # what it would get as an affordable provider


def test_a_type_listed_alone_is_paid_even_when_the_default_rate_is_zero():
    """Catches: the scheme skipped because ``operating_subsidy_per_child_month`` is 0."""
    w, t = month_of_care("+policy.operating_subsidy_by_type.kindergarten=300")
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.cost["operating"] == pytest.approx(300.0)
    assert w.gov.provider_terms(inst_of(w, "affordable"))[1] == 0.0


def test_a_non_affordable_type_listed_is_still_not_paid():
    w, t = month_of_care("++policy.operating_subsidy_by_type={market:400,kindergarten:300}")
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.cost["operating"] == pytest.approx(300.0)
    assert w.gov.provider_terms(inst_of(w, "market", 1))[1] == 0.0


def test_without_the_mapping_one_rate_is_paid_to_every_affordable_type():
    w, t = month_of_care("policy.operating_subsidy_per_child_month=200")
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.cost["operating"] == pytest.approx(600.0)
    assert w.gov.provider_terms(inst_of(w, "kindergarten"))[1] == 200.0


def test_a_timeline_entry_changes_the_rates_by_type_from_its_month():
    """Catches: a mapping lever refused by the timeline, or not handed to the government."""
    w = world(*SHANXI, "policy.timeline=[{from:'2025-01',operating_subsidy_by_type:{kindergarten:100}}]")
    assert w.gov.operating_rate("kindergarten") == 300.0
    w.timeline.start_month(12)
    assert w.gov.operating_rate("kindergarten") == 100.0 and w.gov.operating_rate("public") == 500.0
    assert w.timeline.changes[0].levers == {"operating_subsidy_by_type": {"kindergarten": 100.0}}


@pytest.mark.parametrize("override, key", [
    ("+policy.operating_subsidy_by_type.spaceship=300", "policy.operating_subsidy_by_type.spaceship"),
    ("++policy.operating_subsidy_by_type={kindergarten:-1}", "policy.operating_subsidy_by_type.kindergarten"),
    ("policy.timeline=[{from:'2025-01',operating_subsidy_by_type:{kindergarten:-1}}]",
     "policy.timeline.0.operating_subsidy_by_type.kindergarten"),
    ("policy.timeline=[{from:'2025-01',operating_subsidy_by_type:{spaceship:1}}]",
     "policy.timeline.0.operating_subsidy_by_type.spaceship"),
    ("policy.timeline=[{from:'2025-01',operating_subsidy_by_type:300}]",
     "policy.timeline.0.operating_subsidy_by_type"),
    ("policy.timeline=[{from:'2025-01',operating_subsidy_by_type:{kindergarten:abc}}]",
     "policy.timeline.0.operating_subsidy_by_type.kindergarten"),
    ("policy.entry_grant_per_place=-1", "policy.entry_grant_per_place"),
])
def test_bad_rates_and_grants_are_refused_naming_their_key(override, key):
    with pytest.raises(ConfigError) as info:
        load([override])
    assert info.value.key == key and info.value.line().startswith(f"error: {key}: ")


# -- construction grants for private 普惠 entrants -------------------------------------------------
def entry_world(*extra: str):
    """Families wait in district 0 and places are full: the entry check orders one entrant there."""
    w = world("economics.enabled=true", "economics.max_entries_per_district_year=1", *extra)
    at(w, 0.0)  # in the observation window
    for lv, n in zip(w.recorder.waiting, (500.0, 0.0), strict=True):
        lv.value = n
    stock = Stock([300.0, 0.0], [300, 3000])
    m = Market(w.params, w.districts, w.providers, w.recorder, stock, np.array([[0.0, 40.0], [40.0, 0.0]]))  # type: ignore[arg-type]
    return w, m


def entrant(w):
    return next(i for i in w.institutions if i.idx in w.providers.entrant_opened)


def test_an_affordable_entrant_gets_the_grant_committed_and_in_its_starting_cash():
    """70 places x 1,000. Catches: a grant not committed, not booked as construction, or not in the cash."""
    w, m = entry_world("economics.entry_type=affordable", "policy.entry_grant_per_place=1000",
                       "economics.entry_lead_months=0")
    m.enter()
    places = sum(type_size(w.params.city, "affordable").values())
    assert w.gov.cost["construction"] == pytest.approx(places * 1000.0) and m.grants == places * 1000.0
    at(w, 0.5)
    inst = entrant(w)
    assert inst.acct.cash == pytest.approx(w.providers.cfg.initial_cash_months * w.providers.fixed_cost(inst)
                                           + places * 1000.0)
    assert inst.acct.check() is None  # the grant is starting cash, not revenue


def test_a_market_entrant_gets_no_grant():
    w, m = entry_world("economics.entry_type=market", "policy.entry_grant_per_place=1000")
    m.enter()
    assert w.providers.ordered == 1 and w.gov.cost["construction"] == 0.0 and m.grants == 0.0


def test_a_grant_the_budget_cannot_fund_is_refused_and_the_entrant_opens_without_it():
    """Catches: a grant paid beyond the budget (or the entrant's cash credited with a refused grant)."""
    w, m = entry_world("economics.entry_type=affordable", "policy.entry_grant_per_place=1000",
                       "policy.budget_per_year=1000", "economics.entry_lead_months=0")
    w.gov.remaining = 1000.0
    m.enter()
    places = sum(type_size(w.params.city, "affordable").values())
    assert w.gov.cost["construction"] == 0.0 and w.gov.refused == pytest.approx(places * 1000.0)
    assert w.gov.exhausted and w.providers.ordered == 1
    at(w, 0.5)
    inst = entrant(w)
    assert inst.acct.cash == pytest.approx(w.providers.cfg.initial_cash_months * w.providers.fixed_cost(inst))
