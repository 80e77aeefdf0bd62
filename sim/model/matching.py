"""Family-proposing deferred acceptance: the matching of an annual intake round.

At the intake round of the ``deferred_acceptance`` discipline every family waiting for a
place (or, enrolled, for a better one) proposes to the classes it applied to, best first;
each class holds the families with the best priority keys (:mod:`sim.model.priority`) up
to its free places and rejects the rest, who propose to their next choice; it ends when no
rejected family has a choice left. The result is stable (no family and class both prefer
each other to their match) and no family can get a better class by misreporting its
ranking (Gale & Shapley 1962; Dubins & Freedman 1981; Roth 1982). A pure function, tested
on hand-made cases and by a property test (tests/unit/test_matching.py).
"""

from __future__ import annotations

from bisect import insort
from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

F = TypeVar("F", bound=Hashable)
C = TypeVar("C", bound=Hashable)


def deferred_acceptance(prefs: Mapping[F, Sequence[C]], key: Callable[[F, C], Any],
                        capacity: Mapping[C, int]) -> dict[F, C]:
    """Return the family-optimal stable matching (family -> class; unmatched families absent).

    Parameters
    ----------
    prefs
        Each family's acceptable classes, best first (iteration order breaks exact ties in
        priority: earlier families first).
    key
        ``key(family, cls)``: the family's priority at the class, smaller first.
    capacity
        Free places per class (a class not listed has none).
    """
    order = {f: i for i, f in enumerate(prefs)}
    nxt = dict.fromkeys(prefs, 0)
    held: dict[C, list[tuple[Any, int, F]]] = {}
    free = deque(prefs)
    while free:
        f = free.popleft()
        choices = prefs[f]
        i = nxt[f]
        while i < len(choices) and capacity.get(choices[i], 0) <= 0:
            i += 1
        if i >= len(choices):
            nxt[f] = i
            continue  # rejected everywhere it applied: unmatched
        c = choices[i]
        nxt[f] = i + 1
        entry = (key(f, c), order[f], f)
        h = held.setdefault(c, [])
        if len(h) < capacity[c]:
            insort(h, entry, key=lambda e: e[:2])
        elif entry[:2] < h[-1][:2]:
            rejected = h.pop()[2]
            insort(h, entry, key=lambda e: e[:2])
            free.append(rejected)
        else:
            free.appendleft(f)  # rejected at once: propose to the next choice
    return {f: c for c, h in held.items() for _, _, f in h}
