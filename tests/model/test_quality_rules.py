"""The quality rules of issue 17 (:mod:`sim.model.quality`) as table tests on a small world with
the quality rules on, built and its classes opened, not run.

Each test names the rule it checks: the score's parts and weights and the grades' bounds; a
provider's risk; the month's assessment of a provider from its crew, classes, quits and
guidance visits; the window's samples; guidance visits by the comprehensive centre (the
lowest scores first, at most one a year each, fractions carried over); what families see (a
noisy score against its type's mean, incidents fading with their memory and spilling over to
the district); the month's extra costs (health staff by size, fines once); the KPIs and their
empty cases. The mutation run of session 10 (``python tools/mutate.py quality``) found these
open against ``test_quality.py`` alone, which checks the workforce and whole runs.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from sim.model.quality import KPI_NAMES, Quality, quality_score, risk
from sim.model.workforce import Caregiver
from sim.model.world import World
from tests.model.opened import enrol, named, opened_world
from tests.scenarios import small

CITY = ("city.institutions=[{name:A0,district:D0,type:affordable,places:{toddler:10,older:20}},"
        "{name:M0,district:D0,type:market,places:{older:10}},"
        "{name:M1,district:D1,type:market,places:{older:10}}]",
        "staff.binding=false", "quality=on", "run.warmup_months=6")


def world(*extra: str) -> World:
    return opened_world(small(*CITY, *extra), 11)


def staffed(w: World, name: str, qualified: list[bool], cls: int = 0) -> None:
    """Put caregivers in post in class ``cls`` of ``name`` (records and the class's count)."""
    c = named(w, name).classes[cls]
    c.crew.extend(Caregiver(q) for q in qualified)
    w.places.set_caregivers(c, len(c.crew))


def at(w: World, t: float) -> None:
    w.env.run(until=t)


# -- the score and the risk ------------------------------------------------------------
WEIGHTS = {"qualified": 0.4, "ratios": 0.3, "stability": 0.2, "guidance": 0.1}


@pytest.mark.parametrize("parts, score", [
    ((1.0, 0.0, 0.0, False), 0.4), ((0.0, 1.0, 0.0, False), 0.3), ((0.0, 0.0, 1.0, False), 0.2),
    ((0.0, 0.0, 0.0, True), 0.1), ((0.5, 0.5, 0.5, True), 0.55), ((1.0, 1.0, 1.0, True), 1.0),
])
def test_the_score_is_the_weighted_sum_of_its_four_parts(parts, score):
    assert quality_score(*parts, WEIGHTS) == pytest.approx(score)


def test_a_part_without_a_weight_counts_nothing():
    assert quality_score(1.0, 1.0, 1.0, True, {"ratios": 0.5}) == pytest.approx(0.5)
    assert quality_score(1.0, 1.0, 1.0, True, {}) == 0.0


CFG = SimpleNamespace(incident_risk_unqualified=2.0, incident_risk_ratio_breach=3.0,
                      incident_risk_turnover=1.0, incident_risk_health_staff=0.3)


@pytest.mark.parametrize("unqualified, breach, turnover, health, r", [
    (0.0, 0.0, 0.0, False, 1.0), (0.5, 0.0, 0.0, False, 2.0), (0.0, 0.5, 0.0, False, 2.5),
    (0.0, 0.0, 0.5, False, 1.5), (0.5, 0.5, 0.5, False, 4.0), (0.5, 0.5, 0.5, True, 2.8),
    (0.0, 0.0, 0.0, True, 0.7),
])
def test_risk_adds_each_factor_times_its_weight_and_health_staff_scales_it_down(unqualified, breach, turnover,
                                                                                 health, r):
    assert risk(unqualified, breach, turnover, health, CFG) == pytest.approx(r)


# -- the month's assessment of a provider ----------------------------------------------------------
def test_the_assessment_reads_the_crew_the_classes_the_quits_and_the_last_guidance_visit():
    """A0: 3 of 4 caregivers qualified; its toddler class of 10 children with one caregiver
    breaks its ratio (1:5), its older class does not: breach 1/2; two quits in the last twelve
    months (one exactly twelve months ago is forgotten): turnover 2/4, stability 1 - 0.5/0.6;
    visited 12 months ago: still guided."""
    w = world()
    q = w.quality
    staffed(w, "A0", [True], cls=0)
    staffed(w, "A0", [True, True, False], cls=1)
    enrol(w, "A0", 10, cls=0)
    enrol(w, "A0", 5, cls=1)
    at(w, 20.0)
    a0 = named(w, "A0")
    rec = q.of(a0)
    rec.quits = [8.0, 8.5, 19.0]  # 8.0 is exactly twelve months before 20.0
    rec.visited_at = 8.0
    r = q._assess(a0, 20.0)
    assert rec.quits == [8.5, 19.0]
    stability = 1.0 - 0.5 / 0.6
    assert rec.score == pytest.approx(quality_score(0.75, 0.5, stability, True, WEIGHTS))
    cfg = q.cfg
    assert r == pytest.approx(risk(0.25, 0.5, 0.5, False, cfg))
    rec.visited_at = 7.999  # more than twelve months ago: not guided
    q._assess(a0, 20.0)
    assert rec.score == pytest.approx(quality_score(0.75, 0.5, stability, False, WEIGHTS))


def test_a_provider_without_caregivers_counts_as_unqualified_with_no_turnover():
    """(A turnover reference of 0 is refused by the configuration: the score's guard for it
    cannot be reached from a run.)"""
    w = world("quality.health_staff_required=true")
    q = w.quality
    m0 = named(w, "M0")
    q.of(m0).quits = [0.0]
    r = q._assess(m0, 0.0)
    assert q.of(m0).score == pytest.approx(quality_score(0.0, 1.0, 1.0, False, WEIGHTS))  # no one: no breach
    assert r == pytest.approx(risk(1.0, 0.0, 0.0, True, q.cfg))
    assert q.health_staff(m0)


def test_turnover_beyond_its_reference_gives_no_stability_and_no_less():
    w = world("quality.turnover_reference=0.25")
    q = w.quality
    staffed(w, "M1", [True, True])
    q.of(named(w, "M1")).quits = [0.0]  # turnover 1/2, twice the reference
    q._assess(named(w, "M1"), 0.0)
    assert q.of(named(w, "M1")).score == pytest.approx(quality_score(1.0, 1.0, 0.0, False, WEIGHTS))


# -- the window's samples ---------------------------------------------------------------------------
def test_samples_add_caregivers_and_quality_weighted_by_children_only_in_the_window():
    w = world()
    q = w.quality
    staffed(w, "A0", [True, False, False])
    enrol(w, "A0", 4)
    enrol(w, "M0", 2)
    a0, m0 = named(w, "A0"), named(w, "M0")
    q.of(a0).score, q.of(m0).score = 0.8, 0.5
    q._sample([a0, m0], in_window=False)
    assert (q.months_sampled, q.caregivers_sum, q.child_sum) == (0, 0.0, 0.0)
    q._sample([a0, m0], in_window=True)
    q._sample([a0], in_window=True)
    assert q.months_sampled == 2
    assert (q.caregivers_sum, q.qualified_sum) == (6.0, 2.0)
    assert q.child_sum == 10 and q.quality_child_sum == pytest.approx(0.8 * 8 + 0.5 * 2)
    assert q.child_by_type == {"affordable": 8, "market": 2}
    assert q.quality_child_by_type == {"affordable": pytest.approx(6.4), "market": pytest.approx(1.0)}


# -- guidance visits --------------------------------------------------------------------------------
def test_guidance_visits_go_to_the_lowest_scores_not_visited_this_year_and_carry_fractions():
    w = world()
    q = w.quality
    a0, m0, m1 = named(w, "A0"), named(w, "M0"), named(w, "M1")
    q.of(a0).score, q.of(m0).score, q.of(m1).score = 0.3, 0.6, 0.3
    w.gov.hub = SimpleNamespace(month_visits=0.6)
    q._guidance(20.0, [a0, m0, m1])
    assert q.visits_carry == pytest.approx(0.6)  # less than one visit: none yet
    assert all(q.of(i).visited_at == -math.inf for i in (a0, m0, m1))
    w.gov.hub.month_visits = 1.5  # 2.1 in all: two visits, the lowest scores, ties by index
    q._guidance(21.0, [a0, m0, m1])
    assert (q.of(a0).visited_at, q.of(m1).visited_at, q.of(m0).visited_at) == (21.0, 21.0, -math.inf)
    assert q.visits_carry == pytest.approx(0.1)
    w.gov.hub.month_visits = 2.0  # A0 and M1 were visited 12 months ago: not due yet; M0 is
    q._guidance(33.0, [a0, m0, m1])
    assert (q.of(a0).visited_at, q.of(m1).visited_at, q.of(m0).visited_at) == (21.0, 21.0, 33.0)
    assert q.visits_carry == pytest.approx(1.1)
    q._guidance(33.001, [a0, m0, m1])  # more than twelve months: due again
    assert q.of(a0).visited_at == 33.001 and q.of(m1).visited_at == 33.001


def test_without_a_hub_nobody_is_visited_and_the_hub_itself_never_is():
    w = world()
    q = w.quality
    a0 = named(w, "A0")
    w.gov.hub = None
    q._guidance(20.0, [a0])
    assert q.visits_carry == 0.0 and q.of(a0).visited_at == -math.inf
    w.gov.hub = SimpleNamespace(month_visits=3.0)
    a0.type = "hub"
    q._guidance(20.0, [a0])
    assert q.of(a0).visited_at == -math.inf and q.visits_carry == pytest.approx(3.0)


# -- what families see --------------------------------------------------------------------------------
def test_families_see_each_score_against_its_types_mean_without_noise_at_sd_zero():
    w = world("quality.perception_sd=0", "quality.utility_per_quality=2.0")
    q = w.quality
    a0, m0, m1 = named(w, "A0"), named(w, "M0"), named(w, "M1")
    assert q.utility(m0) == 0.0  # not yet assessed: nothing
    q.of(a0).score, q.of(m0).score, q.of(m1).score = 0.7, 0.4, 0.6
    q._perceive([a0, m0, m1])
    assert [q.of(i).perceived for i in (a0, m0, m1)] == [0.7, 0.4, 0.6]
    assert q.type_mean == {"affordable": pytest.approx(0.7), "market": pytest.approx(0.5)}
    assert [q.utility(i) for i in (a0, m0, m1)] == [pytest.approx(0.0), pytest.approx(-0.2),
                                                    pytest.approx(0.2)]


@pytest.mark.parametrize("ages, memory, fading", [
    ([0.0], 12.0, 1.0), ([12.0], 12.0, math.exp(-1.0)), ([0.0, 6.0], 12.0, 1.0 + math.exp(-0.5)),
    ([59.999], 12.0, math.exp(-59.999 / 12.0)), ([60.0], 12.0, 0.0), ([0.0], 0.0, 0.0),
])
def test_incidents_fade_with_their_memory_and_are_forgotten_after_five_memories(ages, memory, fading):
    now = 100.0
    assert Quality._fading([now - a for a in ages], now, memory) == pytest.approx(fading)


def test_an_incident_lowers_its_providers_utility_and_a_share_of_it_its_districts_others():
    """M0 had an incident now: its utility loses the penalty; A0 (same district) loses the
    spillover share of it; M1 (another district) nothing."""
    w = world("quality.perception_sd=0", "quality.incident_demand_penalty=1.5",
              "quality.incident_spillover=0.4")
    q = w.quality
    insts = [named(w, n) for n in ("A0", "M0", "M1")]
    for i in insts:
        q.of(i).score = 0.5
    at(w, 10.0)
    q.of(insts[1]).incidents = [10.0]
    q._perceive(insts)
    assert q.district_penalty == [pytest.approx(1.0), 0.0]
    assert [q.utility(i) for i in insts] == [pytest.approx(-1.5 * 0.4), pytest.approx(-1.5), 0.0]


# -- the month's money ---------------------------------------------------------------------------------
@pytest.mark.parametrize("required, minimum, cost", [
    (False, 50, 0.0), (True, 30, 6500.0), (True, 31, 1500.0),  # A0 has 30 licensed places
])
def test_health_staff_cost_a_worker_from_the_minimum_size_and_a_clinic_below_it(required, minimum, cost):
    w = world(f"quality.health_staff_required={str(required).lower()}",
              f"quality.health_staff_min_children={minimum}")
    assert w.quality.month_terms(named(w, "A0")) == (pytest.approx(cost), 0.0)


def test_a_fine_due_is_paid_in_the_next_month_once_and_a_provider_without_places_pays_no_health_staff():
    w = world("quality.health_staff_required=true")
    q = w.quality
    a0 = named(w, "A0")
    q.of(a0).fine_due = 20000.0
    assert q.month_terms(a0)[0] == pytest.approx(21500.0)  # 30 places: a clinic partnership
    assert q.month_terms(a0)[0] == pytest.approx(1500.0)
    for c in a0.classes:
        w.places.set_licensed(c, 0)
    assert q.month_terms(a0)[0] == 0.0


# -- KPIs ---------------------------------------------------------------------------------------------
def test_the_kpis_are_the_windows_ratios():
    w = world()
    q = w.quality
    q.months_sampled, q.caregivers_sum, q.qualified_sum = 24, 240.0, 180.0
    q.quality_child_sum, q.child_sum = 30.0, 50.0
    q.quality_child_by_type, q.child_by_type = {"market": 12.0}, {"market": 20.0}
    q.workforce.quits_window = 6
    q.supervision.incidents_window = 3
    out = q.kpis(["market", "affordable"], care_months=600.0)
    assert set(out) == {*KPI_NAMES, "mean_quality_enrolled_market", "mean_quality_enrolled_affordable"}
    assert out["qualified_share"] == pytest.approx(0.75)
    assert out["caregiver_turnover_per_year"] == pytest.approx(6 / 10 / 2)  # 6 quits, 10 caregivers, 2 years
    assert out["incidents_per_1000_child_years"] == pytest.approx(3 / 50 * 1000)
    assert out["incidents"] == 3
    assert out["mean_quality_enrolled"] == pytest.approx(0.6)
    assert out["mean_quality_enrolled_market"] == pytest.approx(0.6)
    assert out["mean_quality_enrolled_affordable"] == 0.0


def test_kpis_of_an_empty_window_are_zero_and_a_run_without_the_rules_has_the_same_names():
    w = world()
    out = w.quality.kpis(["market"], care_months=0.0)
    assert all(v == 0 for v in out.values())
    assert Quality.empty_kpis(["market"]) == dict.fromkeys(out, 0.0)


# -- the month -------------------------------------------------------------------------------------------
def test_a_month_without_an_open_provider_does_nothing():
    w = world()
    for i in w.institutions:
        i.open = False
    w.options.stale = False
    w.quality.close_month(0, True)
    assert w.quality.months_sampled == 0 and not w.options.stale


def test_the_month_assesses_samples_and_has_families_re_rank():
    w = world()
    w.options.stale = False
    staffed(w, "A0", [True])
    w.quality.close_month(0, True)
    assert w.quality.months_sampled == 1 and w.options.stale
    assert w.quality.of(named(w, "A0")).score > 0.5  # assessed: qualified, within ratio


# -- the survivors of the mutation run with the tests above (session 10) -----------------------------
def test_a_provider_not_yet_assessed_is_middling_with_nothing_on_record():
    from sim.model.quality import ProviderQuality

    rec = ProviderQuality()
    assert (rec.score, rec.perceived) == (0.5, 0.5)
    assert (rec.quits, rec.incidents, rec.violations, rec.saved) == ([], [], [], [])
    assert (rec.visited_at, rec.suspended_until, rec.fine_due) == (-math.inf, -math.inf, 0.0)


def test_quality_draws_from_its_own_stream_and_a_record_alone_changes_no_utility():
    w = world()
    q = w.quality
    assert q.gen is w.streams["quality.events"].gen
    q.of(named(w, "M0"))  # a record before any month: no incident anywhere, no type mean yet
    assert q.district_penalty == [0.0, 0.0] and q.utility(named(w, "M0")) == 0.0


@pytest.mark.parametrize("licensed, older_breaks, breach", [(0, True, 1.0), (1, False, 0.5)])
def test_only_classes_with_licensed_places_count_for_the_ratio(licensed, older_breaks, breach):
    """A0's toddler class at 0 places (a band it lacks) is not counted: its older class, with a
    child and no caregiver, is the whole breach share. With one place and a child without a
    caregiver, the toddler class counts: half the classes break their ratio."""
    w = world()
    q = w.quality
    a0 = named(w, "A0")
    w.places.set_licensed(a0.classes[0], licensed)
    if licensed:
        enrol(w, "A0", 1, cls=0)
    enrol(w, "A0", 1, cls=1)
    if not older_breaks:
        staffed(w, "A0", [True], cls=1)
    r = q._assess(a0, 0.0)
    qualified = 1.0 if not older_breaks else 0.0
    assert q.of(a0).score == pytest.approx(quality_score(qualified, 1.0 - breach, 1.0, False, WEIGHTS))
    assert r == pytest.approx(risk(1.0 - qualified, breach, 0.0, False, q.cfg))


def test_a_provider_without_a_class_with_places_breaks_no_ratio():
    w = world()
    q = w.quality
    m1 = named(w, "M1")
    w.places.set_licensed(m1.classes[0], 0)
    q._assess(m1, 0.0)
    assert q.of(m1).score == pytest.approx(quality_score(0.0, 1.0, 1.0, False, WEIGHTS))


def test_a_short_incident_memory_still_fades():
    assert Quality._fading([99.75], 100.0, 0.5) == pytest.approx(math.exp(-0.5))


def test_one_guidance_visit_a_month_visits_one_provider():
    w = world()
    q = w.quality
    insts = [named(w, n) for n in ("A0", "M0", "M1")]
    w.gov.hub = SimpleNamespace(month_visits=1.0)
    q._guidance(5.0, insts)
    assert [q.of(i).visited_at for i in insts] == [5.0, -math.inf, -math.inf] and q.visits_carry == 0.0


def test_without_noise_the_quality_stream_is_not_drawn_and_with_it_each_score_gets_its_draw():
    import copy

    w = world("quality.perception_sd=0")
    q = w.quality
    insts = [named(w, n) for n in ("A0", "M0", "M1")]
    state = copy.deepcopy(q.gen.bit_generator.state)
    q._perceive(insts)
    assert q.gen.bit_generator.state == state
    w = world("quality.perception_sd=0.1")
    q = w.quality
    insts = [named(w, n) for n in ("A0", "M0", "M1")]
    for i, s in zip(insts, (0.2, 0.5, 0.8), strict=True):
        q.of(i).score = s
    twin = copy.deepcopy(q.gen)
    q._perceive(insts)
    noise = twin.normal(0.0, 0.1, 3).tolist()
    want = [0.2 + noise[0], 0.5 + noise[1], 0.8 + noise[2]]
    assert [q.of(i).perceived for i in insts] == pytest.approx(want)


def test_a_districts_incident_penalty_adds_up_its_providers_incidents():
    w = world("quality.perception_sd=0")
    q = w.quality
    insts = [named(w, n) for n in ("A0", "M0", "M1")]
    at(w, 10.0)
    q.of(insts[0]).incidents = [10.0]
    q.of(insts[1]).incidents = [10.0, 10.0]
    q._perceive(insts)
    assert q.district_penalty == [pytest.approx(3.0), 0.0]


def test_the_month_runs_courses_visits_and_inspections_with_its_time_and_window():
    """Training places, a hub's visit and an inspection a month at every provider: each rule
    of the month runs at the month's time and counts in the window."""
    w = world("quality.training_places_per_year=24", "quality.training_months=1",
              "quality.inspections_per_provider_year=12", "quality.violation_base=0",
              "quality.perception_sd=0")
    q = w.quality
    staffed(w, "A0", [False, False])
    staffed(w, "M0", [True])
    w.gov.hub = SimpleNamespace(month_visits=1.0, month_training=0.0)
    q.close_month(0, True)
    sup, wf = q.supervision, q.workforce
    assert wf.training_used == 2 and len(wf.courses) == 2
    assert sup.inspections == 3 and q.visits_carry == 0.0
    assert sum(math.isfinite(q.of(i).visited_at) for i in w.institutions) == 1
    at(w, 1.0)
    q.close_month(1, True)
    assert all(r.qualified for r in named(w, "A0").classes[0].crew)  # their course ended


@pytest.mark.parametrize("months, quits, turnover", [(1, 2, 2 / 4 / (1 / 12)), (0, 3, 0.0)])
def test_turnover_per_year_over_the_sampled_months_and_none_without_a_sample(months, quits, turnover):
    w = world()
    q = w.quality
    q.months_sampled, q.caregivers_sum = months, 4.0 * months
    q.workforce.quits_window = quits
    assert q.kpis([], care_months=1.0)["caregiver_turnover_per_year"] == pytest.approx(turnover)


def test_incidents_per_1000_child_years_over_any_positive_care():
    w = world()
    q = w.quality
    q.supervision.incidents_window = 3
    assert q.kpis([], care_months=0.6)["incidents_per_1000_child_years"] == pytest.approx(3 / 0.05 * 1000)


def test_a_provider_of_one_place_needs_health_staff_and_pays_it_on_top_of_its_wage_terms():
    w = world("quality.health_staff_required=true", "quality.wage_floor=6000")
    q = w.quality
    m1 = named(w, "M1")
    w.places.set_licensed(m1.classes[0], 1)
    assert q.month_terms(m1)[0] == pytest.approx(1500.0)
    staffed(w, "M1", [True])  # one qualified caregiver: 200 yuan of top-up to the floor
    assert q.month_terms(m1)[0] == pytest.approx(200.0 + 1500.0)
