"""Every check of the providers' economics and of quality refuses its bad value under its own key.

One case per check of :mod:`sim.config.validate_providers`: the default configuration with one
value made impossible must be refused, naming exactly that key, with the check's reason. A
check that is dropped, tests the wrong value or reports another key fails its case (the
mutation run of session 8 found 48 such mutants that the section-level cases let through).
"""

from __future__ import annotations

import copy
import math

import pytest

from sim.config import validate as V
from sim.config.load import load
from sim.config.validate_providers import QUALITY_WEIGHTS
from sim.params.schema import Config
from tests.unit.test_validate import _set, applied, assert_refused, rejected  # shared with the section tests

ECONOMICS_NON_NEGATIVE = ("rent_per_place_month", "per_child_cost_month", "initial_cash_months",
                          "credit_months", "entry_lead_months", "entry_reach_km", "entry_max_waiting_share",
                          "fee_adjust_per_year")
ECONOMICS_AT_LEAST_ONE = ("close_after_deficit_months", "outlook_months", "downsize_after_deficit_months")
QUALITY_PROBABILITIES = ("qualified_share_start", "qualified_hire_share", "incident_risk_health_staff",
                         "incident_spillover")
QUALITY_NON_NEGATIVE = (
    "hire_wage_elasticity", "workload_quit_factor", "wage_subsidy_per_qualified", "training_places_per_year",
    "training_cost_per_place", "health_worker_month", "clinic_partnership_month", "utility_per_quality",
    "perception_sd", "incidents_per_1000_child_years", "incident_risk_unqualified",
    "incident_risk_ratio_breach", "incident_risk_turnover", "incident_demand_penalty",
    "incident_memory_months", "inspections_per_provider_year", "violation_base", "violation_memory_months",
    "fine", "suspension_months", "inspection_cost")

# (key reported, dotted path set, bad value, words of the reason)
CASES: list[tuple[str, str, object, str]] = [
    *((f"economics.{k}", f"economics.{k}", -1.0, ">= 0") for k in ECONOMICS_NON_NEGATIVE),
    *((f"economics.{k}", f"economics.{k}", 0, ">= 1") for k in ECONOMICS_AT_LEAST_ONE),
    ("economics.cash_floor", "economics.cash_floor", math.nan, "finite"),
    ("economics.closure_rule", "economics.closure_rule", "never", "must be one of"),
    ("economics.entry_type", "economics.entry_type", "castle", "unknown institution type 'castle'"),
    ("economics.entry_check_months", "economics.entry_check_months", 0.0, "> 0"),
    ("economics.max_entries_per_district_year", "economics.max_entries_per_district_year", -1, ">= 0"),
    ("economics.convert_from.1", "economics.convert_from", ["market", "public"], "already an affordable"),
    ("economics.convert_to", "economics.convert_to", "market", "private affordable"),
    ("economics.convert_to", "economics.convert_to", "public", "private affordable"),
    ("economics.conversion_gain_per_month", "economics.conversion_gain_per_month", math.inf, "finite"),
    ("economics.conversion_rent_share", "economics.conversion_rent_share", 1.5, "probability"),
    ("economics.target_occupancy", "economics.target_occupancy", math.nan, "finite"),
    ("economics.target_occupancy", "economics.target_occupancy", 0.0, "(0, 1]"),
    ("economics.target_occupancy", "economics.target_occupancy", 1.01, "(0, 1]"),
    ("economics.fee_floor_share", "economics.fee_floor_share", 0.0, "> 0"),
    ("economics.fee_ceiling_share", "economics.fee_ceiling_share", math.nan, "finite"),
    ("economics.fee_ceiling_share", "economics.fee_ceiling_share", 0.1, ">= economics.fee_floor_share"),
    ("families.fee_exit_burden", "families.fee_exit_burden", -0.1, ">= 0"),
    ("families.fee_exit_hazard_per_month", "families.fee_exit_hazard_per_month", -0.1, ">= 0"),
    ("city.districts.1.cost_index", "city.districts.1.cost_index", 0.0, "> 0"),
    ("city.types.market.overhead_per_month", "city.types.market.overhead_per_month", -1.0, ">= 0"),
    ("city.types.home.owner_operators", "city.types.home.owner_operators", -1, ">= 0"),
    ("city.types.market.rent_per_place_month", "city.types.market.rent_per_place_month", -1.0, ">= 0"),
    *((f"quality.{k}", f"quality.{k}", 1.5, "probability") for k in QUALITY_PROBABILITIES),
    *((f"quality.{k}", f"quality.{k}", -1.0, ">= 0") for k in QUALITY_NON_NEGATIVE),
    ("quality.quit_wage_elasticity", "quality.quit_wage_elasticity", math.nan, "finite"),
    ("quality.quit_wage_elasticity", "quality.quit_wage_elasticity", 0.1, "<= 0"),
    ("quality.training_months", "quality.training_months", 0.0, "> 0"),
    ("quality.turnover_reference", "quality.turnover_reference", 0.0, "> 0"),
    ("quality.health_staff_min_children", "quality.health_staff_min_children", -1, ">= 0"),
    ("quality.wage_floor", "quality.wage_floor", -1.0, ">= 0"),
    ("quality.inspection_targeting", "quality.inspection_targeting", "lottery", "must be one of"),
    ("quality.weights.ratios", "quality.weights", {"qualified": 0.5, "ratios": 1.5, "stability": -1.0},
     "probability"),
    ("quality.weights", "quality.weights", {"qualified": 0.5, "ratios": 0.1}, "add up to 1"),
    ("quality.weights.beauty", "quality.weights", {"qualified": 0.5, "beauty": 0.5},
     "unknown part of the quality score"),
]


