"""Admissions as families live them (issue 12): intake calendars, accept rules, points,
deferred acceptance at the intake round, transfers, and the paradox they produce.

The rule tests build a small world without running it and drive the allocator and the
families' rules directly (as tests/model/test_rules.py does); each names the rule and fails
when it is broken. The last test runs the demo city for ten years with its defaults.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config.load import load
from sim.model import ledger as L
from sim.model.family import ACCEPT_AND_TRANSFER, FIRST_FREE, HOLD_OUT, Family, next_round
from sim.model.world import World
from tests.scenarios import small

SEED = 5


def world(*extra: str) -> World:
    return World(load(small("staff.binding=false", *extra)), SEED)


def family(w: World, fid: int, seek: float = 0.0, rule: int = FIRST_FREE, lottery_u: float = 0.5) -> Family:
    w.ledger.add_births(1, L.PENDING)
    fam = Family(fid, w.districts[0], -12.0, 9000.0, 12.0, math.inf, 5.0, math.inf, 1.0, 0.0, lottery_u)
    fam.seek_time = seek
    fam.rule = rule
    fam.proc = w.env.process(_idle(w))
    return fam


def _idle(w: World):
    yield w.env.event()


def open_class(w: World, c):
    w.places.open_class(c, with_staff=False)
    return c


def fill_up(w: World, c, first_fid: int = 1000):
    kids = [family(w, first_fid + i) for i in range(c.usable - c.enrolled)]
    for k in kids:
        w.alloc.admit(k, c)
    return kids


def classes_of(w: World, annual: bool):
    return [c for c in w.classes if c.inst.annual == annual]


def test_an_annual_class_takes_no_one_who_applies_between_rounds_but_a_rolling_one_does():
    w = world()
    annual = open_class(w, classes_of(w, True)[0])
    rolling = open_class(w, classes_of(w, False)[0])
    assert annual.usable > 0 and rolling.usable > 0
    fam = family(w, 1)
    assert w.alloc.admit_first_free(fam, [annual]) is None
    assert w.alloc.admit_first_free(fam, [annual, rolling]) is rolling


def test_a_displaced_child_may_take_a_free_annual_place_at_once():
    w = world()
    annual = open_class(w, classes_of(w, True)[0])
    fam = family(w, 1)
    fam.displaced, fam.displaced_at = True, 0.0
    assert w.alloc.admit_first_free(fam, [annual]) is annual


def test_the_intake_round_fills_an_annual_class_from_its_waitlist_in_priority_order():
    w = world()
    c = open_class(w, classes_of(w, True)[0])
    fams = [family(w, i, seek=float(10 - i)) for i in range(c.usable + 2)]  # later fid applied earlier
    for f in fams:
        w.alloc.join(f, [c])
    assert c.enrolled == 0  # joining does not admit
    w.alloc.intake_round(w.classes)
    placed = [f for f in fams if f.state == L.ENROLLED]
    assert len(placed) == c.usable
    assert {f.fid for f in placed} == {f.fid for f in sorted(fams, key=lambda f: f.seek_time)[: c.usable]}


def test_a_place_freed_between_rounds_goes_to_the_head_of_the_annual_waitlist():
    w = world()
    c = open_class(w, classes_of(w, True)[0])
    kids = fill_up(w, c)
    late, early = family(w, 1, seek=3.0), family(w, 2, seek=1.0)
    w.alloc.join(late, [c])
    w.alloc.join(early, [c])
    w.families.leave(kids[0], L.AGED_OUT)
    assert early.cls is c and late.state == L.WAITING


def test_places_freed_while_the_round_is_due_are_held_for_the_round():
    w = world()
    c = open_class(w, classes_of(w, True)[0])
    kids = fill_up(w, c)
    fam = family(w, 1)
    w.alloc.join(fam, [c])
    w.alloc.holding = True
    w.families.leave(kids[0], L.AGED_OUT)
    assert fam.state == L.WAITING and c.enrolled == c.usable - 1
    w.alloc.intake_round(w.classes)
    assert fam.cls is c and not w.alloc.holding


def test_an_annual_providers_children_move_up_at_the_round_after_their_birthday():
    assert next_round(8.0, 8) == 8.0
    assert next_round(8.5, 8) == 20.0
    assert next_round(-3.0, 8) == 8.0
    assert next_round(-4.5, 8) == -4.0


def test_a_hold_out_family_accepts_only_options_within_its_slack_of_the_best():
    w = world()
    a, b, c = w.classes[:3]
    fam = family(w, 1, rule=HOLD_OUT)
    fam.slack = 0.5
    assert w.families.acceptable(fam, [a, b, c], [1.0, 1.4, 1.6]) == [a, b]
    fam.rule = FIRST_FREE
    assert w.families.acceptable(fam, [a, b, c], [1.0, 1.4, 1.6]) == [a, b, c]


def test_a_family_in_care_on_a_better_list_moves_when_offered_and_its_old_place_is_offered_on():
    w = world()
    better = open_class(w, classes_of(w, True)[0])
    worse = open_class(w, next(c for c in classes_of(w, False) if c.band == better.band))
    kids = fill_up(w, better)
    mover = family(w, 1, rule=ACCEPT_AND_TRANSFER)
    w.alloc.admit(mover, worse)
    fill_up(w, worse, first_fid=2000)
    next_in_line = family(w, 2)
    w.alloc.join(next_in_line, [worse])
    w.alloc.join_transfer(mover, [better], until=100.0)
    assert w.ledger.transfer_waiting == 1 and mover.transfer_waiting
    w.families.leave(kids[0], L.AGED_OUT)
    assert mover.cls is better and mover.state == L.ENROLLED
    assert next_in_line.cls is worse  # the place it left went to the head of its list
    assert w.ledger.transfers == 1 and w.ledger.transfer_waiting == 0 and not mover.transfer_waiting
    w.ledger.check()


def test_leaving_care_ends_a_wait_for_a_better_place():
    w = world()
    better = open_class(w, classes_of(w, True)[0])
    fill_up(w, better)
    worse = open_class(w, next(c for c in classes_of(w, False) if c.band == better.band))
    fam = family(w, 1, rule=ACCEPT_AND_TRANSFER)
    w.alloc.admit(fam, worse)
    w.alloc.join_transfer(fam, [better], until=100.0)
    w.families.leave(fam, L.LEFT_EARLY)
    assert w.ledger.transfer_waiting == 0 and better.waitlist.pop() is None


def test_waiting_families_are_counted_by_their_accept_rule_and_the_counts_are_checked():
    w = world()
    c = open_class(w, w.classes[0])
    fill_up(w, c)
    f1, f2 = family(w, 1, rule=HOLD_OUT), family(w, 2, rule=ACCEPT_AND_TRANSFER)
    w.alloc.join(f1, [c])
    w.alloc.join(f2, [c])
    assert w.ledger.by_rule == [0, 1, 1]
    w.ledger.check()
    w.ledger.by_rule[0] += 1
    with pytest.raises(L.LedgerError, match="accept rule"):
        w.ledger.check()


def test_deferred_acceptance_at_the_round_gives_a_family_its_first_choice_when_points_allow():
    """Two annual classes with one place each; the family with more points ranks B first.
    Filling the classes one by one (points) gives A to the high-points family (its second
    choice); deferred acceptance gives it B and A to the other family."""
    def run(disc: str):
        w = world(f"allocation={disc}", "allocation.points.dual_earner=20",
                  "city.types.affordable.intake=annual")  # two annual toddler classes
        A, B = [c for c in classes_of(w, True) if c.band == "toddler"][:2]
        for c in (A, B):
            open_class(w, c)
            fill_up(w, c, first_fid=5000 + 100 * c.idx)
            kid = next(iter(c.children))
            w.families.leave(kid, L.AGED_OUT)  # frees one place (no one waits yet)
        hi, lo = family(w, 1), family(w, 2)
        hi.dual = True
        w.alloc.join(hi, [B, A])
        w.alloc.join(lo, [A])
        for c in (A, B):
            c.waitlist.heap.sort()
        w.alloc.holding = True
        w.alloc.intake_round([A, B] if A.idx < B.idx else [B, A])
        return hi.cls is B, lo.cls is A

    assert run("deferred_acceptance") == (True, True)


def integral(lv, t):
    """The area under a level from the start of its window to ``t``."""
    return lv.area + lv.value * (t - lv.t_last)


@pytest.mark.slow
def test_the_demo_city_has_waitlists_at_affordable_providers_and_vacancy_at_market_ones_every_year():
    """Mechanism: public and kindergarten classes admit once a year and from their lists
    (private 普惠 centres admit all year), families apply to them and wait or take a market
    place meanwhile, so
    affordable providers keep waitlists while market providers keep empty places.
    Checked per calendar year over ten years, as the lower end of a 95% t-interval over
    replications: mean families waiting with an affordable first choice > 1, market
    occupancy < 0.9 (upper end)."""
    years, reps = 10, 4
    wl = np.zeros((reps, years))
    occ = np.zeros((reps, years))
    for r in range(reps):
        w = World(load([]), 42, r)
        w.start()
        types = list(w.params.city.types)
        aff = [k for k, t in enumerate(types) if w.params.city.types[t].affordable]
        mkt = types.index("market")
        n = w.places.n_types

        def snap(t, w=w, aff=aff, mkt=mkt, n=n):
            return (sum(integral(w.recorder.waiting_type[k], t) for k in aff),
                    sum(integral(lv, t) for lv in w.places.levels["occupied"][mkt::n]),
                    sum(integral(lv, t) for lv in w.places.levels["licensed"][mkt::n]))

        w.env.run(until=1e-9)  # past the start of the window (the levels reset at time 0)
        prev = snap(1e-9)
        for y in range(years):
            w.env.run(until=12.0 * (y + 1))
            cur = snap(12.0 * (y + 1))
            wl[r, y] = (cur[0] - prev[0]) / 12.0
            occ[r, y] = (cur[1] - prev[1]) / (cur[2] - prev[2])
            prev = cur
    from scipy import stats
    t = stats.t.ppf(0.975, reps - 1)
    wl_lo = wl.mean(0) - t * wl.std(0, ddof=1) / math.sqrt(reps)
    occ_hi = occ.mean(0) + t * occ.std(0, ddof=1) / math.sqrt(reps)
    assert (wl_lo > 1.0).all(), wl.mean(0)
    assert (occ_hi < 0.9).all(), occ.mean(0)


# -- care modes ---------------------------------------------------------------------------------
def test_a_half_day_child_uses_half_a_place_and_pays_the_half_day_fee():
    w = world()
    c = open_class(w, classes_of(w, False)[0])
    fill_up(w, c)
    kid = next(iter(c.children))
    w.families.leave(kid, L.AGED_OUT)  # one whole place free
    a, b, full = family(w, 1), family(w, 2), family(w, 3)
    a.units = b.units = 1
    assert w.alloc.admit_first_free(a, [c]) is c
    assert w.alloc.admit_first_free(full, [c]) is None  # half a place left
    assert w.alloc.admit_first_free(b, [c]) is c
    assert c.enrolled == c.usable + 1 and c.load == 2 * c.usable
    assert a.fee_paid == pytest.approx(c.inst.fee * c.inst.half_share)
    assert c.levels["occupied"].value == pytest.approx(c.levels["enrolled"].value - 1.0)


def test_a_full_day_head_of_the_list_waits_for_a_whole_place_and_is_not_skipped():
    """Half a place frees: the full-day family at the head of the list cannot take it, and
    the half-day family behind it does not jump the queue (the place waits for a second half)."""
    w = world()
    c = open_class(w, classes_of(w, False)[0])
    fill_up(w, c)
    kid = next(iter(c.children))
    w.families.leave(kid, L.AGED_OUT)
    halves = [family(w, 10), family(w, 11)]
    for h in halves:
        h.units = 1
        w.alloc.admit(h, c)
    assert c.load == 2 * c.usable
    head, behind = family(w, 1, seek=1.0), family(w, 2, seek=2.0)
    behind.units = 1
    w.alloc.join(head, [c])
    w.alloc.join(behind, [c])
    w.families.leave(halves[0], L.AGED_OUT)
    assert head.state == L.WAITING and behind.state == L.WAITING
    assert c.load == 2 * c.usable - 1
    w.families.leave(halves[1], L.AGED_OUT)  # now a whole place: the head gets it
    assert head.cls is c and behind.state == L.WAITING


def test_demand_staffing_counts_a_half_day_child_as_half_a_child():
    w = World(load(small("staff.binding=true", "staff.staffing=demand",
                         "staff.spare_caregivers_per_class=0")), SEED)
    c = next(k for k in w.classes if k.ratio == 5)
    w.places.open_class(c, with_staff=False)
    kids = [family(w, i) for i in range(4)]
    for k in kids:
        k.units = 1
    c.usable = 10  # staffing aside: room for the test's children
    for k in kids:
        w.alloc.admit(k, c)
    assert w.staff.target(c) == 1  # four half-day children are two children's worth: one caregiver at 1:5


def test_hourly_care_is_served_from_free_places_or_lost_and_paid_to_the_provider():
    """Mechanism: a request is served when a ranked option has a whole free place at that
    moment, else lost; served hours are paid into the provider's month at the hourly share."""
    w = world()
    c = open_class(w, classes_of(w, False)[0])
    rec = w.recorder
    rec.hourly_request(c, 4.0, 1.0)
    assert rec.hourly_served == 4.0 and rec.hourly_lost == 0.0
    assert c.inst.acct.fee_area == pytest.approx(4.0 * c.inst.fee * c.inst.hourly_share)
    rec.hourly_request(None, 4.0, 1.0)
    assert rec.hourly_lost == 4.0


