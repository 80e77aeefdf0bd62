"""Families: from the age at which care is wanted to leaving care.

A family that needs care is an entity whose life is a chain of SimPy events in the run's
environment (start age -> apply -> wait or enrol -> age up -> leave); nothing polls it.
Each handler does one transition through the ledger. Stale events (a renege timer of a
family that was admitted meanwhile) are skipped by comparing an epoch number; stale
waitlist entries by comparing a token.

Prices: a family weighs the net monthly price (fee minus voucher minus family subsidy)
against its income when it decides to seek care; its fee and voucher are fixed at admission
(its contract). When the net price exceeds ``families.fee_exit_burden`` of income it leaves
early with a monthly hazard ``families.fee_exit_hazard_per_month`` (assumption).
"""

from __future__ import annotations

import math
from heapq import heappush
from typing import TYPE_CHECKING

from simpy.events import Timeout

from sim.model import ledger as L
from sim.model.demand import take_up_probability

if TYPE_CHECKING:
    from sim.model.city import AgeClass, District
    from sim.model.world import World

AGE_UP, STAY_END, MOVED, FEE_EXIT = 0, 1, 2, 3
DISPLACED_PRIORITY = -1.0e12
AGE_EPS = 1e-7  # ages compared at a band boundary are nudged past it (float rounding)


class Family:
    """One family with a child who needs care (attributes drawn once, at birth)."""

    __slots__ = (
        "fid", "district", "birth", "income", "start_age", "patience", "travel_km",
        "move_after", "fee_exit_e", "takeup_u", "lottery_u", "state", "token", "epoch",
        "seek_time", "join_time", "key", "cls", "transfer_to", "counted", "stay_end", "move_at",
        "fee_exit_at", "fee_paid", "voucher", "net_fee", "admit_t", "displaced",
    )

    def __init__(self, fid: int, district: District, birth: float, income: float,
                 start_age: float, patience: float, travel_km: float, move_after: float,
                 fee_exit_e: float, takeup_u: float, lottery_u: float) -> None:
        self.fid = fid
        self.district = district
        self.birth = birth
        self.income = income
        self.start_age = start_age
        self.patience = patience
        self.travel_km = travel_km
        self.move_after = move_after
        self.fee_exit_e = fee_exit_e
        self.takeup_u = takeup_u
        self.lottery_u = lottery_u
        self.state = L.PENDING
        self.token = 0
        self.epoch = 0
        self.seek_time = math.nan
        self.join_time = math.nan
        self.key = 0.0
        self.cls: AgeClass | None = None
        self.transfer_to: AgeClass | None = None
        self.counted = False
        self.stay_end = math.inf
        self.move_at = math.inf
        self.fee_exit_at = math.inf
        self.fee_paid = 0.0
        self.voucher = 0.0
        self.net_fee = 0.0
        self.admit_t = math.nan
        self.displaced = False


