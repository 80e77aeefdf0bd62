"""Bad values of the policy, capacity, economics and births-path keys are rejected by name.

Each case sets one key of the composed default configuration and expects a
:class:`ConfigError` whose key is the key at fault, so the user sees
``error: <key>: <reason>``. Most cases change the composed :class:`Config` and call
:func:`validate` (composition costs ~0.5 s a case); a few go through Hydra overrides and the
command line end to end. Checks that validation (``sim/config/validate.py`` and the modules it
calls) does not make yet are strict xfails naming what is missing.
"""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sim.config.errors import ConfigError
from sim.config.load import load
from sim.config.validate import validate
from sim.params.schema import Config

PRESETS = [
    *(f"policy={p}" for p in ("baseline", "family_subsidy", "voucher", "operating_subsidy",
                              "fee_cap", "combined", "operating_subsidy_by_type")),
    "capacity=status_quo",
    "capacity=target",
]


@pytest.fixture(scope="module")
def default() -> Config:
    """The composed and validated default configuration."""
    return load([])


def with_values(cfg: Config, values: dict[str, Any]) -> Config:
    """Return a copy of ``cfg`` with each dotted key set to its value (not validated)."""
    new = copy.deepcopy(cfg)
    for key, value in values.items():
        *path, last = key.split(".")
        obj: Any = new
        for part in path:
            obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
        if isinstance(obj, dict):
            obj[last] = value
        else:
            setattr(obj, last, value)
    return new


def validation_error(cfg: Config) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    return info.value


