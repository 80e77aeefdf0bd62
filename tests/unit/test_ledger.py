"""The ledger: one state per family, moves through one function, terminal states are final."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sim.model import ledger as L


@dataclass
class Fam:
    fid: int
    state: int
    rule: int = 0


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


def test_every_move_is_passed_to_the_recorder_and_the_trace_with_its_time():
    from sim.model.trace import Trace

    seen, traced = [], []
    trace = Trace()
    trace.subscribe(traced.append)
    class Clock:
        now = 7.5

    led = L.Ledger(Clock(), lambda fam, old, new, now: seen.append((fam.fid, old, new, now)), trace)
    led.add_births(1, L.PENDING)
    f = Fam(3, L.PENDING)
    led.move(f, L.WAITING)
    assert seen == [(3, L.PENDING, L.WAITING, 7.5)]
    assert [(e.time, e.kind, e.subject, e.data) for e in traced] == [(7.5, "move", f, ("pending", "waiting"))]


def test_births_enter_only_pending_or_never_sought():
    with pytest.raises(L.LedgerError, match="^births enter pending or never_sought, not enrolled$"):
        L.Ledger().add_births(1, L.ENROLLED)


def test_check_names_exactly_the_states_with_a_negative_count():
    """Mutation survivors (issue 19): ``c <= 0`` / ``c < 1`` named empty states too, and the
    separator of the names was not checked."""
    led = ledger_with(3, 0)
    led.counts[L.WAITING] -= 1
    led.counts[L.AGED_OUT] -= 2
    led.counts[L.PENDING] += 3
    with pytest.raises(L.LedgerError, match="^negative count of families in waiting, aged_out$"):
        led.check()


def test_check_raises_on_a_lost_family_or_a_negative_count():
    led = ledger_with(3, 0)
    led.check()
    led.counts[L.PENDING] -= 1
    with pytest.raises(L.LedgerError, match="unaccounted"):
        led.check()
    led.counts[L.PENDING] -= 3
    led.counts[L.WAITING] += 1
    with pytest.raises(L.LedgerError, match="negative"):
        led.check()


def test_unaccounted_reports_families_missing_from_every_state():
    led = ledger_with(4, 0)
    led.counts[L.PENDING] -= 1  # a family lost outside Ledger.move
    assert led.unaccounted() == 1


def test_as_dict_lists_every_state_by_name():
    assert list(L.Ledger().as_dict()) == list(L.STATES)
    assert len(set(L.STATES)) == len(L.STATES)
