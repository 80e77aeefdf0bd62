"""Usable places: what the caregivers in post can cover, never more than licensed."""

from __future__ import annotations

import pytest

from sim.model.staff import usable_places


@pytest.mark.parametrize("licensed, caregivers, ratio, usable", [
    (15, 3, 5.0, 15),   # fully staffed
    (15, 2, 5.0, 10),   # one caregiver short: five places lost
    (15, 0, 5.0, 0),    # no staff, no places
    (15, 9, 5.0, 15),   # surplus staff never add licensed places
    (10, 1, 3.0, 3),
    (20, 2, 7.0, 14),
    (0, 4, 7.0, 0),
    (10, 3, 0.5, 1),    # fractional ratios round down
])
def test_usable_places_are_the_smaller_of_licensed_and_staffed(licensed, caregivers, ratio, usable):
    assert usable_places(licensed, caregivers, ratio) == usable


def test_usable_places_are_not_lost_to_float_rounding_of_the_ratio():
    ratio = 0.1 * 3  # 0.30000000000000004
    assert usable_places(100, 10, ratio) == 3
    assert usable_places(100, 3, 1.0 / 3.0 * 3.0) == 3
