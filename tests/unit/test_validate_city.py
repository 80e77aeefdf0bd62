"""Every check of the city refuses its bad value under its own key, with its reason; the edges
are accepted.

The section cases of test_validate.py test a few city keys; the mutation runs of session 9
(``python tools/mutate.py validate_city``: 394 mutants, 6 survivors and 65 timeouts on a busy
machine, of which 11 more survived when run again) found the checks they let through: a key
dropped or misspelt, a bound moved, a reason lost. One case per check; "=" starts a whole
reason (one formatted from the values).
"""

from __future__ import annotations

import copy
import math

import pytest

from sim.config import validate as V
from sim.config.load import load
from sim.config.validate_city import MAX_BIRTH_RATE, MAX_POPULATION
from sim.params.schema import INCOME_GROUPS, Config, InstitutionSpec
from tests.unit.test_validate import applied, assert_refused, rejected

D = "city.districts.1"
CUTS = [1000.0 * (k + 1) for k in range(INCOME_GROUPS - 1)]


def _inst(**kw) -> list[InstitutionSpec]:
    base = {"name": "X", "district": "Gulou", "type": "public", "places": {"toddler": 15}}
    return [InstitutionSpec(**{**base, **kw})]


CASES: list[tuple[str, list[tuple[str, object]], str]] = [
    ("city.districts", [("city.districts", [])], "=the city has no districts"),
    ("city.scale", [("city.scale", 0.0)], "> 0"),
    ("city.scale", [("city.scale", 1.5)], "=must be <= 1 (a sample of the population), got 1.5"),
    ("city.bands", [("city.bands", {})], "=no age bands defined"),
    ("city.bands.toddler.min_age", [("city.bands.toddler.min_age", -1.0)], ">= 0"),
    ("city.bands.toddler.max_age", [("city.bands.toddler.max_age", 12.0)],
     "=must be > min_age (12.0), got 12.0"),
    ("city.bands.toddler.cap", [("city.bands.toddler.cap", 0)], "=must be >= 1, got 0"),
    ("city.bands.toddler.ratio", [("city.bands.toddler.ratio", 0.0)], "> 0"),
    ("city.types", [("city.types", {})], "=no institution types defined"),
    ("city.types.market.sector", [("city.types.market.sector", "charity")], "must be one of"),
    ("city.types.market.intake", [("city.types.market.intake", "never")], "must be one of"),
    ("city.types.market.half_day_fee_share", [("city.types.market.half_day_fee_share", 1.5)], "probability"),
    ("city.types.market.hourly_fee_share", [("city.types.market.hourly_fee_share", -0.01)], ">= 0"),
    ("city.types.market.fee_per_month", [("city.types.market.fee_per_month", -1.0)], ">= 0"),
    ("city.types.market.classes.teen", [("city.types.market.classes", {"teen": 1})],
     "=unknown age band (not in city.bands)"),
    ("city.types.market.classes.older", [("city.types.market.classes", {"older": -1})],
     "=must be >= 0, got -1"),
    ("city.type_mix.castle", [("city.type_mix", {"castle": 1.0})],
     "=unknown institution type (not in city.types)"),
    (f"{D}.name", [(f"{D}.name", "")], "=missing district name"),
    (f"{D}.name", [(f"{D}.name", "???")], "=missing district name"),
    ("city.districts.0.name", [(f"{D}.name", "Gulou")], "=district 'Gulou' is listed twice"),
    (f"{D}.population", [(f"{D}.population", 0.0)], "> 0"),
    (f"{D}.population", [(f"{D}.population", 2.5e9)],
     "=must be at most 2,000,000,000 (more than any country), got 2.5e+09"),
    (f"{D}.births_per_year", [(f"{D}.births_per_year", -1.0)], ">= 0"),
    (f"{D}.births_per_year", [(f"{D}.population", 1000.0), (f"{D}.births_per_year", 101.0)],
     "=must be at most 100 per 1,000 people a year (population 1000), got 101"),
    (f"{D}.median_income", [(f"{D}.median_income", 0.0)], "> 0"),
    (f"{D}.income_sigma", [(f"{D}.income_sigma", -0.1)], ">= 0"),
    (f"{D}.dual_earner_share", [(f"{D}.dual_earner_share", 1.1)], "probability"),
    (f"{D}.grandparent_share", [(f"{D}.grandparent_share", -0.1)], "probability"),
    (f"{D}.places_per_1000", [(f"{D}.places_per_1000", -1.0)], ">= 0"),
    (f"{D}.fee_index", [(f"{D}.fee_index", 0.0)], "> 0"),
    (f"{D}.area_km2", [(f"{D}.area_km2", 0.0)], "> 0"),
    (f"{D}.need_shift", [(f"{D}.need_shift", math.nan)], "finite"),
    (f"{D}.stratum", [(f"{D}.stratum", "suburban")], "=must be one of urban, rural, got 'suburban'"),
    (f"{D}.type_mix.castle", [(f"{D}.type_mix", {"castle": 1.0})],
     "=unknown institution type (not in city.types)"),
    ("city.births_index.1", [("city.births_index", [1.0, -0.5])], ">= 0"),
    ("city.births_growth_per_year", [("city.births_growth_per_year", math.inf)], "finite"),
    ("city.births_growth_per_year", [("city.births_growth_per_year", -1.0)],
     "=must be > -1 (a yearly rate), got -1.0"),
    ("city.births_index_year", [("city.births_index_year", 1899)], "=must be a calendar year, got 1899"),
    ("city.births_index_year", [("city.births_index_year", 2201)], "=must be a calendar year, got 2201"),
    ("city.intra_district_km", [("city.intra_district_km", -1.0)], ">= 0"),
    ("city.distance_km", [("city.distance_km", [[0.0] * 8] * 7)],
     "=must be a 8 x 8 matrix (one row and column per district)"),
    ("city.distance_km", [("city.distance_km", [[0.0] * 8] * 7 + [[0.0] * 7])],
     "=must be a 8 x 8 matrix (one row and column per district)"),
    ("city.distance_km.2.5",
     [("city.distance_km", [[0.0] * 8 for _ in range(2)] + [[0.0] * 5 + [-1.0, 0.0, 0.0]]
                                                    + [[0.0] * 8 for _ in range(5)])], ">= 0"),
    ("city.income_cuts", [("city.income_cuts", CUTS[:-1])],
     f"=must list {INCOME_GROUPS - 1} incomes (the inner cuts of {INCOME_GROUPS} groups)"),
    ("city.income_cuts", [("city.income_cuts", [0.0, *CUTS[1:]])], "=must be positive and increasing"),
    ("city.income_cuts", [("city.income_cuts", [*CUTS[:3], CUTS[2], *CUTS[4:]])],
     "=must be positive and increasing"),
    ("city.income_cuts", [("city.income_cuts", [*CUTS[:5], CUTS[3], *CUTS[6:]])],
     "=must be positive and increasing"),
    ("city.institutions.0.district", [("city.institutions", _inst(district="Atlantis"))],
     "=unknown district 'Atlantis'"),
    ("city.institutions.0.type", [("city.institutions", _inst(type="castle"))],
     "=unknown institution type 'castle'"),
    ("city.institutions.0.places.teen", [("city.institutions", _inst(places={"teen": 5}))],
     "=unknown age band (not in city.bands)"),
    ("city.institutions.0.places.toddler", [("city.institutions", _inst(places={"toddler": -5}))],
     "=must be >= 0, got -5"),
    ("city.institutions.0.y_km", [("city.institutions", _inst(x_km=1.0))],
     "=give both x_km and y_km, or neither (then the position is drawn in its district)"),
    ("city.institutions.0.x_km", [("city.institutions", _inst(y_km=1.0))],
     "=give both x_km and y_km, or neither (then the position is drawn in its district)"),
    ("city.institutions.0.x_km", [("city.institutions", _inst(x_km=math.inf, y_km=1.0))], "finite"),
    ("city.institutions.0.y_km", [("city.institutions", _inst(x_km=1.0, y_km=math.nan))], "finite"),
]


