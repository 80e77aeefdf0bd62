"""Deferred acceptance (sim.model.matching): stable, family-optimal and strategy-proof.

Hand-made cases pin known answers (each fails if proposals go the wrong way, if a class
keeps more than its places, or if a rejected family stops proposing); the property tests
check on random small markets that the matching is stable (no family and class both prefer
each other to their match) and that no family gets a better class by reporting another
ranking (any permutation or truncation of its true one).
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.matching import deferred_acceptance


def by_table(table: dict[str, dict[str, int]]):
    return lambda f, c: table[c][f]


def test_the_textbook_case_gives_the_family_optimal_stable_matching():
    # Families a, b, c; classes X, Y, Z with one place each. Family-proposing DA gives the
    # family-optimal stable matching a-X, b-Y, c-Z (class-proposing would give a-Y, b-X).
    prefs = {"a": ["X", "Y", "Z"], "b": ["Y", "X", "Z"], "c": ["X", "Y", "Z"]}
    prio = {"X": {"b": 0, "a": 1, "c": 2}, "Y": {"a": 0, "b": 1, "c": 2}, "Z": {"a": 0, "b": 1, "c": 2}}
    match = deferred_acceptance(prefs, by_table(prio), {"X": 1, "Y": 1, "Z": 1})
    assert match == {"a": "X", "b": "Y", "c": "Z"}


def test_a_class_keeps_its_best_families_up_to_its_places_and_the_rejected_move_on():
    prefs = {"a": ["X", "Y"], "b": ["X", "Y"], "c": ["X"], "d": ["X", "Y"]}
    prio = {"X": {"a": 3, "b": 1, "c": 0, "d": 2}, "Y": {"a": 0, "b": 1, "c": 2, "d": 3}}
    m = deferred_acceptance(prefs, by_table(prio), {"X": 2, "Y": 1})
    assert m == {"c": "X", "b": "X", "a": "Y"}  # d loses X to b and c, and Y to a


def test_classes_without_places_are_skipped_and_families_without_a_place_stay_unmatched():
    prefs = {"a": ["X", "Y"], "b": ["Y"]}
    prio = {"X": {"a": 0, "b": 0}, "Y": {"a": 0, "b": 1}}
    assert deferred_acceptance(prefs, by_table(prio), {"X": 0, "Y": 1}) == {"a": "Y"}


def test_equal_priorities_go_to_the_family_listed_first():
    prefs = {"b": ["X"], "a": ["X"]}
    assert deferred_acceptance(prefs, lambda f, c: 0, {"X": 1}) == {"b": "X"}


@st.composite
def markets(draw):
    n_f = draw(st.integers(1, 5))
    n_c = draw(st.integers(1, 3))
    fams = [f"f{i}" for i in range(n_f)]
    classes = [f"C{j}" for j in range(n_c)]
    prefs = {f: draw(st.permutations(classes)) [: draw(st.integers(0, n_c))] for f in fams}
    prio = {c: dict(zip(fams, draw(st.permutations(range(n_f))), strict=True)) for c in classes}
    cap = {c: draw(st.integers(0, 2)) for c in classes}
    return prefs, prio, cap


def rank(prefs: list[str], c: str | None) -> int:
    return prefs.index(c) if c in prefs else len(prefs) + 1


@settings(max_examples=300, deadline=None)
@given(markets())
def test_the_matching_is_stable_and_within_capacity(market):
    prefs, prio, cap = market
    m = deferred_acceptance(prefs, by_table(prio), cap)
    for c in cap:
        assert sum(1 for x in m.values() if x == c) <= cap[c]
    for f, cs in prefs.items():
        assert f not in m or m[f] in cs
        for c in cs[: rank(cs, m.get(f))]:  # classes f prefers to its match
            held = [g for g, x in m.items() if x == c]
            assert len(held) == cap[c] and all(prio[c][g] < prio[c][f] for g in held), (f, c, m)


@settings(max_examples=200, deadline=None)
@given(markets())
def test_no_family_gains_by_reporting_another_ranking(market):
    prefs, prio, cap = market
    key = by_table(prio)
    truthful = deferred_acceptance(prefs, key, cap)
    classes = list(cap)
    for f, true in prefs.items():
        honest = rank(list(true), truthful.get(f))
        for n in range(len(classes) + 1):
            for lie in itertools.permutations(classes, n):
                m = deferred_acceptance({**prefs, f: list(lie)}, key, cap)
                assert rank(list(true), m.get(f)) >= honest, (f, true, lie)
