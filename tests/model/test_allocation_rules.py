"""Allocation rules that mutation testing found untested (issue 19, docs/testing.md).

Each test drives the allocator of a small world that is built but not run, as
``tests/model/test_rules.py`` does, and names the mutant of ``sim/model/allocation.py`` it kills.
"""

from __future__ import annotations

import pytest

from sim.model import ledger as L
from sim.model.allocation import MOVED_UP, discipline
from tests.model.test_rules import family, full_class, world


def _two_class_institution(w):
    inst = next(i for i in w.institutions if len(i.classes) >= 2)
    return inst.classes[0], inst.classes[1]


def _recording(w, fam):
    """Give ``fam`` a process that records the cause of each interrupt it gets."""
    causes: list[object] = []

    def proc():
        while True:
            try:
                yield w.env.event()
            except Exception as stop:  # simpy.Interrupt
                causes.append(getattr(stop, "cause", stop))

    fam.proc = w.env.process(proc())
    return causes


def test_an_unknown_discipline_is_rejected_naming_the_known_ones():
    """Kills ``'XX, XX'.join`` in the message."""
    known = "fifo, lottery, points, deferred_acceptance"
    with pytest.raises(ValueError, match=rf"unknown discipline 'nope' \(choose from {known}\)"):
        discipline("nope")


def test_a_family_joins_at_most_max_waitlists_lists():
    """Kills ``self.max_waitlists = None`` (a family would join every list it can reach)."""
    w = world("families.max_waitlists=1")
    classes = [c for c in w.classes if c.min_age == w.classes[0].min_age][:3]
    assert len(classes) >= 2
    fam = family(w, 1)
    w.alloc.join(fam, classes)
    assert [len(c.waitlist.heap) for c in classes] == [1] + [0] * (len(classes) - 1)


def test_displaced_children_are_served_in_the_order_they_were_displaced():
    """Kills ``DISPLACED_PRIORITY - displaced_at`` (the last displaced would go first)."""
    w = world()
    c, kids = full_class(w)
    first, second = family(w, 1, seek=9.0), family(w, 2, seek=1.0)
    first.displaced, first.displaced_at = True, 3.0
    second.displaced, second.displaced_at = True, 4.0
    w.alloc.join(second, [c])
    w.alloc.join(first, [c])
    w.families.leave(kids[0], L.AGED_OUT)
    assert first.cls is c and second.state == L.WAITING


def test_admission_clears_the_displaced_flag():
    """Kills ``fam.displaced = True`` in :meth:`Allocator.admit`."""
    w = world()
    c = w.classes[0]
    w.places.open_class(c, with_staff=False)
    fam = family(w, 1)
    fam.displaced, fam.displaced_at = True, 2.0
    w.alloc.join(fam, [c])
    w.alloc.fill(c)
    assert fam.cls is c and not fam.displaced


def test_rejoining_cancels_the_earlier_entries():
    """Kills ``fam.token = 1`` in :meth:`Allocator.rejoin` (old entries stayed current)."""
    w = world()
    c, kids = full_class(w)
    other = next(k for k in w.classes if k is not c and k.min_age == c.min_age)
    fam, later = family(w, 1, seek=0.0), family(w, 2, seek=5.0)
    w.alloc.join(fam, [c])
    w.alloc.rejoin(fam, [other])
    w.alloc.rejoin(fam, [other])
    w.alloc.join(later, [c])
    w.families.leave(kids[0], L.AGED_OUT)
    assert later.cls is c and fam.state == L.WAITING


def test_moving_up_now_returns_true_and_places_the_child():
    """Kills ``return False`` in :meth:`Allocator.age_up` when the next class has room."""
    w = world()
    lower, upper = _two_class_institution(w)
    w.places.open_class(lower, with_staff=False)
    w.places.open_class(upper, with_staff=False)
    mover = family(w, 1)
    w.alloc.admit(mover, lower)
    assert w.alloc.age_up(mover, upper) is True
    assert mover.cls is upper and mover.transfer_to is None and lower.enrolled == 0


