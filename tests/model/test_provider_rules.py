"""Providers' rules (:mod:`sim.model.provider`), on small worlds built but not run.

The rules: costs at the district's cost index (its fee index unless given); rent per licensed
place from the type or, when the type has none, from ``economics``; owner-operators' posts
(``city.types.<t>.owner_operators``, home points 1) draw no wage; books opened at month 0 (or
on opening) with ``initial_cash_months`` of the fixed cost of an empty, fully staffed provider;
each month a statement of the period's activity (vouchers at the share the government paid,
subsidies only to affordable providers) booked into cash, a public provider's deficit covered
by the government, a private provider's consecutive deficit months counted; each January a
market provider's fee follows last year's occupancy within its floor and ceiling. A private
provider (never a public one) with cash below ``economics.cash_floor`` closes: with
``closure_rule: outlook`` (the default) after ``close_after_deficit_months`` in deficit if
the monthly result it expects next year (its last ``outlook_months`` of children times the
births outlook, at their revenue per child, against the costs of the rooms it has in use) is a
loss, or whatever it expects and however long in deficit when its cash is below the floor less
``credit_months`` of that fixed cost; with ``closure_rule: deficits`` (the earlier rule) after
``close_after_deficit_months`` in deficit. A closure displaces its children (in order of
family id) and re-queues its waitlists; an ordered provider opens after its lead time,
unstaffed, with its books and its monthly cycle. Mutation testing found these tested only
through whole policy runs (the closure month in ``test_rules.py``), so these tests check each
one against a hand calculation, each condition of the closure rules at its boundary.
"""

from __future__ import annotations

import pytest

from sim.model.city import type_size
from sim.model.economics import Statement
from sim.model.family import CLOSED, REQUEUE
from tests.model.test_allocation_rules import _recording
from tests.model.test_rules import family, world

D0 = ("{name:D0,population:100000,births_per_year:600,places_per_1000:3.0,x_km:0,y_km:0,"
      "fee_index:1.2,cost_index:1.3}")
D1 = "{name:D1,population:100000,births_per_year:600,places_per_1000:3.0,x_km:4,y_km:0,fee_index:0.8}"
COSTS = (f"city.districts=[{D0},{D1}]", "economics.enabled=true", "staff.wage_per_month=6000",
         "economics.rent_per_place_month=500", "economics.per_child_cost_month=400",
         "economics.initial_cash_months=3")
# market in D0 (cost index 1.3): 13 caregivers (4 + 3 + 6), list rent 500, 65 places, overhead 10,000
MARKET_FIXED = (13 * 6000 + 500 * 65 + 10000) * 1.3
# affordable in D1 (no cost index: the fee index 0.8): 12 caregivers (6 + 6), its rent 200, 70 places
AFFORDABLE_FIXED = (12 * 6000 + 200 * 70 + 10000) * 0.8
# a home point in D0: 5 places at 1:5 need 1 caregiver, the owner (no wage); its rent 100, overhead 1,000
HOME_FIXED = (0 * 6000 + 100 * 5 + 1000) * 1.3
HOME_FIXED_NO_OWNER = (1 * 6000 + 100 * 5 + 1000) * 1.3


def econ_world(*extra: str):
    """The world as it starts to run: every class open, unstaffed."""
    w = world(*COSTS, *extra)
    for c in w.classes:
        w.places.open_class(c, with_staff=False)
    return w


def settle(w):
    """Run what is scheduled now (new processes start waiting)."""
    while w.env.peek() == w.env.now:
        w.env.step()


def inst_of(w, tname, d=0):
    return next(i for i in w.institutions if i.type == tname and i.district.idx == d)


def set_period(inst, fees=1000.0, vouchers=400.0, children=2.0, caregivers=3.0, places=65.0):
    a = inst.acct
    a.fee_area, a.voucher_area, a.child_area = fees, vouchers, children
    a.cg_area, a.place_area = caregivers, places


