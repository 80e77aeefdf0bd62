"""The workforce under the quality rules (issue 17): caregivers' qualifications, pay, quits and courses.

Part of the quality rules (:mod:`sim.model.quality`); nothing here runs unless
``quality.enabled``. **Caregivers** (:class:`Caregiver`, one record per filled post, kept in
``AgeClass.crew``). A hire is qualified (a 保育师 certificate, nursing or early-education
training) with probability :func:`qualified_hire_probability`: the odds ``p0 / (1 - p0)`` of
``quality.qualified_hire_share`` (assumption) times the relative pay of qualified caregivers
to the power ``quality.hire_wage_elasticity`` (assumption). Relative pay is what a qualified
caregiver earns at the provider over the local market wage (``staff.wage_per_month`` times
the district's cost index, as providers pay today): 1 without levers; a wage floor
(``quality.wage_floor``, yuan a month for qualified caregivers) and a wage subsidy per
qualified caregiver (``quality.wage_subsidy_per_qualified``, passed on in pay) raise it. A
caregiver's quit hazard is ``staff.quit_hazard_per_month`` times relative pay to the power
``quality.quit_wage_elasticity`` (-0.5: the turnover elasticity of the early care and
education workforce in Cunha and Lee 2023, NBER WP 31869) times
``1 + quality.workload_quit_factor`` when its class breaks the ratio at hire (workload);
both are fixed at hire (a later lever change acts on new hires only). Training places
(``quality.training_places_per_year``, at ``quality.training_cost_per_place``, plus the
places the comprehensive centre delivers, :mod:`sim.model.hub`) start courses for randomly
chosen unqualified caregivers in post; a caregiver still in post after
``quality.training_months`` is qualified. The government pays the wage subsidy each month
within its budget (cost kind ``quality``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.model.provider import cost_index

if TYPE_CHECKING:
    from sim.model.city import AgeClass, Institution
    from sim.model.quality import Quality


def qualified_hire_probability(base_share: float, relative_pay: float, elasticity: float) -> float:
    """Return the probability that a hire is qualified: base odds times relative pay ** elasticity."""
    if base_share <= 0.0 or base_share >= 1.0:
        return base_share
    odds = base_share / (1.0 - base_share) * relative_pay ** elasticity
    return odds / (1.0 + odds)


def quit_hazard(base: float, relative_pay: float, elasticity: float, overworked: bool,
                workload: float) -> float:
    """Return a caregiver's monthly quit hazard: base times pay ** elasticity, more when overworked."""
    return base * relative_pay ** elasticity * (1.0 + workload if overworked else 1.0)


def breaks_ratio(c: AgeClass) -> bool:
    """True when class ``c`` holds more children than its caregivers may care for (its ratio)."""
    return c.load > 2 * c.caregivers * c.ratio + 1e-9  # load counts half places


def crew(inst: Institution) -> list[Caregiver]:
    """Return the caregivers in post at ``inst``."""
    return [r for c in inst.classes for r in c.crew]


class Caregiver:
    """One caregiver in post: qualified or not; whether in a course, and until when."""

    __slots__ = ("qualified", "employed", "training_until")

    def __init__(self, qualified: bool) -> None:
        self.qualified = qualified
        self.employed = True
        self.training_until = math.nan


