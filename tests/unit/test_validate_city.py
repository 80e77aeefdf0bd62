"""Checks of the city that the section cases of test_validate.py leave open (mutation run of
session 9, ``python tools/mutate.py validate_city``): the births bound, the income cuts and a
city of one district. Each case fails when its check is dropped, tests another bound or
reports another key or reason.
"""

from __future__ import annotations

import copy

import pytest

from sim.config import validate as V
from sim.config.load import load
from sim.config.validate_city import MAX_BIRTH_RATE
from sim.params.schema import INCOME_GROUPS, Config
from tests.unit.test_validate import rejected


@pytest.fixture(scope="module")
def default() -> Config:
    return load([])


def test_births_above_the_highest_rate_are_refused_with_the_bound_and_the_population(default):
    cfg = copy.deepcopy(default)
    d = cfg.city.districts[1]
    d.population = 1000.0
    d.births_per_year = 1000.0 * MAX_BIRTH_RATE  # the edge: accepted
    V.validate(cfg)
    d.births_per_year = 101.0
    err = rejected(cfg)
    assert err.key == "city.districts.1.births_per_year"
    assert err.reason == "must be at most 100 per 1,000 people a year (population 1000), got 101"


@pytest.mark.parametrize("where, value", [(0, 0.0), (3, "previous"), (5, "smaller")])
def test_income_cuts_that_are_not_positive_and_increasing_are_refused(default, where, value):
    cfg = copy.deepcopy(default)
    cuts = [1000.0 * (k + 1) for k in range(INCOME_GROUPS - 1)]
    cfg.city.income_cuts = list(cuts)
    V.validate(cfg)  # positive and increasing: accepted
    cuts[where] = {"previous": cuts[where - 1], "smaller": cuts[where - 1] * 0.9}.get(value, value)
    cfg.city.income_cuts = cuts
    err = rejected(cfg)
    assert (err.key, err.reason) == ("city.income_cuts", "must be positive and increasing")


def test_a_city_of_one_district_is_valid_and_one_of_none_is_refused(default):
    cfg = copy.deepcopy(default)
    cfg.city.districts = cfg.city.districts[:1]
    cfg.city.institutions = []
    V.validate(cfg)
    cfg.city.districts = []
    err = rejected(cfg)
    assert (err.key, err.reason) == ("city.districts", "the city has no districts")