def traced(w):
    events = []
    w.trace.subscribe(events.append)
    return events


# -- costs -----------------------------------------------------------------------------------
def test_rent_is_the_types_or_else_the_economics_rent_at_the_cost_index_or_else_the_fee_index():
    w = econ_world()
    assert w.providers.rent(inst_of(w, "market", 0)) == pytest.approx(500 * 1.3)
    assert w.providers.rent(inst_of(w, "affordable", 0)) == pytest.approx(200 * 1.3)
    assert w.providers.rent(inst_of(w, "market", 1)) == pytest.approx(500 * 0.8)
    assert w.providers.rent(inst_of(w, "kindergarten", 1)) == 0.0


def test_the_fixed_cost_is_every_required_caregiver_the_rent_of_every_place_and_the_overhead():
    w = econ_world()
    assert w.providers.fixed_cost(inst_of(w, "market", 0)) == pytest.approx(MARKET_FIXED)
    assert w.providers.fixed_cost(inst_of(w, "affordable", 1)) == pytest.approx(AFFORDABLE_FIXED)


@pytest.mark.parametrize("owners, fixed", [(1, HOME_FIXED), (0, HOME_FIXED_NO_OWNER)])
def test_an_owner_operators_post_draws_no_wage_in_the_fixed_cost(owners, fixed):
    """Both the fixed cost that sets the starting cash and the cost structure of the rooms in use."""
    w = econ_world(f"city.types.home.owner_operators={owners}")
    home = inst_of(w, "home", 0)
    assert w.providers.fixed_cost(home) == pytest.approx(fixed)
    assert w.providers.costs(home).fixed == pytest.approx(fixed)


@pytest.mark.parametrize("share, vouchers", [(None, 400.0), (0.5, 200.0)])
def test_a_statement_prices_the_periods_activity_at_the_districts_costs(share, vouchers):
    """Fees and vouchers (at the share paid) as billed; subsidies per child- and place-month;
    wages per caregiver-month, rent per place-month, costs per child-month, one month's overhead."""
    w = econ_world()
    inst = inst_of(w, "market", 0)
    set_period(inst)
    args = () if share is None else (share,)
    st = w.providers.statement(inst, 50.0, 10.0, *args)
    ci = 1.3
    assert st == pytest.approx(Statement(
        fees=1000.0, vouchers=vouchers, operating_subsidy=100.0, place_subsidy=650.0,
        wages=6000 * ci * 3, rent=500 * ci * 65, child_costs=400 * ci * 2, overhead=10000 * ci))


# -- books -------------------------------------------------------------------------------------
def test_month_zero_opens_every_providers_books_with_the_starting_cash_and_no_earlier_activity():
    w = econ_world()
    market = inst_of(w, "market", 0)
    market.acct.year_child_area = market.acct.year_place_area = 5.0
    w.env.run(until=0.0)
    w.providers.start_cycles()
    a = market.acct
    assert a.cash == a.cash_start == pytest.approx(3 * MARKET_FIXED)
    assert inst_of(w, "affordable", 1).acct.cash == pytest.approx(3 * AFFORDABLE_FIXED)
    assert a.t == 0.0 and a.place_area == 0.0 and a.year_child_area == a.year_place_area == 0.0


@pytest.mark.parametrize("enabled, booked", [("true", True), ("false", False)])
def test_month_zero_starts_a_monthly_cycle_for_each_provider_only_with_economics(enabled, booked):
    w = econ_world(f"economics.enabled={enabled}")
    events = traced(w)
    w.env.run(until=0.0)
    w.providers.start_cycles()
    settle(w)
    w.month_closed.fire((0, True))
    w.env.run(until=0.5)
    statements = {e.subject for e in events if e.kind == "statement"}
    assert statements == (set(w.institutions) if booked else set())


