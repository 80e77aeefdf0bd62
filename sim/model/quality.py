"""Quality, safety and the workforce (issue 17): caregivers' qualifications and pay, a quality
score per provider, incidents, inspections and sanctions.

Nothing here runs unless ``quality.enabled``; with it on and every lever at zero (no
inspections, training, wage floor, wage subsidy or health-staff rule) the places, prices and
budget are those of the model without it, and families only re-rank providers by quality.

**Caregivers** (:class:`Caregiver`, one record per filled post, kept in ``AgeClass.crew``).
A hire is qualified (a 保育师 certificate, nursing or early-education training) with
probability :func:`qualified_hire_probability`: the odds ``p0 / (1 - p0)`` of
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
``quality.training_months`` is qualified.

**Quality score** (0-1, grades A-D as in WS/T 821-2023's four grades, china.md s.5): a
weighted sum (``quality.weights``) of the qualified share of its caregivers, the share of
its classes keeping their ratio (children within caregivers times ratio), stability
(``1 - turnover / quality.turnover_reference``, turnover the quits of the last twelve months
over caregivers now) and a guidance visit of the comprehensive centre in the last twelve
months. Families see it with noise (``quality.perception_sd``, one draw per provider and
month, the same for every family): their utility of a provider gains
``quality.utility_per_quality`` times its perceived score minus the mean perceived score of
its type's open providers (the types' preferences, ``families.choice.type_preference``, were
set to today's mix and already carry each type's average quality), and loses
``quality.incident_demand_penalty`` after an incident at the provider (and
``quality.incident_spillover`` of it at the district's other providers), fading over
``quality.incident_memory_months``.

**Incidents**: Poisson, at ``quality.incidents_per_1000_child_years`` (assumption) times the
provider's risk :func:`risk` (unqualified share, ratio breaches, turnover; a health worker
or partnered clinic, ``quality.health_staff_required``, lowers it).

**Inspections**: each month a provider is inspected with probability
``inspections_per_provider_year / 12`` (``random``) or in proportion to its risk at the same
total (``risk``); an incident brings an inspection (``quality.inspection_after_incident``).
An inspection finds a violation with probability ``quality.violation_base`` times the
provider's risk; the provider must remedy it: its unqualified caregivers go on a course at its
cost (``quality.training_cost_per_place`` each), which is how inspections lower incidents.
Sanctions escalate with the violations of the last
``quality.violation_memory_months``: a warning, a fine (``quality.fine``, a provider cost),
a suspension (``quality.suspension_months``: its children are displaced and re-placed with
priority, as at a closure; its places return after it), then revocation (it closes).
Inspections cost ``quality.inspection_cost`` each (a public cost outside the budget).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.model.provider import cost_index

if TYPE_CHECKING:
    from sim.model.city import AgeClass, District, Institution
    from sim.model.government import Government
    from sim.model.options import Options
    from sim.model.places import Places
    from sim.model.provider import Providers
    from sim.model.rng import Streams
    from sim.params.schema import Config

GRADES = ((0.75, "A"), (0.6, "B"), (0.45, "C"), (-math.inf, "D"))  # lower bounds of each grade
SANCTIONS = ("warning", "fine", "suspension", "revocation")  # by violations already on record
KPI_NAMES = ("qualified_share", "caregiver_turnover_per_year", "incidents_per_1000_child_years", "incidents",
             "inspections", "warnings", "fines", "suspensions", "revocations",
             "children_displaced_by_sanctions",
             "mean_quality_enrolled", "training_places_used")


# -- the rules ------------------------------------------------------------------------------------
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


def quality_score(qualified: float, ratios: float, stability: float, guided: bool,
                  weights: dict[str, float]) -> float:
    """Return the quality score (0-1) from its four parts, each in [0, 1]."""
    return (weights.get("qualified", 0.0) * qualified + weights.get("ratios", 0.0) * ratios
            + weights.get("stability", 0.0) * stability + weights.get("guidance", 0.0) * float(guided))


def grade(score: float) -> str:
    """Return the grade (A-D) of a quality score."""
    return next(g for lo, g in GRADES if score >= lo)


def risk(unqualified: float, breach: float, turnover: float, health: bool, cfg: Any) -> float:
    """Return a provider's incident and violation risk relative to a fully qualified, stable one."""
    r = (1.0 + cfg.incident_risk_unqualified * unqualified + cfg.incident_risk_ratio_breach * breach
         + cfg.incident_risk_turnover * turnover)
    return r * (1.0 - cfg.incident_risk_health_staff) if health else r