def test_a_freed_place_goes_to_the_child_moving_up_which_is_interrupted_then_to_the_waitlist():
    """A child leaving frees two places' worth of moves: mover first, then the waitlist.

    Kills ``is`` for ``is not`` before the interrupt (the mover's process is not told),
    ``continue`` -> ``break`` (the place the mover frees below stays empty while a family
    waits for it), and ``offer.succeed(None)`` (the offer must name the class).
    """
    w = world()
    lower, kids_low = full_class(w, _two_class_institution(w)[0])
    upper, kids_up = full_class(w, _two_class_institution(w)[1])
    mover = kids_low[0]
    causes = _recording(w, mover)
    w.env.run(until=w.env.now + 1e-9)  # start the recording process
    assert w.alloc.age_up(mover, upper) is False
    waiting = family(w, 2)
    offer = w.alloc.join(waiting, [lower])
    w.families.leave(kids_up[0], L.AGED_OUT)
    assert mover.cls is upper and waiting.cls is lower
    assert offer.triggered and offer.value is lower
    w.env.run(until=w.env.now + 2e-9)
    assert causes == [MOVED_UP]


def test_a_stale_claim_to_move_up_is_skipped():
    """Kills ``transfer_to is c or state == ENROLLED``: a claim the child no longer holds."""
    w = world()
    lower_c, upper_c = _two_class_institution(w)
    lower, kids_low = full_class(w, lower_c)
    upper, kids_up = full_class(w, upper_c)
    mover = kids_low[0]
    assert w.alloc.age_up(mover, upper) is False
    mover.transfer_to = None  # the claim was given up
    w.families.leave(kids_up[0], L.AGED_OUT)
    assert mover.cls is lower and upper.enrolled == upper.usable - 1


def test_a_class_with_room_but_a_pending_move_up_has_no_room_for_a_newcomer():
    """Kills ``and c.transfers`` for ``and not c.transfers`` in :meth:`Allocator.has_room`."""
    w = world()
    c = w.classes[0]
    w.places.open_class(c, with_staff=False)
    assert w.alloc.has_room(c) is True
    c.transfers.append(family(w, 1))
    assert not w.alloc.has_room(c)


def test_closing_a_waitlist_returns_its_current_families_in_order():
    """Kills ``out.append(None)`` in :meth:`Allocator.requeue_waiting`."""
    w = world()
    c, _ = full_class(w)
    a, b = family(w, 1, seek=1.0), family(w, 2, seek=2.0)
    w.alloc.join(b, [c])
    w.alloc.join(a, [c])
    c.transfers.append(a)
    assert w.alloc.requeue_waiting(c) == [a, b]
    assert c.transfers == [] and len(c.waitlist.heap) == 0


def test_a_child_leaving_holds_no_class_and_no_claim():
    """Kills ``fam.cls = ""`` and ``fam.transfer_to = ""`` in :meth:`Allocator.release`.

    :func:`sim.model.family.next_in_care` plans an age-up only when ``transfer_to is None``.
    """
    w = world()
    lower_c, upper_c = _two_class_institution(w)
    lower, kids_low = full_class(w, lower_c)
    full_class(w, upper_c)
    leaver = kids_low[0]
    assert w.alloc.age_up(leaver, upper_c) is False
    assert w.alloc.release(leaver) is lower
    assert leaver.cls is None and leaver.transfer_to is None


def test_two_new_places_go_to_the_child_moving_up_and_then_to_the_waitlist():
    """Kills ``continue`` -> ``break`` in :meth:`Allocator.fill` (after a move-up the second
    new place stayed empty while a family waited for it)."""
    w = world()
    lower_c, upper_c = _two_class_institution(w)
    lower, kids_low = full_class(w, lower_c)
    upper, _ = full_class(w, upper_c)
    mover = kids_low[0]
    assert w.alloc.age_up(mover, upper) is False
    waiting = family(w, 2)
    w.alloc.join(waiting, [upper])
    w.places.set_licensed(upper, upper.licensed + 2)
    assert mover.cls is upper and waiting.cls is upper
    assert upper.enrolled == upper.usable
