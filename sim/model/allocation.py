"""Allocation: the waitlists, and who gets a place that frees up.

Each class has a waitlist (a heap of ``(key, seq, family, token)``; the smallest key is
served first). A :class:`Discipline` decides a family's key on a class's list, seeing both
the family and the class, so FIFO, lottery and (later) priority points share one
mechanism; children displaced by a closure go before everyone else, in the order they were
displaced. Entries are cancelled lazily: a family that is admitted elsewhere, reneges or
re-queues gets a new ``token`` and its old entries are skipped when they come up.

A freed place (a child leaving, a new caregiver, a new class) is offered at once by
:meth:`Allocator.fill`: first to a child of the same institution waiting to move up into
the class, then to the head of the waitlist. Admission fixes the family's contract (fee,
voucher, net fee: :func:`sim.model.fees.contract`) and changes its state in the ledger.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.ledger import ENROLLED, WAITING, Ledger
from sim.params.schema import DISCIPLINES

if TYPE_CHECKING:
    from sim.model.city import AgeClass, Institution
    from sim.model.places import Places

DISPLACED_PRIORITY = -1.0e12  # added to the displacement time: displaced children go first
MOVED_UP = "moved up"  # the interrupt cause a family in care gets when it moves up a class


class Discipline:
    """How a waitlist orders families: ``key(family, cls)``, smallest first."""

    name = ""

    def key(self, fam: Any, cls: AgeClass) -> float:
        """Return ``fam``'s priority key on the waitlist of ``cls``."""
        raise NotImplementedError


class Fifo(Discipline):
    """First come, first served: the time the family applied."""

    name = "fifo"

    def key(self, fam: Any, cls: AgeClass) -> float:  # noqa: D102
        return float(fam.seek_time)


class Lottery(Discipline):
    """A random order, fixed when the family applies (its own lottery draw)."""

    name = "lottery"

    def key(self, fam: Any, cls: AgeClass) -> float:  # noqa: D102
        return float(fam.lottery_u)


def discipline(name: str) -> Discipline:
    """Return the discipline called ``name`` (one of ``DISCIPLINES``)."""
    for cls in (Fifo, Lottery):
        if cls.name == name:
            return cls()
    raise ValueError(f"unknown discipline {name!r} (choose from {', '.join(DISCIPLINES)})")


class Waitlist:
    """One class's waitlist (a heap with lazy deletion)."""

    __slots__ = ("heap", "seq")

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, Any, int]] = []
        self.seq = 0

    def push(self, key: float, family: Any) -> None:
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


Contract = Callable[[Any, "Institution"], None]


class Allocator:
    """Admissions, waitlists and transfers of every class.

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
        places.on_free = self.fill

    # -- admissions -------------------------------------------------------------------------
    def has_room(self, c: AgeClass) -> bool:
        """True when ``c`` has a usable free place that no child moving up has claimed."""
        return c.enrolled < c.usable and not c.transfers

    def admit_first_free(self, fam: Any, opts: list[AgeClass]) -> AgeClass | None:
        """Admit ``fam`` to the first of ``opts`` with room; return the class or None."""
        has_room = self.has_room
        for c in opts:
            if has_room(c):
                self.admit(fam, c)
                return c
        return None

    def admit(self, fam: Any, c: AgeClass) -> None:
        """Give ``fam`` a place in ``c`` (it leaves every waitlist it was on)."""
        fam.token += 1
        self.ledger.move(fam, ENROLLED)
        fam.displaced = False
        self.contract(fam, c.inst)
        fam.admit_t = self.env.now
        fam.cls = c
        self.places.occupy(c, fam, 1)

    def release(self, fam: Any) -> AgeClass:
        """Take ``fam``'s child out of its class (the ledger is the caller's); return the class."""
        c = fam.cls
        fam.cls = None
        fam.transfer_to = None
        self.places.occupy(c, fam, -1)
        return c

    # -- waiting ----------------------------------------------------------------------------
    def join(self, fam: Any, opts: list[AgeClass]) -> simpy.Event:
        """Put ``fam`` on the waitlists of its best options; return the event of its offer."""
        fam.join_time = self.env.now
        fam.offer = self.env.event()
        self.rejoin(fam, opts)
        self.ledger.move(fam, WAITING)
        return fam.offer

    def rejoin(self, fam: Any, opts: list[AgeClass]) -> None:
        """Replace ``fam``'s waitlist entries by entries on its best ``opts`` (same priority)."""
        fam.token += 1
        outgrows = float("inf")
        displaced_key = DISPLACED_PRIORITY + fam.displaced_at if fam.displaced else None
        for c in opts[: self.max_waitlists]:
            c.waitlist.push(self.rule.key(fam, c) if displaced_key is None else displaced_key, fam)
            if c.max_age < outgrows:
                outgrows = c.max_age
        fam.outgrows_at = fam.birth + outgrows

    def withdraw(self, fam: Any) -> None:
        """Cancel every waitlist entry of ``fam``."""
        fam.token += 1

    def fill(self, c: AgeClass) -> None:
        """Offer every usable free place of ``c``: children moving up first, then the waitlist."""
        while c.enrolled < c.usable:
            if c.transfers:
                fam = c.transfers.pop(0)
                if fam.transfer_to is c and fam.state == ENROLLED:
                    self.move_up(fam, c)
                    if fam.proc is not self.env.active_process:
                        fam.proc.interrupt(MOVED_UP)
                continue
            fam = c.waitlist.pop()
            if fam is None:
                return
            self.admit(fam, c)
            fam.offer.succeed(c)

    # -- moving up ---------------------------------------------------------------------------
    def age_up(self, fam: Any, nxt: AgeClass) -> bool:
        """Move ``fam`` into ``nxt`` now if it has room (True), else claim its next free place."""
        if self.has_room(nxt):
            self.move_up(fam, nxt)
            return True
        fam.transfer_to = nxt
        nxt.transfers.append(fam)
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
        return out
