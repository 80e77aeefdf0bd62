"""Worker processes that do not outlive the process that started them.

A worker of a ``ProcessPoolExecutor`` blocks on its task queue; when its parent is killed
(SIGKILL, an out-of-memory kill) nothing tells it, and it would finish its run, write into
the directory and idle for minutes. :func:`pool` makes executors whose workers start a
watchdog thread that polls the parent's pid and exits the worker when it changes (the
parent died and the worker was re-parented). Nested pools (an experiment's run spreading its
replications) form a chain: each level follows its own parent.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

POLL_SECONDS = 0.5
ORPHAN_EXIT_STATUS = 70
INTERRUPTED_STATUS = 130  # 128 + SIGINT, as a shell reports it


def _watch(parent: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != parent:
            os._exit(ORPHAN_EXIT_STATUS)  # no cleanup: the run's files are written atomically


def watch_parent(interval: float = POLL_SECONDS) -> None:
    """In a worker: exit as soon as the parent process is gone (a daemon thread polls)."""
    threading.Thread(target=_watch, args=(os.getppid(), interval), name="parent-watchdog",
                     daemon=True).start()


def pool(workers: int) -> ProcessPoolExecutor:
    """Return a process pool whose workers exit when this process dies."""
    return ProcessPoolExecutor(max_workers=workers, initializer=watch_parent)


def exit_interrupted(message: str) -> None:
    """Print ``message`` to stderr, stop this process's workers and exit with status 130.

    ``sys.exit`` alone runs the interpreter's exit handlers, and ``concurrent.futures`` joins
    its pools there: workers would finish their runs and start the ones already queued before
    the command ended (a SIGINT sent to the parent alone, as a batch system sends it). The
    workers are terminated first (``multiprocessing.active_children``); every run's files are
    written atomically, so an unfinished run leaves nothing that looks complete and is rerun
    on resume.
    """
    print(message, file=sys.stderr)
    for child in multiprocessing.active_children():
        child.terminate()
    sys.exit(INTERRUPTED_STATUS)
