"""The capacity programme's channels and placement (issue 13)."""

from __future__ import annotations

import numpy as np

from sim.config.load import load
from sim.model.capacity import CapacityProgramme, next_channel
from sim.model.world import World
from tests.scenarios import small


def test_channels_take_turns_to_keep_their_shares_of_the_places_built():
    mix = {"community": 0.4, "employer": 0.2, "public": 0.4}
    built: dict[str, int] = {}
    for _ in range(10):
        c = next_channel(mix, built)
        built[c] = built.get(c, 0) + 1
    assert built == {"community": 4, "employer": 2, "public": 4}


def test_new_places_go_where_families_wait_not_where_vacancies_within_reach_are():
    w = World(load(small("capacity.target_per_1000=6", "capacity.convert_kindergarten=false",
                         "capacity.reach_km=1")), 11)
    w.start()
    w.env.run(until=0.5)
    w.recorder.waiting[0].value, w.recorder.waiting[1].value = 0.0, 200.0
    prog = CapacityProgramme(w.env, w.params, w.districts, w.gov, w.providers, w.places, w.recorder,
                             np.array([[0.0, 4.0], [4.0, 0.0]]))
    before = dict(w.providers.pipeline)  # the world's own programme planned at month 0
    prog._build(80.0, False)  # one public centre
    after = w.providers.pipeline
    assert after.get(1, 0) - before.get(1, 0) == 80 and after.get(0, 0) == before.get(0, 0)
    assert prog.built.get("public", 0) > 0
