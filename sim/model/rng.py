"""Named random streams: one root seed per run, one independent stream per purpose.

A stream is ``SeedSequence(root_seed, spawn_key=(replication, crc32(name)))`` turned into a
``numpy.random.Generator``. Adding a stream never changes the others, and a family's
attributes come from streams that no policy touches, so the same family exists under every
policy (common random numbers). Draws are buffered in blocks so the event loop pays a list
index, not a numpy call, per draw.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

_BLOCK = 4096


def stream_key(name: str) -> int:
    """Return the stable integer key of a stream name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


def make_generator(seed: int, replication: int, name: str) -> np.random.Generator:
    """Return the generator of stream ``name`` for ``replication`` of root ``seed``."""
    seq = np.random.SeedSequence(seed, spawn_key=(replication, stream_key(name)))
    return np.random.Generator(np.random.PCG64(seq))


class Stream:
    """A named stream with buffered uniform, exponential and normal draws.

    Parameters
    ----------
    seed, replication, name
        Identify the stream (see :func:`make_generator`).
    """

    __slots__ = ("gen", "name", "_u", "_ui", "_z", "_zi")

    def __init__(self, seed: int, replication: int, name: str) -> None:
        self.name = name
        self.gen = make_generator(seed, replication, name)
        self._u: list[float] = []
        self._ui = 0
        self._z: list[float] = []
        self._zi = 0

    def uniform(self) -> float:
        """Return one U(0, 1) draw."""
        i = self._ui
        if i >= len(self._u):
            self._u = self.gen.random(_BLOCK).tolist()
            i = 0
        self._ui = i + 1
        return self._u[i]

    def take(self, n: int) -> list[float]:
        """Return the next ``n`` U(0, 1) draws (the values ``n`` calls of :meth:`uniform` give)."""
        out = self._u[self._ui:self._ui + n]
        self._ui += len(out)
        while len(out) < n:
            self._u = self.gen.random(_BLOCK).tolist()
            k = min(n - len(out), _BLOCK)
            out.extend(self._u[:k])
            self._ui = k
        return out

    def normal(self) -> float:
        """Return one standard normal draw."""
        i = self._zi
        if i >= len(self._z):
            self._z = self.gen.standard_normal(_BLOCK).tolist()
            i = 0
        self._zi = i + 1
        return self._z[i]

    def exponential(self, mean: float) -> float:
        """Return one exponential draw with the given mean (inverse transform)."""
        return -mean * math.log(1.0 - self.uniform())


class Streams:
    """The named streams of one run, created on first use."""

    __slots__ = ("seed", "replication", "_streams")

    def __init__(self, seed: int, replication: int = 0) -> None:
        self.seed = seed
        self.replication = replication
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        s = self._streams.get(name)
        if s is None:
            s = Stream(self.seed, self.replication, name)
            self._streams[name] = s
        return s
