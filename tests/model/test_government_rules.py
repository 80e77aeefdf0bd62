"""The government's rules (:mod:`sim.model.government`), on small worlds built but not run.

The rules: schemes are paid each month from the year's remaining budget in the order family
subsidy, vouchers, operating subsidy per child-month, place subsidy per place-month (these two
to affordable providers only), each booked in the budget year of the month just ended; what
does not fit is refused and recorded and the budget is exhausted until January (no family
subsidy or voucher in new decisions, prices re-read); a construction commitment is funded
whole or refused, booked in the month it is made; public providers' deficits are covered
outside the budget; costs count only inside the observation window, but every payment counts
in its district's monthly public cost. Mutation testing found only the January reset and the
voucher scope tested at this level (the rest only through whole policy runs), so these tests
check each rule step by step, through the trace hook where a payment is seen.
"""

from __future__ import annotations

import pytest

from sim.model.government import every
from sim.model.world import Broadcast
from tests.model.test_rules import family, world


def traced(w):
    events = []
    w.trace.subscribe(events.append)
    return events


def kinds(events, kind):
    return [(e.subject, e.data) for e in events if e.kind == kind]


def at(w, t):
    """Move the clock of a world built but not run to time ``t`` (months from the start)."""
    w.env.run(until=t)
    assert w.env.now == t


def inst_of(w, tname, d=0):
    return next(i for i in w.institutions if i.type == tname and i.district.idx == d)


# -- the calendar ------------------------------------------------------------------------------
@pytest.mark.parametrize("m, period, due", [(0, 12, True), (12, 12, True), (24, 12, True), (6, 12, False),
                                            (13, 12, False), (6, 2.6, True), (5, 2.6, False),
                                            (7, 0.4, True), (7, 0, True)])
def test_a_periodic_decision_is_due_in_multiples_of_its_period_in_whole_months(m, period, due):
    """``every``: the period rounded to whole months, at least one month."""
    assert every(m, period) is due


def test_the_year_renews_the_budget_each_january_and_plans_capacity_every_planning_period():
    """The planning rounds of the warm-up are outside the observation window."""
    w = world("policy.budget_per_year=1000", "capacity.plan_every_months=3", "run.warmup_months=6")
    plans: list[tuple[int, bool]] = []

    class Capacity:
        warmup = 6.0

        def due(self, m: int) -> bool:  # the programme keeps its own calendar (CapacityProgramme.due)
            return m % 3 == 0

        def plan(self, in_window: bool) -> None:
            plans.append((m_now[0], in_window))

    w.gov.capacity = Capacity()  # type: ignore[assignment]
    started = Broadcast(w.env)
    w.env.process(w.gov.year(started))
    m_now = [0]
    renewed = []

    def tick():
        for m in range(26):
            m_now[0] = m
            w.gov.remaining = 0.0
            yield started.fire(m)
            yield w.env.timeout(1)
            if w.gov.remaining == 1000:
                renewed.append(m)

    w.env.run(until=w.env.process(tick()))
    assert renewed == [0, 12, 24]
    assert plans == [(m, m >= 6) for m in range(0, 26, 3)]


# -- what families and providers see ------------------------------------------------------------
def test_an_exhausted_budget_stops_new_family_subsidies_and_vouchers_until_january():
    w = world("policy.family_subsidy_per_year=1200", "policy.voucher_per_month=200")
    aff, market = inst_of(w, "affordable"), inst_of(w, "market")
    seen = (w.gov.family_subsidy_month(), w.gov.voucher_for(aff), w.gov.voucher_for(market))
    assert seen == (100.0, 200.0, 0.0)
    w.gov.exhaust()
    assert (w.gov.family_subsidy_month(), w.gov.voucher_for(aff)) == (0.0, 0.0)


@pytest.mark.parametrize("scope, market_voucher", [("affordable", 0.0), ("all", 200.0)])
def test_a_voucher_goes_to_affordable_providers_or_to_all_by_its_scope(scope, market_voucher):
    w = world("policy.voucher_per_month=200", f"policy.voucher_scope={scope}")
    assert w.gov.voucher_for(inst_of(w, "affordable")) == 200.0
    assert w.gov.voucher_for(inst_of(w, "kindergarten")) == 200.0
    assert w.gov.voucher_for(inst_of(w, "market")) == market_voucher
    assert world(f"policy.voucher_scope={scope}").gov.voucher_for(inst_of(w, "affordable")) == 0.0


@pytest.mark.parametrize("cap, basis, capped", [("1000", "yuan", 1000.0), ("0.1", "income_share", 870.0),
                                                ("5000", "yuan", 2200.0), ("null", "yuan", 2200.0)])