def breaks_ratio(c: AgeClass) -> bool:
    """True when class ``c`` holds more children than its caregivers may care for (its ratio)."""
    return c.load > 2 * c.caregivers * c.ratio + 1e-9  # load counts half places


def crew(inst: Institution) -> list[Caregiver]:
    """Return the caregivers in post at ``inst``."""
    return [r for c in inst.classes for r in c.crew]


def sanction(prior_violations: int) -> str:
    """Return the sanction for a violation found with ``prior_violations`` already on record."""
    return SANCTIONS[min(prior_violations, len(SANCTIONS) - 1)]


def inspection_probabilities(risks: np.ndarray, per_year: float, targeting: str) -> np.ndarray:
    """Return each provider's probability of an inspection this month.

    ``random``: ``per_year / 12`` each. ``risk``: the same expected total, shared in
    proportion to risk (a probability above 1 is cut to 1).
    """
    base = per_year / 12.0
    if targeting == "random" or len(risks) == 0 or risks.sum() <= 0:
        return np.full(len(risks), min(1.0, base))
    return np.minimum(1.0, base * len(risks) * risks / risks.sum())


class Caregiver:
    """One caregiver in post: qualified or not; whether in a course, and until when."""

    __slots__ = ("qualified", "employed", "training_until")

    def __init__(self, qualified: bool) -> None:
        self.qualified = qualified
        self.employed = True
        self.training_until = math.nan


class ProviderQuality:
    """What the quality rules remember about one provider."""

    __slots__ = ("score", "perceived", "quits", "incidents", "violations", "visited_at", "suspended_until",
                 "saved", "fine_due")

    def __init__(self) -> None:
        self.score = self.perceived = 0.5
        self.quits: list[float] = []  # times of quits in the last twelve months
        self.incidents: list[float] = []
        self.violations: list[float] = []
        self.visited_at = -math.inf
        self.suspended_until = -math.inf
        self.saved: list[int] = []  # licensed places per class, kept while suspended
        self.fine_due = 0.0


