"""Hourly (temporary) care: families who need a few hours at a time, served from free places.

China promotes hourly and temporary care to use places that stand empty (the 2025 guideline's
"many kinds of providers"). A family whose care mode is ``hourly`` (``families.care_modes``)
decides on the price like any other, on the cost of its expected hours a month at the
cheapest option within reach; then, until its child ages out, it asks for
``families.hourly_hours_per_request`` hours at random times (``hourly_requests_per_month``,
a Poisson stream from its own random stream). Each request is served by the first option in
the family's ranking with a whole free place at that moment, whatever its intake calendar,
or lost. A served request is paid to the provider at ``city.types.<type>.hourly_fee_share``
of its monthly fee per hour (its fee revenue of the month). The family is ``hourly`` in the
ledger until it ages out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.demand import take_up_probability
from sim.model.fees import net_fee
from sim.model.ledger import AGED_OUT, HOURLY, NO_PROVIDER, PRICED_OUT

if TYPE_CHECKING:
    from sim.model.allocation import Allocator
    from sim.model.family import Family
    from sim.model.ledger import Ledger
    from sim.model.options import Options
    from sim.model.recorder import Recorder
    from sim.params.schema import FamiliesConfig

AGE_EPS = 1e-7


class HourlyCare:
    """The processes of families who use hourly care."""

    def __init__(self, env: simpy.Environment, cfg: FamiliesConfig, ledger: Ledger, options: Options,
                 alloc: Allocator, recorder: Recorder, family_subsidy: Callable[[], float],
                 gap: Callable[[], float] | None, warmup: float, horizon: float) -> None:
        self.env = env
        self.ledger = ledger
        self.options = options
        self.alloc = alloc
        self.recorder = recorder
        self.family_subsidy = family_subsidy
        self.gap = gap
        self.warmup = warmup
        self.horizon = horizon
        self.price = cfg.price_response
        self.hours = cfg.hourly_hours_per_request
        self.per_month = cfg.hourly_requests_per_month
        self.age_out = cfg.age_out_months if cfg.age_out_months is not None else math.inf

    def life(self, fam: Family) -> Generator[simpy.Event, Any, None]:
        """From the start age: decide on the price, then request hours until the child ages out."""
        env = self.env
        opts, _, _ = self.options.ranked(fam, env.now - fam.birth)
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
        fam.seek_time = env.now
        fam.counted = env.now >= self.warmup
        self.ledger.move(fam, HOURLY)
        end = fam.birth + self.age_out
        outgrows = fam.birth + min(c.max_age for c in opts)
        gap = self.gap
        while gap is not None:
            t = env.now + gap()
            if t >= end or t >= self.horizon:
                break
            yield env.timeout(t - env.now)
            if env.now >= outgrows:  # the child is older than the classes it ranked: rank again
                opts, _, _ = self.options.ranked(fam, env.now - fam.birth + AGE_EPS)
                outgrows = fam.birth + min((c.max_age for c in opts), default=math.inf)
            served = next((c for c in opts if self.alloc.has_room(c)), None)
            self.recorder.hourly_request(served, self.hours, env.now)
        if end < self.horizon:
            yield env.timeout(max(0.0, end - env.now))
            self.ledger.move(fam, AGED_OUT)
