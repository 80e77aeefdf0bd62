"""Property: bad values for numeric keys are ConfigErrors, never another exception."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.errors import ConfigError
from sim.config.load import load

# numeric keys that must be >= 0 (or > 0, or a probability)
NON_NEGATIVE = (
    "run.horizon_months", "run.burnin_months", "run.warmup_months", "run.replications",
    "staff.initial_fill", "staff.quit_hazard_per_month", "staff.wage_per_month",
    "families.max_waitlists", "families.max_considered", "families.patience.mean",
    "families.move_hazard_per_month", "families.price_response.burden50",
    "city.districts.0.population", "city.districts.0.births_per_year",
    "city.districts.0.places_per_1000", "city.districts.0.median_income",
    "city.districts.2.dual_earner_share", "city.bands.infant.ratio", "city.bands.toddler.cap",
    "city.types.public.fee_per_month", "city.intra_district_km", "seed",
)
ANY_NUMERIC = NON_NEGATIVE + ("families.need.intercept", "run.start_year", "city.births_growth_per_year",
                              "families.choice.type_preference.public")

_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=10)
_negative = st.one_of(st.integers(-10**9, -1).map(str), st.floats(-1e9, -1e-6).map(repr))
_non_finite = st.sampled_from(["nan", "inf", "-inf", "1e400", "-1e400", ".nan", "NaN", "Infinity"])
_structured = st.sampled_from(["[]", "[1,2]", "{}", "{a:1}", "''", "' '", "[nan]", "{x:[1]}"])
_anything = st.one_of(st.text(max_size=20), _words, _negative, _non_finite, _structured,
                      st.floats().map(repr), st.integers().map(str))


def assert_config_error(override: str) -> ConfigError:
    try:
        load([override])
    except ConfigError as exc:
        assert "\n" not in exc.line()
        return exc
    pytest.fail(f"{override!r} was accepted")


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ANY_NUMERIC), _anything)
def test_any_value_for_a_numeric_key_is_accepted_or_a_config_error(key, value):
    try:
        load([f"{key}={value}"])
    except ConfigError as exc:
        assert exc.line().startswith("error: ") and "\n" not in exc.line()


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ANY_NUMERIC), st.one_of(_words, _structured))
def test_a_word_or_a_structure_for_a_numeric_key_is_a_config_error(key, value):
    assert_config_error(f"{key}={value}")


# a distribution is checked as one value: its parameters are reported at the distribution
REPORTED_AT = {"families.patience.mean": "families.patience"}


def reported_key(key: str) -> str:
    """Return the key an error about ``key`` names.

    The key itself, except for a distribution's parameter: a distribution is checked as one
    value, so ``families.patience.mean=-1`` is ``error: families.patience: 'mean' must be > 0``.
    """
    return REPORTED_AT.get(key, key)


def dotted(key: str) -> str:
    """Return ``key`` with OmegaConf's list items (``a[0].b``) written as overrides write them (``a.0.b``)."""
    return re.sub(r"\[(\d+)\]", r".\1", key)


@pytest.mark.parametrize("key", NON_NEGATIVE)
def test_a_negative_value_for_each_non_negative_key_is_a_config_error_naming_exactly_it(key):
    err = assert_config_error(f"{key}=-1")
    assert err.key == reported_key(key)
    assert "got -1" in err.reason
    if key in REPORTED_AT:
        assert err.reason.startswith(f"'{key.rsplit('.', 1)[1]}' ")


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NON_NEGATIVE), st.one_of(_negative, _non_finite))
def test_a_negative_or_non_finite_value_for_a_non_negative_key_is_a_config_error_naming_it(key, value):
    err = assert_config_error(f"{key}={value}")
    assert dotted(err.key) == reported_key(key)


@pytest.mark.xfail(strict=True, reason=(
    "sim/config/load.py names a list item the way OmegaConf does (city.districts[0].population), "
    "not the way overrides and validate.py do (city.districts.0.population)"))
def test_a_composition_error_in_a_list_item_names_it_as_the_override_does():
    err = assert_config_error("city.districts.0.population=.nan")
    assert err.key == "city.districts.0.population"
