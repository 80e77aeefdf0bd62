"""Quality, safety and the workforce (issue 17): a quality score per provider, what families see
of it, and the month of the quality rules.

Nothing here runs unless ``quality.enabled``; with it on and every lever at zero (no
inspections, training, wage floor, wage subsidy or health-staff rule) the places, prices and
budget are those of the model without it, and families only re-rank providers by quality.
Caregivers' qualifications, pay, quits and courses are the workforce's
(:mod:`sim.model.workforce`); incidents, inspections and sanctions are supervision's
(:mod:`sim.model.supervision`). :class:`Quality` holds both, runs the month in order and
reports the KPIs.

**Quality score** (0-1; read as WS/T 821-2023's four grades, china.md s.5: A from 0.75, B from
0.6, C from 0.45, else D): a
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
``quality.incident_memory_months``. A provider's **risk** (:func:`risk`) of incidents and
violations rises with its unqualified share, ratio breaches and turnover; a health worker
or partnered clinic (``quality.health_staff_required``) lowers it and costs the provider
``quality.health_worker_month`` or ``quality.clinic_partnership_month``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.model.supervision import Supervision
from sim.model.workforce import Workforce, breaks_ratio, crew

if TYPE_CHECKING:
    from sim.model.city import District, Institution
    from sim.model.government import Government
    from sim.model.options import Options
    from sim.model.places import Places
    from sim.model.provider import Providers
    from sim.model.rng import Streams
    from sim.params.schema import Config

KPI_NAMES = ("qualified_share", "caregiver_turnover_per_year", "incidents_per_1000_child_years", "incidents",
             "inspections", "warnings", "fines", "suspensions", "revocations",
             "children_displaced_by_sanctions",
             "mean_quality_enrolled", "training_places_used")


# -- the rules ------------------------------------------------------------------------------------
def quality_score(qualified: float, ratios: float, stability: float, guided: bool,
                  weights: dict[str, float]) -> float:
    """Return the quality score (0-1) from its four parts, each in [0, 1]."""
    return (weights.get("qualified", 0.0) * qualified + weights.get("ratios", 0.0) * ratios
            + weights.get("stability", 0.0) * stability + weights.get("guidance", 0.0) * float(guided))


def risk(unqualified: float, breach: float, turnover: float, health: bool, cfg: Any) -> float:
    """Return a provider's incident and violation risk relative to a fully qualified, stable one."""
    r = (1.0 + cfg.incident_risk_unqualified * unqualified + cfg.incident_risk_ratio_breach * breach
         + cfg.incident_risk_turnover * turnover)
    return r * (1.0 - cfg.incident_risk_health_staff) if health else r


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
    """The quality rules of one run: scores, what families see, the month (see the module)."""

    def __init__(self, env: simpy.Environment, params: Config, streams: Streams,
                 institutions: list[Institution],
                 districts: Sequence[District], places: Places, providers: Providers, gov: Government,
                 options: Options) -> None:
        self.env = env
        self.cfg = params.quality
        self.params = params
        self.streams = streams
        self.institutions = institutions
        self.districts = districts
        self.places = places
        self.providers = providers
        self.gov = gov
        self.options = options
        self.gen = streams["quality.events"].gen  # incidents, inspections, violations, training picks
        self.state: dict[int, ProviderQuality] = {}
        self.visits_carry = 0.0
        # window counters (KPIs)
        self.months_sampled = 0
        self.caregivers_sum = self.qualified_sum = 0.0
        self.quality_child_sum = self.child_sum = 0.0
        self.quality_child_by_type: dict[str, float] = {}
        self.child_by_type: dict[str, float] = {}
        self.district_penalty = [0.0] * len(districts)
        self.type_mean: dict[str, float] = {}  # mean perceived score of each type's open providers
        self.workforce = Workforce(self)
        self.supervision = Supervision(self)

    def of(self, inst: Institution) -> ProviderQuality:
        """Return the quality record of ``inst`` (created on first use)."""
        q = self.state.get(inst.idx)
        if q is None:
            q = self.state[inst.idx] = ProviderQuality()
        return q

    # -- the month ------------------------------------------------------------------------------
    def close_month(self, month: int, in_window: bool) -> None:
        """Run the month's quality rules (see the module)."""
        now = self.env.now
        sup, wf = self.supervision, self.workforce
        sup.reinstate(now)
        insts = [i for i in self.institutions if i.open and not sup.suspended(i)]
        if not insts:
            return
        wf.finish_courses(now)
        wf.start_courses(now, insts, in_window)
        self._guidance(now, insts)
        risks = np.array([self._assess(i, now) for i in insts])
        self._sample(insts, in_window)
        sup.incidents(insts, risks, now, in_window)
        sup.inspect_providers(insts, risks, now, in_window)
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

    # -- guidance by the comprehensive centre ------------------------------------------------------
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

        Cost: the wage floor's top-up and the wage subsidy passed on, per qualified caregiver
        (:meth:`sim.model.workforce.Workforce.wage_terms`); a health worker or clinic
        partnership when required; a fine due. Revenue: the wage subsidy per qualified
        caregiver (paid by the government,
        :meth:`sim.model.workforce.Workforce.pay_wage_subsidy`).
        """
        cfg = self.cfg
        q = self.of(inst)
        cost, revenue = self.workforce.wage_terms(inst)
        if cfg.health_staff_required and inst.licensed > 0:
            cost += (cfg.health_worker_month if inst.licensed >= cfg.health_staff_min_children
                     else cfg.clinic_partnership_month)
        cost += q.fine_due  # fines and remedial courses
        q.fine_due = 0.0
        return cost, revenue

    # -- KPIs ---------------------------------------------------------------------------------------
    @staticmethod
    def empty_kpis(types: Sequence[str]) -> dict[str, float]:
        """Return the quality KPIs of a run without the quality rules (all 0)."""
        names = (*KPI_NAMES, *(f"mean_quality_enrolled_{t}" for t in types))
        return dict.fromkeys(names, 0.0)

    def kpis(self, types: Sequence[str], care_months: float) -> dict[str, float]:
        """Return the quality, safety and workforce KPIs of the window."""
        sup, wf = self.supervision, self.workforce
        years = max(self.months_sampled, 1) / 12.0
        mean_cg = self.caregivers_sum / self.months_sampled if self.months_sampled else 0.0
        out = {
            "qualified_share": self.qualified_sum / self.caregivers_sum if self.caregivers_sum else 0.0,
            "caregiver_turnover_per_year": wf.quits_window / mean_cg / years if mean_cg else 0.0,
            "incidents_per_1000_child_years": (sup.incidents_window / (care_months / 12.0) * 1000.0
                                               if care_months > 0 else 0.0),
            "incidents": sup.incidents_window,
            "inspections": sup.inspections,
            "warnings": sup.warnings,
            "fines": sup.fines,
            "suspensions": sup.suspensions,
            "revocations": sup.revocations,
            "children_displaced_by_sanctions": sup.displaced_by_sanctions,
            "mean_quality_enrolled": self.quality_child_sum / self.child_sum if self.child_sum else 0.0,
            "training_places_used": wf.training_used,
        }
        for t in types:
            n = self.child_by_type.get(t, 0.0)
            out[f"mean_quality_enrolled_{t}"] = self.quality_child_by_type.get(t, 0.0) / n if n else 0.0
        return out
