"""Allocation: the waitlists, intake rounds, and who gets a place that frees up.

Each class has a waitlist (a heap of ``(key, seq, family, token)``; the smallest key is
served first). A :class:`sim.model.priority.Discipline` decides a family's key on a class's
list, seeing both the family and the class (first come first served, lottery, priority
points). Entries are cancelled lazily: a family that is admitted elsewhere, reneges or
re-queues gets a new ``token`` and its old entries are skipped when they come up.

Intake calendars (``city.types.<type>.intake``): a ``rolling`` class admits a family that
applies while it has a free place; an ``annual`` class does not: its new children come
from its waitlist, at the intake round (the start of month ``allocation.intake_month``)
and, between rounds, when a place frees (a child leaves, a caregiver is hired). An annual
provider's children move up a class together, at the round (the school year), so most of
its places free and fill at the round; the places freed by the cohort moving up are held
for the round (:attr:`Allocator.holding`). Children displaced by a closure may take any
free place at once.

A freed place is offered at once by :meth:`Allocator.fill`: first to a child of the same
institution waiting to move up into the class, then to the head of the waitlist. The head
may be a family already in care elsewhere that waits for a better place
(``accept_and_transfer``): it moves, and its old place is offered in turn. Admission fixes
the family's contract (fee, voucher, net fee: :func:`sim.model.fees.contract`) and changes
its state in the ledger; a transfer is recorded by the ledger too.

At an annual intake round with the ``deferred_acceptance`` discipline the free places of
every annual class are matched at once (:func:`sim.model.matching.deferred_acceptance`,
families' rankings against the classes' points); with the other disciplines the annual
classes are filled one after another, in the order they were built.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.ledger import ENROLLED, WAITING, Ledger
from sim.model.matching import deferred_acceptance
from sim.model.priority import DISPLACED_PRIORITY, Discipline, discipline

if TYPE_CHECKING:
    from sim.model.city import AgeClass, Institution
    from sim.model.places import Places

__all__ = ["DISPLACED_PRIORITY", "MOVED_UP", "Allocator", "Waitlist", "discipline"]

MOVED_UP = "moved up"  # the interrupt cause a family in care gets when it moves up a class


class Waitlist:
    """One class's waitlist (a heap with lazy deletion)."""

    __slots__ = ("heap", "seq")

    def __init__(self) -> None:
        self.heap: list[tuple[Any, int, Any, int]] = []
        self.seq = 0

    def push(self, key: Any, family: Any) -> None:
        """Add ``family`` with priority ``key`` under its current token."""
        self.seq += 1
        heapq.heappush(self.heap, (key, self.seq, family, family.token))

    def pop(self) -> Any | None:
        """Remove and return the first family whose entry is still current, else None."""
        heap = self.heap
        while heap:
            _, _, fam, token = heapq.heappop(heap)
            if fam.token == token:
                return fam
        return None

    def peek(self) -> Any | None:
        """Return the first family whose entry is current (dropping cancelled ones), else None."""
        heap = self.heap
        while heap:
            fam, token = heap[0][2], heap[0][3]
            if fam.token == token:
                return fam
            heapq.heappop(heap)
        return None

    def count(self, stop: int) -> int:
        """Return the number of families whose entries are current, counting no further than ``stop``."""
        n = 0
        for e in self.heap:
            if e[2].token == e[3]:
                n += 1
                if n >= stop:
                    break
        return n

    def current(self) -> list[Any]:
        """Return the families whose entries are current, in waitlist order (the heap is kept)."""
        return [e[2] for e in sorted(self.heap, key=lambda e: (e[0], e[1])) if e[2].token == e[3]]


Contract = Callable[[Any, "Institution"], None]


