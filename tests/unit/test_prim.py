"""PRIM (sim.analysis.prim) finds a box it was built to find, and reports it honestly."""

from __future__ import annotations

import numpy as np

from sim.analysis.prim import Box, choose, inside, peel, prune, quasi_p


def _known_box(n: int = 2000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Points in the unit cube; y = 1 exactly where x1 > 0.7 and x2 < 0.3 (x3 irrelevant)."""
    x = np.random.default_rng(seed).uniform(size=(n, 3))
    y = ((x[:, 0] > 0.7) & (x[:, 1] < 0.3)).astype(float)
    return x, y


def test_prim_finds_the_box_x1_above_07_and_x2_below_03_and_leaves_x3_free() -> None:
    x, y = _known_box()
    boxes = peel(x, y, alpha=0.05, min_mass=0.05, bounds=((0, 0, 0), (1, 1, 1)))
    best = boxes[choose(boxes)]
    assert best.restricted(((0, 0, 0), (1, 1, 1))) == [0, 1]
    assert abs(best.low[0] - 0.7) < 0.02 and best.high[0] == 1
    assert abs(best.high[1] - 0.3) < 0.02 and best.low[1] == 0
    assert (best.low[2], best.high[2]) == (0, 1)
    assert best.density > 0.95 and best.coverage > 0.9
    assert abs(best.mass - y.mean()) < 0.02


def test_peeling_trajectory_starts_with_every_point_and_gets_denser_and_smaller() -> None:
    x, y = _known_box(500)
    boxes = peel(x, y, alpha=0.05, min_mass=0.05)
    assert boxes[0].mass == 1 and boxes[0].coverage == 1 and abs(boxes[0].density - y.mean()) < 1e-12
    masses = [b.mass for b in boxes]
    assert all(a > b for a, b in zip(masses, masses[1:], strict=False))
    assert boxes[-1].mass >= 0.05
    assert boxes[-1].density > boxes[0].density


def test_no_box_is_chosen_when_nothing_flips() -> None:
    x, _ = _known_box(200)
    boxes = peel(x, np.zeros(200))
    assert choose(boxes) is None


def test_a_box_must_cover_half_of_the_flips_to_be_chosen() -> None:
    x, y = _known_box(1000)
    boxes = peel(x, y)
    i = choose(boxes, min_coverage=0.5)
    assert boxes[i].coverage >= 0.5
    assert all(b.density <= boxes[i].density for b in boxes if b.coverage >= 0.5)


def test_quasi_p_values_are_tiny_for_the_real_restrictions_and_large_for_a_chance_one() -> None:
    x, y = _known_box(1000)
    bounds = ((0, 0, 0), (1, 1, 1))
    real = Box((0.7, 0.0, 0.0), (1.0, 0.3, 1.0), 0, 0, 0, int(inside(x, (0.7, 0, 0), (1, 0.3, 1)).sum()))
    qp = quasi_p(x, y, real, bounds)
    assert set(qp) == {0, 1} and max(qp.values()) < 1e-6
    chance = Box((0.7, 0.0, 0.0), (1.0, 0.3, 0.6), 0, 0, 0, int(inside(x, (0.7, 0, 0), (1, 0.3, 0.6)).sum()))
    assert quasi_p(x, y, chance, bounds)[2] > 0.5  # cutting x3 adds nothing: every point inside is a hit


def test_pruning_keeps_the_real_restrictions_among_40_inputs_and_32_points() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(32, 40))
    y = ((x[:, 0] > 0.5) & (x[:, 1] < 0.5)).astype(float)
    bounds = ((0.0,) * 40, (1.0,) * 40)
    boxes = peel(x, y, bounds=bounds)
    peeled = boxes[choose(boxes)]
    assert prune(x, y, peeled, bounds).restricted(bounds) == [0, 1]  # pruning keeps what is real


def test_pruning_lifts_every_restriction_when_the_outcome_is_noise() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(32, 40))
    y = (rng.uniform(size=32) < 0.3).astype(float)
    bounds = ((0.0,) * 40, (1.0,) * 40)
    boxes = peel(x, y, bounds=bounds)
    peeled = boxes[choose(boxes)]
    assert peeled.density == 1 and len(peeled.restricted(bounds)) > 3
    pruned = prune(x, y, peeled, bounds)
    assert pruned.restricted(bounds) == [] and pruned.density == y.mean()
