"""Every check of the levers refuses its bad value under its own key, for the base levers and
for the levers in force after a timeline entry.

One case per check of :mod:`sim.config.validate_levers` (the mutation run of session 9 found
checks that the section cases of test_validate.py and test_timeline.py let through: a check
dropped, a bound moved, a key or reason changed). Each case sets one value of the default
configuration, or one timeline entry, and asks for the key and the reason (the whole reason
where it is formatted from the values). The edges of every range are accepted.
"""

from __future__ import annotations

import copy

import pytest

from sim.config import validate as V
from sim.config.load import load
from sim.params.schema import Config
from tests.unit.test_validate import _set, applied, assert_refused, rejected

POLICY_NON_NEGATIVE = ("family_subsidy_per_year", "voucher_per_month", "operating_subsidy_per_child_month",
                       "place_subsidy_per_year", "entry_grant_per_place", "budget_per_year")
CAPACITY_NON_NEGATIVE = ("build_lead_months", "construction_grant_per_place", "conversion_lead_months",
                         "conversion_cost_per_place", "reach_km", "purchase_per_place_month",
                         "hub_grant_per_place", "hub_services_per_year", "hub_training_places_per_year",
                         "hub_guidance_visits_per_year")
TARGET = [("capacity.target_per_1000", 5.0)]

# (key reported, settings applied in order, words of the reason; "=" starts a whole reason)
CASES: list[tuple[str, list[tuple[str, object]], str]] = [
    *((f"policy.{k}", [(f"policy.{k}", -1.0)], ">= 0") for k in POLICY_NON_NEGATIVE),
    ("policy.operating_subsidy_by_type.castle", [("policy.operating_subsidy_by_type", {"castle": 1.0})],
     "=unknown institution type (not in city.types)"),
    ("policy.operating_subsidy_by_type.market", [("policy.operating_subsidy_by_type", {"market": -1.0})],
     ">= 0"),
    ("policy.voucher_scope", [("policy.voucher_scope", "some")], "must be one of"),
    ("policy.fee_cap_basis", [("policy.fee_cap_basis", "dollars")], "must be one of"),
    ("policy.fee_cap", [("policy.fee_cap", 0.0)], "> 0"),
    ("policy.fee_cap", [("policy.fee_cap_basis", "income_share"), ("policy.fee_cap", 1.5)],
     "=an income share must be <= 1, got 1.5"),
    *((f"capacity.{k}", [(f"capacity.{k}", -1.0)], ">= 0") for k in CAPACITY_NON_NEGATIVE),
    ("capacity.target_per_1000", [("capacity.target_per_1000", -1.0)], ">= 0"),
    ("capacity.target_per_1000", [("capacity.target_per_1000", 100.5)],
     "=must be <= 100 places per 1,000 people, got 100.5"),
    ("capacity.target_year", [("capacity.target_year", 2023)],
     "=must be a year from run.start_year (2024) to 2200, got 2023"),
    ("capacity.target_year", [("capacity.target_year", 2201)],
     "=must be a year from run.start_year (2024) to 2200, got 2201"),
    ("capacity.build_type", [("capacity.build_type", "castle")],
     "=unknown institution type 'castle' (not in city.types)"),
    ("capacity.build_type", [*TARGET, ("city.types.market.classes", {}), ("capacity.build_type", "market")],
     "=type 'market' has no classes to build"),
    ("capacity.kindergarten_enrolment", [("capacity.kindergarten_enrolment", 1.5)], "probability"),
    ("capacity.plan_every_months", [("capacity.plan_every_months", 0)], "> 0"),
    ("capacity.placement", [("capacity.placement", "random")], "=must be unmet or ratio, got 'random'"),
    ("capacity.channels.castle", [("capacity.channels", {"castle": 1.0})],
     "=must be purchase or a provider type of city.types with classes"),
    ("capacity.channels.market", [("city.types.market.classes", {}), ("capacity.channels", {"market": 1.0})],
     "=must be purchase or a provider type of city.types with classes"),
    ("capacity.channels.public", [("capacity.channels", {"public": -1.0, "community": 2.0})], ">= 0"),
    ("capacity.channels", [("capacity.channels", {"purchase": 1.0})],
     "=needs a share for at least one channel that builds places (purchase adds none)"),
    ("capacity.channels", [("capacity.channels", {"public": 0.0, "purchase": 0.5})],
     "=needs a share for at least one channel that builds places (purchase adds none)"),
    ("capacity.grant_per_place.public", [("capacity.grant_per_place", {"public": -1.0})], ">= 0"),
    ("capacity.path", [("capacity.path", "spiral")], "must be one of"),
    ("capacity.hub", [("city.types.hub.classes", {}), ("capacity.hub", True)],
     "=the city has no provider type 'hub' with classes (city.types.hub)"),
]