def booked(w, inst, in_window=True):
    events = traced(w)
    cash = inst.acct.cash
    w.providers.book(inst, in_window)
    (st, transfer), = [e.data for e in events if e.kind == "statement" and e.subject is inst]
    return st, transfer, inst.acct.cash - cash


def test_a_private_provider_books_its_result_and_counts_consecutive_deficit_months():
    w = econ_world()
    inst = inst_of(w, "market", 0)
    set_period(inst)
    inst.acct.deficit_months = 4
    st, transfer, change = booked(w, inst)
    assert st.result < 0 and transfer == 0.0 and change == pytest.approx(st.result)
    assert inst.acct.deficit_months == 5
    assert w.providers.revenue_window == pytest.approx(st.revenue)
    assert w.providers.cost_window == pytest.approx(st.cost)
    first = st
    set_period(inst, fees=1e6)
    st, _, change = booked(w, inst, in_window=False)
    assert st.result > 0 and change == pytest.approx(st.result)
    assert inst.acct.deficit_months == 0  # a profitable month ends the run of losses
    assert w.providers.revenue_window == pytest.approx(first.revenue)  # outside the window: not added
    set_period(inst, fees=500.0)
    st, _, _ = booked(w, inst)  # inside again: added to the first month's
    assert w.providers.revenue_window == pytest.approx(first.revenue + st.revenue)


def test_a_month_exactly_breaking_even_ends_a_run_of_deficit_months():
    w = econ_world()
    inst = inst_of(w, "market", 0)
    set_period(inst, fees=0.0, vouchers=0.0, children=0.0, caregivers=0.0, places=0.0)
    inst.acct.fee_area = 10000 * 1.3  # the overhead, to the yuan
    inst.acct.deficit_months = 4
    st, _, _ = booked(w, inst)
    assert st.result == 0.0 and inst.acct.deficit_months == 0


def test_a_public_providers_deficit_is_covered_by_the_government_and_never_counted():
    w = econ_world()
    inst = inst_of(w, "kindergarten", 1)
    set_period(inst, places=40.0)
    st, transfer, change = booked(w, inst)
    assert st.result < 0 and transfer == pytest.approx(-st.result) and change == pytest.approx(0.0)
    assert w.gov.cost["public_providers"] == pytest.approx(transfer)
    assert inst.acct.deficit_months == 0 and w.providers.cost_window == 0.0
    set_period(inst, fees=1e6, places=40.0)
    st, transfer, change = booked(w, inst)
    assert transfer == 0.0 and change == pytest.approx(st.result) and st.result > 0
    set_period(inst, fees=0.0, vouchers=0.0, children=0.0, caregivers=0.0, places=0.0)
    inst.acct.fee_area = 3000 * 0.8 + 0.5  # overhead plus half a yuan: a surplus is kept
    st, transfer, change = booked(w, inst)
    assert st.result == pytest.approx(0.5) and transfer == 0.0 and change == pytest.approx(0.5)


def test_an_affordable_provider_is_booked_with_the_subsidies_and_voucher_share_the_government_paid():
    w = econ_world()
    inst = inst_of(w, "affordable", 0)
    w.gov.shares = (0.5, 50.0, 10.0)
    set_period(inst, places=70.0)
    st, _, _ = booked(w, inst)
    assert (st.vouchers, st.operating_subsidy, st.place_subsidy) == pytest.approx((200.0, 100.0, 700.0))


def test_booking_closes_the_period_into_the_years_activity():
    w = econ_world()
    inst = inst_of(w, "market", 0)
    set_period(inst)
    booked(w, inst)
    a = inst.acct
    assert (a.child_area, a.place_area, a.fee_area) == (0.0, 0.0, 0.0)
    assert (a.year_child_area, a.year_place_area) == (2.0, 65.0)


# -- closures ----------------------------------------------------------------------------------
@pytest.mark.parametrize("floor, cash, months, closes", [
    (0, -0.01, 3, True), (0, 0.0, 3, False), (100, 99.99, 3, True), (100, 100.0, 3, False),
    (0, -0.01, 2, False), (0, -1e9, 2, False), (0, -0.01, 4, True)])