class Allocator:
    """Admissions, waitlists, intake rounds and transfers of every class.

    Parameters
    ----------
    env, ledger, places
        The run's environment, ledger and place mechanics.
    rule
        The waitlist discipline.
    max_waitlists
        How many waitlists a family joins (its best options first).
    contract
        Sets a family's fee, voucher and net fee on admission to an institution.
    """

    def __init__(self, env: simpy.Environment, ledger: Ledger, places: Places, rule: Discipline,
                 max_waitlists: int, contract: Contract) -> None:
        self.env = env
        self.ledger = ledger
        self.places = places
        self.rule = rule
        self.max_waitlists = max_waitlists
        self.contract = contract
        self.round_matched = 0  # families placed at intake rounds, and at their first choice
        self.round_first = 0
        self.in_round = False
        self.holding = False  # the round is due now: annual classes keep their free places for it
        self.deferred: list[AgeClass] | None = None  # places freed while a round's matches are placed
        places.on_free = self.fill
        self.watch: Callable[[AgeClass], None] | None = None  # told when a class's claims change (has_room)

    # -- admissions -------------------------------------------------------------------------
    def has_room(self, c: AgeClass, units: int = 2) -> bool:
        """True when ``c`` has ``units`` usable free half places that no child moving up has claimed."""
        return c.load + units <= 2 * c.usable and not c.transfers

    def admit_first_free(self, fam: Any, opts: Sequence[AgeClass]) -> AgeClass | None:
        """Admit ``fam`` to the first of ``opts`` that takes it now; return the class or None.

        Annual classes take no one who applies between rounds (except a displaced child).
        """
        has_room = self.has_room
        walk_in_annual = fam.displaced
        units = fam.units
        for c in opts:
            if has_room(c, units) and (walk_in_annual or not c.inst.annual):
                self.admit(fam, c)
                return c
        return None

    def admit(self, fam: Any, c: AgeClass) -> None:
        """Give ``fam`` a place in ``c`` (it leaves every waitlist it was on)."""
        fam.token += 1
        fam.cls = c
        self.ledger.move(fam, ENROLLED)
        fam.displaced = False
        self.contract(fam, c.inst)
        fam.admit_t = self.env.now
        self.places.occupy(c, fam, 1)

    def release(self, fam: Any) -> AgeClass:
        """Take ``fam``'s child out of its class (the ledger is the caller's); return the class."""
        if fam.transfer_waiting:
            self.end_transfer_wait(fam)
        c = fam.cls
        fam.cls = None
        fam.transfer_to = None
        self.places.occupy(c, fam, -1)
        return c

    # -- waiting ----------------------------------------------------------------------------
    def join(self, fam: Any, opts: Sequence[AgeClass]) -> simpy.Event:
        """Put ``fam`` on the waitlists of its best options; return the event of its offer."""
        fam.join_time = self.env.now
        fam.offer = self.env.event()
        self.rejoin(fam, opts)
        self.ledger.move(fam, WAITING)
        return fam.offer

    def rejoin(self, fam: Any, opts: Sequence[AgeClass]) -> None:
        """Replace ``fam``'s waitlist entries by entries on its best ``opts`` (same priority)."""
        fam.token += 1
        outgrows = float("inf")
        key = self.rule.key
        lists = fam.lists = list(opts[: self.max_waitlists])
        for c in lists:
            c.waitlist.push(key(fam, c), fam)
            if c.max_age < outgrows:
                outgrows = c.max_age
        fam.outgrows_at = fam.birth + outgrows

    def withdraw(self, fam: Any) -> None:
        """Cancel every waitlist entry of ``fam``."""
        fam.token += 1

    def join_transfer(self, fam: Any, better: Sequence[AgeClass], until: float) -> simpy.Event:
        """``fam`` (in care) waits on the lists of ``better`` classes until ``until``; return its offer."""
        fam.offer = self.env.event()
        self.rejoin(fam, better)
        fam.transfer_until = min(until, fam.outgrows_at)
        self.ledger.transfer_wait(fam, True)
        return fam.offer

    def end_transfer_wait(self, fam: Any) -> None:
        """``fam`` stops waiting for a better place (it keeps the one it has)."""
        fam.token += 1
        self.ledger.transfer_wait(fam, False)

    def transfer(self, fam: Any, c: AgeClass) -> None:
        """Move ``fam`` from its place into ``c`` (offered from ``c``'s waitlist); offer the old place."""
        old = fam.cls
        self.ledger.transfer(fam, old, c)  # ends the care spell under the old contract
        self.release(fam)
        fam.token += 1
        fam.cls = c
        self.contract(fam, c.inst)
        fam.admit_t = self.env.now
        self.places.occupy(c, fam, 1)
        fam.offer.succeed(c)
        if self.deferred is not None:
            self.deferred.append(old)
        else:
            self.fill(old)

    def fill(self, c: AgeClass) -> None:
        """Offer every usable free place of ``c``: children moving up first, then the waitlist."""
        if self.holding and c.inst.annual:
            return
        room = 2 * c.usable
        while c.load < room:
            if c.transfers:
                fam = c.transfers[0]
                if fam.transfer_to is c and fam.state == ENROLLED:
                    if c.load + fam.units > room:
                        return  # a full-day child moving up waits for a whole place
                    c.transfers.pop(0)
                    self.move_up(fam, c)  # (the watch sees the claim go with the child's arrival)
                    if fam.proc is not self.env.active_process:
                        fam.proc.interrupt(MOVED_UP)
                else:
                    c.transfers.pop(0)
                    if self.watch is not None:
                        self.watch(c)
                continue
            fam = c.waitlist.peek()
            if fam is None or c.load + fam.units > room:
                return  # the head of the list needs a whole place: it waits for one
            c.waitlist.pop()
            self.place(fam, c)

    def place(self, fam: Any, c: AgeClass) -> None:
        """Give ``fam`` (waiting, or in care and waiting for a better place) the place in ``c``."""
        if self.in_round and fam.counted:
            self.round_matched += 1
            self.round_first += bool(fam.lists) and c is fam.lists[0]
        if fam.state == ENROLLED:
            self.transfer(fam, c)
        else:
            self.admit(fam, c)
            fam.offer.succeed(c)

    # -- intake rounds -----------------------------------------------------------------------
    def intake_round(self, classes: Sequence[AgeClass]) -> None:
        """The annual intake: offer the free places of every open annual class to its waitlist."""
        self.holding = False
        annual = [c for c in classes if c.inst.annual and c.inst.open and 2 * c.usable > c.load]
        self.in_round = True
        try:
            if self.rule.matching:
                self._match(annual)
            else:
                for c in annual:
                    self.fill(c)
        finally:
            self.in_round = False

    def _match(self, annual: list[AgeClass]) -> None:
        """Deferred acceptance over the free places of ``annual`` classes, then fill what is left."""
        capacity = {c: (2 * c.usable - c.load) // 2 - len(c.transfers) for c in annual}  # whole places
        capacity = {c: n for c, n in capacity.items() if n > 0}
        prefs: dict[Any, list[AgeClass]] = {}
        for c in capacity:
            for fam in c.waitlist.current():
                if fam not in prefs:
                    prefs[fam] = fam.lists
        match = deferred_acceptance(prefs, self.rule.key, capacity)
        self.deferred = []
        try:
            for fam, c in match.items():
                self.place(fam, c)
        finally:
            freed, self.deferred = self.deferred, None
        for c in (*capacity, *freed):
            self.fill(c)  # places left by transfers; children moving up

    # -- moving up ---------------------------------------------------------------------------
    def age_up(self, fam: Any, nxt: AgeClass) -> bool:
        """Move ``fam`` into ``nxt`` now if it has room (True), else claim its next free place."""
        if self.has_room(nxt, fam.units):
            self.move_up(fam, nxt)
            return True
        fam.transfer_to = nxt
        nxt.transfers.append(fam)
        if self.watch is not None:
            self.watch(nxt)
        return False

    def move_up(self, fam: Any, nxt: AgeClass) -> None:
        """Move an enrolled child from its class into ``nxt`` and offer its old place."""
        old = fam.cls
        fam.transfer_to = None
        self.places.occupy(old, fam, -1)
        self.places.occupy(nxt, fam, 1)
        fam.cls = nxt
        self.fill(old)

    def requeue_waiting(self, c: AgeClass) -> list[Any]:
        """Empty the waitlist of a closing class; return the families that were on it."""
        out = []
        while (fam := c.waitlist.pop()) is not None:
            out.append(fam)
        c.transfers.clear()
        if self.watch is not None:
            self.watch(c)
        return out