class FamilyProcess:
    """Event handlers for every family of the world.

    The handlers run about a dozen times per family, so the hot path (apply, admit, leave,
    offer the freed place) updates the recorder's counters directly and inlines a few small
    methods, each marked with the one it copies (``Level.add``, ``Waitlist.push``, the near
    case of ``World.at``): calling them made the 1e6-arrival queue ~12% slower. Waits and
    care spells go through ``WaitTally.add`` and ``Recorder.on_care_spell``; states change
    only through :meth:`Ledger.move`, the single point an event trace can wrap.
    """

    def __init__(self, world: World) -> None:
        self.w = world
        f = world.params.families
        self.env = world.env
        self.ledger = world.ledger
        self.rec = world.recorder
        self.waiting_level = world.recorder.waiting
        self.gov = world.gov
        pol = world.params.policy
        # policy levers are fixed for the run; only the budget state changes
        self.vouchers = pol.voucher_per_month > 0
        self.family_subsidy = pol.family_subsidy_per_year > 0
        self.max_waitlists = f.max_waitlists
        self.age_out = f.age_out_months if f.age_out_months is not None else math.inf
        self.price = f.price_response
        self.fee_exit_burden = f.fee_exit_burden
        self.fee_exit_hazard = f.fee_exit_hazard_per_month
        self.stay = world.stay_sampler
        self.keyfn = world.waitlist_key
        self.ranked = world.options.ranked
        self.at = world.at
        self.later_months = world.later_months
        self.occupy = world.occupy

    # -- applying -------------------------------------------------------------------------
    def on_seek(self, ev: Timeout) -> None:
        """The child reaches the desired start age: decide, then enrol, wait or give up."""
        fam: Family = ev._value  # the property costs a call; hot path
        now = self.env._now
        opts, fees = self.ranked(fam, now - fam.birth)
        if not opts:
            self.ledger.move(fam, L.NO_PROVIDER)
            return
        if self.price.enabled:
            cheapest = min(fees) - self.gov.family_subsidy_month()
            burden = max(0.0, cheapest) / fam.income
            if fam.takeup_u >= take_up_probability(burden, self.price.burden50, self.price.steepness):
                self.ledger.move(fam, L.PRICED_OUT)
                return
        fam.seek_time = now
        counted = fam.counted = now >= self.w.warmup
        rec = self.rec
        rec.sought += 1
        if counted:
            rec.arrivals += 1
        for c in opts:
            if c.enrolled < c.usable and not c.transfers:
                self.admit(fam, c)
                return
        if self.max_waitlists <= 0:
            self.ledger.move(fam, L.BLOCKED)
            if counted:
                rec.blocked += 1
            return
        self._start_waiting(fam, opts, self.keyfn(now, fam.lottery_u), now)

    def _try_admit(self, fam: Family, opts: list[AgeClass]) -> bool:
        for c in opts:
            if c.enrolled < c.usable and not c.transfers:
                self.admit(fam, c)
                return True
        return False

    def _start_waiting(self, fam: Family, opts: list[AgeClass], key: float, now: float) -> None:
        fam.key = key
        fam.join_time = now
        self._join(fam, opts, now)
        self.ledger.move(fam, L.WAITING)
        rec = self.rec
        lv = self.waiting_level  # Level.add, inlined
        lv.area += lv.value * (now - lv.t_last)
        lv.t_last = now
        lv.value += 1
        fam.district.waiting += 1
        if now >= rec.warmup:
            rec.joins += 1
        give_up = fam.birth + self.age_out
        if now + fam.patience < give_up:
            give_up = now + fam.patience
        if give_up < self.w.horizon:
            self.at(give_up, (fam, fam.epoch), self.on_renege)

    def _join(self, fam: Family, opts: list[AgeClass], now: float) -> None:
        """Put ``fam`` on the waitlists of its best options; plan a re-queue at the next band."""
        fam.token += 1
        key, token = fam.key, fam.token
        boundary = math.inf
        for c in opts[: self.max_waitlists]:
            wl = c.waitlist  # Waitlist.push, inlined
            wl.seq += 1
            heappush(wl.heap, (key, wl.seq, fam, token))
            if c.max_age < boundary:
                boundary = c.max_age
        boundary += fam.birth
        if now < boundary < self.w.horizon and boundary < fam.birth + self.age_out:
            self.at(boundary, (fam, fam.epoch), self.on_requeue)

    def on_requeue(self, ev: Timeout) -> None:
        """A waiting child outgrows an age class: move to the classes for its new age."""
        fam, epoch = ev._value
        if fam.epoch == epoch and fam.state == L.WAITING:
            self.requeue(fam)

    def requeue(self, fam: Family) -> None:
        """Re-rank a waiting family's options now (new age, or a provider closed), same key."""
        now = self.env._now
        opts, _ = self.ranked(fam, now - fam.birth + AGE_EPS)
        if self._try_admit(fam, opts):
            return
        if opts:
            self._join(fam, opts, now)
        else:
            self._stop_waiting(fam, now)
            self.ledger.move(fam, L.RENEGED)
            self.rec.on_renege(fam, now)

    def on_renege(self, ev: Timeout) -> None:
        """Patience (or the child's age) runs out while waiting."""
        fam, epoch = ev._value
        if fam.epoch != epoch or fam.state != L.WAITING:
            return
        now = self.env._now
        self._stop_waiting(fam, now)
        self.ledger.move(fam, L.RENEGED)
        self.rec.on_renege(fam, now)

    def _stop_waiting(self, fam: Family, now: float) -> None:
        fam.token += 1
        fam.epoch += 1
        lv = self.waiting_level  # Level.add, inlined
        lv.area += lv.value * (now - lv.t_last)
        lv.t_last = now
        lv.value -= 1
        fam.district.waiting -= 1
        rec = self.rec
        if fam.join_time >= rec.warmup:
            rec.wl_time_sum += now - fam.join_time
            rec.wl_time_n += 1

    # -- enrolled -------------------------------------------------------------------------
    def admit(self, fam: Family, c: AgeClass) -> None:
        """Give ``fam`` a place in class ``c`` (it leaves every waitlist it was on)."""
        now = self.env._now
        if fam.state == L.WAITING:
            self._stop_waiting(fam, now)
        self.ledger.move(fam, L.ENROLLED)
        rec = self.rec
        rec.admissions += 1
        if fam.counted:
            rec.waits.add(now - fam.seek_time)
        if fam.displaced:
            fam.displaced = False
            rec.displaced_replaced += 1
        inst = c.inst
        fee = inst.fee
        if self.vouchers:
            v = self.gov.voucher_for(inst)
            fam.voucher = voucher = v if v < fee else fee
        else:
            fam.voucher = voucher = 0.0
        paid = fam.fee_paid = fee - voucher
        if self.family_subsidy:
            paid -= self.gov.family_subsidy_month()
        net = fam.net_fee = paid if paid > 0.0 else 0.0
        fam.admit_t = now
        self.occupy(c, fam, 1, now)
        fam.cls = c
        fam.move_at = now + fam.move_after
        if self.stay is not None:
            fam.stay_end = now + self.stay()
        if self.fee_exit_hazard > 0 and net / fam.income > self.fee_exit_burden:
            fam.fee_exit_at = now + fam.fee_exit_e / self.fee_exit_hazard
        else:
            fam.fee_exit_at = math.inf
        self._schedule_next(fam, now)

    def _schedule_next(self, fam: Family, now: float) -> None:
        """Schedule the family's next event in care: age-up, end of stay or leaving early."""
        fam.epoch += 1
        c = fam.cls
        assert c is not None
        age_out = self.age_out
        end = fam.birth + age_out
        kind = STAY_END
        if fam.stay_end < end:
            end = fam.stay_end
        if fam.move_at < end:
            end, kind = fam.move_at, MOVED
        if fam.fee_exit_at < end:
            end, kind = fam.fee_exit_at, FEE_EXIT
        if c.max_age < age_out and fam.transfer_to is None:
            up = fam.birth + c.max_age
            if up < end:
                end, kind = (up if up > now else now), AGE_UP
        if end < self.w.horizon:
            if end < now + self.later_months:  # World.at's near case, inlined (stays are often short)
                Timeout(self.env, end - now, (fam, fam.epoch, kind)).callbacks.append(self.on_care_event)
            else:
                self.at(end, (fam, fam.epoch, kind), self.on_care_event)

    def on_care_event(self, ev: Timeout) -> None:
        """An enrolled family's planned event: age up, end of stay, moving away or fee exit."""
        fam, epoch, kind = ev._value
        if fam.epoch != epoch:
            return
        if kind == STAY_END:
            self.leave(fam, L.AGED_OUT)
        elif kind == AGE_UP:
            self._age_up(fam)
        else:
            if kind == FEE_EXIT:
                self.rec.fee_exits += 1
            self.leave(fam, L.LEFT_EARLY)

    def _release(self, fam: Family, now: float) -> AgeClass:
        """Take the child out of its class (no ledger change); return the class."""
        c = fam.cls
        assert c is not None
        self.rec.on_care_spell(fam, fam.admit_t, now)
        fam.epoch += 1
        fam.cls = None
        fam.transfer_to = None
        self.occupy(c, fam, -1, now)
        return c

    def leave(self, fam: Family, state: int) -> None:
        """The family gives up its place; the freed place is offered at once."""
        c = self._release(fam, self.env._now)
        self.ledger.move(fam, state)
        if c.enrolled < c.usable:
            self.w.fill(c)

    def displace(self, fam: Family) -> None:
        """The family's provider closed: it re-enters allocation with priority, or leaves."""
        now = self.env._now
        self._release(fam, now)
        self.rec.displaced += 1
        fam.counted = False
        fam.displaced = True
        age = now - fam.birth
        opts = self.ranked(fam, age)[0] if age < self.age_out else []
        if self._try_admit(fam, opts):
            return
        if not opts or self.max_waitlists <= 0:
            self.ledger.move(fam, L.LEFT_EARLY)
            return
        self._start_waiting(fam, opts, DISPLACED_PRIORITY + now, now)

    def _age_up(self, fam: Family) -> None:
        """Move the child to the class of its new age in the same institution, if any."""
        c = fam.cls
        assert c is not None
        age = self.env._now - fam.birth + AGE_EPS
        nxt = next((k for k in c.inst.classes if k is not c and k.min_age <= age < k.max_age), None)
        if nxt is None:
            self.leave(fam, L.AGED_OUT)
            return
        if nxt.enrolled < nxt.usable and not nxt.transfers:
            self.transfer(fam, nxt)
        else:
            fam.transfer_to = nxt
            nxt.transfers.append(fam)
            self._schedule_next(fam, self.env._now)

    def transfer(self, fam: Family, nxt: AgeClass) -> None:
        """Move an enrolled child from its class to ``nxt`` and offer its old place."""
        old = fam.cls
        assert old is not None
        now = self.env._now
        fam.transfer_to = None
        self.occupy(old, fam, -1, now)
        self.occupy(nxt, fam, 1, now)
        fam.cls = nxt
        self._schedule_next(fam, now)
        self.w.fill(old)