@pytest.mark.parametrize("places, births, lost_share", [(60.0, 600, (0.0, 0.05)), (2.0, 6000, (0.5, 1.0))])
def test_hourly_hours_are_lost_where_places_are_full_and_served_where_empty(places, births, lost_share):
    r = World(load(small("families.care_modes={full_day: 0.5, half_day: 0, hourly: 0.5}",
                         places_per_1000=(places, places), births_per_year=(births, births))), SEED).run()
    s = r.summary
    total = s["hourly_hours_served"] + s["hourly_hours_lost"]
    assert s["hourly_users"] > 20 and total > 0
    assert lost_share[0] <= s["hourly_hours_lost"] / total <= lost_share[1]
    assert (s["hourly_revenue"] > 0) == (s["hourly_hours_served"] > 0)


def test_an_hourly_request_is_served_by_the_first_ranked_class_with_room_at_its_moment():
    """Mechanism (requests need no event of their own): a class's room at any time of the month
    is its room at the month's start and the changes logged since (admissions, leaves); a
    request is served by the first ranked class with room at the request's time. Class ``a``
    is full from a quarter to three quarters of the month, so ``b`` serves the requests made
    then: about half of them (Binomial; the band is its 99.99% interval)."""
    w = world()
    rolling = classes_of(w, False)
    a = open_class(w, rolling[0])
    b = open_class(w, next(c for c in rolling if c.inst is not a.inst))
    h, env = w.hourly, w.env
    t0 = env.now
    h.close_month(t0, w.classes)  # the month starts: both classes have room
    users = [family(w, i) for i in range(300)]
    for fam in users:
        h.add_user(fam, [a, b], t0, t0 + 5.0)
    env.run(until=t0 + 0.25)
    kids = fill_up(w, a)
    env.run(until=t0 + 0.75)
    w.families.leave(kids[0], L.AGED_OUT)  # a place frees (nobody waits): room again
    assert [h.room_at(a, t0 + x) for x in (0.1, 0.25, 0.5, 0.7499, 0.75, 0.9)] == [
        True, False, False, False, True, True]
    assert h.room_at(b, t0 + 0.5)
    env.run(until=t0 + 1.0)
    paid = [c.inst.acct.fee_area for c in (a, b)]
    h.close_month(t0 + 1.0, w.classes)
    per_request = [h.hours * c.inst.fee * c.inst.hourly_share for c in (a, b)]
    n_a, n_b = ((c.inst.acct.fee_area - p) / r for c, p, r in zip((a, b), paid, per_request, strict=True))
    assert n_a == pytest.approx(round(n_a)) and n_b == pytest.approx(round(n_b))
    n = n_a + n_b
    assert abs(n - 1200) < 3.9 * 1200**0.5  # Poisson: four requests a month each
    share = n_b / n
    assert abs(share - 0.5) < 3.9 * (0.25 / n) ** 0.5, share
