"""Run parameters are frozen once validated: the model cannot change what it receives."""

from __future__ import annotations

import copy
import pickle

import pytest

from sim.config.load import load
from sim.model.world import World
from sim.params.schema import FrozenError


@pytest.fixture(scope="module")
def params():
    return load(["run.horizon_months=12", "run.burnin_months=12"])


@pytest.mark.parametrize("change", [
    lambda p: setattr(p, "seed", 1),
    lambda p: setattr(p.families.choice, "price_weight", 0.0),
    lambda p: p.city.districts.append(p.city.districts[0]),
    lambda p: p.city.types.__setitem__("x", None),
    lambda p: p.city.types["public"].classes.update({"toddler": 3}),
    lambda p: setattr(p.city.districts[0], "population", 1.0),
])
def test_validated_parameters_refuse_every_change(params, change):
    with pytest.raises(FrozenError):
        change(params)


def test_a_run_leaves_its_parameters_exactly_as_it_received_them(params):
    before = pickle.dumps(params)
    World(params, 3).run()
    assert pickle.dumps(params) == before


def test_pickled_parameters_stay_frozen_and_equal(params):
    back = pickle.loads(pickle.dumps(params))
    assert back == params
    with pytest.raises(FrozenError):
        back.run.horizon_months = 2


def test_a_deep_copy_is_a_changeable_copy_that_leaves_the_original_frozen(params):
    q = copy.deepcopy(params)
    q.seed = 7
    q.city.districts.append(q.city.districts[0])
    assert params.seed != 7 and len(params.city.districts) == len(q.city.districts) - 1