def test_under_the_deficits_rule_a_private_provider_closes_with_cash_below_the_floor_after_the_deficits(
        floor, cash, months, closes):
    """``closure_rule: deficits``: cash below the floor and 3 months in deficit, whatever it expects."""
    w = econ_world("economics.closure_rule=deficits", "economics.close_after_deficit_months=3",
                   f"economics.cash_floor={floor}", "economics.credit_months=0")
    inst = inst_of(w, "market", 0)
    inst.acct.cash, inst.acct.deficit_months = cash, months
    w.providers.outlook = lambda _inst: 1e9  # a profit ahead does not matter under this rule
    assert w.providers.should_close(inst) is closes


# Floor 100, 3 months in deficit, credit 2 months of the fixed cost (all rooms in use):
# the credit ends 313,300 below the floor.
CREDIT = 100 - 2 * MARKET_FIXED


@pytest.mark.parametrize("cash, months, outlook, closes", [
    (99.99, 3, -0.01, True),  # cash below the floor, enough deficit months, a loss ahead
    (99.99, 4, -1e6, True),
    (100.0, 3, -1e6, False),  # cash at the floor
    (99.99, 2, -1e6, False),  # one deficit month short
    (99.99, 3, 0.0, False),  # breaking even ahead is no loss
    (99.99, 3, 1e6, False),  # a profit ahead
    (CREDIT, 0, 1e6, False),  # at the end of its credit: the outlook still decides
    (CREDIT - 0.01, 0, 1e6, True),  # beyond it: closes whatever it expects, however long in deficit
])
def test_under_the_outlook_rule_a_provider_without_cash_closes_when_it_expects_a_loss_or_its_credit_is_gone(
        cash, months, outlook, closes):
    w = econ_world("economics.closure_rule=outlook", "economics.close_after_deficit_months=3",
                   "economics.cash_floor=100", "economics.credit_months=2")
    inst = inst_of(w, "market", 0)
    assert w.providers.costs(inst).fixed == pytest.approx(MARKET_FIXED)
    inst.acct.cash, inst.acct.deficit_months = cash, months
    w.providers.outlook = lambda _inst: outlook
    assert w.providers.should_close(inst) is closes


def test_the_credit_is_counted_in_months_of_the_fixed_cost_of_the_rooms_in_use():
    """With the older class's second room closed, 3 caregivers and 20 places' rent are saved:
    the credit is 2 months of the fixed cost less 36,400, so cash that is within the full
    provider's credit is beyond this one's."""
    w = econ_world("economics.closure_rule=outlook", "economics.close_after_deficit_months=3",
                   "economics.cash_floor=100", "economics.credit_months=2")
    inst = inst_of(w, "market", 0)
    older = inst.classes[-1]
    w.places.set_in_use(older, older.in_use - older.room)
    fixed = MARKET_FIXED - (3 * 6000 + 500 * 20) * 1.3
    assert w.providers.costs(inst).fixed == pytest.approx(fixed)
    w.providers.outlook = lambda _inst: 1e6
    inst.acct.cash = 100 - 2 * fixed
    assert not w.providers.should_close(inst)
    inst.acct.cash = 100 - 2 * fixed - 0.01
    assert w.providers.should_close(inst)


@pytest.mark.parametrize("rule", ["outlook", "deficits"])
def test_a_public_provider_never_closes(rule):
    w = econ_world(f"economics.closure_rule={rule}", "economics.close_after_deficit_months=3",
                   "economics.credit_months=0")
    inst = inst_of(w, "kindergarten", 0)
    inst.acct.cash, inst.acct.deficit_months = -1e9, 100
    w.providers.outlook = lambda _inst: -1e9
    assert not w.providers.should_close(inst)


