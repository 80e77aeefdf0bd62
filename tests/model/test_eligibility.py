"""Reserved places: employer-run centres take only eligible families (issue 13, channel d).

The rules: a provider type with ``reserved: true`` (``employer`` in the presets) keeps its
places for families eligible for them (a parent works for the employer): each family is
eligible with probability ``families.employer_eligible_share``, drawn at birth from its own
stream; a family that is not never ranks a reserved class, so it never applies to, waits for
or is offered one; an eligible family ranks them with every other option. While no reserved
class is open, every family ranks from the same candidates (one index, no extra work).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config.load import load
from sim.model.world import World
from tests.model.test_rules import family
from tests.scenarios import small

CITY = ("city.institutions=[{name:E0,district:D0,type:employer,places:{toddler:15,older:20}},"
        "{name:M0,district:D0,type:market,places:{toddler:15,older:20}}]",
        "++families.choice.type_preference.employer=5.0")  # eligible families rank E0 first


def started(*extra: str) -> World:
    w = World(load(small(*CITY, *extra)), 3)
    w.start()
    w.env.run(until=0.5)
    return w


def ranked_types(w: World, fam) -> list[str]:
    classes, _, _ = w.options.ranked(fam, 20.0)  # a toddler
    return [c.inst.type for c in classes]


def test_a_family_not_eligible_never_ranks_a_reserved_class_and_an_eligible_one_does():
    w = started()
    eligible, other = family(w, 1), family(w, 2)
    other.eligible = False
    assert ranked_types(w, eligible)[0] == "employer"
    assert "employer" not in ranked_types(w, other) and "market" in ranked_types(w, other)


def test_without_reserved_types_every_family_ranks_from_the_same_candidates():
    w = started("city.types.employer.reserved=false")
    other = family(w, 2)
    other.eligible = False  # has no effect: nothing is reserved
    assert w.options.unreserved is w.options.by_district
    assert ranked_types(w, other)[0] == "employer"


def test_a_reserved_centre_opening_later_stays_out_of_reach_of_families_not_eligible():
    w = World(load(small("city.institutions=[{name:M0,district:D0,type:market,places:{toddler:15}}]",
                         "++families.choice.type_preference.employer=5.0", "economics.enabled=false")), 3)
    w.start()
    w.env.run(until=0.5)
    other, eligible = family(w, 2), family(w, 1)
    other.eligible = False
    assert w.options.unreserved is w.options.by_district  # nothing reserved open yet
    w.providers.order(w.districts[0], "employer", {"toddler": 15}, 0.5)
    w.env.run(until=1.5)
    assert "employer" not in ranked_types(w, other)
    assert ranked_types(w, eligible)[0] == "employer"


@pytest.mark.parametrize("share", [0.0, 0.2, 1.0])
def test_eligibility_is_drawn_at_the_configured_share(share):
    """Binomial: n = 20,000 draws; the share must lie within 4.4 standard errors (a false
    alarm once in 100,000 runs); a share off by 0.02 fails (0.02 is 7 standard errors)."""
    w = World(load(small(f"families.employer_eligible_share={share}")), 5)
    n = 20_000
    eligible = w.births._admission_attributes(n, np.zeros(n, dtype=bool))[-1]
    se = math.sqrt(share * (1 - share) / n)
    assert abs(eligible.mean() - share) <= 4.4 * se + 1e-12


def test_every_family_is_eligible_when_the_city_reserves_nothing():
    w = World(load(small("families.employer_eligible_share=0.2", "city.types.employer.reserved=false")), 5)
    eligible = w.births._admission_attributes(1000, np.zeros(1000, dtype=bool))[-1]
    assert eligible.all()


def test_families_born_in_a_run_carry_their_draw():
    w = World(load(small("families.employer_eligible_share=0.5", "run.horizon_months=6")), 5)
    seen: list[bool] = []
    start = w.families.start

    def spy(fam):
        seen.append(fam.eligible)
        start(fam)

    w.families.start = spy  # type: ignore[method-assign]
    w.run()
    assert len(seen) > 100 and 0.3 < sum(seen) / len(seen) < 0.7
