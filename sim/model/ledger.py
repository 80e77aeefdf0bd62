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
- ``left_early``: left its place before the end of its stay (moving away);
- ``aged_out``: left at the end of its stay (36 months, or the configured stay distribution).

Conservation: ``born == sum(counts)``; :meth:`Ledger.unaccounted` reports the difference.
"""

from __future__ import annotations

from typing import Protocol

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
) = range(len(STATES))

TERMINAL = frozenset({NEVER_SOUGHT, PRICED_OUT, NO_PROVIDER, BLOCKED, RENEGED, LEFT_EARLY, AGED_OUT})


class LedgerError(RuntimeError):
    """Raised when conservation or a transition rule is violated."""


class Ledger:
    """Counts of families per state, and the total born."""

    __slots__ = ("born", "counts")

    def __init__(self) -> None:
        self.born = 0
        self.counts = [0] * len(STATES)

    def add_births(self, n: int, state: int) -> None:
        """Record ``n`` births entering ``state`` (``pending`` or ``never_sought``)."""
        self.born += n
        self.counts[state] += n

    def move(self, family: _HasState, new: int) -> None:
        """Move one family to ``new``; a terminal state can never be left."""
        old = family.state
        if old in TERMINAL:
            raise LedgerError(f"family {family.fid} cannot leave terminal state {STATES[old]}")
        self.counts[old] -= 1
        self.counts[new] += 1
        family.state = new

    def move_count(self, old: int, new: int, n: int = 1) -> None:
        """Move ``n`` anonymous families (no object) from ``old`` to ``new``."""
        self.counts[old] -= n
        self.counts[new] += n

    def unaccounted(self) -> int:
        """Return born minus the families in all states (0 when nothing is lost)."""
        return self.born - sum(self.counts)

    def as_dict(self) -> dict[str, int]:
        """Return the state counts by name."""
        return dict(zip(STATES, self.counts, strict=True))


class _HasState(Protocol):
    fid: int
    state: int
