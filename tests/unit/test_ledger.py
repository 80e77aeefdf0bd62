"""The ledger: one state per family, moves through one function, terminal states are final."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sim.model import ledger as L


@dataclass
class Fam:
    fid: int
    state: int


def ledger_with(n_pending: int = 3, n_never: int = 2) -> L.Ledger:
    led = L.Ledger()
    led.add_births(n_pending, L.PENDING)
    led.add_births(n_never, L.NEVER_SOUGHT)
    return led


def test_births_are_counted_in_their_entry_state_and_in_born():
    led = ledger_with(3, 2)
    assert led.born == 5
    assert led.as_dict()["pending"] == 3 and led.as_dict()["never_sought"] == 2
    assert led.unaccounted() == 0


def test_move_changes_the_counts_and_the_family_state():
    led = ledger_with(1, 0)
    fam = Fam(1, L.PENDING)
    led.move(fam, L.WAITING)
    assert fam.state == L.WAITING
    assert led.counts[L.PENDING] == 0 and led.counts[L.WAITING] == 1
    led.move(fam, L.ENROLLED)
    led.move(fam, L.AGED_OUT)
    assert led.as_dict()["aged_out"] == 1
    assert led.unaccounted() == 0


@pytest.mark.parametrize("terminal", sorted(L.TERMINAL), ids=lambda s: L.STATES[s])
def test_a_terminal_state_cannot_be_left(terminal):
    led = ledger_with(1, 0)
    fam = Fam(7, L.PENDING)
    led.move(fam, terminal)
    before = list(led.counts)
    with pytest.raises(L.LedgerError, match=L.STATES[terminal]):
        led.move(fam, L.ENROLLED)
    assert led.counts == before and fam.state == terminal


def test_the_terminal_states_are_the_final_ones_and_waiting_enrolled_pending_are_not():
    assert {L.STATES[s] for s in L.TERMINAL} == {
        "never_sought", "priced_out", "no_provider", "blocked", "reneged", "left_early", "aged_out"}
    assert not {L.PENDING, L.WAITING, L.ENROLLED} & L.TERMINAL


def test_move_count_moves_anonymous_families_and_conserves():
    led = ledger_with(5, 0)
    led.move_count(L.PENDING, L.NEVER_SOUGHT, 3)
    assert led.counts[L.PENDING] == 2 and led.counts[L.NEVER_SOUGHT] == 3
    assert led.unaccounted() == 0


def test_unaccounted_reports_families_missing_from_every_state():
    led = ledger_with(4, 0)
    led.counts[L.PENDING] -= 1  # a family lost outside Ledger.move
    assert led.unaccounted() == 1


def test_as_dict_lists_every_state_by_name():
    assert list(L.Ledger().as_dict()) == list(L.STATES)
    assert len(set(L.STATES)) == len(L.STATES)
