"""Property: bad values for numeric keys are ConfigErrors, never another exception."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
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
    "access.reach_km", "access.short_waitlist", "access.places_target_per_1000",
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
    assert err.key == reported_key(key)


def test_a_composition_error_in_a_list_item_names_it_as_the_override_does():
    # OmegaConf spells it city.districts[0].population; the override and validate.py use dots
    err = assert_config_error("city.districts.0.population=.nan")
    assert err.key == "city.districts.0.population"


# -- hypothesis-generated CSV cities (issue 18) -----------------------------------------------
# Every generated file is refused with one line ``error: <key>: <reason>`` (before anything
# runs) or runs cleanly: never a traceback, never "got ???".
_good_cell = {
    "population": st.integers(1_000, 1_000_000).map(str),
    "births_per_year": st.integers(0, 3_000).map(str),
    "median_income": st.integers(2_000, 40_000).map(str),
    "grandparent_share": st.floats(0, 1).map(lambda x: f"{x:.3f}"),
}
_bad_cell = st.one_of(
    st.just(""),                                                      # blank
    _words,                                                           # non-numeric
    _negative,                                                        # negative
    st.sampled_from(["1e15", "1e300", "9" * 400, "1e9", "2e9"]),      # huge
    _non_finite,
    st.sampled_from(["\udcff", "\udcfe\udcff", "caf\udce9"]),         # bytes that are not UTF-8
    st.text(max_size=6),
)
_COLUMNS = ("name", "population", "births_per_year", "median_income", "grandparent_share")


@st.composite
def csv_city(draw) -> bytes:
    """A districts.csv: some columns missing, some cells blank, wrong or huge, maybe not UTF-8."""
    columns = [c for c in _COLUMNS if c in ("name", "population", "births_per_year") or draw(st.booleans())]
    if draw(st.integers(0, 9)) == 0:  # a required column missing
        columns.remove(draw(st.sampled_from(["name", "population", "births_per_year"])))
    rows = []
    for i in range(draw(st.integers(0, 3))):
        cells = []
        for c in columns:
            if c == "name":
                cells.append(draw(st.one_of(st.just(f"D{i}"), st.just(""), _words)))
            elif draw(st.integers(0, 3)) == 0:
                cells.append(draw(_bad_cell))
            else:
                cells.append(draw(_good_cell[c]))
        rows.append(",".join(x.replace(",", ";").replace("\n", " ").replace("\r", " ") for x in cells))
    text = "\n".join([",".join(columns), *rows]) + "\n"
    return text.encode("utf-8", errors="surrogateescape")


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(csv_city())
@example(b"name,population,births_per_year\nA,,100\n")  # blank: was "got ???"
@example(b"name,population,births_per_year\nA,1000,100\nB,-5,10\n")  # was city.districts.1 (0-based)
@example(b"name,population,births_per_year\nA,1e15,100\n")  # huge: ran, places per 1,000 = 0.00
@example(b"name,population,births_per_year\nA,250000,1e9\n")  # 1e9 births a year: 9 GB
@example(b"name,population,births_per_year\nA\xff,1000,100\n")  # not UTF-8
def test_a_generated_csv_city_is_refused_in_one_line_or_runs_cleanly(data):
    import tempfile
    from pathlib import Path

    from sim.cli.run import prevalidate
    from sim.config.load import compose
    from sim.experiment.rundir import execute

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "districts.csv"
        path.write_bytes(data)
        args = [f"city.districts_csv={path}", "run.horizon_months=3", "run.burnin_months=0"]
        try:
            prevalidate(args)
        except ConfigError as exc:
            line = exc.line()
            assert line.startswith("error: ") and "\n" not in line and "???" not in line
            assert not re.search(r"city\.districts\.\d", line), line  # a CSV row is named by its line
            return
        summary = execute(compose(args), Path(tmp) / "run", quiet=True)
        assert summary["unaccounted"] == 0 and (Path(tmp) / "run" / "summary.json").is_file()