@pytest.fixture(scope="module")
def default() -> Config:
    return load([])



@pytest.mark.parametrize("key, settings, reason", CASES, ids=[f"{c[0]}:{c[1][-1][1]!r}"[:70] for c in CASES])
def test_each_check_refuses_its_bad_value_under_its_own_key(default, key, settings, reason):
    assert_refused(rejected(applied(default, settings)), key, reason)


def test_the_edges_of_each_range_are_accepted(default):
    """The values at each bound pass (a check made stricter than its rule fails here)."""
    V.validate(applied(default, [
        ("city.scale", 1.0), ("city.bands.toddler.min_age", 0.0), ("city.bands.toddler.cap", 1),
        ("city.types.market.half_day_fee_share", 1.0), ("city.types.market.hourly_fee_share", 0.0),
        ("city.types.market.fee_per_month", 0.0), ("city.types.market.classes", {"older": 0, "toddler": 1}),
        (f"{D}.population", MAX_POPULATION), (f"{D}.births_per_year", 0.0), (f"{D}.income_sigma", 0.0),
        (f"{D}.dual_earner_share", 1.0), (f"{D}.grandparent_share", 0.0), (f"{D}.places_per_1000", 0.0),
        (f"{D}.stratum", "rural"), ("city.births_index", [1.0, 0.0]), ("city.births_growth_per_year", -0.99),
        ("city.births_index_year", 1900), ("city.intra_district_km", 0.0),
        ("city.distance_km", [[0.0] * 8 for _ in range(8)]), ("city.income_cuts", [0.5, *CUTS[1:]]),
        ("city.institutions", _inst(x_km=-3.0, y_km=2.0, places={"toddler": 0})),
    ]))
    V.validate(applied(default, [("city.births_index_year", 2200)]))
    d = default.city.districts[1]
    V.validate(applied(default, [(f"{D}.population", 1000.0),
                                (f"{D}.births_per_year", 1000.0 * MAX_BIRTH_RATE)]))
    assert d.population > 1000  # the default was not touched


def test_a_city_of_one_district_one_band_and_one_type_is_valid(default):
    cfg = copy.deepcopy(default)
    cfg.city.districts = cfg.city.districts[:1]
    cfg.city.bands = {"mixed": cfg.city.bands["mixed"]}
    home = cfg.city.types["home"]
    assert set(home.classes) == {"mixed"}
    cfg.city.types = {"home": home}
    cfg.city.type_mix = {"home": 1.0}
    cfg.city.institutions = []
    cfg.capacity.build_type = "home"
    cfg.capacity.channels = {}
    cfg.families.choice.type_preference = {}
    cfg.policy.operating_subsidy_by_type = {}
    cfg.economics.convert_from = []
    cfg.economics.entry_type = "home"
    V.validate(cfg)
