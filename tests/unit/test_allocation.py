"""Waitlists and disciplines: FIFO and lottery keys (they see the family and the class), lazy
deletion of cancelled entries. The allocator's own rules (who gets a freed place, displaced
children first, moving up before the waitlist) are tested on a small world in
tests/model/test_allocation_rules.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sim.model.allocation import Waitlist
from sim.model.priority import DISPLACED_PRIORITY, Fifo, Lottery, Points, discipline
from sim.params.schema import DISCIPLINES, PointsSpec


class Fam:
    def __init__(self, name: str, seek_time: float = 0.0, lottery_u: float = 0.5) -> None:
        self.name = name
        self.token = 0
        self.seek_time = seek_time
        self.lottery_u = lottery_u
        self.displaced = False
        self.displaced_at = 0.0


CLS = object()  # the disciplines here do not depend on the class


def drain(wl: Waitlist) -> list[str]:
    out = []
    while (fam := wl.pop()) is not None:
        out.append(fam.name)
    return out


def test_fifo_serves_families_in_order_of_application():
    wl = Waitlist()
    for name, t in [("c", 3.0), ("a", 1.0), ("d", 4.5), ("b", 2.0)]:
        f = Fam(name, seek_time=t, lottery_u=0.9)
        wl.push(Fifo().key(f, CLS), f)
    assert drain(wl) == ["a", "b", "c", "d"]


def test_equal_keys_are_served_in_order_of_joining():
    wl = Waitlist()
    for name in "xyzw":
        wl.push(1.0, Fam(name))
    assert drain(wl) == list("xyzw")


def test_lottery_serves_families_in_order_of_their_draws_not_their_application():
    wl = Waitlist()
    for name, t, draw in [("first", 1.0, 0.9), ("second", 2.0, 0.1), ("third", 3.0, 0.5)]:
        f = Fam(name, seek_time=t, lottery_u=draw)
        wl.push(Lottery().key(f, CLS), f)
    assert drain(wl) == ["second", "third", "first"]


def test_a_family_whose_token_changed_is_skipped_lazily():
    wl = Waitlist()
    a, b, c = Fam("a"), Fam("b"), Fam("c")
    for i, f in enumerate((a, b, c)):
        wl.push(float(i), f)
    b.token += 1  # b was admitted elsewhere or reneged
    assert drain(wl) == ["a", "c"]
    assert wl.heap == []


def test_a_requeued_family_is_served_once_under_its_new_entry():
    wl = Waitlist()
    a, b = Fam("a"), Fam("b")
    wl.push(1.0, a)
    wl.push(2.0, b)
    a.token += 1
    wl.push(3.0, a)  # re-joined later with a new token
    assert drain(wl) == ["b", "a"]


def test_pop_of_an_empty_or_all_stale_waitlist_is_none():
    wl = Waitlist()
    assert wl.pop() is None
    f = Fam("gone")
    wl.push(0.0, f)
    f.token += 1
    assert wl.pop() is None


def test_disciplines_key_on_what_their_rule_names():
    f = Fam("x", seek_time=5.0, lottery_u=0.3)
    assert discipline("fifo").key(f, CLS) == 5.0
    assert discipline("lottery").key(f, CLS) == 0.3
    assert {discipline(n).name for n in DISCIPLINES} == set(DISCIPLINES) == {
        "fifo", "lottery", "points", "deferred_acceptance"}
    f.displaced, f.displaced_at = True, 7.0
    assert discipline("fifo").key(f, CLS) == discipline("lottery").key(f, CLS) == DISPLACED_PRIORITY + 7.0


POINTS = PointsSpec(dual_earner=20, single_parent=15, low_income=10, sibling=7, displaced=30, in_district=5,
                    low_income_below=0.6)


def point_family(**kw):
    home = SimpleNamespace(spec=SimpleNamespace(median_income=10000.0))
    base = dict(dual=False, single=False, income=10000.0, sibling=None, displaced=False, displaced_at=0.0,
                district=home, lottery_u=0.5)
    base.update(kw)
    return SimpleNamespace(**base), home


def test_each_points_item_adds_its_own_weight_and_only_when_its_condition_holds():
    """A table test of ``Points.points``: each item once, then all together (a swapped or
    dropped item, or a wrong low-income threshold, changes one row)."""
    rule = Points(POINTS)
    inst = SimpleNamespace(district=None)
    cls = SimpleNamespace(inst=inst)
    fam, home = point_family()
    assert rule.points(fam, cls) == 0
    cases = [(dict(dual=True), 20), (dict(single=True), 15), (dict(income=5999.0), 10),
             (dict(income=6000.0), 0), (dict(sibling=inst), 7), (dict(sibling=object()), 0),
             (dict(displaced=True), 30)]
    for kw, pts in cases:
        f, _ = point_family(**kw)
        assert rule.points(f, cls) == pts, kw
    f, home = point_family(dual=True, single=True, income=100.0, displaced=True)
    f.sibling = inst
    inst.district = home
    assert rule.points(f, cls) == 20 + 15 + 10 + 7 + 30 + 5


def test_more_points_come_first_and_the_lottery_breaks_ties():
    rule = discipline("points", POINTS)
    cls = SimpleNamespace(inst=SimpleNamespace(district=None))
    dual, _ = point_family(dual=True, lottery_u=0.9)
    lucky, _ = point_family(lottery_u=0.1)
    unlucky, _ = point_family(lottery_u=0.2)
    assert sorted([unlucky, dual, lucky], key=lambda f: rule.key(f, cls)) == [dual, lucky, unlucky]


def test_an_unknown_discipline_is_an_error():
    with pytest.raises(ValueError, match="random"):
        discipline("random")
