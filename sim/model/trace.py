"""One public hook through which tests, traces and debuggers see what happens in a run.

``world.trace.subscribe(fn)`` makes ``fn(event)`` see every :class:`TraceEvent` of the run:
ledger moves (``kind="move"``, ``data=(old_state, new_state)``; admissions, joins, reneges
and departures are moves), provider statements (``"statement"``, ``(Statement,
public_transfer)``), openings and closures (``"open"``, ``"close"``, the institution, traced
before its children are displaced), budget payments (``"pay"``, the scheme, ``(paid,
refused)``), construction commitments (``"commit"``, the district, the amount) and budget
exhaustion (``"budget_exhausted"``). Nothing is built when no one listens:
emitters check :attr:`Trace.active` first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class TraceEvent(NamedTuple):
    """Something that happened at ``time``: its ``kind``, the object it happened to, details."""

    time: float
    kind: str
    subject: Any
    data: Any = None


Listener = Callable[[TraceEvent], None]


class Trace:
    """The run's observers."""

    __slots__ = ("active", "_listeners")

    def __init__(self) -> None:
        self.active = False
        self._listeners: list[Listener] = []

    def subscribe(self, fn: Listener) -> None:
        """Call ``fn`` with every event from now on."""
        self._listeners.append(fn)
        self.active = True

    def unsubscribe(self, fn: Listener) -> None:
        """Stop calling ``fn``."""
        self._listeners.remove(fn)
        self.active = bool(self._listeners)

    def emit(self, time: float, kind: str, subject: Any, data: Any = None) -> None:
        """Send one event to every listener (callers check :attr:`active` first)."""
        ev = TraceEvent(time, kind, subject, data)
        for fn in self._listeners:
            fn(ev)
