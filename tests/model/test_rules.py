"""The model's rules, each tested where it is decided, on a small world that is built but not run.

Every test names the rule and fails when the rule's code is changed in the way its name
says (issue 19's planted bugs): displaced children first, children moving up before the
waitlist, the family subsidy in the admission contract, the January budget, the closure
month, caregivers rounded up.
"""

from __future__ import annotations

import math

import pytest

from sim.model import ledger as L
from sim.model.family import Family
from sim.model.staff import required_caregivers, staff_target, usable_places
from sim.model.world import World
from tests.conftest import load_config
from tests.scenarios import small

SEED = 11


def world(*extra: str) -> World:
    return World(load_config(small("staff.binding=false", *extra)), SEED)


def family(w: World, fid: int, seek: float = 0.0, income: float = 9000.0) -> Family:
    w.ledger.add_births(1, L.PENDING)
    fam = Family(fid, w.districts[0], -12.0, income, 12.0, math.inf, 5.0, math.inf, 1.0, 0.0, 0.5)
    fam.seek_time = seek
    fam.proc = w.env.process(_idle(w))
    return fam


def _idle(w: World):
    yield w.env.event()


def full_class(w: World, c=None):
    """Open class ``c`` (default: the first) and fill it; return it and its children."""
    c = c if c is not None else w.classes[0]
    w.places.open_class(c, with_staff=False)
    kids = [family(w, 1000 + i) for i in range(c.usable)]
    for k in kids:
        w.alloc.admit(k, c)
    assert c.enrolled == c.usable > 0
    return c, kids


def test_a_displaced_child_gets_the_next_place_before_earlier_applicants():
    w = world()
    c, kids = full_class(w)
    early = family(w, 1, seek=1.0)
    displaced = family(w, 2, seek=5.0)
    displaced.displaced, displaced.displaced_at = True, 5.0
    w.alloc.join(early, [c])
    w.alloc.join(displaced, [c])
    w.families.leave(kids[0], L.AGED_OUT)
    assert displaced.state == L.ENROLLED and displaced.cls is c
    assert early.state == L.WAITING


def test_without_displacement_the_earlier_applicant_gets_the_place():
    w = world()
    c, kids = full_class(w)
    early, late = family(w, 1, seek=1.0), family(w, 2, seek=5.0)
    w.alloc.join(late, [c])
    w.alloc.join(early, [c])
    w.families.leave(kids[0], L.AGED_OUT)
    assert early.cls is c and late.state == L.WAITING


def test_a_child_moving_up_gets_a_freed_place_before_the_waitlist():
    w = world()
    inst = next(i for i in w.institutions if len(i.classes) >= 2)
    lower = inst.classes[0]
    upper, kids = full_class(w, inst.classes[1])
    w.places.open_class(lower, with_staff=False)
    mover = family(w, 1)
    w.alloc.admit(mover, lower)
    assert w.alloc.age_up(mover, upper) is False  # full: it claims the next place
    waiting = family(w, 2, seek=0.0)
    w.alloc.join(waiting, [upper])
    w.families.leave(kids[0], L.AGED_OUT)
    assert mover.cls is upper and waiting.state == L.WAITING
    assert lower.enrolled == 0


@pytest.mark.parametrize("voucher", [0.0, 300.0])
def test_the_admission_contract_subtracts_voucher_and_family_subsidy(voucher):
    w = world("policy.family_subsidy_per_year=3600", f"policy.voucher_per_month={voucher}",
              "policy.voucher_scope=all")
    c, kids = full_class(w)
    fee = c.inst.fee
    for k in kids:
        assert k.voucher == min(voucher, fee)
        assert k.fee_paid == fee - k.voucher
        assert k.net_fee == pytest.approx(max(0.0, fee - k.voucher - 300.0))


def test_january_clears_an_exhausted_budget_and_its_commitments_resume():
    w = world("policy.family_subsidy_per_year=3600", "policy.voucher_per_month=200",
              "policy.budget_per_year=1e6")
    inst = next(i for i in w.institutions if i.affordable)
    w.gov.exhaust()
    assert w.gov.family_subsidy_month() == 0.0 and w.gov.voucher_for(inst) == 0.0
    w.gov.new_year()
    assert w.gov.family_subsidy_month() == 300.0 and w.gov.voucher_for(inst) == 200.0
    assert w.gov.remaining == 1e6


