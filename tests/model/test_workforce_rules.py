"""The workforce rules of issue 17 (:mod:`sim.model.workforce`) as table tests on a small world
with the quality rules on, built and its classes opened, not run.

Each test names the rule it checks: pay against the local market wage (floor, subsidy, cost
index); whether a hire is qualified (the start share for the first crews, the pay-dependent
odds after; the draw compared with that probability); a caregiver's mean tenure (pay for the
qualified only, workload when the class breaks its ratio); a quit (out of the crew, on the
provider's record, counted in the window only); training places (carried over by the month,
kept when nobody can be trained, paid for the funded share only) and courses (who is sent,
who qualifies); the wage terms and the wage subsidy paid within the budget. The mutation run
of session 9 found these open (``python tools/mutate.py workforce`` stopped at 57 of 241
mutants: 27 survived and 8 had no test against test_quality.py alone).
"""

from __future__ import annotations

import math

import pytest

from sim.model.workforce import Caregiver, crew
from sim.model.world import World
from tests.model.opened import named, opened_world
from tests.scenarios import small

CITY = ("city.institutions=[{name:A0,district:D0,type:affordable,places:{older:20}},"
        "{name:M1,district:D1,type:market,places:{older:10}}]",
        "+city.districts.1.cost_index=1.25", "staff.binding=false", "quality=on", "run.warmup_months=6")


def world(*extra: str) -> World:
    return opened_world(small(*CITY, *extra), 11)


def hired(w: World, name: str, qualified: list[bool]) -> list[Caregiver]:
    c = named(w, name).classes[0]
    recs = [Caregiver(q) for q in qualified]
    c.crew.extend(recs)
    return recs


class Draws:
    """A stream that returns the given uniforms in turn."""

    def __init__(self, *u: float) -> None:
        self.u = list(u)

    def uniform(self) -> float:
        return self.u.pop(0)


@pytest.mark.parametrize("floor, subsidy, name, pay", [
    (None, 0.0, "A0", 5800.0), (None, 0.0, "M1", 5800.0 * 1.25),
    (6000.0, 0.0, "A0", 6000.0), (6000.0, 0.0, "M1", 5800.0 * 1.25),  # a floor below the market: no effect
    (6000.0, 400.0, "A0", 6400.0), (None, 400.0, "M1", 5800.0 * 1.25 + 400.0),
])
def test_a_qualified_caregivers_pay_is_the_local_market_wage_or_the_floor_plus_the_subsidy(
        floor, subsidy, name, pay):
    w = world(f"quality.wage_floor={'null' if floor is None else floor}",
              f"quality.wage_subsidy_per_qualified={subsidy}")
    wf = w.quality.workforce
    i = named(w, name)
    market = 5800.0 * (1.25 if name == "M1" else 1.0)
    assert wf.market_wage(i) == pytest.approx(market)
    assert wf.pay(i) == pytest.approx(pay)
    assert wf.relative_pay(i) == pytest.approx(pay / market)


def test_a_hire_is_qualified_when_its_draw_is_below_the_start_share_or_the_pay_dependent_odds():
    w = world("quality.wage_floor=7250", "quality.qualified_share_start=0.3",
              "quality.qualified_hire_share=0.5", "quality.hire_wage_elasticity=1.5")
    wf = w.quality.workforce
    c = named(w, "A0").classes[0]
    p = 1.25 ** 1.5 / (1 + 1.25 ** 1.5)  # relative pay 7250 / 5800 = 1.25: about 0.583
    assert wf.hire_stream is w.quality.streams["quality.hire"]  # hires have their own stream
    wf.hire_stream = Draws(0.29, 0.3, p - 0.005, p, p + 0.005)
    recs = [wf.hire(c, True), wf.hire(c, True), wf.hire(c, False), wf.hire(c, False), wf.hire(c, False)]
    assert [r.qualified for r in recs] == [True, False, True, False, False]  # qualified iff draw < p
    assert c.crew[-5:] == recs and all(r.employed and math.isnan(r.training_until) for r in recs)


