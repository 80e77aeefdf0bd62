"""Checks of the providers' economics (costs, closure, entry, fees, conversion) and of quality.

Part of :func:`sim.config.validate.validate`: the economics section, with the cost keys of
districts and provider types it reads, and the quality, safety and workforce section.
"""

from __future__ import annotations

from sim.config.checks import finite, mix_shares, non_negative, one_of, positive, probability, require
from sim.params.schema import CLOSURE_RULES, Config


def validate_economics(cfg: Config) -> None:
    e = cfg.economics
    non_negative("economics.rent_per_place_month", e.rent_per_place_month)
    non_negative("economics.per_child_cost_month", e.per_child_cost_month)
    non_negative("economics.initial_cash_months", e.initial_cash_months)
    require(e.close_after_deficit_months >= 1, "economics.close_after_deficit_months",
            f"must be >= 1, got {e.close_after_deficit_months}")
    finite("economics.cash_floor", e.cash_floor)
    require(e.closure_rule in CLOSURE_RULES, "economics.closure_rule",
            f"must be one of {', '.join(CLOSURE_RULES)}, got {e.closure_rule!r}")
    non_negative("economics.credit_months", e.credit_months)
    require(e.outlook_months >= 1, "economics.outlook_months", f"must be >= 1, got {e.outlook_months}")
    require(e.downsize_after_deficit_months >= 1, "economics.downsize_after_deficit_months",
            f"must be >= 1, got {e.downsize_after_deficit_months}")
    require(e.entry_type in cfg.city.types, "economics.entry_type",
            f"unknown institution type '{e.entry_type}' (not in city.types)")
    non_negative("economics.entry_lead_months", e.entry_lead_months)
    non_negative("economics.entry_reach_km", e.entry_reach_km)
    non_negative("economics.entry_max_waiting_share", e.entry_max_waiting_share)
    positive("economics.entry_check_months", e.entry_check_months)
    require(e.max_entries_per_district_year >= 0, "economics.max_entries_per_district_year",
            f"must be >= 0, got {e.max_entries_per_district_year}")
    # a city without these types has no conversions (planner cities name their own types)
    for i, name in enumerate(e.convert_from):
        require(name not in cfg.city.types or not cfg.city.types[name].affordable,
                f"economics.convert_from.{i}", f"'{name}' is already an affordable (普惠) type")
    to = cfg.city.types.get(e.convert_to)
    require(to is None or (to.affordable and to.sector == "private"), "economics.convert_to",
            f"must be a private affordable (普惠) type, got {e.convert_to!r}")
    finite("economics.conversion_gain_per_month", e.conversion_gain_per_month)
    probability("economics.conversion_rent_share", e.conversion_rent_share)
    non_negative("economics.fee_adjust_per_year", e.fee_adjust_per_year)
    finite("economics.target_occupancy", e.target_occupancy)
    require(0 < e.target_occupancy <= 1, "economics.target_occupancy",
            f"must be in (0, 1], got {e.target_occupancy}")
    positive("economics.fee_floor_share", e.fee_floor_share)
    finite("economics.fee_ceiling_share", e.fee_ceiling_share)
    require(e.fee_ceiling_share >= e.fee_floor_share, "economics.fee_ceiling_share",
            f"must be >= economics.fee_floor_share ({e.fee_floor_share}), got {e.fee_ceiling_share}")
    non_negative("families.fee_exit_burden", cfg.families.fee_exit_burden)
    non_negative("families.fee_exit_hazard_per_month", cfg.families.fee_exit_hazard_per_month)
    for i, d in enumerate(cfg.city.districts):
        if d.cost_index is not None:
            positive(f"city.districts.{i}.cost_index", d.cost_index)
    for name, t in cfg.city.types.items():
        non_negative(f"city.types.{name}.overhead_per_month", t.overhead_per_month)
        require(t.owner_operators >= 0, f"city.types.{name}.owner_operators",
                f"must be >= 0, got {t.owner_operators}")
        if t.rent_per_place_month is not None:
            non_negative(f"city.types.{name}.rent_per_place_month", t.rent_per_place_month)


QUALITY_WEIGHTS = ("qualified", "ratios", "stability", "guidance")  # quality.weights
TARGETINGS = ("random", "risk")  # quality.inspection_targeting


def validate_quality(cfg: Config) -> None:
    q = cfg.quality
    k = "quality"
    for name in ("qualified_share_start", "qualified_hire_share", "incident_risk_health_staff",
                 "incident_spillover"):
        probability(f"{k}.{name}", getattr(q, name))
    for name in ("hire_wage_elasticity", "workload_quit_factor", "wage_subsidy_per_qualified",
                 "training_places_per_year", "training_cost_per_place", "health_worker_month",
                 "clinic_partnership_month", "utility_per_quality", "perception_sd",
                 "incidents_per_1000_child_years", "incident_risk_unqualified", "incident_risk_ratio_breach",
                 "incident_risk_turnover", "incident_demand_penalty", "incident_memory_months",
                 "inspections_per_provider_year", "violation_base", "violation_memory_months", "fine",
                 "suspension_months", "inspection_cost"):
        non_negative(f"{k}.{name}", getattr(q, name))
    finite(f"{k}.quit_wage_elasticity", q.quit_wage_elasticity)
    require(q.quit_wage_elasticity <= 0, f"{k}.quit_wage_elasticity",
            f"must be <= 0 (better pay does not make caregivers quit more), got {q.quit_wage_elasticity:g}")
    positive(f"{k}.training_months", q.training_months)
    positive(f"{k}.turnover_reference", q.turnover_reference)
    require(q.health_staff_min_children >= 0, f"{k}.health_staff_min_children",
            f"must be >= 0, got {q.health_staff_min_children}")
    if q.wage_floor is not None:
        non_negative(f"{k}.wage_floor", q.wage_floor)
    one_of(f"{k}.inspection_targeting", q.inspection_targeting, TARGETINGS)
    require(not q.enabled or cfg.staff.wage_per_month > 0, "staff.wage_per_month",
            f"must be > 0 with quality.enabled (caregivers' pay is measured against it), "
            f"got {cfg.staff.wage_per_month:g}")
    mix_shares(f"{k}.weights", dict(q.weights), QUALITY_WEIGHTS, "unknown part of the quality score")
