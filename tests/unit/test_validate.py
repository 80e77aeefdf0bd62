"""Range and cross-reference checks: every impossible value is a ConfigError naming its key."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import pytest

from sim.config import checks as C
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


def applied(cfg: Config, settings: list[tuple[str, object]]) -> Config:
    """Return a copy of ``cfg`` with each ``(dotted path, value)`` of ``settings`` set in turn."""
    cfg = copy.deepcopy(cfg)
    for path, value in settings:
        _set(path, value)(cfg)
    return cfg


def assert_refused(err: ConfigError, key: str, reason: str) -> None:
    """``err`` names ``key`` and gives ``reason``: the whole reason when it starts with "=", else a part."""
    assert err.key == key
    if reason.startswith("="):
        assert err.reason == reason[1:]
    else:
        assert reason in err.reason, err.reason


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
    ("city.districts.0.stratum", _set("city.districts.0.stratum", "suburban"), "urban, rural"),
    ("objective.directions", _set("objective.kpis", ["public_cost_total"]), "one direction per KPI"),
    ("objective.constraints.0", _set("objective.constraints", [{"min": 0.1}]), "kpi name"),
    ("objective.constraints.0", _set("objective.constraints", [{"kpi": "enrollment_rate"}]), "bound"),
    ("objective.constraints.0.below", _set("objective.constraints", [{"kpi": "x", "below": 1}]), "unknown"),
    ("objective.penalty", _set("objective.penalty", [1.0]), "one penalty per KPI"),
    ("objective.penalty.0", lambda cfg: (_set("objective.kpis", ["a"])(cfg), _set("objective.directions",
                                         ["minimize"])(cfg), _set("objective.penalty", [-1.0])(cfg)), ">= 0"),
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
    C.positive("k", 1e-300)
    C.non_negative("k", 0.0)
    C.probability("k", 0.0)
    C.probability("k", 1.0)
    C.one_of("k", "a", ("a", "b"))
    C.distribution("k", DistSpec("never"))


@pytest.mark.parametrize("check, value", [
    (C.positive, 0.0), (C.positive, -1.0), (C.non_negative, -1e-12), (C.probability, 1.0000001),
    (C.probability, -0.0001), (C.positive, math.inf), (C.non_negative, math.nan), (C.positive, "7"),
    (C.probability, math.nan), (C.probability, math.inf),  # refused by the finite check, still by key
])
def test_helpers_reject_values_outside_their_range_with_the_given_key(check, value):
    with pytest.raises(ConfigError) as info:
        check("some.key", value)
    assert info.value.key == "some.key"


def test_one_of_lists_the_choices_and_the_bad_value():
    with pytest.raises(ConfigError) as info:
        C.one_of("allocation.discipline", "random", ("fifo", "lottery"))
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


# -- every check at its edge: the last good value passes, the first bad one is named exactly ----
# Mutation testing (issue 19) found checks whose key, bound or message no test pinned: a check
# that let its edge through, or rejected it, or named another key, passed the suite. Each row:
# the key at fault, the values set (dotted paths), and the whole reason; with ``ok`` the values
# at the edge that must still pass.
def POS(v):
    return f"must be > 0, got {v}"


def NONNEG(v):
    return f"must be >= 0, got {v}"


def PROB(v):
    return f"must be a probability in [0, 1], got {v}"


def FINITE(v):
    return f"must be a finite number, got {v}"


def ONE_OF(choices, v):
    return f"must be one of {', '.join(choices)}, got '{v}'"


def _queue(**values):
    def apply(cfg: Config) -> None:
        from sim.params.schema import QueueConfig

        cfg.queue = QueueConfig(**values)
    return apply


def _distances(rows):
    return _set("city.distance_km", rows)


def _edge(key, bad, reason, ok=None):
    return pytest.param(key, bad, reason, ok, id=f"{key}:{reason[:40]}")


def _num(key, check, ok, bad):
    return _edge(key, {key: bad}, check(bad), {key: ok})


EDGES = [
    _edge("seed", {"seed": -1}, "must be an integer >= 0, got -1", {"seed": 0}),
    _edge("seed", {"seed": 1.0}, "must be an integer >= 0, got 1.0"),
    _num("run.horizon_months", POS, 1.0, 0.0),
    _edge("run.horizon_months", {"run.horizon_months": 1_000_001.0},
          "must be at most 1,000,000 months, got 1000001.0", {"run.horizon_months": 1_000_000.0}),
    _edge("run.horizon_months", {"run.horizon_months": 12.5}, "must be a whole number of months, got 12.5"),
    _edge("run.burnin_months", {"run.burnin_months": 2.5}, "must be a whole number of months, got 2.5",
          {"run.burnin_months": 0.0}),
    _num("run.warmup_months", NONNEG, 0.0, -0.5),
    _edge("run.warmup_months", {"run.warmup_months": 120.0},
          "must be shorter than run.horizon_months (120.0), got 120.0", {"run.warmup_months": 119.5}),
    _num("run.burnin_months", NONNEG, 0.0, -1.0),
    _num("run.replications", lambda v: f"must be >= 1, got {v}", 1, 0),
    _edge("run.jobs", {"run.jobs": 0}, "must be >= 1 (or -1 for every core), got 0", {"run.jobs": -1}),
    _edge("run.jobs", {"run.jobs": -2}, "must be >= 1 (or -1 for every core), got -2", {"run.jobs": 1}),
    _edge("run.start_year", {"run.start_year": 1899}, "must be a calendar year, got 1899",
          {"run.start_year": 1900}),
    _edge("run.start_year", {"run.start_year": 2201, "capacity.target_year": 2200},
          "must be a calendar year, got 2201", {"run.start_year": 2200, "capacity.target_year": 2200}),
    _edge("city.districts", {"city.districts": []}, "the city has no districts"),
    _num("city.scale", POS, 1e-9, 0.0),
    _edge("city.scale", {"city.scale": 1.001}, "must be <= 1 (a sample of the population), got 1.001",
          {"city.scale": 1.0}),
    _edge("city.bands", {"city.bands": {}}, "no age bands defined"),
    _num("city.bands.infant.min_age", NONNEG, 0.0, -1.0),
    _edge("city.bands.infant.max_age", {"city.bands.infant.max_age": 6.0}, "must be > min_age (6.0), got 6.0",
          {"city.bands.infant.max_age": 6.5}),
    _num("city.bands.infant.cap", lambda v: f"must be >= 1, got {v}", 1, 0),
    _num("city.bands.infant.ratio", POS, 0.1, 0.0),
    _edge("city.types", {"city.types": {}}, "no institution types defined"),
    _edge("city.types.public.sector", {"city.types.public.sector": "charity"},
          ONE_OF(("public", "private"), "charity"), {"city.types.public.sector": "private"}),
    _num("city.types.public.fee_per_month", NONNEG, 0.0, -1.0),
    _edge("city.types.public.classes.nursery", {"city.types.public.classes": {"nursery": 1}},
          "unknown age band (not in city.bands)"),
    _edge("city.types.public.classes.older", {"city.types.public.classes.older": -1}, NONNEG(-1),
          {"city.types.public.classes.older": 0}),
    _edge("city.type_mix.spa", {"city.type_mix": {"spa": 1.0}},
          "unknown institution type (not in city.types)"),
    _edge("city.type_mix", {"city.type_mix": {"public": 0.5, "market": 0.4}},
          "shares must add up to 1, got 0.9",
          {"city.type_mix": {"public": 0.5, "market": 0.5000005}}),
    _edge("city.type_mix", {"city.type_mix": {"public": 0.5, "market": 0.500002}},
          "shares must add up to 1, got 1", {"city.type_mix": {}}),
    _edge("city.districts.0.name", {"city.districts.0.name": ""}, "missing district name"),
    _edge("city.districts.1.name", {"city.districts.1.name": "???"}, "missing district name"),
    _edge("city.districts.0.name", {"city.districts.1.name": "Gulou"}, "district 'Gulou' is listed twice"),
    _edge("city.districts.0.population", {"city.districts.0.population": 0.0}, POS(0.0),
          {"city.districts.0.population": 1.0, "city.districts.0.births_per_year": 0.1}),  # births capped
    _num("city.districts.1.births_per_year", NONNEG, 0.0, -5.0),
    _num("city.districts.0.median_income", POS, 1.0, 0.0),
    _num("city.districts.0.income_sigma", NONNEG, 0.0, -0.1),
    _num("city.districts.0.dual_earner_share", PROB, 1.0, 1.01),
    _num("city.districts.0.grandparent_share", PROB, 0.0, -0.01),
    _num("city.districts.0.places_per_1000", NONNEG, 0.0, -1.0),
    _num("city.districts.0.fee_index", POS, 0.1, 0.0),
    _num("city.districts.0.need_shift", FINITE, -3.0, math.inf),
    _edge("city.districts.2.type_mix.spa", {"city.districts.2.type_mix": {"spa": 1.0}},
          "unknown institution type (not in city.types)", {"city.districts.2.type_mix": {"home": 1.0}}),
    _edge("city.births_index.0", {"city.births_index": [-0.1]}, NONNEG(-0.1), {"city.births_index": [0.0]}),
    _num("city.births_growth_per_year", FINITE, 0.5, math.nan),
    _edge("city.births_growth_per_year", {"city.births_growth_per_year": -1.0},
          "must be > -1 (a yearly rate), got -1.0",
          {"city.births_growth_per_year": -0.999}),
    _edge("city.births_index_year", {"city.births_index_year": 1899}, "must be a calendar year, got 1899",
          {"city.births_index_year": 1900}),
    _edge("city.births_index_year", {"city.births_index_year": 2201}, "must be a calendar year, got 2201",
          {"city.births_index_year": 2200}),
    _num("city.intra_district_km", NONNEG, 0.0, -2.0),
    _edge("city.distance_km", {"city.distance_km": [[0.0] * 8] * 7},
          "must be a 8 x 8 matrix (one row and column per district)", {"city.distance_km": [[0.0] * 8] * 8}),
    _edge("city.distance_km", {"city.distance_km": [[0.0] * 8] * 7 + [[0.0] * 7]},
          "must be a 8 x 8 matrix (one row and column per district)"),
    _edge("city.distance_km.2.3", {"city.distance_km": [[0.0] * 8] * 2 + [[0.0, 0.0, 0.0, -1.0] + [0.0] * 4]
                                   + [[0.0] * 8] * 5}, NONNEG(-1.0)),
    _edge("city.institutions.0.district",
          {"city.institutions": [InstitutionSpec("X", "Atlantis", "public", {})]},
          "unknown district 'Atlantis'",
          {"city.institutions": [InstitutionSpec("X", "Xishan", "public", {})]}),
    _edge("city.institutions.0.type", {"city.institutions": [InstitutionSpec("X", "Gulou", "spa", {})]},
          "unknown institution type 'spa'"),
    _edge("city.institutions.0.places.nursery",
          {"city.institutions": [InstitutionSpec("X", "Gulou", "home", {"nursery": 1})]},
          "unknown age band (not in city.bands)"),
    _edge("city.institutions.0.places.mixed",
          {"city.institutions": [InstitutionSpec("X", "Gulou", "home", {"mixed": -1})]}, NONNEG(-1),
          {"city.institutions": [InstitutionSpec("X", "Gulou", "home", {"mixed": 0})]}),
    _edge("city.institutions.0.y_km",
          {"city.institutions": [InstitutionSpec("X", "Gulou", "public", {}, x_km=1.0)]},
          "give both x_km and y_km, or neither (then the position is drawn in its district)",
          {"city.institutions": [InstitutionSpec("X", "Gulou", "public", {}, x_km=1.0, y_km=-2.0)]}),
    _edge("city.institutions.0.x_km",
          {"city.institutions": [InstitutionSpec("X", "Gulou", "public", {}, y_km=1.0)]},
          "give both x_km and y_km, or neither (then the position is drawn in its district)"),
    _edge("city.institutions.0.x_km",
          {"city.institutions": [InstitutionSpec("X", "Gulou", "public", {}, x_km=math.inf, y_km=0.0)]},
          FINITE(math.inf)),
    _edge("city.districts.0.area_km2", {"city.districts.0.area_km2": 0.0}, POS(0.0),
          {"city.districts.0.area_km2": 0.01}),
    _num("access.reach_km", NONNEG, 0.0, -0.5),
    _num("access.reach_km", FINITE, 1e6, math.inf),
    _num("access.short_waitlist", lambda v: f"must be >= 0, got {v}", 0, -1),
    _num("access.sample_points", lambda v: f"must be from 1 to 10,000 points per district, got {v}", 1, 0),
    _num("access.sample_points", lambda v: f"must be from 1 to 10,000 points per district, got {v}",
         10_000, 10_001),
    _num("access.places_target_per_1000", NONNEG, 0.0, -4.5),
    _edge("families.arrivals", {"families.arrivals": "batch"}, ONE_OF(("poisson", "regular"), "batch"),
          {"families.arrivals": "regular"}),
    _edge("families.age_out_months", {"families.age_out_months": 0.0}, POS(0.0),
          {"families.age_out_months": None}),
    _num("families.move_hazard_per_month", NONNEG, 0.0, -0.1),
    _num("families.max_waitlists", lambda v: f"must be >= 0, got {v}", 0, -1),
    _num("families.max_considered", lambda v: f"must be >= 1, got {v}", 1, 0),
    _num("families.need.override", PROB, 1.0, 1.5),
    *(_num(f"families.need.{k}", FINITE, 0.0, math.nan)
      for k in ("intercept", "dual_earner", "grandparent", "log_income")),
    _num("families.price_response.burden50", POS, 0.01, 0.0),
    _num("families.price_response.steepness", NONNEG, 0.0, -1.0),
    _num("families.choice.price_weight", NONNEG, 0.0, -1.0),
    _num("families.choice.distance_weight_per_km", NONNEG, 0.0, -0.1),
    _num("families.choice.taste_sd", NONNEG, 0.0, -0.1),
    _edge("families.choice.type_preference.spa", {"families.choice.type_preference": {"spa": 1.0}},
          "unknown institution type"),
    _num("families.choice.type_preference.home", FINITE, -5.0, math.inf),
    _edge("staff.staffing", {"staff.staffing": "ratio"}, ONE_OF(("licensed", "demand"), "ratio"),
          {"staff.staffing": "licensed"}),
    _num("staff.spare_caregivers_per_class", lambda v: f"must be >= 0, got {v}", 0, -1),
    _num("staff.initial_fill", PROB, 0.0, -0.5),
    _num("staff.quit_hazard_per_month", NONNEG, 0.0, -0.01),
    _num("staff.wage_per_month", NONNEG, 0.0, -1.0),
    _edge("allocation.discipline", {"allocation.discipline": "random"},
          ONE_OF(("fifo", "lottery", "points", "deferred_acceptance"), "random"),
          {"allocation.discipline": "lottery"}),
    *(_num(f"policy.{k}", NONNEG, 0.0, -1.0) for k in ("family_subsidy_per_year", "voucher_per_month",
                                                        "operating_subsidy_per_child_month",
                                                        "place_subsidy_per_year")),
    _edge("policy.voucher_scope", {"policy.voucher_scope": "everyone"},
          ONE_OF(("affordable", "all"), "everyone"),
          {"policy.voucher_scope": "all"}),
    _edge("policy.fee_cap_basis", {"policy.fee_cap_basis": "xyz"}, ONE_OF(("yuan", "income_share"), "xyz"),
          {"policy.fee_cap_basis": "income_share"}),
    _num("policy.fee_cap", POS, 0.01, 0.0),
    _edge("policy.fee_cap", {"policy.fee_cap": 1.01, "policy.fee_cap_basis": "income_share"},
          "an income share must be <= 1, got 1.01",
          {"policy.fee_cap": 1.0, "policy.fee_cap_basis": "income_share"}),
    _num("policy.budget_per_year", NONNEG, 0.0, -1.0),
    _num("capacity.target_per_1000", NONNEG, 0.0, -1.0),
    _edge("capacity.target_year", {"capacity.target_year": 2023},
          "must be a year from run.start_year (2024) to 2200, got 2023", {"capacity.target_year": 2024}),
    _edge("capacity.target_year", {"capacity.target_year": 2201},
          "must be a year from run.start_year (2024) to 2200, got 2201", {"capacity.target_year": 2200}),
    _edge("capacity.build_type", {"capacity.build_type": "spa"},
          "unknown institution type 'spa' (not in city.types)",
          {"capacity.build_type": "home"}),
    _edge("capacity.target_per_1000", {"capacity.target_per_1000": 100.5},
          "must be <= 100 places per 1,000 people, got 100.5", {"capacity.target_per_1000": 100.0}),
    _edge("capacity.build_type", {"capacity.target_per_1000": 5.0, "city.types.public.classes": {"older": 0}},
          "type 'public' has no classes to build",
          {"capacity.target_per_1000": 5.0, "city.types.public.classes": {"older": 1}}),
    *(_num(f"capacity.{k}", NONNEG, 0.0, -1.0)
      for k in ("build_lead_months", "construction_grant_per_place", "conversion_lead_months",
                "conversion_cost_per_place")),
    _num("capacity.kindergarten_enrolment", PROB, 1.0, 1.5),
    _num("capacity.plan_every_months", POS, 0.5, 0.0),
    _edge("capacity.path", {"capacity.path": "cubic"}, ONE_OF(("linear", "geometric"), "cubic"),
          {"capacity.path": "geometric"}),
    *(_num(f"economics.{k}", NONNEG, 0.0, -1.0) for k in ("rent_per_place_month", "per_child_cost_month",
                                                           "initial_cash_months", "entry_lead_months",
                                                           "fee_adjust_per_year")),
    _num("economics.close_after_deficit_months", lambda v: f"must be >= 1, got {v}", 1, 0),
    _num("economics.cash_floor", FINITE, -1e6, math.nan),
    _edge("economics.entry_type", {"economics.entry_type": "spa"},
          "unknown institution type 'spa' (not in city.types)",
          {"economics.entry_type": "home"}),
    _num("economics.entry_check_months", POS, 0.5, 0.0),
    _num("economics.max_entries_per_district_year", lambda v: f"must be >= 0, got {v}", 0, -1),
    _num("economics.target_occupancy", FINITE, 0.5, math.nan),
    _edge("economics.target_occupancy", {"economics.target_occupancy": 0.0}, "must be in (0, 1], got 0.0",
          {"economics.target_occupancy": 1e-9}),
    _edge("economics.target_occupancy", {"economics.target_occupancy": 1.001}, "must be in (0, 1], got 1.001",
          {"economics.target_occupancy": 1.0}),
    _num("economics.fee_floor_share", POS, 0.01, 0.0),
    _num("economics.fee_ceiling_share", FINITE, 1.0, math.inf),
    _edge("economics.fee_ceiling_share", {"economics.fee_ceiling_share": 0.59},
          "must be >= economics.fee_floor_share (0.6), got 0.59", {"economics.fee_ceiling_share": 0.6}),
    _num("families.fee_exit_burden", NONNEG, 0.0, -0.1),
    _num("families.fee_exit_hazard_per_month", NONNEG, 0.0, -0.1),
    _edge("city.districts.3.cost_index", {"city.districts.3.cost_index": 0.0}, POS(0.0),
          {"city.districts.3.cost_index": 0.01}),
    _num("city.types.market.overhead_per_month", NONNEG, 0.0, -1.0),
    _edge("city.types.home.rent_per_place_month", {"city.types.home.rent_per_place_month": -1.0},
          NONNEG(-1.0),
          {"city.types.home.rent_per_place_month": None}),
    _num("city.types.home.rent_per_place_month", NONNEG, 0.0, -0.5),
]


def _apply(cfg: Config, values) -> Config:
    if callable(values):
        values(cfg)
        return cfg
    for path, value in values.items():
        _set(path, value)(cfg)
    return cfg


@pytest.mark.parametrize("key, bad, reason, ok", EDGES)
def test_every_check_passes_its_edge_and_names_the_first_value_past_it(default, key, bad, reason, ok):
    if ok is not None:
        V.validate(_apply(copy.deepcopy(default), ok))
    err = rejected(_apply(copy.deepcopy(default), bad))
    assert (err.key, err.reason) == (key, reason)


QUEUE = [
    ("queue.arrival_rate", {"arrival_rate": 0.0}, POS(0.0), {"arrival_rate": 0.1}),
    ("queue.mean_stay_months", {"mean_stay_months": 0.0}, POS(0.0), {"mean_stay_months": 0.1}),
    ("queue.places", {"places": 0}, "must be >= 1, got 0", {"places": 1}),
    ("queue.mean_patience_months", {"mean_patience_months": 0.0}, POS(0.0), {"mean_patience_months": None}),
]


@pytest.mark.parametrize("key, bad, reason, ok", QUEUE, ids=[q[0] for q in QUEUE])
def test_the_queue_scenarios_keys_are_checked_when_it_is_chosen(default, key, bad, reason, ok):
    V.validate(_apply(copy.deepcopy(default), _queue(**ok)))
    V.validate(_apply(copy.deepcopy(default), _queue(mean_patience_months=0.5)))
    err = rejected(_apply(copy.deepcopy(default), _queue(**bad)))
    assert (err.key, err.reason) == (key, reason)


@pytest.mark.parametrize("key, spec, reason", [
    ("families.start_age", DistSpec("normal", mean=20.0), "needs 'sd'"),
    ("families.travel_limit_km", DistSpec("exponential"), "needs 'mean'"),
    ("families.stay", DistSpec("weibull"), "unknown distribution"),
    ("staff.recruitment_delay", DistSpec("gamma", mean=2.0), "needs 'cv'"),
])
def test_each_distribution_is_checked_under_its_own_key(default, key, spec, reason):
    err = rejected(_apply(copy.deepcopy(default), {key: spec}))
    assert err.key == key and reason in err.reason
