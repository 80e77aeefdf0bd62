"""Safety and supervision rules of issue 17 (:mod:`sim.model.supervision`) as table tests on a
small world with the quality rules on, built and its classes opened, not run. The rules' random
draws come from a stub with the values each test chooses.

Each test names the rule it checks: incidents in proportion to children and risk, recorded and
counted in the window, bringing an inspection when the provider is open and not suspended;
the month's inspections drawn against the targeting's probabilities; an inspection's cost, its
violation (a draw below the base rate times risk), the remedy (unqualified caregivers sent on a
course at the provider's cost) and the sanction that escalates with the violations still on
record; a suspension sets the places aside and a reinstatement returns them. The mutation run
of session 9 (``python tools/mutate.py supervision``) found these open against test_quality.py
alone (74 of the first 137 mutants had no test).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.supervision import inspection_probabilities
from sim.model.workforce import Caregiver
from sim.model.world import World
from tests.model.opened import enrol, named, opened_world
from tests.model.test_admissions import family
from tests.scenarios import small

CITY = ("city.institutions=[{name:A0,district:D0,type:affordable,places:{older:20}},"
        "{name:M1,district:D1,type:market,places:{older:10}}]",
        "staff.binding=false", "quality=on", "run.warmup_months=6", "run.burnin_months=0",
        "quality.incidents_per_1000_child_years=120", "quality.violation_base=0.4",
        "quality.inspection_cost=500", "quality.fine=2000", "quality.training_cost_per_place=300",
        "quality.violation_memory_months=12", "quality.suspension_months=3")


class Gen:
    """Draws chosen by the test: Poisson counts, and uniforms in turn."""

    def __init__(self, counts=(), uniforms=()) -> None:
        self.counts = list(counts)
        self.uniforms = list(uniforms)
        self.lam: list[float] = []

    def poisson(self, lam):
        self.lam = list(lam)
        return np.array(self.counts[: len(lam)])

    def random(self, n=None):
        if n is None:
            return self.uniforms.pop(0)
        out, self.uniforms = self.uniforms[:n], self.uniforms[n:]
        return np.array(out)


def world(*extra: str) -> World:
    return opened_world(small(*CITY, *extra), 5)


def sup(w: World, gen: Gen):
    s = w.quality.supervision
    s.gen = gen
    return s


def with_children(w: World) -> tuple:
    """A0 with 12 children and M1 with 6 (stub children in their first classes)."""
    enrol(w, "A0", 12)
    enrol(w, "M1", 6)
    return named(w, "A0"), named(w, "M1")


def recording(s) -> list[tuple[str, float, float, bool]]:
    """Replace ``s``'s inspection by a record of its calls: (provider, risk, time, in the window)."""
    calls: list[tuple[str, float, float, bool]] = []
    s.inspect = lambda i, r, now, in_window: calls.append((i.name, r, now, in_window))
    return calls


def test_incidents_follow_children_and_risk_and_bring_an_inspection_to_open_unsuspended_providers():
    w = world("quality.inspection_after_incident=true")
    a0, m1 = with_children(w)
    s = sup(w, Gen(counts=[2, 1]))
    inspected = recording(s)
    w.quality.of(m1).suspended_until = 50.0  # suspended: no inspection
    s.incidents([a0, m1], np.array([1.0, 2.0]), 7.0, True)
    assert s.gen.lam == pytest.approx([12 / 12 * 120 / 1000 * 1.0, 6 / 12 * 120 / 1000 * 2.0])
    assert w.quality.of(a0).incidents == [7.0, 7.0] and w.quality.of(m1).incidents == [7.0]
    assert s.incidents_window == 3 and inspected == [("A0", 1.0, 7.0, True)]
    s.gen = Gen(counts=[1, 0])
    s.incidents([a0, m1], np.array([1.0, 2.0]), 8.0, False)  # out of the window: recorded, not counted
    assert w.quality.of(a0).incidents == [7.0, 7.0, 8.0] and s.incidents_window == 3
    assert inspected[-1] == ("A0", 1.0, 8.0, False)


def test_no_inspection_after_an_incident_when_the_rule_is_off():
    w = world("quality.inspection_after_incident=false")
    a0 = named(w, "A0")
    enrol(w, "A0", 12)
    s = sup(w, Gen(counts=[1]))
    s.inspect = lambda *a: pytest.fail("no inspection after an incident")
    s.incidents([a0], np.array([1.0]), 7.0, True)
    assert w.quality.of(a0).incidents == [7.0]


