"""The ``python -m sim`` command, run as a user would run it (subprocesses).

Bad input: one line ``error: <key>: <reason>`` on stderr, exit status 2, no traceback, and no
run output. Good input: a complete run directory, identical results for the same command,
sweeps, and runs from another working directory.

Every command of this module is started at once on a small thread pool when the first test
asks for one, so the module costs about the time of its slowest commands, not their sum.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"
EXAMPLES = REPO / "configs" / "city" / "examples"
SHORT = ["run.horizon_months=6", "run.burnin_months=6"]
META_KEYS = {"seed", "config_hash", "version", "git_commit", "wall_seconds"}
ERROR_LINE = re.compile(r"^error: (?P<key>[^:\s]+): (?P<reason>\S.*)$")


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str
    out: Path  # the run (or sweep) directory the command was given


def _python() -> str:
    return str(PYTHON) if PYTHON.exists() else sys.executable


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "OC_CAUSE")}
    env["MPLBACKEND"] = "Agg"
    return env


def _run(args: list[str], out: Path, cwd: Path) -> Done:
    p = subprocess.run([_python(), "-m", "sim", *args], cwd=cwd, env=_env(), capture_output=True,
                       text=True, timeout=300, check=False)
    return Done(p.returncode, p.stdout, p.stderr, out)


# -- the commands ----------------------------------------------------------------------------
def _csv_files(root: Path) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "unknown_district.csv": "name,district,type,places_toddler\nNowhere Nursery,Atlantis,public,15\n",
        "not_a_number.csv": "name,population,births_per_year\nRiverside,many,1000\n",
        "extra_values.csv": "name,population,births_per_year\nRiverside,150000,1000,7\n",
        "empty.csv": "",
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return {name: root / name for name in files}


def _bad_cases(csv: dict[str, Path]) -> dict[str, tuple[list[str], str]]:
    """Case id -> (overrides, the key the error line must name)."""
    return {
        "unknown key": (["nope=1"], "nope"),
        "unknown nested key": (["run.nope=1"], "run.nope"),
        "appended unknown key": (["+families.nope=1"], "families.nope"),
        "negative horizon": (["run.horizon_months=-5"], "run.horizon_months"),
        "negative capacity": (["city.districts.0.places_per_1000=-1"], "city.districts.0.places_per_1000"),
        "caregiver ratio 0": (["city.bands.infant.ratio=0"], "city.bands.infant.ratio"),
        "probability above 1": (["staff.initial_fill=1.5"], "staff.initial_fill"),
        "institution in a missing district (CSV)": (
            [f"city.districts_csv={EXAMPLES / 'districts.csv'}",
             f"city.institutions_csv={csv['unknown_district.csv']}"], "city.institutions_csv"),
        "empty city": (["city.districts=[]"], "city.districts"),
        "CSV with a non-number": ([f"city.districts_csv={csv['not_a_number.csv']}"], "city.districts_csv"),
        "CSV with extra values": ([f"city.districts_csv={csv['extra_values.csv']}"], "city.districts_csv"),
        "empty CSV": ([f"city.districts_csv={csv['empty.csv']}"], "city.districts_csv"),
        "missing CSV file": ([f"city.districts_csv={csv['empty.csv'].parent / 'nope.csv'}"],
                             "city.districts_csv"),
        "unknown preset": (["city=nope"], "city"),
        "non-number value": (["run.horizon_months=abc"], "run.horizon_months"),
        "warm-up as long as the horizon": (["run.horizon_months=24", "run.warmup_months=24"],
                                           "run.warmup_months"),
        "unknown distribution": (["families.patience.dist=weibull"], "families.patience"),
        "bad discipline": (["allocation.discipline=random"], "allocation.discipline"),
        "type mix not adding to one": (["city.type_mix.public=0.5"], "city.type_mix"),
        "not-a-number": (["families.move_hazard_per_month=nan"], "families.move_hazard_per_month"),
    }


class Commands:
    """Every command of the module, started together; ``get(name)`` waits for one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        csv = _csv_files(root / "csv")
        self.bad = _bad_cases(csv)
        other_cwd = root / "elsewhere"
        other_cwd.mkdir()
        jobs: dict[str, tuple[list[str], Path, Path]] = {}
        for name, (args, _) in self.bad.items():
            out = root / "bad" / re.sub(r"\W+", "_", name)
            jobs[f"bad:{name}"] = ([*SHORT, *args, f"hydra.run.dir={out}"], out, REPO)
        for name in ("good", "again"):
            out = root / name
            jobs[name] = ([*SHORT, "seed=3", f"hydra.run.dir={out}"], out, REPO)
        no_value = root / "no_value"
        jobs["override without a value"] = ([*SHORT, "run.horizon_months", f"hydra.run.dir={no_value}"],
                                            no_value, REPO)
        reps = root / "replications"
        jobs["replications"] = ([*SHORT, "run.replications=2", f"hydra.run.dir={reps}"], reps, REPO)
        sweep = root / "sweep"
        jobs["multirun"] = (["--multirun", *SHORT, "seed=1,2", f"hydra.sweep.dir={sweep}"], sweep, REPO)
        bad_sweep = root / "bad_sweep"
        jobs["bad multirun"] = (["--multirun", *SHORT, "seed=1,2", "staff.initial_fill=0.5,1.5",
                                 f"hydra.sweep.dir={bad_sweep}"], bad_sweep, REPO)
        jobs["elsewhere"] = ([*SHORT, "city.districts_csv=configs/city/examples/districts.csv",
                              "city.institutions_csv=configs/city/examples/institutions.csv"],
                             other_cwd / "results" / "runs", other_cwd)
        self.pool = ThreadPoolExecutor(max_workers=max(2, min(6, (os.cpu_count() or 2) * 2)))
        # the good runs first: they are the slowest
        order = sorted(jobs, key=lambda k: k.startswith("bad:"))
        self.futures: dict[str, Future[Done]] = {k: self.pool.submit(_run, *jobs[k]) for k in order}

    def get(self, name: str) -> Done:
        return self.futures[name].result()