class Quality:
    """The workforce, quality score, incidents and supervision of one run (see the module)."""

    def __init__(self, env: simpy.Environment, params: Config, streams: Streams,
                 institutions: list[Institution],
                 districts: Sequence[District], places: Places, providers: Providers, gov: Government,
                 options: Options) -> None:
        self.env = env
        self.cfg = params.quality
        self.params = params
        self.institutions = institutions
        self.districts = districts
        self.places = places
        self.providers = providers
        self.gov = gov
        self.options = options
        self.warmup = float(params.run.warmup_months)
        self.wage = params.staff.wage_per_month
        self.base_quit = params.staff.quit_hazard_per_month
        self.hire_stream = streams["quality.hire"]
        self.gen = streams["quality.events"].gen  # incidents, inspections, violations, training picks
        self.state: dict[int, ProviderQuality] = {}
        self.courses: list[Caregiver] = []
        self.training_carry = 0.0  # fractional training places carried to next month
        self.visits_carry = 0.0
        # window counters (KPIs)
        self.quits_window = 0
        self.incidents_window = 0
        self.inspections = self.suspensions = self.revocations = self.warnings = self.fines = 0
        self.displaced_by_sanctions = 0
        self.training_used = 0.0
        self.months_sampled = 0
        self.caregivers_sum = self.qualified_sum = 0.0
        self.quality_child_sum = self.child_sum = 0.0
        self.quality_child_by_type: dict[str, float] = {}
        self.child_by_type: dict[str, float] = {}
        self.district_penalty = [0.0] * len(districts)
        self.subsidy_share = 1.0  # share of the month's wage subsidy the budget paid
        self.type_mean: dict[str, float] = {}  # mean perceived score of each type's open providers

    # -- per provider ---------------------------------------------------------------------------
    def of(self, inst: Institution) -> ProviderQuality:
        """Return the quality record of ``inst`` (created on first use)."""
        q = self.state.get(inst.idx)
        if q is None:
            q = self.state[inst.idx] = ProviderQuality()
        return q

    def suspended(self, inst: Institution) -> bool:
        """True while ``inst`` is suspended by a sanction."""
        return self.env.now < self.of(inst).suspended_until

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
        self.of(c.inst).quits.append(now)
        if now >= self.warmup:
            self.quits_window += 1

    # -- the month ------------------------------------------------------------------------------
    def close_month(self, month: int, in_window: bool) -> None:
        """Run the month's quality rules (see the module)."""
        now = self.env.now
        self._reinstate(now)
        insts = [i for i in self.institutions if i.open and not self.suspended(i)]
        if not insts:
            return
        self._finish_courses(now)
        self._start_courses(now, insts, in_window)
        self._guidance(now, insts)
        risks = np.array([self._assess(i, now) for i in insts])
        self._sample(insts, in_window)
        self._incidents(insts, risks, now, in_window)
        self._inspect(insts, risks, now, in_window)
        self._perceive(insts)
        self.options.invalidate()

    def _assess(self, inst: Institution, now: float) -> float:
        """Update ``inst``'s score; return its risk."""
        cfg = self.cfg
        q = self.of(inst)
        q.quits = [t for t in q.quits if t > now - 12.0]
        staff = crew(inst)
        n = len(staff)
        qualified = sum(r.qualified for r in staff) / n if n else 0.0
        live = [c for c in inst.classes if c.licensed > 0]
        breach = sum(breaks_ratio(c) for c in live) / len(live) if live else 0.0
        turnover = len(q.quits) / n if n else 0.0
        stability = max(0.0, 1.0 - turnover / cfg.turnover_reference) if cfg.turnover_reference > 0 else 1.0
        q.score = quality_score(qualified, 1.0 - breach, stability, now - q.visited_at <= 12.0, cfg.weights)
        return risk(1.0 - qualified if n else 1.0, breach, turnover, self.health_staff(inst), cfg)

    def health_staff(self, inst: Institution) -> bool:
        """True when ``inst`` has a health worker or a partnered clinic (the requirement is on)."""
        return self.cfg.health_staff_required

    def _sample(self, insts: list[Institution], in_window: bool) -> None:
        if not in_window:
            return
        self.months_sampled += 1
        for inst in insts:
            staff = crew(inst)
            self.caregivers_sum += len(staff)
            self.qualified_sum += sum(r.qualified for r in staff)
            kids = sum(c.enrolled for c in inst.classes)
            score = self.of(inst).score
            self.quality_child_sum += score * kids
            self.child_sum += kids
            by_q, by_n = self.quality_child_by_type, self.child_by_type
            by_q[inst.type] = by_q.get(inst.type, 0.0) + score * kids
            by_n[inst.type] = by_n.get(inst.type, 0.0) + kids

    def _incidents(self, insts: list[Institution], risks: np.ndarray, now: float, in_window: bool) -> None:
        cfg = self.cfg
        kids = np.array([sum(c.enrolled for c in i.classes) for i in insts], dtype=float)
        lam = kids / 12.0 * cfg.incidents_per_1000_child_years / 1000.0 * risks
        n = self.gen.poisson(lam)
        for inst, k, r in zip(insts, n.tolist(), risks.tolist(), strict=True):
            if k <= 0:
                continue
            q = self.of(inst)
            q.incidents.extend([now] * k)
            if in_window:
                self.incidents_window += k
            if cfg.inspection_after_incident and inst.open and not self.suspended(inst):
                self.inspect(inst, r, now, in_window)

    def _inspect(self, insts: list[Institution], risks: np.ndarray, now: float, in_window: bool) -> None:
        cfg = self.cfg
        if cfg.inspections_per_provider_year <= 0:
            return
        p = inspection_probabilities(risks, cfg.inspections_per_provider_year, cfg.inspection_targeting)
        u = self.gen.random(len(insts))
        for inst, r, hit in zip(insts, risks.tolist(), (u < p).tolist(), strict=True):
            if hit and inst.open and not self.suspended(inst):
                self.inspect(inst, r, now, in_window)

    def inspect(self, inst: Institution, r: float, now: float, in_window: bool) -> str | None:
        """Inspect ``inst`` (risk ``r``): on a violation apply the next sanction; return it (None: clean)."""
        cfg = self.cfg
        self.gov.book_cost("quality", cfg.inspection_cost, now - 1.0, in_window)
        self.gov.month_cost[inst.district.idx] += cfg.inspection_cost
        if in_window:
            self.inspections += 1
        if self.gen.random() >= min(1.0, cfg.violation_base * r):
            return None
        q = self.of(inst)
        q.violations = [t for t in q.violations if t > now - cfg.violation_memory_months]
        what = sanction(len(q.violations))
        q.violations.append(now)
        self._remedy(inst, q, now)
        if what == "fine":
            q.fine_due += cfg.fine
            self.fines += in_window
        elif what == "warning":
            self.warnings += in_window
        elif what == "suspension":
            self.suspend(inst, now, in_window)
        else:
            kids = sum(c.enrolled for c in inst.classes)
            self.providers.close([inst])
            if in_window:
                self.revocations += 1
                self.displaced_by_sanctions += kids
        return what

    def _remedy(self, inst: Institution, q: ProviderQuality, now: float) -> None:
        """A violation found: the provider sends its unqualified caregivers to a course, at its cost."""
        cfg = self.cfg
        for rec in crew(inst):
            if not rec.qualified and math.isnan(rec.training_until):
                rec.training_until = now + cfg.training_months
                self.courses.append(rec)
                q.fine_due += cfg.training_cost_per_place

    def suspend(self, inst: Institution, now: float, in_window: bool) -> None:
        """Suspend ``inst``: displace its children, keep its places aside until the suspension ends."""
        q = self.of(inst)
        q.suspended_until = now + self.cfg.suspension_months
        q.saved = [c.licensed for c in inst.classes]
        kids = self.providers.evict(inst)
        for c in inst.classes:
            self.places.set_licensed(c, 0)
        self.options.invalidate()
        if in_window:
            self.suspensions += 1
            self.displaced_by_sanctions += kids

    def _reinstate(self, now: float) -> None:
        for idx, q in self.state.items():
            if q.saved and now >= q.suspended_until:
                inst = self.institutions[idx]
                saved, q.saved = q.saved, []
                if inst.open:
                    for c, n in zip(inst.classes, saved, strict=True):
                        self.places.set_licensed(c, n)
                    self.options.invalidate()

    # -- training and guidance -----------------------------------------------------------------
    def _start_courses(self, now: float, insts: list[Institution], in_window: bool) -> None:
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

    def _finish_courses(self, now: float) -> None:
        done = [r for r in self.courses if r.training_until <= now + 1e-9]
        if not done:
            return
        self.courses = [r for r in self.courses if r.training_until > now + 1e-9]
        for r in done:
            if r.employed:
                r.qualified = True

    def _guidance(self, now: float, insts: list[Institution]) -> None:
        hub = self.gov.hub
        if hub is None:
            return
        self.visits_carry += hub.month_visits
        n = int(self.visits_carry)
        if n <= 0:
            return
        due = sorted((i for i in insts if now - self.of(i).visited_at > 12.0 and i.type != "hub"),
                     key=lambda i: (self.of(i).score, i.idx))[:n]
        self.visits_carry -= len(due)
        for inst in due:
            self.of(inst).visited_at = now

    # -- what families see -------------------------------------------------------------------------
    def _perceive(self, insts: list[Institution]) -> None:
        noise = self.gen.normal(0.0, self.cfg.perception_sd, len(insts)) if self.cfg.perception_sd > 0 \
            else np.zeros(len(insts))
        sums: dict[str, list[float]] = {}
        for inst, e in zip(insts, noise.tolist(), strict=True):
            q = self.of(inst)
            q.perceived = q.score + e
            acc = sums.setdefault(inst.type, [0.0, 0.0])
            acc[0] += q.perceived
            acc[1] += 1.0
        self.type_mean = {t: a[0] / a[1] for t, a in sums.items()}
        now = self.env.now
        mem = self.cfg.incident_memory_months
        pen = [0.0] * len(self.districts)
        for inst in insts:
            pen[inst.district.idx] += self._fading(self.of(inst).incidents, now, mem)
        self.district_penalty = pen

    @staticmethod
    def _fading(times: list[float], now: float, memory: float) -> float:
        if memory <= 0:
            return 0.0
        return sum(math.exp(-(now - t) / memory) for t in times if now - t < 5 * memory)

    def utility(self, inst: Institution) -> float:
        """Return what quality adds to families' utility of ``inst`` (perceived score, incidents)."""
        cfg = self.cfg
        q = self.state.get(inst.idx)
        if q is None:
            return 0.0
        own = self._fading(q.incidents, self.env.now, cfg.incident_memory_months)
        spill = self.district_penalty[inst.district.idx] - own
        return (cfg.utility_per_quality * (q.perceived - self.type_mean.get(inst.type, q.perceived))
                - cfg.incident_demand_penalty * (own + cfg.incident_spillover * spill))

    # -- money ------------------------------------------------------------------------------------
    def month_terms(self, inst: Institution) -> tuple[float, float]:
        """Return ``inst``'s extra cost and public revenue of the closing month (yuan).

        Cost: the wage floor's top-up and the wage subsidy passed on, per qualified caregiver;
        a health worker or clinic partnership when required; a fine due. Revenue: the wage
        subsidy per qualified caregiver (paid by the government, :meth:`close_month_costs`).
        """
        cfg = self.cfg
        q = self.of(inst)
        qualified = sum(r.qualified for r in crew(inst))
        cost = qualified * (self.pay(inst) - self.market_wage(inst))
        if cfg.health_staff_required and inst.licensed > 0:
            cost += (cfg.health_worker_month if inst.licensed >= cfg.health_staff_min_children
                     else cfg.clinic_partnership_month)
        cost += q.fine_due  # fines and remedial courses
        q.fine_due = 0.0
        revenue = qualified * cfg.wage_subsidy_per_qualified * self.subsidy_share
        return cost, revenue

    def close_month_costs(self, in_window: bool, institutions: Sequence[Institution]) -> None:
        """Pay the month's wage subsidy per qualified caregiver (within the budget, cost kind ``quality``)."""
        per = self.cfg.wage_subsidy_per_qualified
        if per <= 0:
            return
        insts = [i for i in institutions if i.open]
        qualified = [sum(r.qualified for r in crew(i)) for i in insts]
        self.subsidy_share = self.gov.pay("quality", per * sum(qualified), in_window)
        for inst, n in zip(insts, qualified, strict=True):
            self.gov.month_cost[inst.district.idx] += per * n * self.subsidy_share

    # -- KPIs ---------------------------------------------------------------------------------------
    @staticmethod
    def empty_kpis(types: Sequence[str]) -> dict[str, float]:
        """Return the quality KPIs of a run without the quality rules (all 0)."""
        names = (*KPI_NAMES, *(f"mean_quality_enrolled_{t}" for t in types))
        return dict.fromkeys(names, 0.0)

    def kpis(self, types: Sequence[str], care_months: float) -> dict[str, float]:
        """Return the quality, safety and workforce KPIs of the window."""
        years = max(self.months_sampled, 1) / 12.0
        mean_cg = self.caregivers_sum / self.months_sampled if self.months_sampled else 0.0
        out = {
            "qualified_share": self.qualified_sum / self.caregivers_sum if self.caregivers_sum else 0.0,
            "caregiver_turnover_per_year": self.quits_window / mean_cg / years if mean_cg else 0.0,
            "incidents_per_1000_child_years": (self.incidents_window / (care_months / 12.0) * 1000.0
                                               if care_months > 0 else 0.0),
            "incidents": self.incidents_window,
            "inspections": self.inspections,
            "warnings": self.warnings,
            "fines": self.fines,
            "suspensions": self.suspensions,
            "revocations": self.revocations,
            "children_displaced_by_sanctions": self.displaced_by_sanctions,
            "mean_quality_enrolled": self.quality_child_sum / self.child_sum if self.child_sum else 0.0,
            "training_places_used": self.training_used,
        }
        for t in types:
            n = self.child_by_type.get(t, 0.0)
            out[f"mean_quality_enrolled_{t}"] = self.quality_child_by_type.get(t, 0.0) / n if n else 0.0
        return out
