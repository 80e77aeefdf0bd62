"""Run outputs: written atomically (no temporary files left), summary.json flat plus meta."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment import atomic as A
from sim.experiment import layout as L
from sim.experiment import outputs as O
from sim.model import RunResult


def result(rep: int, born: float, wait: float = 1.0) -> RunResult:
    return RunResult(
        summary={"children_born": born, "mean_wait_months": wait, "ratio": math.nan},
        timeseries={"month": [0, 0, 1, 1], "district": ["A", "B", "A", "B"], "waitlist": [1, 2, 3, 4]},
        ledger={"pending": 0},
        wait_histogram=([0.0, 0.5], [3, 1]),
        meta={"replication": rep, "wall_seconds": 0.1},
    )


META = {"seed": 7, "replications": 2, "config_hash": "abc", "version": "0", "git_commit": None,
        "wall_seconds": 0.2}


def leftovers(d: Path) -> list[str]:
    return [p.name for p in d.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".")]


def test_atomic_write_bytes_writes_the_content_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "sub" / "f.json"
    A.atomic_write_bytes(target, b"{}")
    A.atomic_write_bytes(target, b"[1]")  # replaces
    assert target.read_bytes() == b"[1]"
    assert leftovers(target.parent) == []


def test_atomic_write_parquet_round_trips_and_leaves_no_temp_file(tmp_path):
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    A.atomic_write_parquet(tmp_path / "t.parquet", df)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), df)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer, payload", [
    (A.atomic_write_bytes, b"new"),
    (A.atomic_write_parquet, pd.DataFrame({"a": [1]})),
])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch, writer, payload):
    target = tmp_path / "out"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(A.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        writer(target, payload)
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_write_run_writes_every_file_and_the_summary_has_flat_numbers_and_meta(tmp_path):
    out = tmp_path / "run"
    payload = O.write_run(out, [result(0, 100.0), result(1, 110.0)], dict(META), seed=7)
    names = {p.name for p in out.iterdir()}
    assert {L.SUMMARY, L.TIMESERIES, L.REPLICATIONS, L.WAITS} <= names
    assert leftovers(out) == []
    text = (out / L.SUMMARY).read_text()
    summary = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert summary == payload
    assert summary["meta"] == META
    assert summary["children_born"] == 105.0
    assert summary["children_born_ci95"] > 0
    assert summary["ratio"] is None  # NaN is written as null
    flat = {k: v for k, v in summary.items() if k != "meta"}
    assert all(v is None or isinstance(v, int | float) for v in flat.values())


def test_write_run_tables_have_one_row_per_replication_and_month_and_district(tmp_path):
    out = tmp_path / "run"
    O.write_run(out, [result(0, 100.0), result(1, 110.0)], dict(META), seed=7)
    ts = pd.read_parquet(out / L.TIMESERIES)
    assert list(ts.columns[:3]) == ["replication", "month", "district"]
    assert len(ts) == 8 and not ts.duplicated(["replication", "month", "district"]).any()
    reps = pd.read_parquet(out / L.REPLICATIONS)
    assert reps["replication"].tolist() == [0, 1] and (reps["seed"] == 7).all()
    assert reps["children_born"].tolist() == [100.0, 110.0]
    waits = pd.read_parquet(out / L.WAITS)
    assert list(waits.columns) == ["replication", "wait_months", "families"]
    assert waits["families"].sum() == 8


def test_a_successful_run_removes_an_old_error_file(tmp_path):
    O.write_error(tmp_path, "seed", "bad", "config")
    assert json.loads((tmp_path / L.ERROR).read_text()) == {"error": "config", "key": "seed", "reason": "bad"}
    O.write_run(tmp_path, [result(0, 1.0)], dict(META), seed=7)
    assert not (tmp_path / L.ERROR).exists()


def test_config_hash_is_short_stable_and_sensitive_to_the_text():
    h = O.config_hash("seed: 1\n")
    assert h == O.config_hash("seed: 1\n") and len(h) == 16 and int(h, 16) >= 0
    assert h != O.config_hash("seed: 2\n")


def test_git_commit_is_a_sha_or_none():
    c = O.git_commit()
    assert c is None or (len(c) == 40 and int(c, 16) >= 0)
