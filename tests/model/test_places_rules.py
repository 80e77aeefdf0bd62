"""Place levels: each district's and type's time-weighted counts follow its classes (issue 19).

:class:`sim.model.places.Places` keeps one level per quantity, district and provider type; the
recorder and the summary read only these. Mutation testing found the caregiver-shortfall level
(``cg_missing``) and the city totals untested, so these tests check every level against the
classes it sums, step by step, in a small world that is built but not run (binding staff,
staffed for every licensed place, a fixed recruitment delay, nobody quitting).
"""

from __future__ import annotations

import pytest

from sim.model import ledger as L
from sim.model.places import QUANTITIES
from sim.model.staff import required_caregivers, usable_places
from tests.model.test_rules import family, full_class, world
from tests.model.test_staff_rules import DELAY, staffed_world

FIELDS = {"enrolled": "enrolled", "licensed": "licensed", "usable": "usable",
          "caregivers": "caregivers", "cg_required": "target"}


def expected(classes, quantity: str, district: int | None = None) -> int:
    cs = [c for c in classes if district is None or c.inst.district.idx == district]
    if quantity == "cg_missing":
        return sum(max(0, c.target - c.caregivers) for c in cs)
    if quantity == "occupied":
        return sum(c.load for c in cs) // 2  # full-day children only here: whole places
    return sum(getattr(c, FIELDS[quantity]) for c in cs)


def assert_levels_follow(w, opened) -> None:
    p = w.places
    for q in QUANTITIES:
        assert p.total(q) == expected(opened, q), q
    for d in range(len(w.districts)):
        assert p.by_district("enrolled")[d] == expected(opened, "enrolled", d)
        assert p.by_district("licensed")[d] == expected(opened, "licensed", d)
        assert p.by_district("usable")[d] == expected(opened, "usable", d)
        assert p.by_district("caregivers")[d] == expected(opened, "caregivers", d)


def test_every_level_equals_the_sum_of_its_classes_through_staffing_admissions_and_leaving():
    """Kills the sign and constant changes in ``cg_missing`` (set_caregivers, update_staffing)
    and ``int(None)`` / ``round(None)`` / ``sum(None)`` in :meth:`Places.total`."""
    w = staffed_world()
    a = w.classes[0]
    b = next(c for c in w.classes if c.inst.district is not a.inst.district)
    w.places.open_class(a, with_staff=True)
    w.places.open_class(b, with_staff=False)
    opened = [a, b]
    assert_levels_follow(w, opened)
    assert w.places.total("cg_missing") == b.target > 0
    w.places.set_licensed(b, b.licensed + 5)  # the target rises while b is still short
    assert_levels_follow(w, opened)
    w.places.set_caregivers(a, a.caregivers - 1)  # one short: a place or more unusable
    assert_levels_follow(w, opened)
    kids = [family(w, i) for i in range(3)]
    for k in kids:
        w.alloc.admit(k, a)
    assert_levels_follow(w, opened)
    w.env.run(until=w.env.now + 2 * DELAY)  # b's vacancies are filled
    assert_levels_follow(w, opened)
    assert b.caregivers == b.target and w.places.total("cg_missing") == 1
    w.families.leave(kids[0], L.AGED_OUT)
    w.places.set_licensed(b, 0)  # b closes its places
    assert_levels_follow(w, opened)


def test_the_mean_of_a_level_is_its_time_average_over_the_window():
    """The licensed places of one class opened half-way through a window average to half."""
    w = staffed_world()
    c = w.classes[0]
    w.places.reset(0.0)
    w.env.run(until=1.0)
    w.places.open_class(c, with_staff=True)
    w.env.run(until=2.0)
    assert w.places.mean("licensed", 2.0) == pytest.approx(c.licensed / 2)


def test_a_class_bills_the_fees_and_vouchers_of_exactly_its_children():
    """Kills ``=`` / ``-=`` for ``+=`` and ``/`` for ``*`` in the fee and voucher rates of
    :meth:`Places.occupy` (the accounts integrate these rates)."""
    w = world("policy.voucher_per_month=300", "policy.voucher_scope=all",
              "policy.family_subsidy_per_year=1200")
    c, kids = full_class(w)
    assert len(kids) >= 3 and kids[0].voucher == 300.0 and kids[0].fee_paid > 1.0
    assert c.fee_rate == pytest.approx(sum(k.fee_paid for k in kids))
    assert c.voucher_rate == pytest.approx(300.0 * len(kids))
    w.families.leave(kids[0], L.AGED_OUT)
    rest = kids[1:]
    assert c.fee_rate == pytest.approx(sum(k.fee_paid for k in rest))
    assert c.voucher_rate == pytest.approx(300.0 * len(rest))
    assert list(c.children) == rest


def test_usable_places_follow_the_caregivers_and_new_ones_are_offered_at_once():
    """Kills ``binding and False`` (usable places ignored the caregivers) and ``grew = None``
    in :meth:`Places._update_usable` (places that became usable were not offered)."""
    w = staffed_world()
    c = open_class_without_staff(w)
    waiting = family(w, 1)
    w.alloc.join(waiting, [c])
    assert c.usable == 0 and waiting.state == L.WAITING
    w.places.set_caregivers(c, 1)
    assert c.usable == usable_places(c.licensed, 1, c.ratio) > 0
    assert waiting.cls is c


def test_a_class_staffed_by_demand_wants_more_caregivers_as_children_enrol():
    """Kills ``by_demand = None`` in :class:`Places` (enrolment no longer moved the target)."""
    w = staffed_world("staff.staffing=demand", "staff.spare_caregivers_per_class=0")
    c = open_class_without_staff(w)
    w.places.set_caregivers(c, c.required)  # every place usable
    assert c.target == 0
    for i in range(3):
        w.alloc.admit(family(w, 10 + i), c)
    assert c.target == required_caregivers(3, c.ratio) >= 1


def open_class_without_staff(w):
    c = w.classes[0]
    w.places.open_class(c, with_staff=False)
    return c