def test_a_fee_cap_lowers_only_affordable_fees_to_the_cap_in_yuan_or_of_median_income(cap, basis, capped):
    """Median income 8,700; list fees: affordable 2,200, market 3,200."""
    w = world(f"policy.fee_cap={cap}", f"policy.fee_cap_basis={basis}")
    assert inst_of(w, "affordable").fee == capped
    assert inst_of(w, "market").fee == 3200.0


def test_provider_terms_give_subsidies_only_to_affordable_providers_and_the_voucher_share_to_all():
    w = world()
    w.gov.shares = (0.5, 40.0, 7.0)
    assert w.gov.provider_terms(inst_of(w, "affordable")) == (0.5, 40.0, 7.0)
    assert w.gov.provider_terms(inst_of(w, "market")) == (0.5, 0.0, 0.0)


# -- January and exhaustion -----------------------------------------------------------------------
def test_january_re_reads_prices_only_when_the_budget_was_exhausted():
    w = world("policy.budget_per_year=1000")
    events = traced(w)
    w.gov.remaining = 10.0
    w.gov.new_year()
    assert w.gov.remaining == 1000.0 and not w.options.prices_stale
    w.gov.exhaust()
    assert w.gov.exhausted and w.options.prices_stale
    w.options.refresh_prices()
    w.gov.exhaust()  # already exhausted: nothing new to re-read or report
    assert not w.options.prices_stale
    assert [e.kind for e in events] == ["budget_exhausted"]
    w.gov.new_year()
    assert not w.gov.exhausted and w.options.prices_stale


# -- payments -------------------------------------------------------------------------------------
def test_a_payment_within_the_budget_is_paid_whole_and_booked_in_the_year_of_the_month_just_ended():
    w = world("policy.budget_per_year=1000")
    events = traced(w)
    at(w, 12.0)  # the start of January of the second year: the month just ended is December
    assert w.gov.pay("voucher", 400.0, True) == 1.0
    assert w.gov.remaining == 600.0 and not w.gov.exhausted
    assert w.gov.spent_by_year == {2024: 400.0}
    assert w.gov.cost["voucher"] == 400.0 and w.gov.refused == 0.0
    assert kinds(events, "pay") == [("voucher", (400.0, 0.0))]


def test_a_payment_beyond_the_budget_pays_what_is_left_refuses_the_rest_and_exhausts_it():
    w = world("policy.budget_per_year=1000")
    events = traced(w)
    at(w, 13.0)
    w.gov.remaining = 300.0
    assert w.gov.pay("operating", 400.0, True) == 0.75
    assert w.gov.remaining == 0.0 and w.gov.exhausted
    assert w.gov.spent_by_year == {2025: 300.0}
    assert w.gov.cost["operating"] == 300.0 and w.gov.refused == 100.0
    assert kinds(events, "pay") == [("operating", (300.0, 100.0))]
    assert w.gov.pay("operating", 50.0, True) == 0.0  # nothing left: all refused
    assert w.gov.refused == 150.0


def test_a_payment_outside_the_window_is_spent_but_not_counted_as_cost():
    w = world("policy.budget_per_year=1000")
    at(w, -6.0)
    assert w.gov.pay("voucher", 1200.0, False) == pytest.approx(1000 / 1200)
    assert w.gov.spent_by_year == {2023: 1000.0}
    assert w.gov.cost["voucher"] == 0.0 and w.gov.refused == 0.0 and w.gov.exhausted


def test_nothing_due_is_a_full_payment_that_books_nothing():
    w = world("policy.budget_per_year=1000")
    events = traced(w)
    assert w.gov.pay("voucher", 0.0, True) == 1.0
    assert w.gov.spent_by_year == {} and events == [] and w.gov.remaining == 1000.0


def test_without_a_budget_every_payment_and_commitment_is_made_whole():
    w = world()
    d = w.districts[1]
    assert w.gov.pay("voucher", 1e12, True) == 1.0
    assert w.gov.commit(1e12, True, d) is True
    assert w.gov.remaining is None and not w.gov.exhausted and w.gov.refused == 0.0
    assert w.gov.cost["construction"] == 1e12 and w.gov.month_cost == [0.0, 1e12]


