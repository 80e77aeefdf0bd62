"""Hourly (temporary) care: families who need a few hours at a time, served from free places.

China promotes hourly and temporary care to use places that stand empty (the 2025 guideline's
"many kinds of providers"). A family whose care mode is ``hourly`` (``families.care_modes``)
decides on the price like any other, on the cost of its expected hours a month at the
cheapest option within reach; then, until its child ages out, it asks for
``families.hourly_hours_per_request`` hours at random times (``hourly_requests_per_month``,
a Poisson process). Each request is served by the first option in the family's ranking with
a whole free place at that moment (:meth:`sim.model.allocation.Allocator.has_room`),
whatever its intake calendar, or lost. A served request is paid to the provider at
``city.types.<type>.hourly_fee_share`` of its monthly fee per hour (its fee revenue of the
month). The family is ``hourly`` in the ledger until it ages out.

A request takes no place and changes nothing but the month's revenue, so requests need no
event of their own: the family's process is its decision and its ageing out, and
:meth:`HourlyCare.close_month` draws the month's requests of every family in hourly care
(Poisson counts over the part of the month each was in it, uniform times, from the
``family.hourly`` stream) and serves each against the classes' room at its time. The room of
every class is known at any time of the month from its value at the month's start and the
log of its changes (:meth:`HourlyCare.note`, called by the place and waitlist owners after
every change of load, usable places or claims); the world calls ``close_month`` before the
providers' books. Each family's requests are served in time order; a request after the
child outgrows the classes it ranked ranks again first.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.model.demand import take_up_probability
from sim.model.fees import net_fee
from sim.model.ledger import AGED_OUT, HOURLY, NO_PROVIDER, PRICED_OUT

if TYPE_CHECKING:
    from sim.model.allocation import Allocator
    from sim.model.city import AgeClass
    from sim.model.family import Family
    from sim.model.ledger import Ledger
    from sim.model.options import Options
    from sim.model.recorder import Recorder
    from sim.params.schema import FamiliesConfig

AGE_EPS = 1e-7


class _User:
    """A family in hourly care: its ranking, and the span in which it asks for hours."""

    __slots__ = ("fam", "opts", "outgrows", "start", "end")

    def __init__(self, fam: Family, opts: list[AgeClass], outgrows: float, start: float, end: float) -> None:
        self.fam = fam
        self.opts = opts
        self.outgrows = outgrows
        self.start = start
        self.end = end


class HourlyCare:
    """The processes of families who use hourly care, and the monthly service of their requests."""

    def __init__(self, env: simpy.Environment, cfg: FamiliesConfig, ledger: Ledger, options: Options,
                 alloc: Allocator, recorder: Recorder, family_subsidy: Callable[[], float],
                 gen: np.random.Generator, warmup: float, horizon: float) -> None:
        self.env = env
        self.ledger = ledger
        self.options = options
        self.alloc = alloc
        self.recorder = recorder
        self.family_subsidy = family_subsidy
        self.gen = gen  # the family.hourly stream: request counts and times
        self.warmup = warmup
        self.horizon = horizon
        self.price = cfg.price_response
        self.hours = cfg.hourly_hours_per_request
        self.per_month = cfg.hourly_requests_per_month
        self.age_out = cfg.age_out_months if cfg.age_out_months is not None else math.inf
        self.users: list[_User] = []  # in the order they started: the draws' order
        self.month_start = -math.inf  # the start of the month whose requests are not yet served
        self.room0: dict[AgeClass, bool] = {}  # each class's room at the month's start (absent: none)
        self.log: dict[AgeClass, tuple[list[float], list[bool]]] = {}  # changes in the month

    def life(self, fam: Family) -> Generator[simpy.Event, Any, None]:
        """From the start age: decide on the price, then use hourly care until the child ages out."""
        env = self.env
        now = env.now
        opts, _, _ = self.options.ranked(fam, now - fam.birth)
        if not opts:
            self.ledger.move(fam, NO_PROVIDER)
            return
        if self.price.enabled:
            hour = min(c.inst.fee * c.inst.hourly_share for c in opts)
            spend = net_fee(hour * self.hours * self.per_month, self.family_subsidy())
            p = take_up_probability(spend / fam.income, self.price.burden50, self.price.steepness)
            if fam.takeup_u >= p:
                self.ledger.move(fam, PRICED_OUT)
                return
        fam.seek_time = now
        fam.counted = now >= self.warmup
        self.ledger.move(fam, HOURLY)
        end = fam.birth + self.age_out
        if self.per_month > 0:
            self.add_user(fam, opts, now, min(end, self.horizon))
        if end < self.horizon:
            yield env.timeout(max(0.0, end - now))
            self.ledger.move(fam, AGED_OUT)

    def add_user(self, fam: Family, opts: list[AgeClass], start: float, end: float) -> None:
        """``fam`` asks for hours from ``start`` to ``end`` (its ranking ``opts``, best first)."""
        self.users.append(_User(fam, opts, fam.birth + min(c.max_age for c in opts), start, end))

    # -- room over the month ------------------------------------------------------------------
    def note(self, c: AgeClass) -> None:
        """Class ``c``'s load, usable places or claims changed now: log a change of its room."""
        room = self.alloc.has_room(c)
        log = self.log.get(c)
        if log is None:
            if room == self.room0.get(c, False):
                return
            self.log[c] = log = ([], [])
        elif room == log[1][-1]:
            return
        log[0].append(self.env.now)
        log[1].append(room)

    def room_at(self, c: AgeClass, t: float) -> bool:
        """Whether ``c`` had a whole free place at time ``t`` of the month being closed."""
        log = self.log.get(c)
        if log is not None:
            i = bisect_right(log[0], t)
            if i:
                return log[1][i - 1]
        return self.room0.get(c, False)

    # -- the month's requests ------------------------------------------------------------------
    def close_month(self, t: float, classes: Sequence[AgeClass]) -> None:
        """Serve every request made from the last call up to ``t``; start logging the next month."""
        m0 = self.month_start
        users = [u for u in self.users if u.end > m0]
        if users and t > m0:
            lo = np.array([max(u.start, m0) for u in users])
            span = np.clip(np.array([min(u.end, t) for u in users]) - lo, 0.0, None)
            counts = self.gen.poisson(self.per_month * span)
            draws = self.gen.random(int(counts.sum())).tolist()
            pos = 0
            for u, n, a, s in zip(users, counts.tolist(), lo.tolist(), span.tolist(), strict=True):
                if n:
                    self._serve(u, sorted(a + s * x for x in draws[pos:pos + n]))
                    pos += n
        self.users = [u for u in users if u.end > t]
        self.month_start = t
        has_room = self.alloc.has_room
        self.room0 = {c: True for c in classes if has_room(c)}
        self.log = {}

    def _serve(self, u: _User, times: list[float]) -> None:
        """Serve ``u``'s requests at ``times`` (ascending)."""
        hours = self.hours
        request = self.recorder.hourly_request
        room_at = self.room_at
        for t in times:
            if t >= u.outgrows:  # older than the classes it ranked: rank again
                fam = u.fam
                u.opts, _, _ = self.options.ranked(fam, t - fam.birth + AGE_EPS)
                u.outgrows = fam.birth + min((c.max_age for c in u.opts), default=math.inf)
            served = next((c for c in u.opts if room_at(c, t)), None)
            request(served, hours, t)
