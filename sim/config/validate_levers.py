"""Checks of the levers: the policy, the capacity programme and their timelines.

Each group's own keys are checked once for the base values and again, at
``<group>.timeline.<i>.<lever>``, for the levers in force after every timeline entry, whose
dates must fall inside the run and in order. Part of :func:`sim.config.validate.validate`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.config.checks import non_negative, one_of, positive, probability, require
from sim.config.errors import ConfigError
from sim.params.schema import CapacityConfig, Config, PolicyConfig
from sim.params.timeline import (
    DATE_KEY,
    TimelineError,
    lever_names,
    lever_value,
    month_index,
    month_label,
    with_levers,
)


def validate_policy(cfg: Config) -> None:
    _check_policy(cfg.policy, "policy", cfg)
    _validate_timeline(cfg, "policy", _check_policy)


def _check_policy(p: PolicyConfig, at: str, cfg: Config) -> None:
    """Range checks of the policy levers (keys ``<at>.<lever>``), for the base and each timeline step."""
    for key in ("family_subsidy_per_year", "voucher_per_month", "operating_subsidy_per_child_month",
                "place_subsidy_per_year", "entry_grant_per_place"):
        non_negative(f"{at}.{key}", getattr(p, key))
    for name, rate in p.operating_subsidy_by_type.items():
        require(name in cfg.city.types, f"{at}.operating_subsidy_by_type.{name}",
                "unknown institution type (not in city.types)")
        non_negative(f"{at}.operating_subsidy_by_type.{name}", rate)
    one_of(f"{at}.voucher_scope", p.voucher_scope, ("affordable", "all"))
    one_of(f"{at}.fee_cap_basis", p.fee_cap_basis, ("yuan", "income_share"))
    if p.fee_cap is not None:
        positive(f"{at}.fee_cap", p.fee_cap)
        if p.fee_cap_basis == "income_share":
            require(p.fee_cap <= 1, f"{at}.fee_cap", f"an income share must be <= 1, got {p.fee_cap}")
    if p.budget_per_year is not None:
        non_negative(f"{at}.budget_per_year", p.budget_per_year)


def validate_capacity(cfg: Config) -> None:
    _check_capacity(cfg.capacity, "capacity", cfg)
    _validate_timeline(cfg, "capacity", _check_capacity)


def _check_capacity(c: CapacityConfig, at: str, cfg: Config) -> None:
    """Range checks of the capacity levers (keys ``<at>.<lever>``), for the base and each timeline step."""
    if c.target_per_1000 is not None:
        non_negative(f"{at}.target_per_1000", c.target_per_1000)
    require(cfg.run.start_year <= c.target_year <= 2200, f"{at}.target_year",
            f"must be a year from run.start_year ({cfg.run.start_year}) to 2200, got {c.target_year}")

    require(c.build_type in cfg.city.types, f"{at}.build_type",
            f"unknown institution type '{c.build_type}' (not in city.types)")
    if c.target_per_1000 is not None:
        require(c.target_per_1000 <= 100, f"{at}.target_per_1000",
                f"must be <= 100 places per 1,000 people, got {c.target_per_1000}")
        build = cfg.city.types[c.build_type]
        require(sum(build.classes.values()) > 0, f"{at}.build_type",
                f"type '{c.build_type}' has no classes to build")
    non_negative(f"{at}.build_lead_months", c.build_lead_months)
    non_negative(f"{at}.construction_grant_per_place", c.construction_grant_per_place)
    non_negative(f"{at}.conversion_lead_months", c.conversion_lead_months)
    non_negative(f"{at}.conversion_cost_per_place", c.conversion_cost_per_place)
    probability(f"{at}.kindergarten_enrolment", c.kindergarten_enrolment)
    positive(f"{at}.plan_every_months", c.plan_every_months)
    require(c.placement in ("unmet", "ratio"), f"{at}.placement",
            f"must be unmet or ratio, got {c.placement!r}")
    non_negative(f"{at}.reach_km", c.reach_km)
    for name, share in c.channels.items():
        builds = name in cfg.city.types and sum(cfg.city.types[name].classes.values()) > 0
        require(name == "purchase" or builds,
                f"{at}.channels.{name}", "must be purchase or a provider type of city.types with classes")
        non_negative(f"{at}.channels.{name}", share)
    require(not c.channels or sum(v for k, v in c.channels.items() if k != "purchase") > 0, f"{at}.channels",
            "needs a share for at least one channel that builds places (purchase adds none)")
    non_negative(f"{at}.purchase_per_place_month", c.purchase_per_place_month)
    for name, grant in c.grant_per_place.items():
        non_negative(f"{at}.grant_per_place.{name}", grant)
    one_of(f"{at}.path", c.path, ("linear", "geometric"))
    if c.hub:
        hub = cfg.city.types.get("hub")
        require(hub is not None and sum(hub.classes.values()) > 0, f"{at}.hub",
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
        require(DATE_KEY in entry, key, "the month the entry starts is missing (from: YYYY-MM)")
        try:
            m = month_index(entry[DATE_KEY], start)
        except TimelineError as exc:
            raise ConfigError(key, exc.reason) from None
        date = entry[DATE_KEY]
        require(m >= 0, key, f"{date} is before the run starts ({month_label(0, start)}, "
                             f"run.start_year={start}): set {group}.<lever> itself instead")
        end = month_label(int(horizon), start)
        require(m < horizon, key, f"{date} is at or after the end of the run ({end}, "
                                  f"run.horizon_months={horizon:g}): it would never apply")
        require(prev is None or m > prev, key, f"{date} must be later than the entry before it "
                                               f"({month_label(prev or 0, start)})")
        levers = [k for k in entry if k != DATE_KEY]
        require(bool(levers), at, f"changes no lever (write e.g. {{from: {date}, {names[0]}: ...}})")
        for k in levers:
            require(k in names, f"{at}.{k}", f"unknown {group} lever (levers: {', '.join(names)})")
        try:
            cur = with_levers(cur, {k: lever_value(type(base), k, entry[k]) for k in levers})
        except TimelineError as exc:
            raise ConfigError(f"{at}.{exc.key}", exc.reason) from None
        check(cur, at, cfg)
        prev = m