def test_the_expected_result_is_recent_children_times_the_births_outlook_at_their_revenue_against_the_costs():
    """12 remembered months of 30 children bringing 3,000 each, births outlook 0.75: 22.5
    children expected, 22.5 x 3,000 - (the fixed cost + 22.5 x 520 per child); a month of 40
    children beyond the last 12 is forgotten; no months, no expectation (0)."""
    w = econ_world("economics.outlook_months=12")
    inst = inst_of(w, "market", 0)
    assert w.providers.outlook(inst) == 0.0
    a = inst.acct
    a.remember(40.0, 40.0 * 9000.0, 12)
    for _ in range(12):
        a.remember(30.0, 30.0 * 3000.0, 12)
    w.providers.births_outlook = lambda: 0.75
    assert w.providers.outlook(inst) == pytest.approx(22.5 * 3000 - (MARKET_FIXED + 22.5 * 400 * 1.3))


def test_a_closure_displaces_the_children_in_family_order_and_requeues_the_waitlist():
    w = econ_world()
    inst = inst_of(w, "market", 0)
    c = inst.classes[-1]
    kids = [family(w, fid) for fid in (7, 3, 5)]
    causes = {}
    for k in kids:
        causes[k.fid] = _recording(w, k)
        w.alloc.admit(k, c)
    waiting = family(w, 9)
    causes[9] = _recording(w, waiting)
    w.alloc.join(waiting, [c])
    seen = []
    w.trace.subscribe(lambda e: seen.append((e.kind, c.enrolled)) if e.kind == "close" else None)
    w.env.run(until=w.env.now + 2)
    w.providers.close([inst])
    assert seen == [("close", 3)]  # traced before its children leave
    assert not inst.open and w.providers.closed == 1 and w.options.stale
    assert all(k.displaced and k.displaced_at == w.env.now and k.cls is None for k in kids)
    w.env.run(until=w.env.now + 0.1)
    assert {f: cs for f, cs in causes.items()} == {7: [CLOSED], 3: [CLOSED], 5: [CLOSED], 9: [REQUEUE]}
    assert [cl.licensed for cl in inst.classes] == [0, 0, 0]
    assert [cl.caregivers for cl in inst.classes] == [0, 0, 0]
    assert [cl.enrolled for cl in inst.classes] == [0, 0, 0]


def interrupted(w, fam, order):
    try:
        yield w.env.event()
    except Exception:  # simpy.Interrupt
        order.append(fam.fid)


def test_closed_children_are_displaced_in_order_of_family_id():
    w = econ_world()
    inst = inst_of(w, "market", 0)
    c = inst.classes[-1]
    kids = [family(w, fid) for fid in (7, 3, 5)]
    order = []
    for k in kids:
        w.alloc.admit(k, c)
        k.proc = w.env.process(interrupted(w, k, order))
    settle(w)
    w.providers.close([inst])
    settle(w)
    assert order == [3, 5, 7]


def test_the_recent_closure_rate_counts_places_closed_in_the_last_months_only():
    w = econ_world()
    t0 = w.env.now
    a, b = inst_of(w, "market", 0), inst_of(w, "affordable", 1)
    w.providers.close([a])
    w.env.run(until=t0 + 6)
    w.providers.close([b])
    w.env.run(until=t0 + 11.5)
    assert w.providers.recent_closure_rate() == pytest.approx((65 + 70) / 12)
    w.env.run(until=t0 + 12)
    assert w.providers.recent_closure_rate() == pytest.approx(70 / 12)  # t0 is not after t0
    assert w.providers.recent_closure_rate(7.0) == pytest.approx(70 / 7)
    assert w.providers.recent_closure_rate(6.0) == 0.0  # t0 + 6 is not after t0 + 6
    w.env.run(until=t0 + 18)
    assert w.providers.recent_closure_rate(7.0) == 0.0