@pytest.mark.parametrize("qualified, extra_halves, hazard", [
    (False, 0, 0.03), (True, 0, 0.03 * 1.25 ** -0.5), (False, 2, 0.03 * 1.5),
    (True, 2, 0.03 * 1.25 ** -0.5 * 1.5), (False, 1, 0.03 * 1.5),  # a half-day child over is over
])
def test_the_mean_tenure_is_one_over_the_hazard_at_hire(qualified, extra_halves, hazard):
    w = world("quality.wage_floor=7250", "quality.quit_wage_elasticity=-0.5",
              "quality.workload_quit_factor=0.5")
    c = named(w, "A0").classes[0]
    c.caregivers = 1
    c.load = 2 * int(c.ratio) + extra_halves  # half places beyond what one caregiver may have
    assert w.quality.workforce.mean_tenure(c, Caregiver(qualified)) == pytest.approx(1.0 / hazard)


def test_no_base_hazard_means_a_caregiver_never_quits():
    w = world("staff.quit_hazard_per_month=0")
    c = named(w, "A0").classes[0]
    assert w.quality.workforce.mean_tenure(c, Caregiver(True)) == math.inf


def test_a_quit_leaves_the_crew_goes_on_the_providers_record_and_counts_in_the_window_only():
    w = world()
    wf = w.quality.workforce
    i = named(w, "A0")
    c = i.classes[0]
    a, b = hired(w, "A0", [True, False])
    w.env.run(until=5.0)  # before the window (warm-up 6 months)
    wf.quit(c, a)
    assert not a.employed and c.crew == [b] and wf.quits_window == 0
    w.env.run(until=6.0)
    wf.quit(c, b)
    assert c.crew == [] and wf.quits_window == 1
    d, = hired(w, "A0", [True])
    wf.quit(c, d)
    assert wf.quits_window == 2
    assert w.quality.of(i).quits[-3:] == [5.0, 6.0, 6.0]


def test_training_places_start_courses_month_by_month_and_carry_what_is_left():
    w = world("quality.training_places_per_year=18", "quality.training_cost_per_place=1000",
              "quality.training_months=3")
    wf = w.quality.workforce
    paid = []
    w.gov.pay = lambda kind, due, in_window: paid.append((kind, due, in_window)) or 1.0
    w.gov.hub = None
    recs = hired(w, "A0", [False] * 5) + hired(w, "M1", [True, False])
    insts = [named(w, "A0"), named(w, "M1")]
    wf.start_courses(10.0, insts, True)  # 1.5 places: one course, 0.5 carried
    assert len(wf.courses) == 1 and wf.training_carry == pytest.approx(0.5) and wf.training_used == 1
    assert wf.courses[0].training_until == 13.0
    wf.start_courses(11.0, insts, False)  # 2.0 places: two more, nothing carried, out of the window
    assert len(wf.courses) == 3 and wf.training_carry == pytest.approx(0.0) and wf.training_used == 1
    assert paid == [("quality", 1000.0, True), ("quality", 2000.0, False)]
    in_course = [r for r in recs if not math.isnan(r.training_until)]
    assert len(in_course) == 3 and all(not r.qualified for r in in_course)
    assert recs[5].qualified and math.isnan(recs[5].training_until)  # a qualified caregiver is never sent
    recs += hired(w, "M1", [False] * 6)
    wf.training_carry = 7.5  # as many places as caregivers left to train (9): each starts one course
    wf.start_courses(12.0, insts, True)
    assert len(wf.courses) == 12 and len({id(r) for r in wf.courses}) == 12 and wf.training_used == 1 + 9
    assert all(not math.isnan(r.training_until) for r in recs if not r.qualified)