@pytest.fixture(scope="module")
def default() -> Config:
    return load([])




@pytest.mark.parametrize("key, settings, reason", CASES, ids=[f"{c[0]}:{c[1][-1][1]}" for c in CASES])
def test_each_check_refuses_its_bad_value_under_its_own_key(default, key, settings, reason):
    assert_refused(rejected(applied(default, settings)), key, reason)


@pytest.mark.parametrize("key, settings, reason", CASES, ids=[f"{c[0]}:{c[1][-1][1]}" for c in CASES])
def test_each_check_refuses_the_same_value_from_a_timeline_entry_under_the_entrys_key(
        default, key, settings, reason):
    """The last setting is made by a timeline entry instead (the others stay base values)."""
    *before, (path, value) = settings
    group, lever = path.split(".", 1)
    if group not in ("policy", "capacity") or "." in lever:
        pytest.skip("not a lever")
    cfg = applied(default, before)
    getattr(cfg, group).timeline = [{"from": "2026-01", lever: value}]
    at = f"{group}.timeline.0"
    assert_refused(rejected(cfg), at + key[len(group):], reason)


def test_the_edges_of_each_range_are_accepted(default):
    """The values at each bound pass (a check made stricter than its rule fails here)."""
    cfg = copy.deepcopy(default)
    for k in POLICY_NON_NEGATIVE:
        _set(f"policy.{k}", 0.0)(cfg)
    for k in CAPACITY_NON_NEGATIVE:
        _set(f"capacity.{k}", 0.0)(cfg)
    _set("policy.operating_subsidy_by_type", {"market": 0.0, "home": 300.0})(cfg)
    _set("policy.fee_cap_basis", "income_share")(cfg)
    _set("policy.fee_cap", 1.0)(cfg)
    _set("capacity.target_per_1000", 100.0)(cfg)
    _set("capacity.target_year", 2024)(cfg)
    _set("capacity.kindergarten_enrolment", 1.0)(cfg)
    _set("capacity.channels", {"public": 0.0, "community": 1.0, "purchase": 0.0})(cfg)
    _set("capacity.grant_per_place", {"public": 0.0})(cfg)
    _set("capacity.hub", True)(cfg)
    V.validate(cfg)
    _set("city.types.hub.classes", {"infant": 1})(cfg)  # one class is enough for the hub
    V.validate(cfg)
    _set("capacity.target_year", 2200)(cfg)
    _set("capacity.target_per_1000", 0.0)(cfg)
    _set("capacity.placement", "ratio")(cfg)
    _set("capacity.path", "geometric")(cfg)
    V.validate(cfg)


