"""Waitlist disciplines: who gets a place that frees up.

A waitlist is a heap of ``(key, seq, family, token)``; the smallest key is served first.
The discipline only decides the key, so FIFO, lottery and (later) priority points or
matching share one mechanism. Entries are cancelled lazily: a family that is admitted
elsewhere, reneges or re-queues bumps its ``token`` and its old entries are skipped.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

DISCIPLINES = ("fifo", "lottery")


def fifo_key(seek_time: float, lottery_draw: float) -> float:
    """FIFO: earlier application first."""
    return seek_time


def lottery_key(seek_time: float, lottery_draw: float) -> float:
    """Lottery: a random order fixed at application (the family's own draw)."""
    return lottery_draw


def key_function(discipline: str) -> Callable[[float, float], float]:
    """Return the key function of a discipline name."""
    if discipline == "fifo":
        return fifo_key
    if discipline == "lottery":
        return lottery_key
    raise ValueError(f"unknown discipline {discipline!r}")


class Waitlist:
    """One class's waitlist (a heap with lazy deletion)."""

    __slots__ = ("heap", "seq")

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, Any, int]] = []
        self.seq = 0

    def push(self, key: float, family: Any) -> None:
        """Add ``family`` with priority ``key`` under its current token."""
        self.seq += 1
        heapq.heappush(self.heap, (key, self.seq, family, family.token))

    def pop_valid(self, is_valid: Callable[[Any, int], bool]) -> Any | None:
        """Remove and return the first family whose entry is still valid, else None."""
        heap = self.heap
        while heap:
            _, _, fam, token = heapq.heappop(heap)
            if is_valid(fam, token):
                return fam
        return None
