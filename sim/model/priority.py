"""Waitlist disciplines: who comes first on a class's waitlist.

A :class:`Discipline` gives a family's key on the waitlist of a class (smallest first),
seeing both the family and the class, so priority points that depend on the provider
(a sibling in it, living in its district) fit the same interface as first come, first
served. The allocator (:mod:`sim.model.allocation`) and the intake rounds
(:mod:`sim.model.matching`) order families by these keys and by nothing else.

- ``fifo``: the time the family applied; children displaced by a closure go before
  everyone, in the order they were displaced;
- ``lottery``: the family's own lottery draw (fixed when it is born), displaced children first;
- ``points`` and ``deferred_acceptance``: priority points (``allocation.points``: dual
  earner, single parent, low income, a sibling in the provider, displaced by a closure,
  living in the provider's district), most points first, ties broken by the lottery draw.
  The model follows Japan's municipal points systems (calibration/china.md s.6: each working
  parent scores points, with bonuses for single parents and siblings; children are placed
  in score order into their ranked choices). ``deferred_acceptance`` uses the same points
  and, at annual intake rounds, matches families to classes by family-proposing deferred
  acceptance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.params.schema import DISCIPLINES, PointsSpec

if TYPE_CHECKING:
    from sim.model.city import AgeClass

DISPLACED_PRIORITY = -1.0e12  # added to the displacement time: displaced children go first


class Discipline:
    """How a waitlist orders families: ``key(family, cls)``, smallest first."""

    name = ""
    matching = False  # True: annual intake rounds use deferred acceptance

    def key(self, fam: Any, cls: AgeClass) -> Any:
        """Return ``fam``'s priority key on the waitlist of ``cls``."""
        if fam.displaced:
            return DISPLACED_PRIORITY + fam.displaced_at
        return self.order(fam, cls)

    def order(self, fam: Any, cls: AgeClass) -> Any:
        """Return the key of a family that was not displaced."""
        raise NotImplementedError


class Fifo(Discipline):
    """First come, first served: the time the family applied."""

    name = "fifo"

    def order(self, fam: Any, cls: AgeClass) -> float:  # noqa: D102
        return float(fam.seek_time)


class Lottery(Discipline):
    """A random order, fixed when the family is born (its own lottery draw)."""

    name = "lottery"

    def order(self, fam: Any, cls: AgeClass) -> float:  # noqa: D102
        return float(fam.lottery_u)


class Points(Discipline):
    """Most priority points first; ties broken by the family's lottery draw."""

    name = "points"

    def __init__(self, points: PointsSpec) -> None:
        self.p = points

    def points(self, fam: Any, cls: AgeClass) -> float:
        """Return ``fam``'s points on the waitlist of ``cls``."""
        p = self.p
        s = 0.0
        if fam.dual:
            s += p.dual_earner
        if fam.single:
            s += p.single_parent
        if fam.income < p.low_income_below * fam.district.spec.median_income:
            s += p.low_income
        if fam.sibling is not None and fam.sibling is cls.inst:
            s += p.sibling
        if fam.displaced:
            s += p.displaced
        if cls.inst.district is fam.district:
            s += p.in_district
        return s

    def key(self, fam: Any, cls: AgeClass) -> tuple[float, float]:  # noqa: D102
        return (-self.points(fam, cls), float(fam.lottery_u))

    def order(self, fam: Any, cls: AgeClass) -> tuple[float, float]:  # noqa: D102
        return self.key(fam, cls)


class DeferredAcceptance(Points):
    """Points, and family-proposing deferred acceptance at annual intake rounds."""

    name = "deferred_acceptance"
    matching = True


def discipline(name: str, points: PointsSpec | None = None) -> Discipline:
    """Return the discipline called ``name`` (one of ``DISCIPLINES``)."""
    if name == "fifo":
        return Fifo()
    if name == "lottery":
        return Lottery()
    if name in ("points", "deferred_acceptance"):
        spec = points if points is not None else PointsSpec()
        return Points(spec) if name == "points" else DeferredAcceptance(spec)
    raise ValueError(f"unknown discipline {name!r} (choose from {', '.join(DISCIPLINES)})")