def test_a_commitment_is_funded_whole_when_it_fits_and_booked_in_the_month_it_is_made():
    w = world("policy.budget_per_year=1000")
    events = traced(w)
    at(w, 12.0)
    d = w.districts[1]
    assert w.gov.commit(1000.0, True, d) is True  # exactly what is left fits
    assert w.gov.remaining == 0.0 and w.gov.spent_by_year == {2025: 1000.0}
    assert w.gov.cost["construction"] == 1000.0 and w.gov.month_cost == [0.0, 1000.0]
    assert kinds(events, "commit") == [(d, 1000.0)] and not w.gov.exhausted


@pytest.mark.parametrize("in_window, refused", [(True, 600.0), (False, 0.0)])
def test_a_commitment_beyond_the_budget_is_refused_whole_and_exhausts_it(in_window, refused):
    w = world("policy.budget_per_year=1000")
    events = traced(w)
    w.gov.remaining = 500.0
    assert w.gov.commit(600.0, in_window, w.districts[0]) is False
    assert w.gov.remaining == 500.0 and w.gov.exhausted and w.gov.refused == refused
    assert w.gov.spent_by_year == {} and w.gov.cost["construction"] == 0.0
    assert w.gov.month_cost == [0.0, 0.0] and kinds(events, "commit") == []


@pytest.mark.parametrize("in_window, cost", [(True, 250.0), (False, 0.0)])
def test_a_public_providers_deficit_is_covered_outside_the_budget_in_its_district(in_window, cost):
    w = world("policy.budget_per_year=100")
    w.gov.cover_deficit(inst_of(w, "kindergarten", 1), 250.0, in_window)
    assert w.gov.cost["public_providers"] == cost
    assert w.gov.month_cost == [0.0, 250.0] and w.gov.remaining == 100.0


# -- the month's payments -------------------------------------------------------------------------
SCHEMES = ("policy.family_subsidy_per_year=1200", "policy.voucher_per_month=200",
           "policy.operating_subsidy_per_child_month=50", "policy.place_subsidy_per_year=120")
# each district: an affordable provider (70 places) and a kindergarten (40): 110 affordable places


def month_of_care(*extra: str):
    """Two children at an affordable class in district 0 and one at a market class in district 1
    for the first month; 10 births a month in the year before in district 0, 4 in district 1."""
    w = world(*extra)
    t0 = w.env.now
    for d, n in ((0, 10), (1, 4)):
        for m in range(-12, 0):
            w.districts[d].add_births(int(t0) + m, n)
    aff, market = inst_of(w, "affordable").classes[0], inst_of(w, "market", 1).classes[0]
    for c, fids in ((aff, (1, 2)), (market, (3,))):
        w.places.open_class(c, with_staff=False)
        for fid in fids:
            w.alloc.admit(family(w, fid), c)
    at(w, t0 + 1)
    return w, t0 + 1


def test_a_month_pays_each_scheme_on_what_it_covers_and_charges_each_district():
    """Family subsidy 100 a child under 3 (120 and 48); vouchers 200 a child at an affordable
    provider; 50 per affordable child-month; 10 per affordable place-month (220)."""
    w, t = month_of_care(*SCHEMES)
    events = traced(w)
    w.gov.close_month(t, True, w.institutions)
    assert kinds(events, "pay") == [("family_subsidy", (16800.0, 0.0)), ("voucher", (400.0, 0.0)),
                                    ("operating", (100.0, 0.0)), ("operating", (2200.0, 0.0))]
    assert w.gov.cost["family_subsidy"] == 16800.0 and w.gov.cost["voucher"] == 400.0
    assert w.gov.cost["operating"] == 2300.0
    assert w.gov.shares == (1.0, 50.0, 10.0)
    assert w.gov.month_cost == pytest.approx([12000 + 400 + 100 + 1100, 4800 + 1100])
    # without economics no provider cycle books the month: its period is closed here
    assert all(i.acct.child_area == i.acct.place_area == 0.0 for i in w.institutions)


def test_a_month_beyond_the_budget_pays_the_schemes_in_order_at_the_shares_that_fit():
    """Budget 17,000: the family subsidy whole (16,800), vouchers at 200 / 400, nothing after."""
    w, t = month_of_care(*SCHEMES, "policy.budget_per_year=17000")
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.shares == (0.5, 0.0, 0.0)
    assert w.gov.refused == 200.0 + 100.0 + 2200.0 and w.gov.exhausted
    assert w.gov.month_cost == pytest.approx([12000 + 200, 4800])


def test_a_family_subsidy_short_of_budget_is_charged_to_districts_at_the_share_paid():
    w, t = month_of_care("policy.family_subsidy_per_year=1200", "policy.budget_per_year=8400")
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.month_cost == pytest.approx([6000.0, 2400.0])


