"""Range and cross-reference checks: every impossible value is a ConfigError naming its key."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import pytest

from sim.config import validate as V
from sim.config.errors import ConfigError
from sim.config.load import load
from sim.params.schema import Config, DistSpec, InstitutionSpec


@pytest.fixture(scope="module")
def default() -> Config:
    return load([])


def rejected(cfg: Config) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        V.validate(cfg)
    return info.value


def test_the_default_configuration_is_valid(default):
    V.validate(copy.deepcopy(default))


def _set(path: str, value) -> Callable[[Config], None]:
    def apply(cfg: Config) -> None:
        *head, last = path.split(".")
        obj = cfg
        for part in head:
            if isinstance(obj, dict):
                obj = obj[part]
            else:
                obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
        if isinstance(obj, dict):
            obj[last] = value
        else:
            setattr(obj, last, value)
    return apply


def _institution(district: str = "Gulou", type_: str = "public", places=None):
    def apply(cfg: Config) -> None:
        cfg.city.institutions = [InstitutionSpec("X", district, type_, places or {"toddler": 15})]
    return apply


CASES = [
    # key expected in the message, mutation, a word of the reason
    ("seed", _set("seed", -1), ">= 0"),
    ("run.horizon_months", _set("run.horizon_months", 0.0), "> 0"),
    ("run.horizon_months", _set("run.horizon_months", math.inf), "finite"),
    ("run.horizon_months", _set("run.horizon_months", math.nan), "finite"),
    ("run.warmup_months", _set("run.warmup_months", -1.0), ">= 0"),
    ("run.warmup_months", _set("run.warmup_months", 120.0), "shorter"),
    ("run.burnin_months", _set("run.burnin_months", -3.0), ">= 0"),
    ("run.replications", _set("run.replications", 0), ">= 1"),
    ("run.jobs", _set("run.jobs", 0), ">= 1"),
    ("run.start_year", _set("run.start_year", 24), "calendar year"),
    ("city.districts", _set("city.districts", []), "no districts"),
    ("city.bands", _set("city.bands", {}), "no age bands"),
    ("city.bands.infant.ratio", _set("city.bands.infant.ratio", 0.0), "> 0"),
    ("city.bands.infant.cap", _set("city.bands.infant.cap", 0), ">= 1"),
    ("city.bands.infant.max_age", _set("city.bands.infant.max_age", 6.0), "min_age"),
    ("city.bands.infant.min_age", _set("city.bands.infant.min_age", -1.0), ">= 0"),
    ("city.types", _set("city.types", {}), "no institution types"),
    ("city.types.public.sector", _set("city.types.public.sector", "charity"), "public, private"),
    ("city.types.public.fee_per_month", _set("city.types.public.fee_per_month", -1.0), ">= 0"),
    ("city.types.public.classes.nursery", _set("city.types.public.classes", {"nursery": 1}),
     "unknown age band"),
    ("city.type_mix", _set("city.type_mix", {"public": 0.5, "market": 0.4}), "add up to 1"),
    ("city.type_mix.spa", _set("city.type_mix", {"spa": 1.0}), "unknown institution type"),
    ("city.districts.0.population", _set("city.districts.0.population", 0.0), "> 0"),
    ("city.districts.1.births_per_year", _set("city.districts.1.births_per_year", -5.0), ">= 0"),
    ("city.districts.0.median_income", _set("city.districts.0.median_income", 0.0), "> 0"),
    ("city.districts.0.dual_earner_share", _set("city.districts.0.dual_earner_share", 1.2), "probability"),
    ("city.districts.0.grandparent_share", _set("city.districts.0.grandparent_share", -0.1), "probability"),
    ("city.districts.0.places_per_1000", _set("city.districts.0.places_per_1000", -1.0), ">= 0"),
    ("city.districts.0.fee_index", _set("city.districts.0.fee_index", 0.0), "> 0"),
    ("city.districts.0.name", _set("city.districts.1.name", "Gulou"), "twice"),
    ("city.births_index.1", _set("city.births_index", [1.0, -0.5]), ">= 0"),
    ("city.births_growth_per_year", _set("city.births_growth_per_year", -1.0), "> -1"),
    ("city.intra_district_km", _set("city.intra_district_km", -2.0), ">= 0"),
    ("city.distance_km", _set("city.distance_km", [[0.0, 1.0], [1.0, 0.0]]), "matrix"),
    ("city.institutions.0.district", _institution(district="Atlantis"), "unknown district"),
    ("city.institutions.0.type", _institution(type_="spa"), "unknown institution type"),
    ("city.institutions.0.places.nursery", _institution(places={"nursery": 5}), "unknown age band"),
    ("city.institutions.0.places.toddler", _institution(places={"toddler": -5}), ">= 0"),
    ("families.arrivals", _set("families.arrivals", "batch"), "poisson, regular"),
    ("families.patience", _set("families.patience", DistSpec("weibull")), "unknown distribution"),
    ("families.patience", _set("families.patience", DistSpec("exponential", mean=-1.0)), "> 0"),
    ("families.start_age", _set("families.start_age", DistSpec("normal", mean=20.0)), "needs 'sd'"),
    ("families.stay", _set("families.stay", DistSpec("exponential")), "needs 'mean'"),
    ("families.travel_limit_km", _set("families.travel_limit_km", DistSpec("uniform", low=5.0, high=1.0)),
     "low"),
    ("families.age_out_months", _set("families.age_out_months", 0.0), "> 0"),
    ("families.move_hazard_per_month", _set("families.move_hazard_per_month", -0.1), ">= 0"),
    ("families.max_waitlists", _set("families.max_waitlists", -1), ">= 0"),
    ("families.max_considered", _set("families.max_considered", 0), ">= 1"),
    ("families.need.override", _set("families.need.override", 1.5), "probability"),
    ("families.need.intercept", _set("families.need.intercept", math.nan), "finite"),
    ("families.price_response.burden50", _set("families.price_response.burden50", 0.0), "> 0"),
    ("families.choice.taste_sd", _set("families.choice.taste_sd", -0.1), ">= 0"),
    ("families.choice.type_preference.spa", _set("families.choice.type_preference", {"spa": 1.0}),
     "unknown institution type"),
    ("staff.initial_fill", _set("staff.initial_fill", 1.5), "probability"),
    ("staff.quit_hazard_per_month", _set("staff.quit_hazard_per_month", -0.01), ">= 0"),
    ("staff.recruitment_delay", _set("staff.recruitment_delay", DistSpec("gamma", mean=2.0)), "needs 'cv'"),
    ("staff.wage_per_month", _set("staff.wage_per_month", -1.0), ">= 0"),
    ("allocation.discipline", _set("allocation.discipline", "random"), "fifo, lottery"),
]


@pytest.mark.parametrize("key, mutate, reason", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_an_impossible_value_is_rejected_with_its_key(default, key, mutate, reason):
    cfg = copy.deepcopy(default)
    mutate(cfg)
    err = rejected(cfg)
    assert err.key == key
    assert reason in err.reason
    assert err.line() == f"error: {key}: {err.reason}"
    assert "\n" not in err.line()


def test_helpers_accept_the_edges_of_their_ranges():
    V.positive("k", 1e-300)
    V.non_negative("k", 0.0)
    V.probability("k", 0.0)
    V.probability("k", 1.0)
    V.one_of("k", "a", ("a", "b"))
    V.distribution("k", DistSpec("never"))


@pytest.mark.parametrize("check, value", [
    (V.positive, 0.0), (V.positive, -1.0), (V.non_negative, -1e-12), (V.probability, 1.0000001),
    (V.probability, -0.0001), (V.positive, math.inf), (V.non_negative, math.nan), (V.positive, "7"),
])
def test_helpers_reject_values_outside_their_range_with_the_given_key(check, value):
    with pytest.raises(ConfigError) as info:
        check("some.key", value)
    assert info.value.key == "some.key"


def test_one_of_lists_the_choices_and_the_bad_value():
    with pytest.raises(ConfigError) as info:
        V.one_of("allocation.discipline", "random", ("fifo", "lottery"))
    assert info.value.reason == "must be one of fifo, lottery, got 'random'"


def test_overrides_are_validated_when_loading():
    with pytest.raises(ConfigError) as info:
        load(["staff.initial_fill=1.5"])
    assert info.value.line() == "error: staff.initial_fill: must be a probability in [0, 1], got 1.5"


# -- type mixes: each share is a probability, not only the total -----------------------------
MIXES_SUMMING_TO_ONE = [
    # (mix, the share at fault, its value): the first share out of [0, 1] in the mix's order
    ({"public": 1.5, "market": -0.5}, "public", 1.5),
    ({"public": 0.5, "market": -0.5, "affordable": 1.0}, "market", -0.5),
]


@pytest.mark.parametrize("mix_key", ["city.type_mix", "city.districts.0.type_mix"])
@pytest.mark.parametrize("mix, share, value", MIXES_SUMMING_TO_ONE, ids=["above 1", "below 0"])
def test_a_type_mix_share_outside_0_1_is_rejected_even_when_the_shares_add_up_to_1(
        default, mix_key, mix, share, value):
    assert math.fsum(mix.values()) == 1.0  # only the range check can reject it
    cfg = copy.deepcopy(default)
    _set(mix_key, dict(mix))(cfg)
    err = rejected(cfg)
    assert err.line() == f"error: {mix_key}.{share}: must be a probability in [0, 1], got {value}"
