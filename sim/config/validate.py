"""Range and cross-reference checks on a composed configuration.

Composition (Hydra + the structured schema) already rejects unknown keys and wrong types;
these checks reject impossible values. Each failure is a :class:`ConfigError` naming the
full key, so the user sees one line: ``error: <key>: <reason>`` (the checks themselves are in
:mod:`sim.config.checks`). :func:`validate` checks the sections in order: the run, the city
(:mod:`sim.config.validate_city`), families, staff, allocation, the levers
(:mod:`sim.config.validate_levers`), providers and quality (:mod:`sim.config.validate_providers`),
the objective, access and the queue preset.
"""

from __future__ import annotations

from sim.config.checks import (
    distribution,
    finite,
    mix_shares,
    non_negative,
    one_of,
    positive,
    probability,
    require,
)
from sim.config.errors import ConfigError
from sim.config.validate_city import validate_city
from sim.config.validate_levers import validate_capacity, validate_policy
from sim.config.validate_providers import validate_economics, validate_quality
from sim.params.schema import ACCEPT_RULES, CARE_MODES, DISCIPLINES, Config, accept_rule_shares

MAX_SAMPLE_POINTS = 10_000  # access points per district: finer adds memory and time, not accuracy


def validate(cfg: Config) -> None:
    """Raise ConfigError on the first impossible value in ``cfg``."""
    require(isinstance(cfg.seed, int) and cfg.seed >= 0, "seed", f"must be an integer >= 0, got {cfg.seed}")
    _validate_run(cfg)
    validate_city(cfg)
    _validate_families(cfg)
    _validate_staff(cfg)
    _validate_allocation(cfg)
    validate_policy(cfg)
    validate_capacity(cfg)
    validate_economics(cfg)
    validate_quality(cfg)
    _validate_objective(cfg)
    _validate_access(cfg)
    if cfg.queue is not None:
        q = cfg.queue
        positive("queue.arrival_rate", q.arrival_rate)
        positive("queue.mean_stay_months", q.mean_stay_months)
        require(q.places >= 1, "queue.places", f"must be >= 1, got {q.places}")
        if q.mean_patience_months is not None:
            positive("queue.mean_patience_months", q.mean_patience_months)


def _validate_run(cfg: Config) -> None:
    r = cfg.run
    positive("run.horizon_months", r.horizon_months)
    require(r.horizon_months <= 1_000_000, "run.horizon_months",
            f"must be at most 1,000,000 months, got {r.horizon_months}")
    non_negative("run.warmup_months", r.warmup_months)
    require(r.warmup_months < r.horizon_months, "run.warmup_months",
            f"must be shorter than run.horizon_months ({r.horizon_months}), got {r.warmup_months}")
    non_negative("run.burnin_months", r.burnin_months)
    for key in ("horizon_months", "burnin_months"):
        v = getattr(r, key)
        require(float(v).is_integer(), f"run.{key}", f"must be a whole number of months, got {v}")
    require(r.replications >= 1, "run.replications", f"must be >= 1, got {r.replications}")
    require(r.jobs >= 1 or r.jobs == -1, "run.jobs", f"must be >= 1 (or -1 for every core), got {r.jobs}")
    require(1900 <= r.start_year <= 2200, "run.start_year", f"must be a calendar year, got {r.start_year}")
    positive("run.max_hours", r.max_hours)
    if r.max_memory_gb is not None:
        positive("run.max_memory_gb", r.max_memory_gb)


def _validate_access(cfg: Config) -> None:
    a = cfg.access
    non_negative("access.reach_km", a.reach_km)
    require(a.short_waitlist >= 0, "access.short_waitlist", f"must be >= 0, got {a.short_waitlist}")
    require(1 <= a.sample_points <= MAX_SAMPLE_POINTS, "access.sample_points",
            f"must be from 1 to {MAX_SAMPLE_POINTS:,} points per district, got {a.sample_points}")
    non_negative("access.places_target_per_1000", a.places_target_per_1000)


