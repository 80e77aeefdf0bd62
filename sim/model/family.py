"""Families: one SimPy process per family that seeks care, from its start age to leaving care.

:meth:`Families.life` reads top to bottom: at the desired start age the family ranks the
places it can reach, decides on the net price whether to seek care at all (take-up falls
with the fee burden, :func:`sim.model.demand.take_up_probability`), enrols where a place is
free or joins the waitlists of its best options, waits until it is offered a place, its
patience or the child's age runs out, or the child outgrows the classes it waits for (then
it re-ranks), moves up age classes in care, and leaves: at the end of its stay or 36 months
(``aged_out``), or early when it moves away or the fee burden is too high (``left_early``).
A closure interrupts it (:class:`simpy.Interrupt`): the child re-enters allocation with
priority, or leaves.

Prices: a family weighs the net fee (provider fee minus family subsidy, :mod:`sim.model.fees`)
against its income; its contract is fixed at admission. When the net fee exceeds
``families.fee_exit_burden`` of income it leaves early with a monthly hazard
``families.fee_exit_hazard_per_month`` (assumption). The family subsidy is a payment to
families, not a term of the contract: when it changes on a date (``policy.timeline``) an
enrolled family's net fee follows it (:meth:`Families.reprice`). All attributes are drawn at birth
(:mod:`sim.model.births`); every state change goes through the ledger.

Accepting an offer (``families.accept_rule``, a rule per family): ``first_free`` takes the
first ranked option that admits it now, else waits on its best options; ``hold_out``
considers only options whose utility is within its reservation slack (drawn per family,
``families.hold_out_slack``, in utility units) of its best option's, and waits for one of
them rather than take a worse free place; ``accept_and_transfer`` takes a free place now and
stays on the waitlists of the options it ranked higher, moving when offered one (until its
patience runs out or its child outgrows them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.allocation import Allocator
from sim.model.demand import take_up_probability
from sim.model.fees import net_fee
from sim.model.ledger import AGED_OUT, BLOCKED, LEFT_EARLY, NO_PROVIDER, PENDING, PRICED_OUT, RENEGED, Ledger

if TYPE_CHECKING:
    from sim.model.city import AgeClass, District
    from sim.model.hourly import HourlyCare
    from sim.model.options import Options
    from sim.model.recorder import Recorder
    from sim.params.schema import FamiliesConfig

AGE_UP, STAY_END, MOVED, FEE_EXIT, TRANSFER_END = range(5)
FIRST_FREE, HOLD_OUT, ACCEPT_AND_TRANSFER = range(3)  # a family's rule (ACCEPT_RULES order)
CLOSED = "provider closed"  # interrupt causes
REQUEUE = "waitlist closed"
REPRICED = "net fee changed"
AGE_EPS = 1e-7  # ages compared at a band boundary are nudged past it (float rounding)
Process = Generator[simpy.Event, Any, Any]


class Family:
    """One family with a child who will seek care (attributes drawn once, at birth)."""

    __slots__ = (
        "fid", "district", "birth", "income", "start_age", "patience", "travel_km", "move_after",
        "fee_exit_e", "takeup_u", "lottery_u", "state", "token", "seek_time", "join_time", "cls",
        "transfer_to", "counted", "stay_end", "move_at", "fee_exit_at", "fee_paid", "voucher", "net_fee",
        "admit_t", "displaced", "displaced_at", "offer", "proc", "outgrows_at",
        "dual", "single", "sibling_u", "sibling", "rule", "slack", "lists", "ranked", "first_inst",
        "got_first", "want_aff", "wl_type", "transfer_waiting", "transfer_until", "units", "taste_key",
        "eligible", "inc_g", "pre",
    )

    def __init__(self, fid: int, district: District, birth: float, income: float, start_age: float,
                 patience: float, travel_km: float, move_after: float, fee_exit_e: float,
                 takeup_u: float, lottery_u: float) -> None:
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
        self.state = PENDING
        self.token = 0
        self.seek_time = self.join_time = self.admit_t = self.displaced_at = math.nan
        self.outgrows_at = math.inf
        self.cls: AgeClass | None = None
        self.transfer_to: AgeClass | None = None
        self.counted = False
        self.stay_end = self.move_at = self.fee_exit_at = math.inf
        self.fee_paid = self.voucher = self.net_fee = 0.0
        self.displaced = False
        self.offer: simpy.Event | None = None
        self.proc: simpy.Process | None = None
        self.dual = self.single = False  # dual earner, single parent (priority points)
        self.sibling_u = 1.0  # below families.sibling_share: an older sibling in care
        self.sibling: Any = None  # the institution of that sibling
        self.rule = FIRST_FREE
        self.slack = 0.0  # hold-out reservation slack (utility units)
        self.lists: list[AgeClass] = []  # the classes whose waitlists it is on, best first
        self.ranked: list[AgeClass] = []  # its latest ranking
        self.first_inst: Any = None  # the institution it ranked first when it applied
        self.got_first = self.want_aff = False
        self.wl_type = 0
        self.transfer_waiting = False
        self.transfer_until = math.inf
        self.units = 2  # half places its child uses: full day 2, half day 1, hourly care 0
        self.taste_key = 0  # its tastes for every option derive from it (sim.model.choice.taste)
        self.eligible = True  # may take reserved (employer-run) places: city.types.<t>.reserved
        self.inc_g = 0  # city-wide income group (sim.model.equity.income_group)
        self.pre: Any = None  # its ranking computed at the month's start (sim.model.options.Options.prerank)


def next_round(t: float, month0: int) -> float:
    """Return the first intake round (the start of a month ``month0`` of the year) at or after ``t``."""
    return month0 + 12.0 * math.ceil((t - month0) / 12.0 - 1e-9)


def next_in_care(fam: Family, now: float, age_out: float,
                 round_month0: int | None = None) -> tuple[float, int]:
    """Return the time and kind of an enrolled family's next planned event.

    The earliest of: aging out (or the end of its stay), moving away, a fee exit, the end
    of its wait for a better place and, unless it already waits to move up, outgrowing its
    class (at an annual provider, whose classes move up together: at the first intake round
    after that, ``round_month0`` being the round's month of the year, 0 = January).
    """
    end, kind = fam.birth + age_out, STAY_END
    if fam.stay_end < end:
        end = fam.stay_end
    if fam.move_at < end:
        end, kind = fam.move_at, MOVED
    if fam.fee_exit_at < end:
        end, kind = fam.fee_exit_at, FEE_EXIT
    if fam.transfer_waiting and fam.transfer_until <= end:
        end, kind = (fam.transfer_until if fam.transfer_until > now else now), TRANSFER_END
    c = fam.cls
    if c is not None and c.max_age < age_out and fam.transfer_to is None:
        up = fam.birth + c.max_age
        if c.inst.annual and round_month0 is not None:
            up = next_round(up, round_month0)
        if up < end:
            end, kind = (up if up > now else now), AGE_UP
    return end, kind


class Families:
    """The processes of every family that seeks care."""

    def __init__(self, env: simpy.Environment, cfg: FamiliesConfig, ledger: Ledger, options: Options,
                 alloc: Allocator, recorder: Recorder, family_subsidy: Callable[[], float],
                 stay: Callable[[], float] | None, warmup: float, horizon: float) -> None:
        self.env = env
        self.ledger = ledger
        self.options = options
        self.alloc = alloc
        self.recorder = recorder
        self.family_subsidy = family_subsidy
        self.stay = stay
        self.warmup = warmup
        self.horizon = horizon
        self.max_waitlists = cfg.max_waitlists
        self.age_out = cfg.age_out_months if cfg.age_out_months is not None else math.inf
        self.price = cfg.price_response
        self.fee_exit_burden = cfg.fee_exit_burden
        self.fee_exit_hazard = cfg.fee_exit_hazard_per_month
        self.sibling_share = cfg.sibling_share
        self.hourly: HourlyCare | None = None  # set by the world when some families use hourly care
        self.round_month0: int | None = None  # set by the world when some provider admits yearly

    def start(self, fam: Family) -> None:
        """Start ``fam``'s process (it first waits for its start age)."""
        fam.proc = self.env.process(self.life(fam))

    # -- the life ---------------------------------------------------------------------------
    def life(self, fam: Family) -> Process:
        """From the desired start age to leaving care."""
        env = self.env
        yield env.timeout(max(0.0, fam.birth + fam.start_age - env.now))
        if fam.units == 0:  # hourly care: sim.model.hourly
            assert self.hourly is not None
            yield from self.hourly.life(fam)
            return
        opts = self.decide(fam)
        if not opts:
            return
        if self.alloc.admit_first_free(fam, opts) is None:
            if self.max_waitlists <= 0:
                self.ledger.move(fam, BLOCKED)
                return
            admitted = yield from self.wait(fam, opts)
            if not admitted:
                return
        self._seek_better(fam)
        yield from self.in_care(fam)

    def decide(self, fam: Family) -> list[AgeClass]:
        """Rank the options and decide on the price; return the acceptable ones (or [] and a state)."""
        now = self.env.now
        opts, fees, values = self.options.ranked(fam, now - fam.birth)
        if not opts:
            self.ledger.move(fam, NO_PROVIDER)
            return []
        if self.price.enabled:
            burden = net_fee(min(fees), self.family_subsidy()) / fam.income
            if fam.takeup_u >= take_up_probability(burden, self.price.burden50, self.price.steepness):
                self.ledger.move(fam, PRICED_OUT)
                return []
        fam.seek_time = now
        fam.counted = now >= self.warmup
        fam.first_inst = opts[0].inst
        if fam.sibling_u < self.sibling_share:  # an older sibling at one of the nearby providers
            fam.sibling = opts[int(fam.sibling_u / self.sibling_share * len(opts))].inst
        if fam.counted:
            self.recorder.applied(fam, opts[0], now)
        return self.acceptable(fam, opts, values)

    def acceptable(self, fam: Family, opts: list[AgeClass], values: list[float]) -> list[AgeClass]:
        """Return the options ``fam`` would accept (hold-out: those near its best); keep the ranking."""
        fam.ranked = opts
        if fam.rule != HOLD_OUT or not opts:
            return opts
        limit = values[0] + fam.slack
        return [c for c, v in zip(opts, values, strict=True) if v <= limit]

    def wait(self, fam: Family, opts: list[AgeClass]) -> Process:
        """On the waitlists of ``opts`` until offered a place (True) or giving up (False)."""
        env = self.env
        offer = self.alloc.join(fam, opts)
        give_up = min(env.now + fam.patience, fam.birth + self.age_out)
        while True:
            t = min(give_up, fam.outgrows_at)
            try:
                if t < self.horizon:
                    yield offer | env.timeout(max(0.0, t - env.now))
                else:
                    yield offer
            except simpy.Interrupt as stop:
                if stop.cause == CLOSED:  # admitted, then displaced before it could resume
                    return (yield from self._after_closure(fam))
                # otherwise a class it waited for closed: re-rank below
            else:
                if not offer.triggered and give_up <= fam.outgrows_at:
                    self._give_up(fam)
                    return False
            if offer.triggered:
                return True
            opts = self.acceptable(fam, *self._rank(fam, env.now - fam.birth + AGE_EPS))
            if self.alloc.admit_first_free(fam, opts) is not None:
                return True
            if not opts:
                self._give_up(fam)
                return False
            self.alloc.rejoin(fam, opts)

    def _rank(self, fam: Family, age: float) -> tuple[list[AgeClass], list[float]]:
        opts, _, values = self.options.ranked(fam, age)
        return opts, values

    def _seek_better(self, fam: Family) -> None:
        """Admitted: stay on the lists of better options, and move when offered one.

        Every family keeps its applications to annual providers it ranked above its place
        (they admit only from their lists: an application stands at least until the next
        round); an ``accept_and_transfer`` family also stays on better rolling ones.
        """
        ranked = fam.ranked
        k = ranked.index(fam.cls) if fam.cls in ranked else 0
        if k == 0 or self.max_waitlists <= 0:
            return
        better = ranked[:k]
        now = self.env.now
        until = now + fam.patience
        if fam.rule != ACCEPT_AND_TRANSFER:
            better = [c for c in better if c.inst.annual]
        if self.round_month0 is not None and any(c.inst.annual for c in better):
            until = max(until, next_round(now, self.round_month0) + 1e-6)
        if better:
            self.alloc.join_transfer(fam, better, until)

    def _give_up(self, fam: Family) -> None:
        self.alloc.withdraw(fam)
        self.ledger.move(fam, RENEGED)

    def in_care(self, fam: Family) -> Process:
        """Enrolled: move up age classes until leaving; re-placed with priority after a closure."""
        env = self.env
        self._plan_stay(fam)
        while True:
            end, kind = next_in_care(fam, env.now, self.age_out, self.round_month0)
            transfer_wait = fam.transfer_waiting
            try:
                # (a transfer can resume the family at the very time of its next event)
                timer = env.timeout(max(0.0, end - env.now)) if end < self.horizon else env.event()
                yield (fam.offer | timer) if transfer_wait else timer  # type: ignore[operator]
            except simpy.Interrupt as stop:
                if stop.cause != CLOSED:  # moved up; or a stale re-queue from a second closure
                    continue
                if not (yield from self._after_closure(fam)):
                    return
                self._plan_stay(fam)
                continue
            if transfer_wait and not fam.transfer_waiting:  # moved to a better place
                self._plan_fee_exit(fam)
                continue
            if kind == TRANSFER_END:
                self.alloc.end_transfer_wait(fam)
                continue
            if kind == AGE_UP:
                if self._age_up(fam):
                    continue
                kind = STAY_END
            if kind == FEE_EXIT:
                self.recorder.fee_exits += 1
            self.leave(fam, AGED_OUT if kind == STAY_END else LEFT_EARLY)
            return

    def _plan_stay(self, fam: Family) -> None:
        """Admitted now: when the family would move away, end its stay, or leave on the fee."""
        now = self.env.now
        fam.move_at = now + fam.move_after
        if self.stay is not None:
            fam.stay_end = now + self.stay()
        self._plan_fee_exit(fam)

    def _plan_fee_exit(self, fam: Family) -> None:
        """Under its contract, from now: when the family would leave on the fee (never if it can bear it)."""
        fam.fee_exit_at = self._fee_exit_time(fam, self.env.now)

    def _fee_exit_time(self, fam: Family, now: float) -> float:
        """When a family whose fee burden is above ``fee_exit_burden`` from ``now`` leaves (else inf)."""
        if self.fee_exit_hazard > 0 and fam.net_fee / fam.income > self.fee_exit_burden:
            return now + fam.fee_exit_e / self.fee_exit_hazard
        return math.inf

    def reprice(self, fam: Family, net: float) -> None:
        """The family subsidy changed while ``fam`` is in care: its net fee is ``net`` from now.

        The contract (provider fee and voucher) stays. The fee burden counts the old net fee
        up to now and the new one after; a fee exit is planned when the burden rises above
        ``families.fee_exit_burden`` (memoryless hazard from now) and cancelled when it falls
        below; one already planned above the threshold keeps its time.
        """
        now = self.env.now
        self.recorder.reprice(fam, net, now)
        fam.net_fee = net
        old = fam.fee_exit_at
        new = self._fee_exit_time(fam, now)
        fam.fee_exit_at = old if (math.isfinite(old) and math.isfinite(new)) else new
        if fam.fee_exit_at != old and fam.proc is not None and fam.proc.is_alive:
            fam.proc.interrupt(REPRICED)  # in_care re-plans its next event

    def _age_up(self, fam: Family) -> bool:
        """Move into the class of the new age in the same institution; False if there is none."""
        c = fam.cls
        assert c is not None
        age = self.env.now - fam.birth + AGE_EPS
        nxt = next((k for k in c.inst.classes if k is not c and k.min_age <= age < k.max_age), None)
        if nxt is None:
            return False
        self.alloc.age_up(fam, nxt)
        return True

    def leave(self, fam: Family, state: int) -> None:
        """The family gives up its place; the freed place is offered at once."""
        c = self.alloc.release(fam)
        self.ledger.move(fam, state)
        self.alloc.fill(c)

    # -- closures -----------------------------------------------------------------------------
    def displace(self, fam: Family) -> None:
        """``fam``'s provider is closing: take the child out now; its process finds a new place."""
        self.alloc.release(fam)
        fam.displaced = True
        fam.displaced_at = self.env.now
        fam.counted = False
        self.recorder.displaced += 1
        assert fam.proc is not None
        fam.proc.interrupt(CLOSED)

    def requeue(self, fam: Family) -> None:
        """A class ``fam`` waits for is closing: it re-ranks its options."""
        assert fam.proc is not None
        if fam.proc.is_alive:
            fam.proc.interrupt(REQUEUE)

    def _after_closure(self, fam: Family) -> Process:
        """Displaced: admitted elsewhere now, or waiting with priority (True), or leaving (False)."""
        age = self.env.now - fam.birth
        opts = self.acceptable(fam, *self._rank(fam, age)) if age < self.age_out else []
        if self.alloc.admit_first_free(fam, opts) is not None:
            return True
        if not opts or self.max_waitlists <= 0:
            self.ledger.move(fam, LEFT_EARLY)
            return False
        admitted = yield from self.wait(fam, opts)
        return admitted
