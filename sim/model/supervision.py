"""Safety and supervision under the quality rules (issue 17): incidents, inspections, sanctions.

Part of the quality rules (:mod:`sim.model.quality`); nothing here runs unless
``quality.enabled``. **Incidents**: Poisson, at ``quality.incidents_per_1000_child_years``
(assumption) times the provider's risk (:func:`sim.model.quality.risk`: unqualified share,
ratio breaches, turnover; a health worker or partnered clinic,
``quality.health_staff_required``, lowers it).

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

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.city import Institution
    from sim.model.quality import ProviderQuality, Quality

SANCTIONS = ("warning", "fine", "suspension", "revocation")  # by violations already on record


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


class Supervision:
    """Incidents, inspections and sanctions of one run (see the module)."""

    def __init__(self, quality: Quality) -> None:
        self.quality = quality
        self.env = quality.env
        self.cfg = quality.cfg
        self.gen = quality.gen  # incidents, inspections, violations
        self.institutions = quality.institutions
        self.places = quality.places
        self.providers = quality.providers
        self.gov = quality.gov
        self.options = quality.options
        self.workforce = quality.workforce
        # window counters (KPIs)
        self.incidents_window = 0
        self.inspections = self.suspensions = self.revocations = self.warnings = self.fines = 0
        self.displaced_by_sanctions = 0

    def suspended(self, inst: Institution) -> bool:
        """True while ``inst`` is suspended by a sanction."""
        return self.env.now < self.quality.of(inst).suspended_until

    def incidents(self, insts: list[Institution], risks: np.ndarray, now: float, in_window: bool) -> None:
        """Draw the month's incidents at each provider (risks ``risks``); each may bring an inspection."""
        cfg = self.cfg
        kids = np.array([sum(c.enrolled for c in i.classes) for i in insts], dtype=float)
        lam = kids / 12.0 * cfg.incidents_per_1000_child_years / 1000.0 * risks
        n = self.gen.poisson(lam)
        for inst, k, r in zip(insts, n.tolist(), risks.tolist(), strict=True):
            if k <= 0:
                continue
            q = self.quality.of(inst)
            q.incidents.extend([now] * k)
            if in_window:
                self.incidents_window += k
            if cfg.inspection_after_incident and inst.open and not self.suspended(inst):
                self.inspect(inst, r, now, in_window)

    def inspect_providers(self, insts: list[Institution], risks: np.ndarray, now: float,
                          in_window: bool) -> None:
        """Draw which providers are inspected this month (:func:`inspection_probabilities`); inspect them."""
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
        q = self.quality.of(inst)
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
        for _ in self.workforce.send_to_course(inst, now):
            q.fine_due += self.cfg.training_cost_per_place

    def suspend(self, inst: Institution, now: float, in_window: bool) -> None:
        """Suspend ``inst``: displace its children, keep its places aside until the suspension ends."""
        q = self.quality.of(inst)
        q.suspended_until = now + self.cfg.suspension_months
        q.saved = [c.licensed for c in inst.classes]
        kids = self.providers.evict(inst)
        for c in inst.classes:
            self.places.set_licensed(c, 0)
        self.options.invalidate()
        if in_window:
            self.suspensions += 1
            self.displaced_by_sanctions += kids

    def reinstate(self, now: float) -> None:
        """Give the places of providers whose suspension has ended back (when they are still open)."""
        for idx, q in self.quality.state.items():
            if q.saved and now >= q.suspended_until:
                inst = self.institutions[idx]
                saved, q.saved = q.saved, []
                if inst.open:
                    for c, n in zip(inst.classes, saved, strict=True):
                        self.places.set_licensed(c, n)
                    self.options.invalidate()