def _validate_families(cfg: Config) -> None:
    f = cfg.families
    one_of("families.arrivals", f.arrivals, ("poisson", "regular"))
    distribution("families.start_age", f.start_age)
    distribution("families.patience", f.patience)
    distribution("families.travel_limit_km", f.travel_limit_km)
    distribution("families.stay", f.stay)
    if f.age_out_months is not None:
        positive("families.age_out_months", f.age_out_months)
    non_negative("families.move_hazard_per_month", f.move_hazard_per_month)
    require(f.max_waitlists >= 0, "families.max_waitlists", f"must be >= 0, got {f.max_waitlists}")
    require(f.max_considered >= 1, "families.max_considered", f"must be >= 1, got {f.max_considered}")
    if f.need.override is not None:
        probability("families.need.override", f.need.override)
    for name in ("intercept", "dual_earner", "grandparent", "log_income"):
        finite(f"families.need.{name}", getattr(f.need, name))
    positive("families.price_response.burden50", f.price_response.burden50)
    non_negative("families.price_response.steepness", f.price_response.steepness)
    non_negative("families.choice.price_weight", f.choice.price_weight)
    non_negative("families.choice.distance_weight_per_km", f.choice.distance_weight_per_km)
    non_negative("families.choice.taste_sd", f.choice.taste_sd)
    for t, v in f.choice.type_preference.items():
        require(t in cfg.city.types, f"families.choice.type_preference.{t}", "unknown institution type")
        finite(f"families.choice.type_preference.{t}", v)
    try:
        shares = accept_rule_shares(f.accept_rule)
    except ValueError as exc:
        raise ConfigError("families.accept_rule", str(exc)) from None
    mix_shares("families.accept_rule", dict(zip(ACCEPT_RULES, shares, strict=True)), ACCEPT_RULES)
    distribution("families.hold_out_slack", f.hold_out_slack)
    mix_shares("families.care_modes", dict(f.care_modes), CARE_MODES,
               f"unknown care mode (choose from {', '.join(CARE_MODES)})")
    non_negative("families.hourly_requests_per_month", f.hourly_requests_per_month)
    non_negative("families.hourly_hours_per_request", f.hourly_hours_per_request)
    probability("families.single_parent_share", f.single_parent_share)
    probability("families.sibling_share", f.sibling_share)
    probability("families.employer_eligible_share", f.employer_eligible_share)


def _validate_allocation(cfg: Config) -> None:
    a = cfg.allocation
    one_of("allocation.discipline", a.discipline, DISCIPLINES)
    require(isinstance(a.intake_month, int) and 1 <= a.intake_month <= 12, "allocation.intake_month",
            f"must be a month 1-12, got {a.intake_month}")
    for name in ("dual_earner", "single_parent", "low_income", "sibling", "displaced", "in_district"):
        finite(f"allocation.points.{name}", getattr(a.points, name))
    non_negative("allocation.points.low_income_below", a.points.low_income_below)


def _validate_staff(cfg: Config) -> None:
    s = cfg.staff
    one_of("staff.staffing", s.staffing, ("licensed", "demand"))
    require(s.spare_caregivers_per_class >= 0, "staff.spare_caregivers_per_class",
            f"must be >= 0, got {s.spare_caregivers_per_class}")
    probability("staff.initial_fill", s.initial_fill)
    non_negative("staff.quit_hazard_per_month", s.quit_hazard_per_month)
    distribution("staff.recruitment_delay", s.recruitment_delay)
    non_negative("staff.wage_per_month", s.wage_per_month)


def _validate_objective(cfg: Config) -> None:
    o = cfg.objective
    k = "objective"
    require(len(o.directions) == len(o.kpis), f"{k}.directions",
            f"needs one direction per KPI ({len(o.kpis)}), got {len(o.directions)}")
    for i, d in enumerate(o.directions):
        one_of(f"{k}.directions.{i}", d, ("minimize", "maximize"))
    require(len(o.penalty) in (0, len(o.kpis)), f"{k}.penalty",
            f"needs one penalty per KPI ({len(o.kpis)}) or none, got {len(o.penalty)}")
    for i, pen in enumerate(o.penalty):
        non_negative(f"{k}.penalty.{i}", pen)
    for i, c in enumerate(o.constraints):
        at = f"{k}.constraints.{i}"
        require(isinstance(c, dict) and isinstance(c.get("kpi"), str), at,
                "needs a kpi name: {kpi: NAME, min: X}")
        unknown = sorted(set(c) - {"kpi", "min", "max"})
        if unknown:
            require(False, f"{at}.{unknown[0]}", "unknown key (a constraint has kpi, min, max)")
        require("min" in c or "max" in c, at, "needs a bound: min, max or both")
        for b in ("min", "max"):
            if b in c:
                require(isinstance(c[b], (int, float)) and not isinstance(c[b], bool), f"{at}.{b}",
                        f"must be a number, got {c[b]!r}")
                finite(f"{at}.{b}", float(c[b]))