@pytest.mark.parametrize("later", [24.0, 25.0])
def test_closures_are_remembered_for_less_than_24_months_and_counted(later):
    w = econ_world()
    t0 = w.env.now
    w.providers.close([inst_of(w, "market", 0)])
    w.env.run(until=t0 + later)
    w.providers.close([inst_of(w, "affordable", 1)])
    assert w.providers.closed == 2
    assert w.providers.recent_closure_rate(36.0) == pytest.approx(70 / 36)


# -- the monthly cycle ---------------------------------------------------------------------------
def cycling(w, inst):
    events = traced(w)
    w.env.process(w.providers.cycle(inst))
    settle(w)

    def months(n, first=0):
        for m in range(first, first + n):
            w.month_closed.fire((m, True))
            w.env.run(until=w.env.now + 1)
        return [e for e in events if e.subject is inst and e.kind in ("statement", "close")]

    return months


@pytest.mark.parametrize("rule", ["outlook", "deficits"])
def test_a_loss_making_private_provider_books_each_month_and_closes_in_the_month_it_reaches_the_limit(rule):
    """No children: every month a loss, and a loss ahead (the outlook rule's condition)."""
    w = econ_world(f"economics.closure_rule={rule}", "economics.close_after_deficit_months=3",
                   "economics.fee_setting=false")
    inst = inst_of(w, "market", 0)
    months = cycling(w, inst)
    inst.acct.cash = -1.0
    assert [e.kind for e in months(2)] == ["statement", "statement"]
    assert inst.open
    seen = months(2, first=2)
    assert [e.kind for e in seen] == ["statement", "statement", "statement", "close"]
    assert seen[-1].time == seen[-2].time == w.env.now - 2  # closed in the month it booked
    assert not inst.open
    stated = [e.data[0] for e in seen if e.kind == "statement"]
    assert w.providers.revenue_window == pytest.approx(sum(st.revenue for st in stated))
    assert w.providers.cost_window == pytest.approx(sum(st.cost for st in stated))


def test_a_cycle_stops_without_booking_when_its_provider_closed_meanwhile():
    w = econ_world()
    inst = inst_of(w, "market", 0)
    months = cycling(w, inst)
    months(1)
    inst.open = False
    assert [e.kind for e in months(2, first=1)] == ["statement"]


@pytest.mark.parametrize("setting, resets", [("true", True), ("false", False)])
def test_a_market_fee_is_reset_after_the_books_of_each_december_only(setting, resets):
    """Occupancy 1 against a target of 0.85, adjust 0.1: the fee rises by 0.1 x 0.15 / 0.85."""
    w = econ_world(f"economics.fee_setting={setting}", "economics.close_after_deficit_months=100")
    inst = inst_of(w, "market", 0)
    months = cycling(w, inst)
    for m in range(25):
        fee = inst.fee
        inst.acct.year_child_area = inst.acct.year_place_area = 65.0
        months(1, first=m)
        rose = inst.fee != fee
        assert rose is (resets and m in (11, 23)), m


# -- the January fee --------------------------------------------------------------------------
@pytest.mark.parametrize("occupancy, adjust, fee", [
    (1.0, 0.1, 3840 * (1 + 0.1 * 0.15 / 0.85)),
    (0.425, 0.1, 3840 * 0.95),
    (0.0, 0.9, 3840 * 0.6),  # the floor: 0.6 of the list fee at the fee index
    (1.0, 9.0, 3840 * 1.6),  # the ceiling: 1.6
])
def test_january_moves_a_market_fee_towards_the_target_occupancy_within_its_floor_and_ceiling(
        occupancy, adjust, fee):
    w = econ_world(f"economics.fee_adjust_per_year={adjust}")
    inst = inst_of(w, "market", 0)
    assert inst.fee == pytest.approx(3840.0)  # 3,200 at the fee index 1.2
    a = inst.acct
    a.year_child_area, a.year_place_area = 65 * 12 * occupancy, 65 * 12
    w.providers.reset_fee(inst)
    assert inst.fee == pytest.approx(fee)
    assert w.options.prices_stale
    assert a.year_child_area == a.year_place_area == 0.0


