"""Every check of :mod:`sim.config.validate` (run, families, staff, allocation, objective, access,
queue) refuses its bad value under its own key, with its reason; the edges are accepted.

The section cases of test_validate.py test a few keys of each section; the mutation run of
session 9 (``python tools/mutate.py validate``: 595 mutants, 95 survived) found the checks they
let through: a key misspelt or dropped, a bound moved, a reason lost. One case per check here;
"=" starts a whole reason (one formatted from the values).
"""

from __future__ import annotations

import math

import pytest

from sim.config import validate as V
from sim.config.load import load
from sim.params.schema import Config, DistSpec
from tests.unit.test_validate import applied, assert_refused, rejected

BAD_DIST = DistSpec("exponential", mean=-1.0)
POINTS = ("dual_earner", "single_parent", "low_income", "sibling", "displaced", "in_district")
FAMILY_PROBABILITIES = ("single_parent_share", "sibling_share", "employer_eligible_share")

CASES: list[tuple[str, list[tuple[str, object]], str]] = [
    ("seed", [("seed", -1)], "=must be an integer >= 0, got -1"),
    # run
    ("run.horizon_months", [("run.horizon_months", 0.0)], "> 0"),
    ("run.horizon_months", [("run.horizon_months", 1_000_001.0)],
     "=must be at most 1,000,000 months, got 1000001.0"),
    ("run.warmup_months", [("run.warmup_months", -1.0)], ">= 0"),
    ("run.warmup_months", [("run.warmup_months", 120.0)],
     "=must be shorter than run.horizon_months (120.0), got 120.0"),
    ("run.burnin_months", [("run.burnin_months", -1.0)], ">= 0"),
    ("run.horizon_months", [("run.horizon_months", 60.5)], "=must be a whole number of months, got 60.5"),
    ("run.burnin_months", [("run.burnin_months", 12.5)], "=must be a whole number of months, got 12.5"),
    ("run.replications", [("run.replications", 0)], "=must be >= 1, got 0"),
    ("run.jobs", [("run.jobs", 0)], "=must be >= 1 (or -1 for every core), got 0"),
    ("run.jobs", [("run.jobs", -2)], "=must be >= 1 (or -1 for every core), got -2"),
    ("run.start_year", [("run.start_year", 1899)], "=must be a calendar year, got 1899"),
    ("run.start_year", [("run.start_year", 2201)], "=must be a calendar year, got 2201"),
    ("run.max_hours", [("run.max_hours", 0.0)], "> 0"),
    ("run.max_memory_gb", [("run.max_memory_gb", 0.0)], "> 0"),
    # families
    ("families.arrivals", [("families.arrivals", "bursts")], "must be one of"),
    *((f"families.{k}", [(f"families.{k}", BAD_DIST)], "mean")
      for k in ("start_age", "patience", "travel_limit_km", "stay", "hold_out_slack")),
    ("families.age_out_months", [("families.age_out_months", 0.0)], "> 0"),
    ("families.move_hazard_per_month", [("families.move_hazard_per_month", -0.1)], ">= 0"),
    ("families.max_waitlists", [("families.max_waitlists", -1)], "=must be >= 0, got -1"),
    ("families.max_considered", [("families.max_considered", 0)], "=must be >= 1, got 0"),
    ("families.need.override", [("families.need.override", 1.5)], "probability"),
    *((f"families.need.{k}", [(f"families.need.{k}", math.nan)], "finite")
      for k in ("intercept", "dual_earner", "grandparent", "log_income")),
    ("families.price_response.burden50", [("families.price_response.burden50", 0.0)], "> 0"),
    ("families.price_response.steepness", [("families.price_response.steepness", -1.0)], ">= 0"),
    *((f"families.choice.{k}", [(f"families.choice.{k}", -0.1)], ">= 0")
      for k in ("price_weight", "distance_weight_per_km", "taste_sd")),
    ("families.choice.type_preference.castle", [("families.choice.type_preference", {"castle": 0.5})],
     "=unknown institution type"),
    ("families.choice.type_preference.market", [("families.choice.type_preference", {"market": math.inf})],
     "finite"),
    ("families.accept_rule", [("families.accept_rule", "patience")],
     "=must be one of first_free, hold_out, accept_and_transfer or a mapping of them to shares, "
     "got 'patience'"),
    ("families.accept_rule", [("families.accept_rule", {"first_free": 0.5, "wait": 0.5})],
     "=unknown accept rule 'wait' (choose from first_free, hold_out, accept_and_transfer)"),
    ("families.accept_rule.first_free", [("families.accept_rule", {"first_free": 1.5, "hold_out": -0.5})],
     "probability"),
    ("families.accept_rule.hold_out",
     [("families.accept_rule", {"first_free": 0.5, "hold_out": -0.5, "accept_and_transfer": 1.0})],
     "probability"),
    ("families.accept_rule", [("families.accept_rule", {"first_free": 0.5, "hold_out": 0.3})],
     "=shares must add up to 1, got 0.8"),
    ("families.care_modes.nights", [("families.care_modes", {"full_day": 1.0, "nights": 0.0})],
     "=unknown care mode (choose from full_day, half_day, hourly)"),
    ("families.care_modes.hourly",
     [("families.care_modes", {"full_day": 0.9, "hourly": 1.1, "half_day": -1.0})],
     "probability"),
    ("families.care_modes", [("families.care_modes", {"full_day": 0.5, "half_day": 0.1})],
     "=shares must add up to 1, got 0.6"),
    ("families.hourly_requests_per_month", [("families.hourly_requests_per_month", -1.0)], ">= 0"),
    ("families.hourly_hours_per_request", [("families.hourly_hours_per_request", -1.0)], ">= 0"),
    *((f"families.{k}", [(f"families.{k}", 1.01)], "probability") for k in FAMILY_PROBABILITIES),
    # staff
    ("staff.staffing", [("staff.staffing", "none")], "must be one of"),
    ("staff.spare_caregivers_per_class", [("staff.spare_caregivers_per_class", -1)], "=must be >= 0, got -1"),
    ("staff.initial_fill", [("staff.initial_fill", 1.5)], "probability"),
    ("staff.quit_hazard_per_month", [("staff.quit_hazard_per_month", -0.1)], ">= 0"),
    ("staff.recruitment_delay", [("staff.recruitment_delay", BAD_DIST)], "mean"),
    ("staff.wage_per_month", [("staff.wage_per_month", -1.0)], ">= 0"),
    # allocation
    ("allocation.discipline", [("allocation.discipline", "bribes")], "must be one of"),
    ("allocation.intake_month", [("allocation.intake_month", 0)], "=must be a month 1-12, got 0"),
    ("allocation.intake_month", [("allocation.intake_month", 13)], "=must be a month 1-12, got 13"),
    ("allocation.intake_month", [("allocation.intake_month", 9.5)], "=must be a month 1-12, got 9.5"),
    *((f"allocation.points.{k}", [(f"allocation.points.{k}", math.nan)], "finite") for k in POINTS),
    ("allocation.points.low_income_below", [("allocation.points.low_income_below", -0.1)], ">= 0"),
    # the objective (of the optimiser)
    ("objective.directions", [("objective.kpis", ["mean_wait_months"]), ("objective.directions", [])],
     "=needs one direction per KPI (1), got 0"),
    ("objective.directions.1", [("objective.kpis", ["a", "b"]), ("objective.directions", ["minimize", "up"])],
     "=must be one of minimize, maximize, got 'up'"),
    ("objective.penalty", [("objective.kpis", ["a", "b"]), ("objective.directions", ["minimize", "maximize"]),
                           ("objective.penalty", [1.0])], "=needs one penalty per KPI (2) or none, got 1"),
    ("objective.penalty.1", [("objective.kpis", ["a", "b"]),
                             ("objective.directions", ["minimize", "maximize"]),
                             ("objective.penalty", [1.0, -1.0])], ">= 0"),
    ("objective.constraints.0", [("objective.constraints", [{"min": 1.0}])],
     "=needs a kpi name: {kpi: NAME, min: X}"),
    ("objective.constraints.1",
     [("objective.constraints", [{"kpi": "a", "max": 1.0}, {"kpi": 3, "max": 1.0}])],
     "=needs a kpi name: {kpi: NAME, min: X}"),
    ("objective.constraints.0.below", [("objective.constraints", [{"kpi": "a", "below": 1.0}])],
     "=unknown key (a constraint has kpi, min, max)"),
    ("objective.constraints.0", [("objective.constraints", [{"kpi": "a"}])],
     "=needs a bound: min, max or both"),
    ("objective.constraints.0.min", [("objective.constraints", [{"kpi": "a", "min": "low"}])],
     "=must be a number, got 'low'"),
    ("objective.constraints.0.max", [("objective.constraints", [{"kpi": "a", "min": 0.0, "max": True}])],
     "=must be a number, got True"),
    ("objective.constraints.0.max", [("objective.constraints", [{"kpi": "a", "max": math.inf}])], "finite"),
    # access
    ("access.reach_km", [("access.reach_km", -1.0)], ">= 0"),
    ("access.short_waitlist", [("access.short_waitlist", -1)], "=must be >= 0, got -1"),
    ("access.sample_points", [("access.sample_points", 0)],
     "=must be from 1 to 10,000 points per district, got 0"),
    ("access.sample_points", [("access.sample_points", 10_001)],
     "=must be from 1 to 10,000 points per district, got 10001"),
    ("access.places_target_per_1000", [("access.places_target_per_1000", -1.0)], ">= 0"),
]