def test_the_months_inspections_are_drawn_against_the_targetings_probabilities():
    w = world("quality.inspections_per_provider_year=6", "quality.inspection_targeting=risk")
    a0, m1 = named(w, "A0"), named(w, "M1")
    p = 0.5 * 2 * np.array([1.0, 3.0]) / 4.0  # 0.25 and 0.75
    s = sup(w, Gen(uniforms=[p[0] - 0.01, p[1]]))
    inspected = recording(s)
    s.inspect_providers([a0, m1], np.array([1.0, 3.0]), 7.0, True)
    assert inspected == [("A0", 1.0, 7.0, True)]  # a draw equal to its probability is no inspection
    s.gen = Gen(uniforms=[0.0, 0.0])
    w.quality.of(a0).suspended_until = 50.0
    a1 = named(w, "M1")
    s.inspect_providers([a0, a1], np.array([1.0, 3.0]), 7.0, True)
    assert inspected[-1][:2] == ("M1", 3.0) and len(inspected) == 2  # the suspended one is skipped


def test_no_inspections_a_year_draws_nothing():
    w = world("quality.inspections_per_provider_year=0")
    s = sup(w, Gen())
    s.inspect = lambda *a: pytest.fail("no inspections")
    s.inspect_providers([named(w, "A0")], np.array([5.0]), 7.0, True)


def test_an_inspection_costs_finds_a_violation_below_base_times_risk_and_escalates_the_sanction():
    w = world()
    a0 = named(w, "A0")
    c = a0.classes[0]
    q = w.quality.of(a0)
    c.crew.extend([Caregiver(True), Caregiver(False), Caregiver(False)])
    booked = []
    w.gov.book_cost = lambda kind, paid, t, in_window, refused=0.0: booked.append((kind, paid, t, in_window))
    w.gov.month_cost = [10.0, 0.0]
    s = sup(w, Gen(uniforms=[0.8, 0.79, 0.1, 0.1, 0.1]))
    assert s.inspect(a0, 2.0, 7.0, True) is None  # 0.8 >= 0.4 * 2: clean
    assert booked == [("quality", 500.0, 6.0, True)] and w.gov.month_cost[0] == 510.0 and s.inspections == 1
    assert s.inspect(a0, 2.0, 8.0, True) == "warning"  # 0.79 < 0.8: a violation, the first
    assert q.violations == [8.0] and s.warnings == 1
    assert q.fine_due == pytest.approx(2 * 300.0)  # two unqualified caregivers sent on a course
    assert sum(not math.isnan(r.training_until) for r in c.crew) == 2
    assert s.inspect(a0, 2.0, 9.0, False) == "fine"  # out of the window: not counted
    assert q.fine_due == pytest.approx(600.0 + 2000.0) and s.fines == 0 and s.inspections == 2
    assert s.inspect(a0, 2.0, 10.0, True) == "suspension"
    assert q.suspended_until == 13.0 and q.saved == [20] and c.licensed == 0 and s.suspensions == 1
    assert s.displaced_by_sanctions == 0 and w.options.stale  # nobody enrolled; the options are rebuilt
    assert s.suspended(a0) is True  # until month 13
    w.env.run(until=13.0)
    assert s.suspended(a0) is False
    assert s.inspect(a0, 2.0, 13.0, True) == "revocation"
    assert not a0.open and s.revocations == 1


def test_violations_older_than_the_memory_are_forgotten():
    w = world()
    a0 = named(w, "A0")
    q = w.quality.of(a0)
    q.violations = [0.0, 5.0]  # one older than a year at month 12.5, one not
    s = sup(w, Gen(uniforms=[0.0]))
    assert s.inspect(a0, 1.0, 12.5, True) == "fine"  # one on record: the second sanction
    assert q.violations == [5.0, 12.5]
    q.violations = [0.5]
    s.gen = Gen(uniforms=[0.0])
    assert s.inspect(a0, 1.0, 12.5, True) == "warning"  # exactly 12 months earlier: forgotten
    q.violations = [0.6]
    s.gen = Gen(uniforms=[0.0])
    assert s.inspect(a0, 1.0, 12.5, True) == "fine"  # just inside the memory: on record