def test_places_with_nobody_to_train_carry_over_and_the_hubs_places_are_free():
    w = world("quality.training_places_per_year=12", "quality.training_cost_per_place=1000")
    wf = w.quality.workforce
    paid = []
    w.gov.pay = lambda kind, due, in_window: paid.append(due) or 1.0

    class Hub:
        month_training = 3.0

    w.gov.hub = Hub()
    insts = [named(w, "A0"), named(w, "M1")]
    hired(w, "A0", [True])
    wf.start_courses(1.0, insts, True)  # 1 funded + 3 delivered places, nobody to train
    assert wf.training_carry == pytest.approx(4.0) and wf.courses == [] and paid == []
    hired(w, "M1", [False, False])
    wf.start_courses(2.0, insts, True)  # 8 places, two caregivers: two courses, a fifth of them funded
    assert len(wf.courses) == 2 and wf.training_carry == pytest.approx(6.0)
    assert paid == [pytest.approx(2 * (1 / 4) * 1000.0)]


def test_a_violation_sends_the_unqualified_not_in_a_course_and_courses_qualify_those_still_in_post():
    w = world("quality.training_months=6")
    wf = w.quality.workforce
    q, u1, u2, u3 = hired(w, "A0", [True, False, False, False])
    u3.training_until = 4.0
    wf.courses.append(u3)
    sent = wf.send_to_course(named(w, "A0"), 2.0)
    assert sent == [u1, u2] and u1.training_until == 8.0 and math.isnan(q.training_until)
    assert wf.courses == [u3, u1, u2] and u3.training_until == 4.0
    u2.employed = False
    wf.finish_courses(3.9)
    assert not u3.qualified and wf.courses == [u3, u1, u2]
    wf.finish_courses(4.0)
    assert u3.qualified and wf.courses == [u1, u2]
    wf.finish_courses(8.0)
    assert u1.qualified and not u2.qualified and wf.courses == []
    e, f = hired(w, "A0", [False, False])
    e.training_until, f.training_until = 9.0, 9.5
    wf.courses = [e, f]
    wf.finish_courses(9.0)
    assert e.qualified and wf.courses == [f]  # the course ending half a month later goes on
    wf.finish_courses(9.5)
    assert f.qualified


def test_wage_terms_and_the_subsidy_paid_within_the_budget():
    w = world("quality.wage_floor=7250", "quality.wage_subsidy_per_qualified=500")
    wf = w.quality.workforce
    a0, m1 = named(w, "A0"), named(w, "M1")
    hired(w, "A0", [True, True, False])
    hired(w, "M1", [True])
    due = []
    w.gov.pay = lambda kind, amount, in_window: due.append((kind, amount, in_window)) or 0.8
    w.gov.month_cost = before = [100.0, 200.0]
    before = list(before)
    wf.pay_wage_subsidy(True, w.institutions)
    assert due == [("quality", 500.0 * 3, True)] and wf.subsidy_share == 0.8
    assert w.gov.month_cost[0] - before[0] == pytest.approx(500 * 2 * 0.8)
    assert w.gov.month_cost[1] - before[1] == pytest.approx(500 * 1 * 0.8)
    cost, revenue = wf.wage_terms(a0)
    assert cost == pytest.approx(2 * (7250 + 500 - 5800)) and revenue == pytest.approx(2 * 500 * 0.8)
    cost, revenue = wf.wage_terms(m1)  # market wage 7250 there: the floor adds nothing
    assert cost == pytest.approx(500.0) and revenue == pytest.approx(400.0)
    assert len(crew(a0)) == 3


def test_no_wage_subsidy_pays_nothing():
    w = world()
    wf = w.quality.workforce
    hired(w, "A0", [True])
    w.gov.pay = lambda *a: pytest.fail("nothing is due")
    wf.pay_wage_subsidy(True, w.institutions)
    assert wf.subsidy_share == 1.0


def test_a_wage_subsidy_of_one_yuan_is_paid():
    w = world("quality.wage_subsidy_per_qualified=1")
    wf = w.quality.workforce
    hired(w, "M1", [True, True])
    due = []
    w.gov.pay = lambda kind, amount, in_window: due.append(amount) or 1.0
    wf.pay_wage_subsidy(False, w.institutions)
    assert due == [2.0]
