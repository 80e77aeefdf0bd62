"""Configuration of quality, safety and the workforce (issue 17): group ``quality``.

Split from :mod:`sim.params.schema` (which re-exports the class); defaults, sources and the
plausible range of every assumption are in ``configs/quality/off.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.params.frozen import Frozen


@dataclass
class QualityConfig(Frozen):
    """Caregivers' qualifications and pay, provider quality, incidents, inspections and sanctions."""

    name: str = "off"
    enabled: bool = False
    # -- the workforce -------------------------------------------------------------------
    qualified_share_start: float = 0.6
    qualified_hire_share: float = 0.5
    hire_wage_elasticity: float = 2.0
    quit_wage_elasticity: float = -0.5
    workload_quit_factor: float = 0.5
    wage_floor: float | None = None
    wage_subsidy_per_qualified: float = 0.0
    training_places_per_year: float = 0.0
    training_months: float = 6.0
    training_cost_per_place: float = 3000.0
    health_staff_required: bool = False
    health_staff_min_children: int = 50
    health_worker_month: float = 6500.0
    clinic_partnership_month: float = 1500.0
    # -- quality score (weights add up to 1) and what families see --------------------------
    weights: dict[str, float] = field(default_factory=lambda: {
        "qualified": 0.4, "ratios": 0.3, "stability": 0.2, "guidance": 0.1})
    turnover_reference: float = 0.6
    utility_per_quality: float = 1.0
    perception_sd: float = 0.1
    # -- safety --------------------------------------------------------------------------
    incidents_per_1000_child_years: float = 2.0
    incident_risk_unqualified: float = 2.0
    incident_risk_ratio_breach: float = 3.0
    incident_risk_turnover: float = 1.0
    incident_risk_health_staff: float = 0.3
    incident_demand_penalty: float = 1.0
    incident_spillover: float = 0.3
    incident_memory_months: float = 12.0
    # -- supervision ----------------------------------------------------------------------
    inspections_per_provider_year: float = 0.0
    inspection_targeting: str = "random"
    inspection_after_incident: bool = False
    violation_base: float = 0.1
    violation_memory_months: float = 24.0
    fine: float = 20000.0
    suspension_months: float = 3.0
    inspection_cost: float = 2000.0
