"""The ledger: every family is in exactly one state, and only :meth:`Ledger.move` changes it.

States (integers for speed; names are the public KPI names):

- ``pending``: born, needs care later, has not yet reached the age at which it seeks care;
- ``never_sought``: will never seek care (no need at its start age, or born needing none);
- ``priced_out``: needed care but gave up on the net price;
- ``no_provider``: needed care but no institution within reach serves the child's age;
- ``blocked``: found no free place and could not join a waitlist (no waitlists allowed);
- ``waiting``: on one or more waitlists;
- ``enrolled``: holds a place;
- ``reneged``: left the waitlists when its patience (or the child's age) ran out;
- ``left_early``: left its place before the end of its stay (moving away, fee burden, or
  no new place after its provider closed);
- ``aged_out``: left at the end of its stay (36 months, or the configured stay distribution);
- ``hourly``: uses hourly (temporary) care, served from places free at the moment it asks,
  until its child ages out (then ``aged_out``).

Families waiting are also counted by the rule they accept offers by (``by_rule``:
``first_free``, ``hold_out``, ``accept_and_transfer``), and families in care that wait for a
better place (``accept_and_transfer``) are counted in ``transfer_waiting``; they are not a
state of their own (such a family is ``enrolled``). Transfers between places are recorded
with :meth:`Ledger.transfer`.

Every move is passed to the run's recorder (:meth:`Recorder.on_move`, the one place that
turns moves into flows and time-weighted counts) and, when someone listens, to the trace.
Conservation: ``born == sum(counts)``; :meth:`Ledger.unaccounted` reports the difference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sim.model.trace import Trace

STATES = (
    "pending",
    "never_sought",
    "priced_out",
    "no_provider",
    "blocked",
    "waiting",
    "enrolled",
    "reneged",
    "left_early",
    "aged_out",
    "hourly",
)
(
    PENDING,
    NEVER_SOUGHT,
    PRICED_OUT,
    NO_PROVIDER,
    BLOCKED,
    WAITING,
    ENROLLED,
    RENEGED,
    LEFT_EARLY,
    AGED_OUT,
    HOURLY,
) = range(len(STATES))

TERMINAL = frozenset({NEVER_SOUGHT, PRICED_OUT, NO_PROVIDER, BLOCKED, RENEGED, LEFT_EARLY, AGED_OUT})


class LedgerError(RuntimeError):
    """Raised when conservation or a transition rule is violated."""


class HasState(Protocol):
    """What the ledger needs of a family."""

    fid: int
    state: int
    rule: int


MoveListener = Callable[[Any, int, int, float], None]
NoteListener = Callable[[Any, str, Any, float], None]
N_RULES = 3  # accept rules (sim.params.schema.ACCEPT_RULES), a family's ``rule`` indexes them


class Ledger:
    """Counts of families per state, and the total born.

    Parameters
    ----------
    env
        What tells the time: the run's environment (anything with ``now``; time 0 if None).
    on_move
        Called as ``on_move(family, old, new, now)`` after every move (the recorder).
    trace
        The run's trace; every move is emitted as ``kind="move"`` when it is active.
    """

    __slots__ = ("born", "by_rule", "counts", "transfer_waiting", "transfers", "_env", "_on_move",
                 "_on_note", "_trace")

    def __init__(self, env: Any = None, on_move: MoveListener | None = None,
                 trace: Trace | None = None, on_note: NoteListener | None = None) -> None:
        self.born = 0
        self.counts = [0] * len(STATES)
        self.by_rule = [0] * N_RULES
        self.transfer_waiting = 0
        self.transfers = 0
        self._env = env if env is not None else _Epoch()
        self._on_move = on_move
        self._on_note = on_note
        self._trace = trace if trace is not None else Trace()

    def add_births(self, n: int, state: int) -> None:
        """Record ``n`` births entering ``state`` (``pending`` or ``never_sought``)."""
        if state not in (PENDING, NEVER_SOUGHT):
            raise LedgerError(f"births enter pending or never_sought, not {STATES[state]}")
        self.born += n
        self.counts[state] += n

    def move(self, family: HasState, new: int) -> None:
        """Move one family to ``new``; a terminal state can never be left."""
        old = family.state
        if old in TERMINAL:
            raise LedgerError(f"family {family.fid} cannot leave terminal state {STATES[old]}")
        counts = self.counts
        counts[old] -= 1
        counts[new] += 1
        family.state = new
        if new == WAITING:
            self.by_rule[family.rule] += 1
        elif old == WAITING:
            self.by_rule[family.rule] -= 1
        now = self._env.now
        if self._on_move is not None:
            self._on_move(family, old, new, now)
        if self._trace.active:
            self._trace.emit(now, "move", family, (STATES[old], STATES[new]))

    def transfer_wait(self, family: Any, waiting: bool) -> None:
        """An enrolled family starts (``True``) or stops waiting for a better place."""
        if family.state != ENROLLED or family.transfer_waiting == waiting:
            raise LedgerError(f"family {family.fid} cannot {'start' if waiting else 'stop'} waiting "
                              f"for a transfer in state {STATES[family.state]}")
        family.transfer_waiting = waiting
        self.transfer_waiting += 1 if waiting else -1
        self._note(family, "transfer_wait", waiting)

    def transfer(self, family: Any, old: Any, new: Any) -> None:
        """An enrolled family moves from its place in ``old`` to one in ``new``."""
        if family.state != ENROLLED:
            raise LedgerError(f"family {family.fid} in state {STATES[family.state]} cannot transfer")
        self.transfers += 1
        self._note(family, "transfer", (old, new))

    def _note(self, family: Any, kind: str, data: Any) -> None:
        now = self._env.now
        if self._on_note is not None:
            self._on_note(family, kind, data, now)
        if self._trace.active:
            self._trace.emit(now, kind, family, data)

    def unaccounted(self) -> int:
        """Return born minus the families in all states (0 when nothing is lost)."""
        return self.born - sum(self.counts)

    def check(self) -> None:
        """Raise LedgerError if a family is lost or a count is negative."""
        if any(c < 0 for c in self.counts):
            bad = [STATES[i] for i, c in enumerate(self.counts) if c < 0]
            raise LedgerError(f"negative count of families in {', '.join(bad)}")
        if sum(self.by_rule) != self.counts[WAITING] or min(self.by_rule) < 0:
            raise LedgerError(f"families waiting by accept rule {self.by_rule} do not add up to "
                              f"{self.counts[WAITING]} waiting")
        if not 0 <= self.transfer_waiting <= self.counts[ENROLLED]:
            raise LedgerError(f"{self.transfer_waiting} families wait for a transfer, "
                              f"{self.counts[ENROLLED]} are enrolled")
        if self.unaccounted() != 0:
            raise LedgerError(f"{self.unaccounted()} children unaccounted for (born {self.born})")

    def as_dict(self) -> dict[str, int]:
        """Return the state counts by name."""
        return dict(zip(STATES, self.counts, strict=True))


class _Epoch:
    """The clock of a ledger outside a run: always time 0."""

    now = 0.0