def config_error(overrides: list[str]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(overrides)
    return info.value


def test_every_policy_and_capacity_preset_is_valid():
    for preset in PRESETS:
        load([preset])


@pytest.mark.parametrize("values", [
    {"policy.fee_cap": 0.25, "policy.fee_cap_basis": "income_share"},
    {"policy.fee_cap": 1800.0, "policy.fee_cap_basis": "yuan"},
    {"policy.fee_cap": 2.0, "policy.fee_cap_basis": "yuan"},
    {"policy.budget_per_year": 0.0},
    {"policy.voucher_scope": "all", "policy.voucher_per_month": 300.0},
    {"capacity.target_per_1000": 6.0, "capacity.target_year": 2029},
    {"capacity.build_type": "affordable"},
    {"economics.target_occupancy": 1.0},
    {"economics.enabled": False, "policy.voucher_per_month": 300.0},
    {"city.births_growth_per_year": -0.15},
    {"city.births_index": [1.0, 0.9, 0.8], "city.births_index_year": 2023},
])
def test_sensible_policy_values_are_accepted(default, values):
    validate(with_values(default, values))


@pytest.mark.parametrize("key, value, says", [
    # policy
    ("policy.fee_cap_basis", "xyz", "xyz"),
    ("policy.voucher_scope", "everyone", "everyone"),
    ("policy.family_subsidy_per_year", -3600, "-3600"),
    ("policy.voucher_per_month", -1, "-1"),
    ("policy.operating_subsidy_per_child_month", -200, "-200"),
    ("policy.place_subsidy_per_year", -1, "-1"),
    ("policy.fee_cap", -0.1, "-0.1"),
    ("policy.fee_cap", 0, "0"),
    ("policy.budget_per_year", -1, "-1"),
    ("policy.budget_per_year", math.inf, "inf"),
    ("policy.family_subsidy_per_year", math.nan, "nan"),
    # capacity
    ("capacity.build_type", "spaceship", "spaceship"),
    ("capacity.target_per_1000", -1, "-1"),
    ("capacity.target_year", 2000, "2000"),
    ("capacity.build_lead_months", -1, "-1"),
    ("capacity.construction_grant_per_place", -1, "-1"),
    ("capacity.conversion_lead_months", -1, "-1"),
    ("capacity.conversion_cost_per_place", -1, "-1"),
    ("capacity.kindergarten_enrolment", 1.5, "1.5"),
    ("capacity.plan_every_months", 0, "0"),
    ("capacity.hub_grant_per_place", -1, "-1"),
    ("capacity.hub_services_per_year", -1, "-1"),
    ("capacity.hub_training_places_per_year", math.nan, "nan"),
    ("capacity.hub_guidance_visits_per_year", -1, "-1"),
    ("policy.entry_grant_per_place", -1, "-1"),
    # economics
    ("economics.target_occupancy", 0, "0"),
    ("economics.target_occupancy", 1.2, "1.2"),
    ("economics.rent_per_place_month", -1, "-1"),
    ("economics.per_child_cost_month", -1, "-1"),
    ("economics.initial_cash_months", -1, "-1"),
    ("economics.close_after_deficit_months", 0, "0"),
    ("economics.entry_type", "spaceship", "spaceship"),
    ("economics.entry_lead_months", -1, "-1"),
    ("economics.max_entries_per_district_year", -1, "-1"),
    ("economics.fee_adjust_per_year", -0.1, "-0.1"),
    ("economics.fee_floor_share", 0, "0"),
    ("economics.fee_ceiling_share", 0.5, "0.5"),
    ("economics.cash_floor", math.inf, "inf"),
    # births path
    ("city.births_growth_per_year", -2, "-2"),
    ("city.births_growth_per_year", -1, "-1"),
])
def test_a_bad_value_is_a_config_error_naming_its_key(default, key, value, says):
    err = validation_error(with_values(default, {key: value}))
    assert err.key == key
    assert says in err.reason
    assert err.line().startswith(f"error: {key}: ")


def test_a_bad_births_index_entry_is_named_by_its_position(default):
    err = validation_error(with_values(default, {"city.births_index": [1.0, -0.5]}))
    assert err.key == "city.births_index.1"


@pytest.mark.parametrize("override, key", [
    ("policy.fee_cap_basis=xyz", "policy.fee_cap_basis"),
    ("economics.target_occupancy=0", "economics.target_occupancy"),
    ("city.births_growth_per_year=-2", "city.births_growth_per_year"),
])
def test_a_bad_command_line_override_is_a_config_error_naming_its_key(override, key):
    assert config_error([override]).key == key


def test_an_income_share_cap_above_one_is_rejected(default):
    cfg = with_values(default, {"policy.fee_cap": 2.0, "policy.fee_cap_basis": "income_share"})
    assert validation_error(cfg).key == "policy.fee_cap"


def test_a_preset_with_a_bad_override_names_the_overridden_key():
    err = config_error(["policy=combined", "policy.operating_subsidy_per_child_month=-1"])
    assert err.key == "policy.operating_subsidy_per_child_month"


NOW_CHECKED = [
    pytest.param({"city.births_index_year": 1800}, "city.births_index_year"),
    pytest.param({"capacity.target_year": 3000}, "capacity.target_year"),
    pytest.param({"economics.fee_ceiling_share": math.inf}, "economics.fee_ceiling_share"),
    pytest.param({"capacity.target_per_1000": 2000.0}, "capacity.target_per_1000"),
    pytest.param({"capacity.target_per_1000": 5.5, "city.types.public.classes": {}}, "capacity.build_type"),
]


@pytest.mark.parametrize("overrides, key", [
    (["city=county", "capacity.hub=true"], "capacity.hub"),
    (["capacity.hub=true", *(f"city.types.hub.classes.{b}=0" for b in ("infant", "toddler", "older"))],
     "capacity.hub"),
    (["capacity.timeline=[{from:'2025-01',hub:true}]", "city=county"], "capacity.timeline.0.hub"),
    (["capacity.timeline=[{from:'2025-01',hub_services_per_year:-5}]"],
     "capacity.timeline.0.hub_services_per_year"),
    (["+policy.operating_subsidy_by_type.spaceship=300"], "policy.operating_subsidy_by_type.spaceship"),
])
def test_the_hub_and_the_rates_by_type_are_refused_where_they_cannot_apply(overrides, key):
    """A hub needs the city's provider type ``hub`` with classes; rates need known types."""
    err = config_error(overrides)
    assert err.key == key and err.line().startswith(f"error: {key}: ")


@pytest.mark.parametrize("values, key", NOW_CHECKED)
def test_values_that_validation_should_reject(default, values, key):
    assert validation_error(with_values(default, values)).key == key


def test_the_command_line_reports_a_bad_policy_key_in_one_line_and_writes_nothing(tmp_path: Path):
    exe = Path(sys.executable).with_name("childcare-sim")
    proc = subprocess.run([str(exe), "policy.fee_cap_basis=xyz"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: policy.fee_cap_basis: must be one of yuan, income_share, got 'xyz'"
    assert not (tmp_path / "results").exists()