TIMELINE_CASES = [
    ("policy.timeline.0.from", [{"voucher_per_month": 100.0}],
     "=the month the entry starts is missing (from: YYYY-MM)"),
    ("policy.timeline.0.from", [{"from": "2026-13", "voucher_per_month": 100.0}],
     "=must be a month written YYYY-MM (e.g. 2026-01), got '2026-13'"),
    ("policy.timeline.0.from", [{"from": "2023-12", "voucher_per_month": 100.0}],
     "=2023-12 is before the run starts (2024-01, run.start_year=2024): set policy.<lever> itself instead"),
    ("policy.timeline.0.from", [{"from": "2034-01", "voucher_per_month": 100.0}],
     "=2034-01 is at or after the end of the run (2034-01, run.horizon_months=120): it would never apply"),
    ("policy.timeline.1.from", [{"from": "2026-01", "voucher_per_month": 100.0},
                                {"from": "2026-01", "voucher_per_month": 200.0}],
     "=2026-01 must be later than the entry before it (2026-01)"),
    ("policy.timeline.1.from", [{"from": "2026-03", "voucher_per_month": 100.0},
                                {"from": "2026-02", "voucher_per_month": 200.0}],
     "=2026-02 must be later than the entry before it (2026-03)"),
    ("policy.timeline.0", [{"from": "2026-01"}],
     "=changes no lever (write e.g. {from: 2026-01, family_subsidy_per_year: ...})"),
    ("policy.timeline.0.castle", [{"from": "2026-01", "castle": 1.0}],
     "=unknown policy lever (levers: family_subsidy_per_year, voucher_per_month, voucher_scope, "
     "operating_subsidy_per_child_month, operating_subsidy_by_type, place_subsidy_per_year, "
     "entry_grant_per_place, fee_cap, fee_cap_basis, budget_per_year)"),
    ("capacity.timeline.0.castle", [{"from": "2026-01", "castle": 1.0}], "unknown capacity lever (levers: "),
    ("policy.timeline.0.voucher_per_month", [{"from": "2026-01", "voucher_per_month": "lots"}],
     "=must be a number, got 'lots'"),
    ("capacity.timeline.0.channels", [{"from": "2026-01", "channels": [1, 2]}],
     "=must be a mapping of names to numbers, got '[1, 2]'"),
    ("policy.timeline.1.from", [{"from": "2024-01", "voucher_per_month": 100.0},
                                {"from": "2024-01", "voucher_per_month": 200.0}],
     "=2024-01 must be later than the entry before it (2024-01)"),
    ("policy.timeline.1.voucher_per_month", [{"from": "2026-01", "voucher_per_month": 100.0},
                                             {"from": "2027-01", "voucher_per_month": -5.0}], ">= 0"),
]


@pytest.mark.parametrize("key, entries, reason", TIMELINE_CASES, ids=[c[0] + str(i) for i, c in
                                                                       enumerate(TIMELINE_CASES)])
def test_each_timeline_rule_refuses_its_entry_under_its_key(default, key, entries, reason):
    cfg = copy.deepcopy(default)
    getattr(cfg, key.split(".")[0]).timeline = entries
    assert_refused(rejected(cfg), key, reason)


def test_timeline_dates_at_the_edges_of_the_run_and_in_order_are_accepted(default):
    cfg = copy.deepcopy(default)
    cfg.policy.timeline = [{"from": "2024-01", "voucher_per_month": 100.0},
                           {"from": "2024-02", "voucher_per_month": 150.0},
                           {"from": "2033-12", "voucher_per_month": 200.0}]
    cfg.capacity.timeline = [{"from": "2025-01", "target_per_1000": 6.0, "target_year": 2030}]
    V.validate(cfg)


def test_a_rule_on_two_levers_sees_the_values_in_force_after_the_entry(default):
    """An entry that sets an income-share cap above 1 is refused though the base basis is yuan;
    one that returns to yuan with a cap of 3,000 is accepted."""
    cfg = copy.deepcopy(default)
    cfg.policy.timeline = [{"from": "2026-01", "fee_cap_basis": "income_share", "fee_cap": 2.0}]
    assert_refused(rejected(cfg), "policy.timeline.0.fee_cap", "=an income share must be <= 1, got 2.0")
    cfg.policy.timeline = [{"from": "2026-01", "fee_cap_basis": "income_share", "fee_cap": 0.3},
                           {"from": "2027-01", "fee_cap_basis": "yuan", "fee_cap": 3000.0}]
    V.validate(cfg)