@pytest.fixture(scope="module")
def commands(tmp_path_factory) -> Commands:
    c = Commands(tmp_path_factory.mktemp("cli"))
    yield c
    c.pool.shutdown(wait=True)


def assert_one_error_line(done: Done, key: str | None = None) -> re.Match[str]:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    m = ERROR_LINE.match(lines[0])
    assert m, lines[0]
    if key is not None:
        assert m["key"] == key, lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    return m


# -- bad input -------------------------------------------------------------------------------
BAD_CASE_IDS = list(_bad_cases({k: Path(k) for k in (
    "unknown_district.csv", "not_a_number.csv", "extra_values.csv", "empty.csv")}))


@pytest.mark.parametrize("case", BAD_CASE_IDS)
def test_bad_input_prints_one_error_line_exits_2_and_writes_nothing(commands, case):
    done = commands.get(f"bad:{case}")
    _, key = commands.bad[case]
    assert_one_error_line(done, key)
    assert not (done.out / "summary.json").exists()
    assert not done.out.exists() or not any(done.out.iterdir())


def test_csv_errors_name_the_file_and_the_line(commands):
    m = assert_one_error_line(commands.get("bad:CSV with a non-number"))
    assert m["reason"] == "not_a_number.csv: line 2: population: 'many' is not a number"
    m = assert_one_error_line(commands.get("bad:CSV with extra values"))
    assert m["reason"] == "extra_values.csv: line 2: more values than columns"


def test_a_bad_value_in_one_sweep_combination_stops_the_sweep_before_any_run(commands):
    done = commands.get("bad multirun")
    assert_one_error_line(done, "staff.initial_fill")
    assert not done.out.exists()


def test_an_override_without_a_value_is_one_error_line_and_exit_2(commands):
    done = commands.get("override without a value")
    assert_one_error_line(done)
    assert not done.out.exists()


# -- good runs -------------------------------------------------------------------------------
def test_a_short_run_writes_a_complete_run_directory(commands):
    done = commands.get("good")
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.out
    assert (out / "timeseries.parquet").is_file()
    assert (out / ".hydra" / "config.yaml").is_file()
    summary = json.loads((out / "summary.json").read_text())
    meta = summary.pop("meta")
    assert META_KEYS <= set(meta)
    assert meta["seed"] == 3
    assert re.fullmatch(r"[0-9a-f]{16}", meta["config_hash"])
    assert meta["wall_seconds"] >= 0
    assert summary and all(isinstance(v, int | float) or v is None for v in summary.values())
    assert summary["unaccounted"] == 0 and summary["children_born"] > 0
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_the_timeseries_file_has_one_row_per_month_and_district(commands):
    ts = pd.read_parquet(commands.get("good").out / "timeseries.parquet")
    for col in ("month", "district", "children_under3", "licensed_places", "usable_places", "enrolled",
                "waitlist", "caregivers"):
        assert col in ts.columns
    assert set(ts["month"]) == set(range(6))
    assert not ts.duplicated(["replication", "month", "district"]).any()


def test_the_same_command_twice_gives_identical_kpis_and_timeseries(commands):
    a, b = commands.get("good"), commands.get("again")
    assert a.returncode == b.returncode == 0
    sa = json.loads((a.out / "summary.json").read_text())
    sb = json.loads((b.out / "summary.json").read_text())
    sa["meta"].pop("wall_seconds")
    sb["meta"].pop("wall_seconds")
    assert sa == sb
    ta = pd.read_parquet(a.out / "timeseries.parquet")
    tb = pd.read_parquet(b.out / "timeseries.parquet")
    pd.testing.assert_frame_equal(ta, tb)
    assert (a.out / "timeseries.parquet").read_bytes() == (b.out / "timeseries.parquet").read_bytes()


def test_a_sweep_writes_one_complete_run_directory_per_combination(commands):
    done = commands.get("multirun")
    assert done.returncode == 0, done.stderr[-3000:]
    seeds = {}
    for sub in ("0", "1"):
        summary = json.loads((done.out / sub / "summary.json").read_text())
        seeds[sub] = summary["meta"]["seed"]
        assert (done.out / sub / "timeseries.parquet").is_file()
    assert sorted(seeds.values()) == [1, 2]


def test_the_command_runs_from_another_working_directory(commands):
    done = commands.get("elsewhere")
    assert done.returncode == 0, done.stderr[-3000:]
    runs = list(done.out.glob("*/summary.json"))
    assert len(runs) == 1
    summary = json.loads(runs[0].read_text())
    assert summary["places_start"] == 265  # the example CSV city, found from the other directory


def test_replications_give_means_with_confidence_intervals_and_a_row_each(commands):
    done = commands.get("replications")
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((done.out / "summary.json").read_text())
    assert summary["meta"]["replications"] == 2
    assert summary["children_born_ci95"] > 0 and summary["unaccounted_ci95"] == 0
    reps = pd.read_parquet(done.out / "replications.parquet")
    assert reps["replication"].tolist() == [0, 1]
    assert reps["children_born"].mean() == summary["children_born"]
    ts = pd.read_parquet(done.out / "timeseries.parquet")
    assert set(ts["replication"]) == {0, 1}
    assert not ts.duplicated(["replication", "month", "district"]).any()