@pytest.fixture(scope="module")
def default() -> Config:
    return load([])


@pytest.mark.parametrize("key, path, value, reason", CASES, ids=[f"{c[1]}={c[2]}" for c in CASES])
def test_each_check_refuses_its_bad_value_under_its_own_key(default, key, path, value, reason):
    assert_refused(rejected(applied(default, [(path, value)])), key, reason)


def test_the_edges_of_each_range_are_accepted(default):
    """The values just inside each bound pass (a check made stricter than its rule fails here)."""
    cfg = copy.deepcopy(default)
    for k in ECONOMICS_NON_NEGATIVE:
        _set(f"economics.{k}", 0.0)(cfg)
    for k in ECONOMICS_AT_LEAST_ONE:
        _set(f"economics.{k}", 1)(cfg)
    _set("economics.max_entries_per_district_year", 0)(cfg)
    _set("economics.conversion_rent_share", 1.0)(cfg)
    _set("economics.target_occupancy", 1.0)(cfg)
    _set("economics.fee_ceiling_share", cfg.economics.fee_floor_share)(cfg)
    for k in QUALITY_PROBABILITIES:
        _set(f"quality.{k}", 1.0)(cfg)
    for k in QUALITY_NON_NEGATIVE:
        _set(f"quality.{k}", 0.0)(cfg)
    _set("quality.quit_wage_elasticity", 0.0)(cfg)
    _set("quality.health_staff_min_children", 0)(cfg)
    _set("quality.wage_floor", 0.0)(cfg)
    _set("quality.weights", dict.fromkeys(QUALITY_WEIGHTS, 0.25))(cfg)
    V.validate(cfg)


@pytest.mark.parametrize("path, value, reason", [
    ("economics.closure_rule", "never", "must be one of outlook, deficits, got 'never'"),
    ("quality.weights", {"qualified": 0.5, "beauty": 0.5}, "unknown part of the quality score"),
])
def test_a_word_outside_its_choices_is_refused_with_the_whole_reason(default, path, value, reason):
    cfg = copy.deepcopy(default)
    _set(path, value)(cfg)
    assert rejected(cfg).reason == reason


def test_with_the_quality_rules_on_caregivers_need_a_market_wage(default):
    """Relative pay divides by the market wage: a wage of 0 with quality on crashed a run with a
    ZeroDivisionError (found by session 9's workforce mutation review); it is refused, and a
    wage of 0 stays allowed with quality off (staff cost nothing then)."""
    V.validate(applied(default, [("staff.wage_per_month", 0.0)]))
    on = [("staff.wage_per_month", 0.0), ("quality.enabled", True)]
    assert_refused(rejected(applied(default, on)), "staff.wage_per_month",
                   "=must be > 0 with quality.enabled (caregivers' pay is measured against it), got 0")
    V.validate(applied(default, [*on, ("staff.wage_per_month", 0.01)]))
