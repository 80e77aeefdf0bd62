"""Caregiver posts: recruitment, filling and the initial staff (issue 19's mutation survivors).

A small world that is built but not run, with binding staff staffed for every licensed place,
a fixed recruitment delay of one month and (unless a test says otherwise) nobody quitting, so
each step of :meth:`sim.model.staff.Staff.post` happens at a known time.
"""

from __future__ import annotations

from sim.config.load import load
from sim.model.staff import required_caregivers
from sim.model.world import World
from tests.scenarios import small

DELAY = 1.0


def staffed_world(*extra: str) -> World:
    return World(load(small("staff.binding=true", "staff.staffing=licensed",
                            "staff.quit_hazard_per_month=0",
                            f"staff.recruitment_delay={{dist:fixed,value:{DELAY}}}", *extra)), 11)


def open_class(w: World, with_staff: bool):
    c = w.classes[0]
    w.places.open_class(c, with_staff=with_staff)
    return c


def test_a_class_opened_without_staff_recruits_every_post_and_fills_them_after_the_delay():
    """Kills ``while False``, ``if filled``, ``c.inst.open or ...``, the pending-hire counts
    (``= 1``, ``+= 1``, ``+= 2`` and the sign changes in the number of vacancies) and
    ``filled=True`` for a vacancy."""
    w = staffed_world()
    c = open_class(w, with_staff=False)
    need = required_caregivers(c.licensed, c.ratio)
    assert need >= 2
    assert (c.caregivers, c.target, c.pending_hires, c.usable) == (0, need, need, 0)
    w.env.run(until=w.env.now + DELAY / 2)
    assert (c.caregivers, c.pending_hires) == (0, need)
    w.env.run(until=w.env.now + DELAY)
    assert (c.caregivers, c.pending_hires, c.usable) == (need, 0, c.licensed)


def test_a_vacancy_is_not_filled_when_the_class_already_has_its_caregivers():
    """Kills ``not c.inst.open and c.caregivers >= c.target`` (a surplus caregiver was hired)."""
    w = staffed_world()
    c = open_class(w, with_staff=False)
    w.places.set_caregivers(c, c.target)  # staffed another way before the vacancies are filled
    w.env.run(until=w.env.now + 2 * DELAY)
    assert c.caregivers == c.target and c.pending_hires == 0


def test_the_initial_caregivers_are_employed_at_once_and_recruit_nothing():
    """Kills ``filled=None`` / ``filled=False`` in :meth:`Staff.start` (they were recruited again)."""
    w = staffed_world()
    c = open_class(w, with_staff=True)
    need = required_caregivers(c.licensed, c.ratio)
    assert (c.caregivers, c.pending_hires) == (need, 0)
    w.env.run(until=w.env.now + 2 * DELAY)
    assert (c.caregivers, c.pending_hires, c.usable) == (need, 0, c.licensed)


def test_a_class_opens_with_initial_fill_times_its_required_caregivers():
    """Kills ``required / initial_fill`` in :meth:`Staff.initial` (equal at the default fill 1)."""
    w = staffed_world("staff.initial_fill=0.5")
    c = w.classes[0]
    need = required_caregivers(c.licensed, c.ratio)
    assert w.staff.initial(c, c.licensed) == round(need * 0.5) < need


def test_a_caregiver_who_quits_is_replaced_and_the_posts_stay_at_the_target():
    """With quits, every post is either filled or being recruited for: caregivers plus
    pending hires equal the target at every step, and quits do happen.

    Kills ``caregivers + 2`` / ``- 1`` when a vacancy is filled, ``c.inst.open or ...`` after
    a quit (nobody ever left) and the changes to the re-recruitment after a quit.
    """
    w = staffed_world("staff.quit_hazard_per_month=1.0")
    c = open_class(w, with_staff=True)
    need = c.target
    lowest = need
    t = w.env.now
    for _ in range(60):
        t += 0.1
        w.env.run(until=t)
        assert c.caregivers + c.pending_hires == need
        assert 0 <= c.caregivers <= need
        lowest = min(lowest, c.caregivers)
    assert lowest < need  # caregivers quit
    assert c.caregivers > 0  # and were replaced


def test_when_every_caregiver_quits_the_class_has_none_left_and_recruits_every_post():
    """Kills ``c.caregivers <= 1`` after a quit (the last caregiver never left)."""
    w = staffed_world("staff.quit_hazard_per_month=50")  # mean tenure under a day
    c = open_class(w, with_staff=True)
    need = c.target
    w.env.run(until=w.env.now + DELAY / 2)  # all quit (each stays with probability e^-25)
    assert (c.caregivers, c.pending_hires, c.usable) == (0, need, 0)


def test_raising_the_target_recruits_only_the_new_posts_when_vacancies_are_pending():
    """Kills ``+ c.pending_hires`` in :meth:`Staff.recruit` (pending vacancies counted twice)."""
    w = staffed_world()
    c = open_class(w, with_staff=False)
    assert c.pending_hires == c.target > 0
    w.places.set_licensed(c, 2 * c.licensed)
    assert c.pending_hires == c.target == required_caregivers(c.licensed, c.ratio)
    w.env.run(until=w.env.now + 2 * DELAY)
    assert (c.caregivers, c.pending_hires) == (c.target, 0)


def test_a_class_staffed_by_demand_wants_its_spare_caregivers_when_empty():
    """Kills ``by_demand = None`` / a misspelt ``"demand"`` in :class:`Staff` and ``by_demand``
    passed as ``None`` to :func:`staff_target` (the class then wanted every licensed post)."""
    w = staffed_world("staff.staffing=demand", "staff.spare_caregivers_per_class=1")
    c = open_class(w, with_staff=False)
    assert required_caregivers(c.licensed, c.ratio) > 1
    assert c.target == 1


def test_the_target_is_zero_unless_staff_bind_and_the_class_is_open_with_places():
    """Kills ``and`` for ``or`` in the guard of :meth:`Staff.target`, ``return 1`` and
    ``licensed <= 1`` (a class of one place wanted nobody)."""
    unbound = staffed_world("staff.binding=false")
    c = open_class(unbound, with_staff=False)
    assert unbound.staff.target(c) == 0
    w = staffed_world("staff.staffing=demand", "staff.spare_caregivers_per_class=1")
    c = open_class(w, with_staff=False)
    w.places.set_licensed(c, 1)
    assert w.staff.target(c) == 1
    c.inst.open = False
    w.places.set_licensed(c, 5)
    assert w.staff.target(c) == 0


def test_the_mean_tenure_is_one_over_the_quit_hazard():
    """Kills ``1.0 * hazard`` and ``2.0 / hazard`` for ``1.0 / hazard``."""
    assert staffed_world("staff.quit_hazard_per_month=0.25").staff.mean_tenure == 4.0
