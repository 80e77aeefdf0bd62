"""Configuration of the supply side: the capacity programme and providers' economics.

Split from :mod:`sim.params.schema` (which re-exports both classes); defaults and sources
are documented in ``configs/capacity/`` and ``configs/config.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.params.frozen import Frozen


@dataclass
class CapacityConfig(Frozen):
    """The public capacity programme: a places-per-1,000 target reached by building and converting."""

    name: str = "status_quo"
    target_per_1000: float | None = None
    target_year: int = 2030
    path: str = "linear"
    build_type: str = "public"
    build_lead_months: float = 12.0
    construction_grant_per_place: float = 10000.0
    convert_kindergarten: bool = True
    conversion_lead_months: float = 3.0
    conversion_cost_per_place: float = 3000.0
    kindergarten_enrolment: float = 0.9
    plan_every_months: float = 3.0
    # the channels new places are built through: provider type -> share of the places built
    # (empty: all build_type), each with its public cost per place (default the construction grant)
    channels: dict[str, float] = field(default_factory=dict)
    grant_per_place: dict[str, float] = field(default_factory=dict)
    purchase_per_place_month: float = 300.0  # the "purchase" channel's subsidy per place bought
    placement: str = "unmet"  # unmet: most unmet demand net of vacancies within reach; ratio: the old rule
    reach_km: float = 6.0
    # the "1" of "1+N": one comprehensive childcare service centre (provider type ``hub``) per city
    hub: bool = False
    hub_grant_per_place: float = 10000.0
    hub_services_per_year: float = 0.0
    hub_training_places_per_year: float = 0.0
    hub_guidance_visits_per_year: float = 0.0
    # dated changes of the levers above: [{from: "YYYY-MM", <lever>: value, ...}] (sim.params.timeline)
    timeline: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EconomicsConfig(Frozen):
    """Provider accounts, closures, market entry and market fee setting."""

    enabled: bool = True
    rent_per_place_month: float = 450.0
    per_child_cost_month: float = 450.0
    initial_cash_months: float = 6.0
    close_after_deficit_months: int = 12
    cash_floor: float = 0.0
    closure_rule: str = "outlook"  # outlook: cash and expected result; deficits: cash and a run of deficits
    credit_months: float = 6.0
    outlook_months: int = 12
    downsize: bool = True
    downsize_after_deficit_months: int = 3
    entry: bool = True
    entry_type: str = "market"
    entry_lead_months: float = 6.0
    entry_check_months: float = 12.0
    max_entries_per_district_year: int = 2
    entry_reach_km: float = 6.0
    entry_max_waiting_share: float = 1.0
    conversion: bool = True  # private providers of convert_from types may convert to convert_to (普惠)
    convert_from: list[str] = field(default_factory=lambda: ["market"])
    convert_to: str = "affordable"
    conversion_gain_per_month: float = 0.0
    conversion_rent_share: float = 1.0  # of its rent a converted provider pays (rent relief)
    fee_setting: bool = True
    fee_adjust_per_year: float = 0.1
    target_occupancy: float = 0.85
    fee_floor_share: float = 0.6
    fee_ceiling_share: float = 1.6
