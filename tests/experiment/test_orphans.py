"""Workers exit when their parent dies (issue 18, item 3).

SIGKILL of ``childcare-sim-experiment`` used to leave its worker processes running: they
finished their runs, wrote into the directory and idled for minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")


def children(pid: int) -> list[int]:
    """Return the pids of the live processes whose parent is ``pid``."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(d.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def start_experiment(tmp_path: Path, stderr: int) -> tuple[subprocess.Popen, list[int]]:
    """Start the smoke experiment on two workers with long runs; return it and its workers' pids.

    The child installs Python's SIGINT handler: a test run started with SIGINT ignored (a
    background job of a non-interactive shell, as CI scripts often are) passes the ignore on,
    and the command would never see the signal (what made the interrupt test fail in session
    8's CI).
    """
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from sim.cli.experiment import main; main(sys.argv[1:])")
    args = ["smoke", "--out", str(tmp_path / "out"), "--jobs", "2", "--no-report", "run.horizon_months=600"]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=stderr, env={**os.environ, "MPLBACKEND": "Agg"})
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = children(proc.pid)
    return proc, workers


def survivors_after(workers: list[int], seconds: float) -> list[int]:
    """Wait up to ``seconds`` for ``workers`` to end; return those still alive."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.1)
    return [w for w in workers if alive(w)]


def clean_up(proc: subprocess.Popen, workers: list[int]) -> None:
    """Kill the experiment and any of its workers a failed test left behind."""
    if proc.poll() is None:
        proc.kill()
    for w in set(children(proc.pid)) | {w for w in workers if alive(w)}:
        try:
            os.kill(w, signal.SIGKILL)
        except OSError:
            pass


def test_killing_the_experiment_leaves_no_worker_running(tmp_path):
    proc, workers = start_experiment(tmp_path, subprocess.DEVNULL)
    try:
        assert len(workers) >= 2, "the experiment never started its workers"
        time.sleep(1.0)  # the workers are inside their runs
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        survivors = survivors_after(workers, 5)
        assert not survivors, f"workers {survivors} outlived their parent"
    finally:
        clean_up(proc, workers)


def test_interrupting_the_experiment_alone_ends_it_and_its_workers_at_once(tmp_path):
    """SIGINT to the parent only (a batch system's `kill -INT`, not a terminal's Ctrl-C, which
    signals the whole group): the command used to print "interrupted" and then wait in the
    interpreter's exit handlers while its workers finished their runs and started the queued
    ones. It must end with 130 at once, and its workers within their watchdog's poll."""
    proc, workers = start_experiment(tmp_path, subprocess.PIPE)
    try:
        assert len(workers) >= 2, "the experiment never started its workers"
        time.sleep(1.0)  # the workers are inside their runs (each takes far longer than the limits below)
        os.kill(proc.pid, signal.SIGINT)
        try:
            status = proc.wait(timeout=20)  # a liveness bound: without the fix it waits for whole runs
        except subprocess.TimeoutExpired:
            pytest.fail("the interrupted command waited for its workers")
        assert status == 130
        assert b"interrupted" in proc.stderr.read()
        survivors = survivors_after(workers, 5)
        assert not survivors, f"workers {survivors} outlived the interrupted command"
    finally:
        clean_up(proc, workers)
