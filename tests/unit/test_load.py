"""Composing overrides into validated parameters, and translating failures into one line."""

from __future__ import annotations

import pytest

from sim.config.errors import ConfigError
from sim.config.load import load
from sim.params.schema import DistSpec


def error(overrides: list[str]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(overrides)
    return info.value


def test_overrides_reach_the_parameters():
    p = load(["seed=7", "run.horizon_months=24", "families.patience={dist:gamma,mean:3,cv:0.5}",
              "city.births_index=[1.0,0.9]", "allocation=lottery"])
    assert p.seed == 7 and p.run.horizon_months == 24.0
    assert p.families.patience == DistSpec("gamma", mean=3.0, cv=0.5)
    assert p.city.births_index == [1.0, 0.9]
    assert p.allocation.discipline == "lottery"


@pytest.mark.parametrize("override, key", [
    ("nope=1", "nope"),
    ("run.nope=1", "run.nope"),
    ("+families.nope=1", "families.nope"),
    # appended below a dict of typed entries and a list item (the typed fast path of to_params)
    ("+city.types.public.nope=1", "city.types.public.nope"),
    ("+city.districts.0.nope=1", "city.districts.0.nope"),
])
def test_an_unknown_key_is_named(override, key):
    e = error([override])
    assert e.key == key and "unknown key" in e.reason


def test_a_wrong_type_names_the_key_in_one_line():
    e = error(["run.horizon_months=abc"])
    assert e.key == "run.horizon_months" and "\n" not in e.line()


def test_an_unknown_preset_lists_the_available_ones():
    e = error(["allocation=random"])
    assert e.key == "allocation" and "fifo" in e.reason and "lottery" in e.reason


def test_a_stay_distribution_can_be_set_by_override():
    p = load(["families.stay={dist:exponential,mean:12}"])
    assert p.families.stay == DistSpec("exponential", mean=12.0)


def test_a_stay_of_never_means_until_aged_out_and_null_is_rejected():
    from sim.config.errors import ConfigError

    assert load(["families.stay={dist:never}"]).families.stay == DistSpec("never")
    with pytest.raises(ConfigError) as info:
        load(["families.stay=null"])
    assert info.value.key.startswith("families.stay")
