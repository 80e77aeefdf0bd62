"""Ctrl-C during ``childcare-sim``: one line, status 130, no traceback, nothing that looks complete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


# The command as a terminal starts it. A process started with SIGINT ignored (a background job
# of a non-interactive shell, as CI scripts often are) inherits the ignore across exec, and
# Python then leaves Ctrl-C ignored: the child installs Python's own handler first, so the
# test does not depend on how the test run itself was started.
CHILD = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
         "sys.argv = ['sim', *sys.argv[1:]]; runpy.run_module('sim', run_name='__main__', alter_sys=True)")


def test_an_interrupted_run_says_so_in_one_line_and_leaves_no_summary(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, "city=megacity", "run.horizon_months=600",
                             "run.progress=false", f"hydra.run.dir={out}"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out / ".hydra" / "config.yaml").exists():
            time.sleep(0.1)
        assert (out / ".hydra" / "config.yaml").exists(), "the run never started"
        time.sleep(1.0)  # inside the simulation (the megacity's 50 years take minutes)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted: "), stderr
    assert not (out / "summary.json").exists()
    assert not (out / "timeseries.parquet").exists()