def test_with_economics_the_month_leaves_the_books_open_for_the_providers_cycles():
    w, t = month_of_care(*SCHEMES, "economics.enabled=true")
    w.gov.close_month(t, True, w.institutions)
    acct = inst_of(w, "affordable").acct
    assert acct.child_area == pytest.approx(2.0) and acct.place_area == pytest.approx(70.0)
    assert acct.voucher_area == pytest.approx(400.0)


def test_a_closed_provider_is_neither_paid_nor_charged():
    w, t = month_of_care(*SCHEMES)
    inst_of(w, "affordable").open = False
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.cost["voucher"] == 0.0 and w.gov.cost["operating"] == 1500.0  # 10 x 150 places


@pytest.mark.parametrize("scheme, kind, paid", [
    ("economics.enabled=true", None, 0.0),
    ("policy.voucher_per_month=0.5", "voucher", 1.0),  # two children at half a yuan
    ("policy.operating_subsidy_per_child_month=0.5", "operating", 1.0),
    ("policy.place_subsidy_per_year=0.6", "operating", 220 * 0.05),  # 220 affordable place-months
])
def test_a_month_without_provider_schemes_or_books_leaves_the_providers_alone(scheme, kind, paid):
    """Only with some provider scheme (however small), or books to keep, are the accounts
    brought up to date; each scheme is paid, and a scheme at zero is a share of 1 owing nothing."""
    w, t = month_of_care()
    w.gov.close_month(t, True, w.institutions)
    acct = inst_of(w, "affordable").acct
    assert acct.child_area == 0.0 and acct.t == t - 1
    w, t = month_of_care(scheme)
    w.gov.close_month(t, True, w.institutions)
    acct = inst_of(w, "affordable").acct
    assert acct.t == t
    if kind is not None:
        assert w.gov.cost[kind] == pytest.approx(paid)
    terms = w.gov.provider_terms(inst_of(w, "affordable"))
    want = (1.0, 0.5 if "operating" in scheme else 0.0, 0.05 if "place" in scheme else 0.0)
    assert terms == pytest.approx(want)


# -- amounts add up ----------------------------------------------------------------------------
def test_payments_commitments_refusals_and_deficits_add_up_over_a_month():
    """Each amount adds to its total (a second one does not replace the first), however small:
    a payment of half a yuan is paid and booked, a refusal of half a yuan exhausts the budget."""
    w = world("policy.budget_per_year=1000")
    events = traced(w)
    at(w, 1.0)
    d0, d1 = w.districts
    kg = inst_of(w, "kindergarten", 1)
    assert w.gov.pay("voucher", 0.5, True) == 1.0
    assert w.gov.remaining == 999.5 and w.gov.cost["voucher"] == 0.5 and w.gov.spent_by_year == {2024: 0.5}
    assert w.gov.commit(100.0, True, d1) and w.gov.commit(200.0, True, d1)
    assert w.gov.cost["construction"] == 300.0 and w.gov.month_cost == [0.0, 300.0]
    w.gov.cover_deficit(kg, 10.0, True)
    w.gov.cover_deficit(kg, 20.0, True)
    assert w.gov.cost["public_providers"] == 30.0 and w.gov.month_cost == [0.0, 330.0]
    assert not w.gov.commit(800.0, True, d0) and not w.gov.commit(900.0, True, d0)
    assert w.gov.refused == 1700.0
    assert [e.subject for e in events if e.kind == "budget_exhausted"] == [w.gov]
    w.gov.new_year()
    w.gov.remaining = 10.0
    assert w.gov.pay("voucher", 10.5, True) == pytest.approx(10 / 10.5)
    assert w.gov.exhausted and w.gov.refused == 1700.5


def test_a_family_subsidy_of_under_one_yuan_a_month_is_still_paid():
    w, t = month_of_care("policy.family_subsidy_per_year=6")
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.cost["family_subsidy"] == pytest.approx(0.5 * 168)
    assert w.gov.month_cost == pytest.approx([60.0, 24.0])


def test_a_months_family_subsidy_adds_to_the_commitments_already_charged_to_its_district():
    """The capacity plan commits at a month's start; the month's payments come on top."""
    w, t = month_of_care("policy.family_subsidy_per_year=1200")
    w.gov.commit(5000.0, True, w.districts[0])
    w.gov.close_month(t, True, w.institutions)
    assert w.gov.month_cost == pytest.approx([5000.0 + 12000.0, 4800.0])


def test_a_voucher_of_under_one_yuan_is_still_given():
    w = world("policy.voucher_per_month=0.5")
    assert w.gov.voucher_for(inst_of(w, "affordable")) == 0.5