class Workforce:
    """Caregivers' hires, pay, quits and courses of one run (see the module)."""

    def __init__(self, quality: Quality) -> None:
        params = quality.params
        self.quality = quality
        self.env = quality.env
        self.cfg = params.quality
        self.gov = quality.gov
        self.gen = quality.gen  # training picks (the quality rules' event stream)
        self.hire_stream = quality.streams["quality.hire"]
        self.warmup = float(params.run.warmup_months)
        self.wage = params.staff.wage_per_month
        self.base_quit = params.staff.quit_hazard_per_month
        self.courses: list[Caregiver] = []
        self.training_carry = 0.0  # fractional training places carried to next month
        self.subsidy_share = 1.0  # share of the month's wage subsidy the budget paid
        # window counters (KPIs)
        self.quits_window = 0
        self.training_used = 0.0

    # -- pay ------------------------------------------------------------------------------------
    def market_wage(self, inst: Institution) -> float:
        """Return the local market wage of a caregiver at ``inst`` (what providers pay without levers)."""
        return self.wage * cost_index(inst.district)

    def pay(self, inst: Institution) -> float:
        """Return what a qualified caregiver earns at ``inst`` (yuan a month)."""
        floor = self.cfg.wage_floor if self.cfg.wage_floor is not None else 0.0
        return max(self.market_wage(inst), floor) + self.cfg.wage_subsidy_per_qualified

    def relative_pay(self, inst: Institution) -> float:
        """Return a qualified caregiver's pay at ``inst`` over the local market wage."""
        return self.pay(inst) / self.market_wage(inst)

    # -- caregivers (called by sim.model.staff) ------------------------------------------------------
    def hire(self, c: AgeClass, initial: bool) -> Caregiver:
        """A post of ``c`` is filled: draw whether the caregiver is qualified; return its record."""
        cfg = self.cfg
        p = cfg.qualified_share_start if initial else qualified_hire_probability(
            cfg.qualified_hire_share, self.relative_pay(c.inst), cfg.hire_wage_elasticity)
        rec = Caregiver(self.hire_stream.uniform() < p)
        c.crew.append(rec)
        return rec

    def mean_tenure(self, c: AgeClass, rec: Caregiver) -> float:
        """Return the mean tenure (months) of a caregiver hired now into ``c``."""
        pay = self.relative_pay(c.inst) if rec.qualified else 1.0
        overworked = breaks_ratio(c)
        cfg = self.cfg
        h = quit_hazard(self.base_quit, pay, cfg.quit_wage_elasticity, overworked, cfg.workload_quit_factor)
        return 1.0 / h if h > 0 else math.inf

    def quit(self, c: AgeClass, rec: Caregiver) -> None:
        """The caregiver of record ``rec`` leaves ``c``."""
        rec.employed = False
        c.crew.remove(rec)
        now = self.env.now
        self.quality.of(c.inst).quits.append(now)
        if now >= self.warmup:
            self.quits_window += 1

    # -- courses ----------------------------------------------------------------------------------
    def start_courses(self, now: float, insts: list[Institution], in_window: bool) -> None:
        """Start the month's training places (funded and the hub's) for unqualified caregivers in post."""
        cfg = self.cfg
        hub = self.gov.hub
        funded = cfg.training_places_per_year / 12.0
        delivered = hub.month_training if hub is not None else 0.0
        self.training_carry += funded + delivered
        n = int(self.training_carry)
        if n <= 0:
            return
        pool = [r for i in insts for r in crew(i)
                if not r.qualified and math.isnan(r.training_until)]
        n = min(n, len(pool))
        if n <= 0:
            return  # no unqualified caregiver to train: the places carry over
        self.training_carry -= n
        picks = self.gen.choice(len(pool), size=n, replace=False)
        for k in sorted(picks.tolist()):
            rec = pool[k]
            rec.training_until = now + cfg.training_months
            self.courses.append(rec)
        if funded > 0:
            share_funded = funded / (funded + delivered)
            cost = n * share_funded * cfg.training_cost_per_place
            self.gov.pay("quality", cost, in_window)
        if in_window:
            self.training_used += n

    def send_to_course(self, inst: Institution, now: float) -> list[Caregiver]:
        """Send ``inst``'s unqualified caregivers not yet in a course on one; return them."""
        sent = [rec for rec in crew(inst) if not rec.qualified and math.isnan(rec.training_until)]
        for rec in sent:
            rec.training_until = now + self.cfg.training_months
            self.courses.append(rec)
        return sent

    def finish_courses(self, now: float) -> None:
        """Caregivers still in post at the end of their course are qualified."""
        done = [r for r in self.courses if r.training_until <= now + 1e-9]
        if not done:
            return
        self.courses = [r for r in self.courses if r.training_until > now + 1e-9]
        for r in done:
            if r.employed:
                r.qualified = True

    # -- money ------------------------------------------------------------------------------------
    def wage_terms(self, inst: Institution) -> tuple[float, float]:
        """Return ``inst``'s wage cost and public revenue of the closing month from the levers (yuan).

        Cost: the wage floor's top-up and the wage subsidy passed on, per qualified caregiver.
        Revenue: the wage subsidy per qualified caregiver at the share the budget paid
        (:meth:`pay_wage_subsidy`).
        """
        qualified = sum(r.qualified for r in crew(inst))
        cost = qualified * (self.pay(inst) - self.market_wage(inst))
        revenue = qualified * self.cfg.wage_subsidy_per_qualified * self.subsidy_share
        return cost, revenue

    def pay_wage_subsidy(self, in_window: bool, institutions: Sequence[Institution]) -> None:
        """Pay the month's wage subsidy per qualified caregiver (within the budget, cost kind ``quality``)."""
        per = self.cfg.wage_subsidy_per_qualified
        if per <= 0:
            return
        insts = [i for i in institutions if i.open]
        qualified = [sum(r.qualified for r in crew(i)) for i in insts]
        self.subsidy_share = self.gov.pay("quality", per * sum(qualified), in_window)
        for inst, n in zip(insts, qualified, strict=True):
            self.gov.month_cost[inst.district.idx] += per * n * self.subsidy_share