QUEUE_CASES = [
    ("queue.arrival_rate", 0.0, "> 0"),
    ("queue.mean_stay_months", 0.0, "> 0"),
    ("queue.places", 0, "=must be >= 1, got 0"),
    ("queue.mean_patience_months", 0.0, "> 0"),
]


@pytest.fixture(scope="module")
def default() -> Config:
    return load([])


@pytest.fixture(scope="module")
def queue() -> Config:
    return load(["scenario=queue"])




@pytest.mark.parametrize("key, settings, reason", CASES, ids=[f"{c[0]}:{c[1][-1][1]!r}"[:80] for c in CASES])
def test_each_check_refuses_its_bad_value_under_its_own_key(default, key, settings, reason):
    assert_refused(rejected(applied(default, settings)), key, reason)


@pytest.mark.parametrize("key, value, reason", QUEUE_CASES, ids=[c[0] for c in QUEUE_CASES])
def test_the_queue_presets_checks_refuse_their_bad_value(queue, key, value, reason):
    assert_refused(rejected(applied(queue, [(key, value)])), key, reason)


def test_the_edges_of_each_range_are_accepted(default, queue):
    """The values at each bound pass (a check made stricter than its rule fails here)."""
    edges = [
        ("seed", 0), ("run.horizon_months", 1_000_000.0), ("run.warmup_months", 0.0),
        ("run.burnin_months", 0.0), ("run.replications", 1), ("run.jobs", -1), ("run.start_year", 1900),
        ("run.max_memory_gb", 0.5), ("families.move_hazard_per_month", 0.0), ("families.max_waitlists", 0),
        ("families.max_considered", 1), ("families.need.override", 1.0),
        ("families.price_response.steepness", 0.0), ("families.choice.price_weight", 0.0),
        ("families.choice.distance_weight_per_km", 0.0), ("families.choice.taste_sd", 0.0),
        ("families.choice.type_preference", {"market": -2.0}), ("families.accept_rule", "hold_out"),
        ("families.care_modes", {"full_day": 0.0, "half_day": 1.0}),
        ("families.hourly_requests_per_month", 0.0),
        ("families.hourly_hours_per_request", 0.0), *((f"families.{k}", 1.0) for k in FAMILY_PROBABILITIES),
        ("staff.spare_caregivers_per_class", 0), ("staff.initial_fill", 1.0),
        ("staff.quit_hazard_per_month", 0.0),
        ("staff.wage_per_month", 0.0), ("allocation.intake_month", 1), *((f"allocation.points.{k}", -3.0)
                                                                         for k in POINTS),
        ("allocation.points.low_income_below", 0.0),
        ("objective.kpis", ["a", "b"]), ("objective.directions", ["minimize", "maximize"]),
        ("objective.penalty", [0.0, 2.0]),
        ("objective.constraints", [{"kpi": "a", "min": 0}, {"kpi": "b", "min": -1.5, "max": 3}]),
        ("access.reach_km", 0.0), ("access.short_waitlist", 0), ("access.sample_points", 1),
        ("access.places_target_per_1000", 0.0),
    ]
    V.validate(applied(default, edges))
    V.validate(applied(default, [("run.start_year", 2200), ("capacity.target_year", 2200),
                                ("allocation.intake_month", 12),
                                ("access.sample_points", 10_000), ("run.warmup_months", 119.0),
                                ("families.accept_rule", {"first_free": 0.25, "accept_and_transfer": 0.75})]))
    V.validate(applied(queue, [("queue.places", 1), ("queue.mean_patience_months", 0.01)]))