def test_a_risk_above_one_over_the_base_rate_always_violates():
    w = world()
    s = sup(w, Gen(uniforms=[0.999]))
    assert s.inspect(named(w, "A0"), 10.0, 7.0, True) == "warning"


def test_a_suspension_returns_the_places_when_it_ends_and_not_to_a_closed_provider():
    w = world()
    a0, m1 = named(w, "A0"), named(w, "M1")
    s = sup(w, Gen())
    s.suspend(a0, 0.0, True)
    s.suspend(m1, 0.0, False)
    assert a0.classes[0].licensed == 0 and m1.classes[0].licensed == 0 and s.suspensions == 1
    s.reinstate(2.9)
    assert a0.classes[0].licensed == 0
    w.providers.close([m1])
    s.reinstate(3.0)
    assert a0.classes[0].licensed == 20 and w.quality.of(a0).saved == []
    assert m1.classes[0].licensed == 0 and w.quality.of(m1).saved == []


@pytest.mark.parametrize("risks, per_year, targeting, expected", [
    ([1.0, 3.0], 6.0, "random", [0.5, 0.5]),
    ([0.3, 0.5], 6.0, "risk", [0.5 * 2 * 0.3 / 0.8, 0.5 * 2 * 0.5 / 0.8]),  # risks summing below 1
    ([0.0, 0.0], 6.0, "risk", [0.5, 0.5]),  # no risk anywhere: as random
    ([2.0], 6.0, "risk", [0.5]),
    ([1.0, 1.0], 18.0, "random", [1.0, 1.0]),  # a probability above 1 is cut to 1
    ([], 6.0, "risk", []),
])
def test_inspection_probabilities_table(risks, per_year, targeting, expected):
    got = inspection_probabilities(np.array(risks, dtype=float), per_year, targeting)
    assert got.tolist() == pytest.approx(expected)


def test_one_inspection_a_year_is_drawn_and_random_targeting_ignores_risk():
    w = world("quality.inspections_per_provider_year=1", "quality.inspection_targeting=random")
    a0, m1 = named(w, "A0"), named(w, "M1")
    s = sup(w, Gen(uniforms=[1 / 12 - 0.001, 1 / 12 - 0.001]))
    inspected = recording(s)
    s.inspect_providers([a0, m1], np.array([1.0, 9.0]), 7.0, True)
    assert [c[0] for c in inspected] == ["A0", "M1"]  # both at 1/12, whatever their risk


def test_a_provider_without_incidents_is_not_inspected_and_the_next_one_still_is():
    w = world("quality.inspection_after_incident=true")
    a0, m1 = with_children(w)
    s = sup(w, Gen(counts=[0, 2]))
    inspected = recording(s)
    s.incidents([a0, m1], np.array([1.0, 1.0]), 7.0, True)
    assert [c[0] for c in inspected] == ["M1"]
    assert w.quality.of(a0).incidents == [] and w.quality.of(m1).incidents == [7.0] * 2


def test_the_sanction_counters_add_up_over_the_window():
    w = world()
    a0, m1 = named(w, "A0"), named(w, "M1")
    s = sup(w, Gen(uniforms=[0.0] * 8))
    for t in (7.0, 7.5):
        w.quality.of(a0).violations = []
        s.inspect(a0, 1.0, t, True)
    assert s.warnings == 2
    for t in (8.0, 8.5):
        w.quality.of(a0).violations = [7.9]
        s.inspect(a0, 1.0, t, True)
    assert s.fines == 2
    for k, (i, n) in enumerate(((a0, 2), (m1, 1))):
        for j in range(n):
            w.alloc.admit(family(w, 100 * k + j), i.classes[0])
    for i in (a0, m1):
        w.quality.of(i).violations = [7.0, 7.5, 8.0]
        s.inspect(i, 1.0, 9.0, True)
    assert s.revocations == 2 and not a0.open and not m1.open and s.displaced_by_sanctions == 3


def test_suspensions_count_and_displace_children_over_the_window():
    w = world()
    a0, m1 = named(w, "A0"), named(w, "M1")
    for k, (i, n) in enumerate(((a0, 3), (m1, 2))):
        for j in range(n):
            w.alloc.admit(family(w, 100 * k + j), i.classes[0])
    s = sup(w, Gen())
    s.suspend(a0, 7.0, True)
    s.suspend(m1, 7.0, True)
    assert s.suspensions == 2 and s.displaced_by_sanctions == 5
