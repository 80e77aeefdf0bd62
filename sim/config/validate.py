"""Range and cross-reference checks on a composed configuration.

Composition (Hydra + the structured schema) already rejects unknown keys and wrong types;
these checks reject impossible values. Each failure is a :class:`ConfigError` naming the
full key, so the user sees one line: ``error: <key>: <reason>``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from sim.config.errors import ConfigError
from sim.params.distributions import DistributionError, from_spec
from sim.params.schema import (
    ACCEPT_RULES,
    CARE_MODES,
    CLOSURE_RULES,
    DISCIPLINES,
    INCOME_GROUPS,
    INTAKES,
    CapacityConfig,
    Config,
    DistSpec,
    PolicyConfig,
    accept_rule_shares,
)
from sim.params.timeline import (
    DATE_KEY,
    TimelineError,
    lever_names,
    lever_value,
    month_index,
    month_label,
    with_levers,
)

MAX_POPULATION = 2e9  # a district: more people than any country has
STRATA = ("urban", "rural")  # city.districts.<i>.stratum
MAX_BIRTH_RATE = 0.1  # births per person a year: twice the highest national rate on record
MAX_SAMPLE_POINTS = 10_000  # access points per district: finer adds memory and time, not accuracy


def _require(ok: bool, key: str, reason: str) -> None:
    if not ok:
        raise ConfigError(key, reason)


def _finite(key: str, v: float) -> None:
    _require(isinstance(v, int | float) and math.isfinite(v), key, f"must be a finite number, got {v}")


def positive(key: str, v: float) -> None:
    """Require ``v > 0``."""
    _finite(key, v)
    _require(v > 0, key, f"must be > 0, got {v}")


def non_negative(key: str, v: float) -> None:
    """Require ``v >= 0``."""
    _finite(key, v)
    _require(v >= 0, key, f"must be >= 0, got {v}")


def probability(key: str, v: float) -> None:
    """Require ``0 <= v <= 1``."""
    _finite(key, v)
    _require(0 <= v <= 1, key, f"must be a probability in [0, 1], got {v}")


def one_of(key: str, v: str, choices: Iterable[str]) -> None:
    """Require ``v`` to be one of ``choices``."""
    choices = tuple(choices)
    _require(v in choices, key, f"must be one of {', '.join(choices)}, got '{v}'")


def distribution(key: str, d: DistSpec) -> None:
    """Require a valid distribution spec."""
    try:
        from_spec(d)
    except DistributionError as exc:
        raise ConfigError(key, str(exc)) from None


def validate(cfg: Config) -> None:
    """Raise ConfigError on the first impossible value in ``cfg``."""
    _require(isinstance(cfg.seed, int) and cfg.seed >= 0, "seed", f"must be an integer >= 0, got {cfg.seed}")
    _validate_run(cfg)
    _validate_city(cfg)
    _validate_families(cfg)
    _validate_staff(cfg)
    _validate_allocation(cfg)
    _validate_policy(cfg)
    _validate_capacity(cfg)
    _validate_economics(cfg)
    _validate_quality(cfg)
    _validate_objective(cfg)
    _validate_access(cfg)
    if cfg.queue is not None:
        q = cfg.queue
        positive("queue.arrival_rate", q.arrival_rate)
        positive("queue.mean_stay_months", q.mean_stay_months)
        _require(q.places >= 1, "queue.places", f"must be >= 1, got {q.places}")
        if q.mean_patience_months is not None:
            positive("queue.mean_patience_months", q.mean_patience_months)


def _validate_run(cfg: Config) -> None:
    r = cfg.run
    positive("run.horizon_months", r.horizon_months)
    _require(r.horizon_months <= 1_000_000, "run.horizon_months",
             f"must be at most 1,000,000 months, got {r.horizon_months}")
    non_negative("run.warmup_months", r.warmup_months)
    _require(r.warmup_months < r.horizon_months, "run.warmup_months",
             f"must be shorter than run.horizon_months ({r.horizon_months}), got {r.warmup_months}")
    non_negative("run.burnin_months", r.burnin_months)
    for key in ("horizon_months", "burnin_months"):
        v = getattr(r, key)
        _require(float(v).is_integer(), f"run.{key}", f"must be a whole number of months, got {v}")
    _require(r.replications >= 1, "run.replications", f"must be >= 1, got {r.replications}")
    _require(r.jobs >= 1 or r.jobs == -1, "run.jobs", f"must be >= 1 (or -1 for every core), got {r.jobs}")
    _require(1900 <= r.start_year <= 2200, "run.start_year", f"must be a calendar year, got {r.start_year}")
    positive("run.max_hours", r.max_hours)
    if r.max_memory_gb is not None:
        positive("run.max_memory_gb", r.max_memory_gb)


def _validate_city(cfg: Config) -> None:
    c = cfg.city
    _require(len(c.districts) > 0, "city.districts", "the city has no districts")
    positive("city.scale", c.scale)
    _require(c.scale <= 1, "city.scale", f"must be <= 1 (a sample of the population), got {c.scale}")
    _require(len(c.bands) > 0, "city.bands", "no age bands defined")
    for name, b in c.bands.items():
        k = f"city.bands.{name}"
        non_negative(f"{k}.min_age", b.min_age)
        _require(b.max_age > b.min_age, f"{k}.max_age", f"must be > min_age ({b.min_age}), got {b.max_age}")
        _require(b.cap >= 1, f"{k}.cap", f"must be >= 1, got {b.cap}")
        positive(f"{k}.ratio", b.ratio)
    _require(len(c.types) > 0, "city.types", "no institution types defined")
    for name, t in c.types.items():
        k = f"city.types.{name}"
        one_of(f"{k}.sector", t.sector, ("public", "private"))
        one_of(f"{k}.intake", t.intake, INTAKES)
        probability(f"{k}.half_day_fee_share", t.half_day_fee_share)
        non_negative(f"{k}.hourly_fee_share", t.hourly_fee_share)
        non_negative(f"{k}.fee_per_month", t.fee_per_month)
        for band, n in t.classes.items():
            _require(band in c.bands, f"{k}.classes.{band}", "unknown age band (not in city.bands)")
            _require(n >= 0, f"{k}.classes.{band}", f"must be >= 0, got {n}")
    _validate_mix("city.type_mix", c.type_mix, c.types)
    names = [d.name for d in c.districts]
    for i, d in enumerate(c.districts):
        k = f"city.districts.{i}"
        _require(bool(d.name) and d.name != "???", f"{k}.name", "missing district name")
        _require(names.count(d.name) == 1, f"{k}.name", f"district '{d.name}' is listed twice")
        positive(f"{k}.population", d.population)
        _require(d.population <= MAX_POPULATION, f"{k}.population",
                 f"must be at most {MAX_POPULATION:,.0f} (more than any country), got {d.population:g}")
        non_negative(f"{k}.births_per_year", d.births_per_year)
        _require(d.births_per_year <= d.population * MAX_BIRTH_RATE, f"{k}.births_per_year",
                 f"must be at most {MAX_BIRTH_RATE * 1000:g} per 1,000 people a year (population "
                 f"{d.population:g}), got {d.births_per_year:g}")
        positive(f"{k}.median_income", d.median_income)
        non_negative(f"{k}.income_sigma", d.income_sigma)
        probability(f"{k}.dual_earner_share", d.dual_earner_share)
        probability(f"{k}.grandparent_share", d.grandparent_share)
        non_negative(f"{k}.places_per_1000", d.places_per_1000)
        positive(f"{k}.fee_index", d.fee_index)
        if d.area_km2 is not None:
            positive(f"{k}.area_km2", d.area_km2)
        _finite(f"{k}.need_shift", d.need_shift)
        _require(d.stratum in STRATA, f"{k}.stratum",
                 f"must be one of {', '.join(STRATA)}, got '{d.stratum}'")
        _validate_mix(f"{k}.type_mix", d.type_mix, c.types)
    for i, v in enumerate(c.births_index):
        non_negative(f"city.births_index.{i}", v)
    _finite("city.births_growth_per_year", c.births_growth_per_year)
    if c.births_index_year is not None:
        _require(1900 <= c.births_index_year <= 2200, "city.births_index_year",
                 f"must be a calendar year, got {c.births_index_year}")
    _require(c.births_growth_per_year > -1, "city.births_growth_per_year",
             f"must be > -1 (a yearly rate), got {c.births_growth_per_year}")
    non_negative("city.intra_district_km", c.intra_district_km)
    if c.distance_km is not None:
        n = len(c.districts)
        _require(len(c.distance_km) == n and all(len(r) == n for r in c.distance_km),
                 "city.distance_km", f"must be a {n} x {n} matrix (one row and column per district)")
        for i, row in enumerate(c.distance_km):
            for j, v in enumerate(row):
                non_negative(f"city.distance_km.{i}.{j}", v)
    if c.income_cuts is not None:
        _require(len(c.income_cuts) == INCOME_GROUPS - 1, "city.income_cuts",
                 f"must list {INCOME_GROUPS - 1} incomes (the inner cuts of {INCOME_GROUPS} groups)")
        _require(all(0 < a < b for a, b in zip(c.income_cuts, c.income_cuts[1:], strict=False)),
                 "city.income_cuts", "must be positive and increasing")
    for i, inst in enumerate(c.institutions):
        k = f"city.institutions.{i}"
        _require(inst.district in names, f"{k}.district", f"unknown district '{inst.district}'")
        _require(inst.type in c.types, f"{k}.type", f"unknown institution type '{inst.type}'")
        for band, n in inst.places.items():
            _require(band in c.bands, f"{k}.places.{band}", "unknown age band (not in city.bands)")
            _require(n >= 0, f"{k}.places.{band}", f"must be >= 0, got {n}")
        missing = "x_km" if inst.x_km is None else "y_km"  # the one left out when only one is given
        _require((inst.x_km is None) == (inst.y_km is None), f"{k}.{missing}",
                 "give both x_km and y_km, or neither (then the position is drawn in its district)")
        for axis in ("x_km", "y_km"):
            if getattr(inst, axis) is not None:
                _finite(f"{k}.{axis}", getattr(inst, axis))


def _validate_access(cfg: Config) -> None:
    a = cfg.access
    non_negative("access.reach_km", a.reach_km)
    _require(a.short_waitlist >= 0, "access.short_waitlist", f"must be >= 0, got {a.short_waitlist}")
    _require(1 <= a.sample_points <= MAX_SAMPLE_POINTS, "access.sample_points",
             f"must be from 1 to {MAX_SAMPLE_POINTS:,} points per district, got {a.sample_points}")
    non_negative("access.places_target_per_1000", a.places_target_per_1000)


def _validate_mix(key: str, mix: dict[str, float], known: Iterable[str],
                  unknown: str = "unknown institution type (not in city.types)") -> None:
    """Shares by name (a type mix, accept rules, care modes): known names, each in [0, 1], sum 1."""
    known = tuple(known)
    for t, share in mix.items():
        _require(t in known, f"{key}.{t}", unknown)
        probability(f"{key}.{t}", share)
    if mix:
        total = sum(mix.values())
        _require(abs(total - 1.0) < 1e-6, key, f"shares must add up to 1, got {total:g}")


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
    _require(f.max_waitlists >= 0, "families.max_waitlists", f"must be >= 0, got {f.max_waitlists}")
    _require(f.max_considered >= 1, "families.max_considered", f"must be >= 1, got {f.max_considered}")
    if f.need.override is not None:
        probability("families.need.override", f.need.override)
    for name in ("intercept", "dual_earner", "grandparent", "log_income"):
        _finite(f"families.need.{name}", getattr(f.need, name))
    positive("families.price_response.burden50", f.price_response.burden50)
    non_negative("families.price_response.steepness", f.price_response.steepness)
    non_negative("families.choice.price_weight", f.choice.price_weight)
    non_negative("families.choice.distance_weight_per_km", f.choice.distance_weight_per_km)
    non_negative("families.choice.taste_sd", f.choice.taste_sd)
    for t, v in f.choice.type_preference.items():
        _require(t in cfg.city.types, f"families.choice.type_preference.{t}", "unknown institution type")
        _finite(f"families.choice.type_preference.{t}", v)
    try:
        shares = accept_rule_shares(f.accept_rule)
    except ValueError as exc:
        raise ConfigError("families.accept_rule", str(exc)) from None
    _validate_mix("families.accept_rule", dict(zip(ACCEPT_RULES, shares, strict=True)), ACCEPT_RULES)
    distribution("families.hold_out_slack", f.hold_out_slack)
    _validate_mix("families.care_modes", dict(f.care_modes), CARE_MODES,
                  f"unknown care mode (choose from {', '.join(CARE_MODES)})")
    non_negative("families.hourly_requests_per_month", f.hourly_requests_per_month)
    non_negative("families.hourly_hours_per_request", f.hourly_hours_per_request)
    probability("families.single_parent_share", f.single_parent_share)
    probability("families.sibling_share", f.sibling_share)
    probability("families.employer_eligible_share", f.employer_eligible_share)


def _validate_allocation(cfg: Config) -> None:
    a = cfg.allocation
    one_of("allocation.discipline", a.discipline, DISCIPLINES)
    _require(isinstance(a.intake_month, int) and 1 <= a.intake_month <= 12, "allocation.intake_month",
             f"must be a month 1-12, got {a.intake_month}")
    for name in ("dual_earner", "single_parent", "low_income", "sibling", "displaced", "in_district"):
        _finite(f"allocation.points.{name}", getattr(a.points, name))
    non_negative("allocation.points.low_income_below", a.points.low_income_below)


def _validate_staff(cfg: Config) -> None:
    s = cfg.staff
    one_of("staff.staffing", s.staffing, ("licensed", "demand"))
    _require(s.spare_caregivers_per_class >= 0, "staff.spare_caregivers_per_class",
             f"must be >= 0, got {s.spare_caregivers_per_class}")
    probability("staff.initial_fill", s.initial_fill)
    non_negative("staff.quit_hazard_per_month", s.quit_hazard_per_month)
    distribution("staff.recruitment_delay", s.recruitment_delay)
    non_negative("staff.wage_per_month", s.wage_per_month)


def _validate_policy(cfg: Config) -> None:
    _check_policy(cfg.policy, "policy", cfg)
    _validate_timeline(cfg, "policy", _check_policy)


def _check_policy(p: PolicyConfig, at: str, cfg: Config) -> None:
    """Range checks of the policy levers (keys ``<at>.<lever>``), for the base and each timeline step."""
    for key in ("family_subsidy_per_year", "voucher_per_month", "operating_subsidy_per_child_month",
                "place_subsidy_per_year", "entry_grant_per_place"):
        non_negative(f"{at}.{key}", getattr(p, key))
    for name, rate in p.operating_subsidy_by_type.items():
        _require(name in cfg.city.types, f"{at}.operating_subsidy_by_type.{name}",
                 "unknown institution type (not in city.types)")
        non_negative(f"{at}.operating_subsidy_by_type.{name}", rate)
    one_of(f"{at}.voucher_scope", p.voucher_scope, ("affordable", "all"))
    one_of(f"{at}.fee_cap_basis", p.fee_cap_basis, ("yuan", "income_share"))
    if p.fee_cap is not None:
        positive(f"{at}.fee_cap", p.fee_cap)
        if p.fee_cap_basis == "income_share":
            _require(p.fee_cap <= 1, f"{at}.fee_cap", f"an income share must be <= 1, got {p.fee_cap}")
    if p.budget_per_year is not None:
        non_negative(f"{at}.budget_per_year", p.budget_per_year)


def _validate_capacity(cfg: Config) -> None:
    _check_capacity(cfg.capacity, "capacity", cfg)
    _validate_timeline(cfg, "capacity", _check_capacity)


def _check_capacity(c: CapacityConfig, at: str, cfg: Config) -> None:
    """Range checks of the capacity levers (keys ``<at>.<lever>``), for the base and each timeline step."""
    if c.target_per_1000 is not None:
        non_negative(f"{at}.target_per_1000", c.target_per_1000)
    _require(cfg.run.start_year <= c.target_year <= 2200, f"{at}.target_year",
             f"must be a year from run.start_year ({cfg.run.start_year}) to 2200, got {c.target_year}")

    _require(c.build_type in cfg.city.types, f"{at}.build_type",
             f"unknown institution type '{c.build_type}' (not in city.types)")
    if c.target_per_1000 is not None:
        _require(c.target_per_1000 <= 100, f"{at}.target_per_1000",
                 f"must be <= 100 places per 1,000 people, got {c.target_per_1000}")
        build = cfg.city.types[c.build_type]
        _require(sum(build.classes.values()) > 0, f"{at}.build_type",
                 f"type '{c.build_type}' has no classes to build")
    non_negative(f"{at}.build_lead_months", c.build_lead_months)
    non_negative(f"{at}.construction_grant_per_place", c.construction_grant_per_place)
    non_negative(f"{at}.conversion_lead_months", c.conversion_lead_months)
    non_negative(f"{at}.conversion_cost_per_place", c.conversion_cost_per_place)
    probability(f"{at}.kindergarten_enrolment", c.kindergarten_enrolment)
    positive(f"{at}.plan_every_months", c.plan_every_months)
    _require(c.placement in ("unmet", "ratio"), f"{at}.placement",
             f"must be unmet or ratio, got {c.placement!r}")
    non_negative(f"{at}.reach_km", c.reach_km)
    for name, share in c.channels.items():
        builds = name in cfg.city.types and sum(cfg.city.types[name].classes.values()) > 0
        _require(name == "purchase" or builds,
                 f"{at}.channels.{name}", "must be purchase or a provider type of city.types with classes")
        non_negative(f"{at}.channels.{name}", share)
    _require(not c.channels or sum(v for k, v in c.channels.items() if k != "purchase") > 0, f"{at}.channels",
             "needs a share for at least one channel that builds places (purchase adds none)")
    non_negative(f"{at}.purchase_per_place_month", c.purchase_per_place_month)
    _require(not c.channels or sum(c.channels.values()) > 0, f"{at}.channels", "shares must not all be 0")
    for name, grant in c.grant_per_place.items():
        non_negative(f"{at}.grant_per_place.{name}", grant)
    one_of(f"{at}.path", c.path, ("linear", "geometric"))
    if c.hub:
        hub = cfg.city.types.get("hub")
        _require(hub is not None and sum(hub.classes.values()) > 0, f"{at}.hub",
                 "the city has no provider type 'hub' with classes (city.types.hub)")
    for key in ("hub_grant_per_place", "hub_services_per_year", "hub_training_places_per_year",
                "hub_guidance_visits_per_year"):
        non_negative(f"{at}.{key}", getattr(c, key))


def _validate_timeline(cfg: Config, group: str, check: Callable[[Any, str, Config], None]) -> None:
    """Check ``<group>.timeline``: dates inside the run and in order, known levers, values in range.

    Each entry's levers get the checks of the group's own keys, applied to the levers in force
    after the entry (so a rule on two levers sees the values that will apply together).
    """
    base = getattr(cfg, group)
    start, horizon = cfg.run.start_year, cfg.run.horizon_months
    names = lever_names(type(base))
    cur, prev = base, None
    for i, entry in enumerate(base.timeline):
        at = f"{group}.timeline.{i}"
        key = f"{at}.{DATE_KEY}"
        _require(DATE_KEY in entry, key, "the month the entry starts is missing (from: YYYY-MM)")
        try:
            m = month_index(entry[DATE_KEY], start)
        except TimelineError as exc:
            raise ConfigError(key, exc.reason) from None
        date = entry[DATE_KEY]
        _require(m >= 0, key, f"{date} is before the run starts ({month_label(0, start)}, "
                              f"run.start_year={start}): set {group}.<lever> itself instead")
        end = month_label(int(horizon), start)
        _require(m < horizon, key, f"{date} is at or after the end of the run ({end}, "
                                   f"run.horizon_months={horizon:g}): it would never apply")
        _require(prev is None or m > prev, key, f"{date} must be later than the entry before it "
                                                f"({month_label(prev or 0, start)})")
        levers = [k for k in entry if k != DATE_KEY]
        _require(bool(levers), at, f"changes no lever (write e.g. {{from: {date}, {names[0]}: ...}})")
        for k in levers:
            _require(k in names, f"{at}.{k}", f"unknown {group} lever (levers: {', '.join(names)})")
        try:
            cur = with_levers(cur, {k: lever_value(type(base), k, entry[k]) for k in levers})
        except TimelineError as exc:
            raise ConfigError(f"{at}.{exc.key}", exc.reason) from None
        check(cur, at, cfg)
        prev = m


def _validate_economics(cfg: Config) -> None:
    e = cfg.economics
    non_negative("economics.rent_per_place_month", e.rent_per_place_month)
    non_negative("economics.per_child_cost_month", e.per_child_cost_month)
    non_negative("economics.initial_cash_months", e.initial_cash_months)
    _require(e.close_after_deficit_months >= 1, "economics.close_after_deficit_months",
             f"must be >= 1, got {e.close_after_deficit_months}")
    _finite("economics.cash_floor", e.cash_floor)
    _require(e.closure_rule in CLOSURE_RULES, "economics.closure_rule",
             f"must be one of {', '.join(CLOSURE_RULES)}, got {e.closure_rule!r}")
    non_negative("economics.credit_months", e.credit_months)
    _require(e.outlook_months >= 1, "economics.outlook_months", f"must be >= 1, got {e.outlook_months}")
    _require(e.downsize_after_deficit_months >= 1, "economics.downsize_after_deficit_months",
             f"must be >= 1, got {e.downsize_after_deficit_months}")
    _require(e.entry_type in cfg.city.types, "economics.entry_type",
             f"unknown institution type '{e.entry_type}' (not in city.types)")
    non_negative("economics.entry_lead_months", e.entry_lead_months)
    non_negative("economics.entry_reach_km", e.entry_reach_km)
    non_negative("economics.entry_max_waiting_share", e.entry_max_waiting_share)
    positive("economics.entry_check_months", e.entry_check_months)
    _require(e.max_entries_per_district_year >= 0, "economics.max_entries_per_district_year",
             f"must be >= 0, got {e.max_entries_per_district_year}")
    # a city without these types has no conversions (planner cities name their own types)
    for i, name in enumerate(e.convert_from):
        _require(name not in cfg.city.types or not cfg.city.types[name].affordable,
                 f"economics.convert_from.{i}", f"'{name}' is already an affordable (普惠) type")
    to = cfg.city.types.get(e.convert_to)
    _require(to is None or (to.affordable and to.sector == "private"), "economics.convert_to",
             f"must be a private affordable (普惠) type, got {e.convert_to!r}")
    _finite("economics.conversion_gain_per_month", e.conversion_gain_per_month)
    probability("economics.conversion_rent_share", e.conversion_rent_share)
    non_negative("economics.fee_adjust_per_year", e.fee_adjust_per_year)
    _finite("economics.target_occupancy", e.target_occupancy)
    _require(0 < e.target_occupancy <= 1, "economics.target_occupancy",
             f"must be in (0, 1], got {e.target_occupancy}")
    positive("economics.fee_floor_share", e.fee_floor_share)
    _finite("economics.fee_ceiling_share", e.fee_ceiling_share)
    _require(e.fee_ceiling_share >= e.fee_floor_share, "economics.fee_ceiling_share",
             f"must be >= economics.fee_floor_share ({e.fee_floor_share}), got {e.fee_ceiling_share}")
    non_negative("families.fee_exit_burden", cfg.families.fee_exit_burden)
    non_negative("families.fee_exit_hazard_per_month", cfg.families.fee_exit_hazard_per_month)
    for i, d in enumerate(cfg.city.districts):
        if d.cost_index is not None:
            positive(f"city.districts.{i}.cost_index", d.cost_index)
    for name, t in cfg.city.types.items():
        non_negative(f"city.types.{name}.overhead_per_month", t.overhead_per_month)
        _require(t.owner_operators >= 0, f"city.types.{name}.owner_operators",
                 f"must be >= 0, got {t.owner_operators}")
        if t.rent_per_place_month is not None:
            non_negative(f"city.types.{name}.rent_per_place_month", t.rent_per_place_month)


QUALITY_WEIGHTS = ("qualified", "ratios", "stability", "guidance")  # quality.weights
TARGETINGS = ("random", "risk")  # quality.inspection_targeting


def _validate_quality(cfg: Config) -> None:
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
    _finite(f"{k}.quit_wage_elasticity", q.quit_wage_elasticity)
    _require(q.quit_wage_elasticity <= 0, f"{k}.quit_wage_elasticity",
             f"must be <= 0 (better pay does not make caregivers quit more), got {q.quit_wage_elasticity:g}")
    positive(f"{k}.training_months", q.training_months)
    positive(f"{k}.turnover_reference", q.turnover_reference)
    _require(q.health_staff_min_children >= 0, f"{k}.health_staff_min_children",
             f"must be >= 0, got {q.health_staff_min_children}")
    if q.wage_floor is not None:
        non_negative(f"{k}.wage_floor", q.wage_floor)
    one_of(f"{k}.inspection_targeting", q.inspection_targeting, TARGETINGS)
    _validate_mix(f"{k}.weights", dict(q.weights), QUALITY_WEIGHTS, "unknown part of the quality score")


def _validate_objective(cfg: Config) -> None:
    o = cfg.objective
    k = "objective"
    _require(len(o.directions) == len(o.kpis), f"{k}.directions",
             f"needs one direction per KPI ({len(o.kpis)}), got {len(o.directions)}")
    for i, d in enumerate(o.directions):
        one_of(f"{k}.directions.{i}", d, ("minimize", "maximize"))
    _require(len(o.penalty) in (0, len(o.kpis)), f"{k}.penalty",
             f"needs one penalty per KPI ({len(o.kpis)}) or none, got {len(o.penalty)}")
    for i, pen in enumerate(o.penalty):
        non_negative(f"{k}.penalty.{i}", pen)
    for i, c in enumerate(o.constraints):
        at = f"{k}.constraints.{i}"
        _require(isinstance(c, dict) and isinstance(c.get("kpi"), str), at,
                 "needs a kpi name: {kpi: NAME, min: X}")
        unknown = sorted(set(c) - {"kpi", "min", "max"})
        if unknown:
            _require(False, f"{at}.{unknown[0]}", "unknown key (a constraint has kpi, min, max)")
        _require("min" in c or "max" in c, at, "needs a bound: min, max or both")
        for b in ("min", "max"):
            if b in c:
                _require(isinstance(c[b], (int, float)) and not isinstance(c[b], bool), f"{at}.{b}",
                         f"must be a number, got {c[b]!r}")
                _finite(f"{at}.{b}", float(c[b]))
