"""An experiment's runs as Ray tasks: a local Ray instance or an existing cluster.

Optional: ``pip install 'childcare-sim[ray]'``. :class:`RayPool` offers the two methods of
``concurrent.futures.Executor`` that the experiment runner uses (``submit`` and
``shutdown``), so runs go to Ray through the same code as to local processes
(:func:`sim.experiment.sweep.run_tasks`): each run is one task that composes its
configuration and writes its run directory, exactly as a local worker does, so the results
are identical for the same seed. On a cluster the output directory must be on a file system
every node shares, and every node needs the same installation of this package.

A task asks for as many CPUs as processes its replications use. A run whose worker dies is
not retried (``max_retries=0``, as a crashed local worker is not): it records ``error.json``
and the other runs go on. Ray's own retries would rerun a deterministic crash for nothing.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from types import ModuleType
from typing import Any

# The smallest object store Ray accepts (75 MiB): tasks return a few hundred bytes, and a
# small store starts on machines with a small /dev/shm (CI containers; the official
# hydra-ray-launcher sets the same value, after ray-project/ray#11966).
LOCAL_OBJECT_STORE_BYTES = 78_643_200
CONNECT_TIMEOUT_SECONDS = 5.0


class EngineError(ValueError):
    """The engine cannot start: reported as ``error: <key>: <reason>``."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason

    def line(self) -> str:
        """Return the one-line message printed on stderr."""
        return f"error: {self.key}: {self.reason}"


def import_ray() -> ModuleType:
    """Return the ``ray`` module, or raise EngineError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise EngineError("engine", "ray is not installed: pip install 'childcare-sim[ray]'") from None
    return ray


def check_reachable(address: str) -> None:
    """Raise EngineError unless ``host:port`` (or ``ray://host:port``) accepts a connection.

    ``ray.init`` retries an unreachable address for minutes; this answers in seconds.
    ``auto`` and ``local`` are left to Ray (it fails at once when no cluster runs here).
    """
    if address in ("auto", "local"):
        return
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        raise EngineError("address", f"{address!r} is not host:port, ray://host:port or auto")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except OSError as exc:
        raise EngineError("address", f"cannot reach {address}: {exc.strerror or exc}") from None


def _init(ray: ModuleType, address: str | None, cpus: int) -> None:
    try:
        if address is None:  # RAY_ADDRESS when set, otherwise a new local instance
            ray.init(num_cpus=cpus, include_dashboard=False, logging_level=logging.WARNING,
                     object_store_memory=LOCAL_OBJECT_STORE_BYTES)
        else:
            ray.init(address=address, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise EngineError("address", str(exc).strip().splitlines()[0]) from None


@contextmanager
def session(address: str | None, cpus: int) -> Iterator[int]:
    """Connect to Ray and yield the CPUs it offers; disconnect on leaving if we connected.

    ``address`` None starts a local instance of ``cpus`` CPUs (or joins ``RAY_ADDRESS``);
    an instance already started in this process (a test, a notebook) is used as it is.
    An address given is checked first, even then.
    """
    ray = import_ray()
    if address is not None:
        check_reachable(address)
    started = not ray.is_initialized()
    if started:
        _init(ray, address, cpus)
    try:
        yield max(1, int(ray.cluster_resources().get("CPU", 1)))
    finally:
        if started:
            ray.shutdown()


class RayPool:
    """Submit functions as Ray tasks and get ``concurrent.futures`` futures back."""

    def __init__(self, cpus_per_task: int = 1) -> None:
        self.ray = import_ray()
        self.cpus_per_task = cpus_per_task
        self.refs: list[Any] = []
        self.tasks: dict[Callable[..., Any], Any] = {}

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` as a task; its future raises what the task raised (or its crash)."""
        if fn not in self.tasks:
            self.tasks[fn] = self.ray.remote(num_cpus=self.cpus_per_task, max_retries=0)(fn)
        ref = self.tasks[fn].remote(*args)
        self.refs.append(ref)
        return ref.future()  # type: ignore[no-any-return]

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Cancel the tasks still running when ``cancel_futures`` (an interrupt); else nothing."""
        if cancel_futures:
            for ref in self.refs:
                self.ray.cancel(ref, force=True)