def test_a_private_provider_closes_in_the_month_its_losses_reach_the_limit():
    w = world("economics.close_after_deficit_months=3", "economics.cash_floor=0",
              "economics.closure_rule=deficits")
    inst = next(i for i in w.institutions if i.sector == "private")
    inst.acct.cash = -1.0
    inst.acct.deficit_months = 2
    assert not w.providers.should_close(inst)
    inst.acct.deficit_months = 3
    assert w.providers.should_close(inst)
    inst.acct.cash = 1.0
    assert not w.providers.should_close(inst)
    public = next(i for i in w.institutions if i.sector == "public")
    public.acct.cash, public.acct.deficit_months = -1e9, 99
    assert not w.providers.should_close(public)


@pytest.mark.parametrize("places, ratio, needed", [(15, 5.0, 3), (16, 5.0, 4), (1, 7.0, 1), (0, 3.0, 0),
                                                   (21, 7.0, 3), (22, 7.0, 4)])
def test_required_caregivers_are_rounded_up(places, ratio, needed):
    assert required_caregivers(places, ratio) == needed


def test_usable_places_are_what_the_caregivers_cover_at_most_the_licensed():
    assert usable_places(20, 2, 7.0) == 14
    assert usable_places(20, 3, 7.0) == 20
    assert usable_places(20, 0, 7.0) == 0


def test_a_class_staffed_by_demand_wants_its_childrens_caregivers_plus_spares():
    assert staff_target(4, 8, 5.0, by_demand=True, spare=1) == 3
    assert staff_target(4, 20, 5.0, by_demand=True, spare=1) == 4
    assert staff_target(4, 0, 5.0, by_demand=False, spare=1) == 4


def test_market_entry_switched_off_opens_no_provider():
    """The demo city, entrants looking only at their own district and a wide market, opens market
    providers in three years; either switch stops every entry."""
    from tests.conftest import run_model

    eager = ["run.horizon_months=36", "economics.entry_reach_km=2", "economics.entry_max_waiting_share=5"]
    assert run_model(eager, seed=SEED).summary["institutions_opened"] > 0
    for switch_off in ("economics.entry=false", "economics.max_entries_per_district_year=0"):
        off = run_model([*eager, switch_off], seed=SEED).summary
        assert off["institutions_opened"] == 0, switch_off


# -- the checks every run makes, fed broken states -------------------------------------------
@pytest.fixture(scope="module")
def finished():
    w = World(load_config(small("run.horizon_months=24", fixed_supply=False)), SEED)
    w.run()
    return w


def test_the_conservation_check_accepts_a_finished_run_and_rejects_each_broken_record(finished):
    from sim.model.summary import check_accounts, check_conservation

    w = finished
    check_conservation(w)
    check_accounts(w)
    c = next(c for c in w.classes if c.enrolled > 0)
    c.enrolled += 1  # a child in a class the ledger does not know
    with pytest.raises(L.LedgerError, match="enrolled"):
        check_conservation(w)
    c.enrolled -= 1
    w.ledger.counts[L.PENDING] -= 1  # a family lost outside Ledger.move
    with pytest.raises(L.LedgerError, match="unaccounted"):
        check_conservation(w)
    w.ledger.counts[L.PENDING] += 1
    full = next(c for c in w.classes if c.licensed > 0)
    full.licensed, saved = full.enrolled - 1, full.licensed  # more children than licensed places
    with pytest.raises(L.LedgerError, match="licensed"):
        check_conservation(w)
    full.licensed = saved
    inst = next(i for i in w.institutions if i.acct.revenue_total > 0)
    inst.acct.cash += 1.0  # cash that no statement explains
    with pytest.raises(L.LedgerError, match="accounts"):
        check_accounts(w)
    inst.acct.cash -= 1.0
    check_conservation(w)
    check_accounts(w)
