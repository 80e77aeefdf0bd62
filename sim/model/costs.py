"""A provider's cost structure and outlook: what it pays empty, what each child adds, what it expects.

Pure functions of plain numbers, shared by the providers' closure and downsizing rules
(:mod:`sim.model.provider`) and market entry (:mod:`sim.model.market`). The split into a
fixed and a per-child part follows the US Provider Cost of Quality Calculator
(calibration/china.md s.6): per-site and per-classroom costs (rent for the licensed places,
overhead, the caregivers a class keeps whatever its enrolment) against per-child costs
(care costs and the caregiver time each child's ratio needs, 2019 standards, s.5). Rent plus
labour are over 75% of a nursery's cost (s.3). Owner-operators (home-based points,
家庭托育点: the owner is the carer) fill posts without a wage and earn the surplus instead
(assumption from the form of the business: a home point is run by its owner in her home).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sim.model.staff import required_caregivers


@dataclass(frozen=True, slots=True)
class CostStructure:
    """A provider's monthly cost: ``fixed`` when empty, plus ``per_child`` per enrolled child."""

    fixed: float
    per_child: float

    def cost(self, children: float) -> float:
        """Return the monthly cost with ``children`` enrolled."""
        return self.fixed + self.per_child * children


def cost_structure(places: Mapping[str, int], ratios: Mapping[str, float], wage: float, rent_per_place: float,
                   overhead: float, per_child_cost: float, by_demand: bool, spare_per_class: int,
                   owner_operators: int = 0) -> CostStructure:
    """Return the cost structure of a provider with ``places`` licensed per band.

    Under demand staffing (``by_demand``) each class keeps ``spare_per_class`` caregivers
    and each child adds ``1/ratio`` of a caregiver; otherwise every licensed place is staffed
    (all fixed). ``owner_operators`` posts are unpaid (the owner earns the surplus): they
    come off the fixed caregivers (never below none).
    """
    total = sum(places.values())
    if by_demand:
        fixed_cg = spare_per_class * sum(1 for n in places.values() if n > 0)
        staff_per_child = wage * sum(n / ratios[b] for b, n in places.items()) / max(total, 1)
    else:
        fixed_cg = sum(required_caregivers(n, ratios[b]) for b, n in places.items())
        staff_per_child = 0.0
    paid = max(0, fixed_cg - owner_operators)
    return CostStructure(paid * wage + rent_per_place * total + overhead, per_child_cost + staff_per_child)


def expected_result(children: float, revenue_per_child: float, costs: CostStructure,
                    other_revenue: float = 0.0) -> float:
    """Return the monthly result a provider expects with ``children`` enrolled."""
    return children * revenue_per_child + other_revenue - costs.cost(children)


def cohort_outlook(multipliers: list[float]) -> float:
    """Return next year's children under 3 relative to this year's, from births multipliers.

    ``multipliers`` are the births multipliers of years ``y-2 .. y+1``: this year's under-3s
    were born in ``y-2 .. y``, next year's in ``y-1 .. y+1``.
    """
    now = sum(multipliers[:3])
    return sum(multipliers[1:4]) / now if now > 0 else 1.0
