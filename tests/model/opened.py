"""Worlds for rule tests: built, every class opened without staff, nothing run.

A rule test drives one owner's methods on such a world (nothing is admitted but what the test
places) and reads the result. Shared by the conversion, workforce and supervision rule tests.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.config.load import load
from sim.model.world import World


class Child:
    """What the place owner needs of a family: a full-day child paying nothing."""

    units = 2
    fee_paid = 0.0
    voucher = 0.0


def opened_world(overrides: Sequence[str], seed: int) -> World:
    """Return the world of ``overrides`` with every class open (no caregivers hired), not started."""
    w = World(load(list(overrides)), seed)
    for c in w.classes:
        w.places.open_class(c, with_staff=False)
    return w


def named(w: World, name: str):
    """Return the institution called ``name``."""
    return next(i for i in w.institutions if i.name == name)


def enrol(w: World, name: str, n: int, cls: int = 0) -> None:
    """Place ``n`` stub children in class ``cls`` of institution ``name`` (places only, no ledger)."""
    c = named(w, name).classes[cls]
    for _ in range(n):
        w.places.occupy(c, Child(), 1)
