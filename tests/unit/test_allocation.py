"""Waitlists: FIFO and lottery keys, lazy deletion of cancelled entries."""

from __future__ import annotations

import pytest

from sim.model.allocation import DISCIPLINES, Waitlist, fifo_key, key_function, lottery_key


class Fam:
    def __init__(self, name: str) -> None:
        self.name = name
        self.token = 0


def current(fam: Fam, token: int) -> bool:
    return fam.token == token


def drain(wl: Waitlist) -> list[str]:
    out = []
    while (fam := wl.pop_valid(current)) is not None:
        out.append(fam.name)
    return out


def test_fifo_serves_families_in_order_of_application():
    wl = Waitlist()
    for name, t in [("c", 3.0), ("a", 1.0), ("d", 4.5), ("b", 2.0)]:
        wl.push(fifo_key(t, 0.9), Fam(name))
    assert drain(wl) == ["a", "b", "c", "d"]


def test_equal_keys_are_served_in_order_of_joining():
    wl = Waitlist()
    for name in "xyzw":
        wl.push(1.0, Fam(name))
    assert drain(wl) == list("xyzw")


def test_lottery_serves_families_in_order_of_their_draws_not_their_application():
    wl = Waitlist()
    for name, t, draw in [("first", 1.0, 0.9), ("second", 2.0, 0.1), ("third", 3.0, 0.5)]:
        wl.push(lottery_key(t, draw), Fam(name))
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


def test_pop_valid_of_an_empty_or_all_stale_waitlist_is_none():
    wl = Waitlist()
    assert wl.pop_valid(current) is None
    f = Fam("gone")
    wl.push(0.0, f)
    f.token += 1
    assert wl.pop_valid(current) is None


def test_key_functions_follow_their_discipline():
    assert fifo_key(5.0, 0.3) == 5.0
    assert lottery_key(5.0, 0.3) == 0.3
    assert key_function("fifo") is fifo_key
    assert key_function("lottery") is lottery_key
    assert set(DISCIPLINES) == {"fifo", "lottery"}


def test_an_unknown_discipline_is_an_error():
    with pytest.raises(ValueError, match="random"):
        key_function("random")
