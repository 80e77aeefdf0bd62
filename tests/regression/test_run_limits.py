"""Runaway sizes, progress in logs and a full disk (issue 18, items 2 and 4).

Before: 1e9 births a year ran to 9 GB and left a partial ``.hydra/``; a population of 1e15
ran; a 999,999-month horizon sat at 0% for ever with no progress in a log; a full disk gave
Hydra's "Error executing job" and an OSError traceback, and no ``error.json``.
"""

from __future__ import annotations

import errno
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sim.experiment.atomic as atomic
from sim.cli.run import main as run_main
from sim.config.errors import ConfigError
from sim.config.load import load
from sim.experiment.budget import check, estimate
from sim.experiment.rundir import TerminalProgress

REPO = Path(__file__).resolve().parents[2]
ERROR_LINE = re.compile(r"^error: (?P<key>[^:\s]+): (?P<reason>\S.*)$")
HUGE_CITY = "city.districts=[{name:A,population:2e9,births_per_year:1e8}]"


def cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    out = tmp_path / "run"
    return subprocess.run([sys.executable, "-m", "sim", *args, f"hydra.run.dir={out}"], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)


def one_error_line(p: subprocess.CompletedProcess[str] | str, key: str) -> str:
    err = p if isinstance(p, str) else p.stderr
    lines = err.splitlines()
    assert len(lines) == 1, err
    m = ERROR_LINE.match(lines[0])
    assert m and m["key"] == key, lines[0]
    assert "Traceback" not in err
    return m["reason"]


# -- item 2: refused before anything is written -----------------------------------------------
@pytest.mark.parametrize(("args", "key", "words"), [
    ([HUGE_CITY], "run.max_memory_gb", "GB of memory"),
    (["run.horizon_months=999999"], "run.max_hours", " h"),
    (["city.districts.0.population=1e15"], "city.districts.0.population", "more than any country"),
    (["city.districts.0.births_per_year=1e9"], "city.districts.0.births_per_year", "per 1,000 people"),
], ids=["1e8 births a year", "999,999 months", "population 1e15", "1e9 births a year"])
def test_a_runaway_run_is_refused_with_its_estimate_and_leaves_no_directory(tmp_path, args, key, words):
    p = cli(args, tmp_path)
    assert p.returncode == 2
    assert words in one_error_line(p, key)
    assert not (tmp_path / "run").exists()  # no .hydra/ of a refused run


def test_the_refusal_states_the_estimate_and_the_key_that_raises_the_limit():
    with pytest.raises(ConfigError) as info:
        check(load([HUGE_CITY]))
    assert "births" in info.value.reason and "raise run.max_memory_gb" in info.value.reason
    with pytest.raises(ConfigError) as info:
        check(load(["run.horizon_months=999999"]))
    assert "longer than run.max_hours=12" in info.value.reason


def test_explicit_limits_let_a_large_run_through():
    check(load([HUGE_CITY, "run.max_memory_gb=1e6", "run.max_hours=1e9"]))
    check(load(["run.horizon_months=999999", "run.max_hours=1000", "run.max_memory_gb=1000"]))


def test_every_shipped_city_and_scenario_passes_the_check():
    for overrides in ([], ["city=megacity"], ["city=china_2024"], ["scenario=queue"], ["city=tier1"],
                      ["city=megacity", "run.replications=10", "run.jobs=2"]):
        check(load(overrides))


def test_the_estimate_grows_with_births_horizon_and_replications():
    base = estimate(load([]))
    assert estimate(load(["city.births_index=[2.0]"])).seconds > 1.8 * base.seconds - 1
    assert estimate(load(["run.horizon_months=240"])).births > 1.7 * base.births
    assert estimate(load(["run.replications=4"])).rows == 4 * base.rows


def test_progress_goes_to_a_log_as_a_line_every_5_percent():
    log = io.StringIO()
    progress = TerminalProgress("simulating", True, log)
    progress.LOG_AFTER_SECONDS = 0.0
    for month in range(1, 121):
        progress(month, 120)
    lines = log.getvalue().splitlines()
    assert len(lines) == 20
    assert lines[0].startswith("simulating: 5% (6 of 120)") and lines[-1].startswith("simulating: 100%")


# -- item 4: a full disk ----------------------------------------------------------------------
def test_a_full_disk_gives_one_error_line_an_error_json_and_no_table(tmp_path, monkeypatch, capsys):
    real = atomic.pq.write_table
    calls = []

    def full_after_one(table, where, *a, **k):  # timeseries.parquet fits, then the disk is full
        calls.append(where)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(where))
        return real(table, where, *a, **k)

    monkeypatch.setattr(atomic.pq, "write_table", full_after_one)
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as info:
        run_main(["run.horizon_months=6", "run.burnin_months=6", f"hydra.run.dir={out}"])
    assert info.value.code == 1
    reason = one_error_line(capsys.readouterr().err, "output")
    assert "No space left on device" in reason and "free some space" in reason
    assert json.loads((out / "error.json").read_text())["error"] == "disk"
    left = sorted(p.name for p in out.iterdir() if p.name not in (".hydra", "childcare_sim.log"))
    assert left == ["error.json"], left  # no table of the incomplete run, no temporary file
    assert len(calls) == 2


def test_too_little_free_space_is_found_before_simulating(tmp_path, monkeypatch, capsys):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 1000, 1000))
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as info:
        run_main(["run.horizon_months=6", "run.burnin_months=6", f"hydra.run.dir={out}"])
    assert info.value.code == 1
    assert "MB free, the outputs need about" in one_error_line(capsys.readouterr().err, "output")
    assert not (out / "summary.json").exists()
