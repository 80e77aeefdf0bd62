"""Families: from the age at which care is wanted to leaving care.

A family that needs care is an entity whose life is a chain of SimPy events in the run's
environment (start age -> apply -> wait or enrol -> age up -> leave); nothing polls it.
Each handler does one transition through the ledger. Stale events (a renege timer of a
family that was admitted meanwhile) are skipped by comparing an epoch number.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simpy.events import Timeout

from sim.model import ledger as L
from sim.model.demand import take_up_probability

if TYPE_CHECKING:
    from sim.model.city import AgeClass, District
    from sim.model.world import World

AGE_UP, STAY_END, MOVED = 0, 1, 2


class Family:
    """One family with a child who needs care (attributes drawn once, at birth)."""

    __slots__ = (
        "fid", "district", "birth", "income", "start_age", "patience", "travel_km",
        "move_after", "takeup_u", "lottery_u", "state", "token", "epoch", "seek_time",
        "key", "cls", "transfer_to", "counted", "stay_end", "move_at",
    )

    def __init__(self, fid: int, district: District, birth: float, income: float,
                 start_age: float, patience: float, travel_km: float, move_after: float,
                 takeup_u: float, lottery_u: float) -> None:
        self.fid = fid
        self.district = district
        self.birth = birth
        self.income = income
        self.start_age = start_age
        self.patience = patience
        self.travel_km = travel_km
        self.move_after = move_after
        self.takeup_u = takeup_u
        self.lottery_u = lottery_u
        self.state = L.PENDING
        self.token = 0
        self.epoch = 0
        self.seek_time = math.nan
        self.key = 0.0
        self.cls: AgeClass | None = None
        self.transfer_to: AgeClass | None = None
        self.counted = False
        self.stay_end = math.inf
        self.move_at = math.inf


class FamilyProcess:
    """Event handlers for every family of the world."""

    def __init__(self, world: World) -> None:
        self.w = world
        p = world.params
        f = p.families
        self.env = world.env
        self.ledger = world.ledger
        self.rec = world.recorder
        self.max_waitlists = f.max_waitlists
        self.age_out = f.age_out_months if f.age_out_months is not None else math.inf
        self.price = f.price_response
        self.stay = world.stay_sampler
        self.keyfn = world.waitlist_key

    # -- applying -------------------------------------------------------------------------
    def on_seek(self, ev: Timeout) -> None:
        """The child reaches the desired start age: decide, then enrol, wait or give up."""
        fam: Family = ev.value
        w = self.w
        now = self.env.now
        opts = w.options_for(fam, now - fam.birth)
        if not opts:
            self.ledger.move(fam, L.NO_PROVIDER)
            return
        if self.price.enabled:
            cheapest = min(c.inst.fee for c in opts)
            burden = w.net_price(cheapest) / fam.income
            if fam.takeup_u >= take_up_probability(burden, self.price.burden50, self.price.steepness):
                self.ledger.move(fam, L.PRICED_OUT)
                return
        fam.seek_time = now
        fam.counted = now >= w.warmup
        self.rec.on_arrival(fam)
        for c in opts:
            if c.enrolled < c.usable and not c.transfers:
                self.admit(fam, c)
                return
        if self.max_waitlists <= 0:
            self.ledger.move(fam, L.BLOCKED)
            self.rec.on_blocked(fam)
            return
        fam.key = self.keyfn(now, fam.lottery_u)
        self._join(fam, opts, now)
        self.ledger.move(fam, L.WAITING)
        self.rec.on_join(fam, now)
        give_up = min(now + fam.patience, fam.birth + self.age_out)
        if give_up < w.horizon:
            Timeout(self.env, give_up - now, (fam, fam.epoch)).callbacks.append(self.on_renege)

    def _join(self, fam: Family, opts: list[AgeClass], now: float) -> None:
        """Put ``fam`` on the waitlists of its best options; plan a re-queue at the next band."""
        fam.token += 1
        chosen = opts[: self.max_waitlists]
        for c in chosen:
            c.waitlist.push(fam.key, fam)
        boundary = fam.birth + min(c.max_age for c in chosen)
        if boundary < self.w.horizon and boundary < fam.birth + self.age_out:
            Timeout(self.env, boundary - now, (fam, fam.epoch)).callbacks.append(self.on_requeue)

    def on_requeue(self, ev: Timeout) -> None:
        """A waiting child outgrows an age class: move to the classes for its new age."""
        fam, epoch = ev.value
        if fam.epoch != epoch or fam.state != L.WAITING:
            return
        now = self.env.now
        opts = self.w.options_for(fam, now - fam.birth)
        for c in opts:
            if c.enrolled < c.usable and not c.transfers:
                self.admit(fam, c)
                return
        if opts:
            self._join(fam, opts, now)
        else:
            self._stop_waiting(fam, now)
            self.ledger.move(fam, L.RENEGED)
            self.rec.on_renege(fam, now)

    def on_renege(self, ev: Timeout) -> None:
        """Patience (or the child's age) runs out while waiting."""
        fam, epoch = ev.value
        if fam.epoch != epoch or fam.state != L.WAITING:
            return
        now = self.env.now
        self._stop_waiting(fam, now)
        self.ledger.move(fam, L.RENEGED)
        self.rec.on_renege(fam, now)

    def _stop_waiting(self, fam: Family, now: float) -> None:
        fam.token += 1
        fam.epoch += 1
        self.rec.on_leave_waitlist(fam, now)

    # -- enrolled -------------------------------------------------------------------------
    def admit(self, fam: Family, c: AgeClass) -> None:
        """Give ``fam`` a place in class ``c`` (it leaves every waitlist it was on)."""
        now = self.env.now
        if fam.state == L.WAITING:
            self._stop_waiting(fam, now)
        else:
            fam.epoch += 1
        self.ledger.move(fam, L.ENROLLED)
        self.rec.on_admit(fam, now)
        self.w.occupy(c, +1)
        fam.cls = c
        fam.move_at = now + fam.move_after
        if self.stay is not None:
            fam.stay_end = now + self.stay()
        self._schedule_next(fam, now)

    def _schedule_next(self, fam: Family, now: float) -> None:
        """Schedule the family's next event in care: age-up, end of stay or moving away."""
        fam.epoch += 1
        c = fam.cls
        assert c is not None
        end, kind = min(fam.birth + self.age_out, fam.stay_end), STAY_END
        if fam.move_at < end:
            end, kind = fam.move_at, MOVED
        if c.max_age < self.age_out and fam.transfer_to is None:
            up = fam.birth + c.max_age
            if up < end:
                end, kind = max(up, now), AGE_UP
        if end < self.w.horizon:
            Timeout(self.env, end - now, (fam, fam.epoch, kind)).callbacks.append(self.on_care_event)

    def on_care_event(self, ev: Timeout) -> None:
        """An enrolled family's planned event: age up, end of stay or moving away."""
        fam, epoch, kind = ev.value
        if fam.epoch != epoch:
            return
        if kind == AGE_UP:
            self._age_up(fam)
        else:
            self.leave(fam, L.LEFT_EARLY if kind == MOVED else L.AGED_OUT)

    def leave(self, fam: Family, state: int) -> None:
        """The family gives up its place; the freed place is offered at once."""
        c = fam.cls
        assert c is not None
        fam.epoch += 1
        fam.cls = None
        fam.transfer_to = None
        self.ledger.move(fam, state)
        self.rec.on_leave_care(fam, self.env.now)
        self.w.occupy(c, -1)
        self.w.fill(c)

    def _age_up(self, fam: Family) -> None:
        """Move the child to the class of its new age in the same institution, if any."""
        c = fam.cls
        assert c is not None
        age = self.env.now - fam.birth
        nxt = next((k for k in c.inst.classes if k is not c and k.min_age <= age < k.max_age), None)
        if nxt is None:
            self.leave(fam, L.AGED_OUT)
            return
        if nxt.enrolled < nxt.usable and not nxt.transfers:
            self.transfer(fam, nxt)
        else:
            fam.transfer_to = nxt
            nxt.transfers.append(fam)
            self._schedule_next(fam, self.env.now)

    def transfer(self, fam: Family, nxt: AgeClass) -> None:
        """Move an enrolled child from its class to ``nxt`` and offer its old place."""
        old = fam.cls
        assert old is not None
        fam.transfer_to = None
        self.w.occupy(old, -1)
        self.w.occupy(nxt, +1)
        fam.cls = nxt
        self._schedule_next(fam, self.env.now)
        self.w.fill(old)
