"""Checks of the city: its age bands, provider types, districts, births path and institutions.

Bands need a positive ratio and a cap; types a sector, an intake calendar and classes of known
bands; districts a unique name, a population below any country's, births below twice the
highest national rate on record, and type mixes that are shares; institutions a known
district and type, and both coordinates or neither. Part of :func:`sim.config.validate.validate`.
"""

from __future__ import annotations

from sim.config.checks import finite, mix_shares, non_negative, one_of, positive, probability, require
from sim.params.schema import INCOME_GROUPS, INTAKES, Config

MAX_POPULATION = 2e9  # a district: more people than any country has
STRATA = ("urban", "rural")  # city.districts.<i>.stratum
MAX_BIRTH_RATE = 0.1  # births per person a year: twice the highest national rate on record


def validate_city(cfg: Config) -> None:
    c = cfg.city
    require(len(c.districts) > 0, "city.districts", "the city has no districts")
    positive("city.scale", c.scale)
    require(c.scale <= 1, "city.scale", f"must be <= 1 (a sample of the population), got {c.scale}")
    require(len(c.bands) > 0, "city.bands", "no age bands defined")
    for name, b in c.bands.items():
        k = f"city.bands.{name}"
        non_negative(f"{k}.min_age", b.min_age)
        require(b.max_age > b.min_age, f"{k}.max_age", f"must be > min_age ({b.min_age}), got {b.max_age}")
        require(b.cap >= 1, f"{k}.cap", f"must be >= 1, got {b.cap}")
        positive(f"{k}.ratio", b.ratio)
    require(len(c.types) > 0, "city.types", "no institution types defined")
    for name, t in c.types.items():
        k = f"city.types.{name}"
        one_of(f"{k}.sector", t.sector, ("public", "private"))
        one_of(f"{k}.intake", t.intake, INTAKES)
        probability(f"{k}.half_day_fee_share", t.half_day_fee_share)
        non_negative(f"{k}.hourly_fee_share", t.hourly_fee_share)
        non_negative(f"{k}.fee_per_month", t.fee_per_month)
        for band, n in t.classes.items():
            require(band in c.bands, f"{k}.classes.{band}", "unknown age band (not in city.bands)")
            require(n >= 0, f"{k}.classes.{band}", f"must be >= 0, got {n}")
    mix_shares("city.type_mix", c.type_mix, c.types)
    names = [d.name for d in c.districts]
    for i, d in enumerate(c.districts):
        k = f"city.districts.{i}"
        require(bool(d.name) and d.name != "???", f"{k}.name", "missing district name")
        require(names.count(d.name) == 1, f"{k}.name", f"district '{d.name}' is listed twice")
        positive(f"{k}.population", d.population)
        require(d.population <= MAX_POPULATION, f"{k}.population",
                f"must be at most {MAX_POPULATION:,.0f} (more than any country), got {d.population:g}")
        non_negative(f"{k}.births_per_year", d.births_per_year)
        require(d.births_per_year <= d.population * MAX_BIRTH_RATE, f"{k}.births_per_year",
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
        finite(f"{k}.need_shift", d.need_shift)
        require(d.stratum in STRATA, f"{k}.stratum",
                f"must be one of {', '.join(STRATA)}, got '{d.stratum}'")
        mix_shares(f"{k}.type_mix", d.type_mix, c.types)
    for i, v in enumerate(c.births_index):
        non_negative(f"city.births_index.{i}", v)
    finite("city.births_growth_per_year", c.births_growth_per_year)
    if c.births_index_year is not None:
        require(1900 <= c.births_index_year <= 2200, "city.births_index_year",
                f"must be a calendar year, got {c.births_index_year}")
    require(c.births_growth_per_year > -1, "city.births_growth_per_year",
            f"must be > -1 (a yearly rate), got {c.births_growth_per_year}")
    non_negative("city.intra_district_km", c.intra_district_km)
    if c.distance_km is not None:
        n = len(c.districts)
        require(len(c.distance_km) == n and all(len(r) == n for r in c.distance_km),
                "city.distance_km", f"must be a {n} x {n} matrix (one row and column per district)")
        for i, row in enumerate(c.distance_km):
            for j, v in enumerate(row):
                non_negative(f"city.distance_km.{i}.{j}", v)
    if c.income_cuts is not None:
        require(len(c.income_cuts) == INCOME_GROUPS - 1, "city.income_cuts",
                f"must list {INCOME_GROUPS - 1} incomes (the inner cuts of {INCOME_GROUPS} groups)")
        require(all(0 < a < b for a, b in zip(c.income_cuts, c.income_cuts[1:], strict=False)),
                "city.income_cuts", "must be positive and increasing")
    for i, inst in enumerate(c.institutions):
        k = f"city.institutions.{i}"
        require(inst.district in names, f"{k}.district", f"unknown district '{inst.district}'")
        require(inst.type in c.types, f"{k}.type", f"unknown institution type '{inst.type}'")
        for band, n in inst.places.items():
            require(band in c.bands, f"{k}.places.{band}", "unknown age band (not in city.bands)")
            require(n >= 0, f"{k}.places.{band}", f"must be >= 0, got {n}")
        missing = "x_km" if inst.x_km is None else "y_km"  # the one left out when only one is given
        require((inst.x_km is None) == (inst.y_km is None), f"{k}.{missing}",
                "give both x_km and y_km, or neither (then the position is drawn in its district)")
        for axis in ("x_km", "y_km"):
            if getattr(inst, axis) is not None:
                finite(f"{k}.{axis}", getattr(inst, axis))