def test_january_resets_the_fee_of_a_provider_open_for_under_one_place_month():
    """Opened late in December: half a place-month, full; the fee rises as for a full year."""
    w = econ_world()
    inst = inst_of(w, "market", 0)
    inst.acct.year_child_area = inst.acct.year_place_area = 0.5
    w.providers.reset_fee(inst)
    assert inst.fee == pytest.approx(3840 * (1 + 0.1 * 0.15 / 0.85))


@pytest.mark.parametrize("tname, places", [("affordable", 70.0), ("market", 0.0)])
def test_january_leaves_affordable_fees_and_fees_without_a_year_of_places_alone(tname, places):
    w = econ_world()
    inst = inst_of(w, tname, 0)
    fee = inst.fee
    inst.acct.year_child_area, inst.acct.year_place_area = places, places
    w.providers.reset_fee(inst)
    assert inst.fee == fee and not w.options.prices_stale
    assert inst.acct.year_child_area == inst.acct.year_place_area == 0.0


# -- openings ------------------------------------------------------------------------------
@pytest.mark.parametrize("enabled", ["true", "false"])
def test_an_ordered_provider_opens_after_its_lead_time_unstaffed_with_its_books_and_its_cycle(enabled):
    w = econ_world(f"economics.enabled={enabled}", "policy.fee_cap=1000")
    events = traced(w)
    n_inst, n_cls, t0 = len(w.institutions), len(w.classes), w.env.now
    d = w.districts[1]
    w.providers.order(d, "affordable", type_size(w.params.city, "affordable"), 2.0)
    w.providers.order(d, "affordable", {"older": 20}, 2.0)
    assert w.providers.pipeline == {1: 90} and w.providers.ordered == 2
    w.env.run(until=t0 + 1.99)
    assert len(w.institutions) == n_inst and w.providers.opened == 0
    w.env.run(until=t0 + 2.0)
    settle(w)
    new = w.institutions[n_inst:]
    assert [(i.idx, i.name, i.licensed, i.district) for i in new] == [
        (n_inst, "D1-affordable-new1", 70, d), (n_inst + 1, "D1-affordable-new2", 20, d)]
    assert [c.idx for c in w.classes[n_cls:]] == list(range(n_cls, n_cls + 3))
    assert w.classes[n_cls:] == new[0].classes + new[1].classes
    assert w.providers.pipeline == {1: 0} and w.providers.opened == 2
    inst = new[0]
    assert inst.fee == 1000.0  # the fee cap applies
    assert [(c.licensed, c.caregivers) for c in inst.classes] == [(30, 0), (40, 0)]
    assert inst.acct.cash == pytest.approx(3 * AFFORDABLE_FIXED) and inst.acct.t == t0 + 2.0
    assert [(e.time, e.subject) for e in events if e.kind == "open"] == [(t0 + 2.0, i) for i in new]
    assert inst.classes[0] in w.options.ranked(family(w, 1, income=9000.0), 18.0)[0]
    w.month_closed.fire((0, True))
    w.env.run(until=t0 + 2.5)
    cycles = [e.subject for e in events if e.kind == "statement"]
    assert cycles == (new if enabled == "true" else [])


def test_an_ordered_provider_opens_without_caregivers_and_recruits_them():
    """With binding staff the new classes open unstaffed (no initial caregivers), their
    caregivers to be recruited."""
    w = econ_world("staff.binding=true", "staff.staffing=licensed")
    t0 = w.env.now
    n = len(w.institutions)
    w.providers.order(w.districts[0], "affordable", {"older": 20}, 1.0)
    w.env.run(until=t0 + 1.0)
    settle(w)
    c = w.institutions[n].classes[0]
    assert (c.licensed, c.caregivers, c.usable, c.target) == (20, 0, 0, 3)
