"""An experiment's own failures, each one line and no traceback (issue 18, items 4, 5 and 8).

Before: ``kpis: [mean_waitlst]`` ran everything and gave an empty table; a full disk gave a
30-line pyarrow traceback; a corrupted Parquet file of a complete run gave a raw
``ArrowInvalid`` traceback on resume; Ctrl-C while the report was drawn gave a
KeyboardInterrupt traceback.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

import sim.analysis.report as report_module
import sim.experiment.atomic as atomic
from sim.cli.experiment import main
from sim.cli.report import main as report_main


def run(argv: list[str], main_fn=main) -> int:
    try:
        main_fn(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def tiny(tmp_path: Path, extra: str = "") -> Path:
    spec = tmp_path / "tiny.yaml"
    spec.write_text("purpose: Two tiny scenarios.\nscenarios:\n  a: []\n  b: [policy=voucher]\n"
                    "replications: 1\ncommon: [run.horizon_months=3, run.burnin_months=0]\n"
                    f"figures: [kpis]\n{extra}", encoding="utf-8")
    return spec


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(lines) >= 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(("extra", "field", "name"), [
    ("kpis: [mean_waitlst]\n", "kpis", "mean_waitlst"),
    ("headline: waitlist\n", "headline", "waitlist"),
    ("cost: public_cost\n", "cost", "public_cost"),
])
def test_an_unknown_kpi_name_stops_the_experiment_before_any_run(tmp_path, capsys, extra, field, name):
    out = tmp_path / "out"
    assert run([str(tiny(tmp_path, extra)), "--out", str(out), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: experiment {field}: unknown KPI {name!r}") and len(err.splitlines()) == 1
    assert not out.exists()


def test_a_per_type_kpi_of_the_city_is_a_known_name(tmp_path):
    out = tmp_path / "out"
    spec = tiny(tmp_path, "kpis: [occupancy_affordable, mean_waitlist_market]\n")
    assert run([str(spec), "--out", str(out), "--jobs", "1", "--no-report"]) == 0


def test_a_full_disk_fails_every_run_with_error_json_and_ends_in_one_line(tmp_path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.pq, "write_table", full)
    out = tmp_path / "out"
    assert run([str(tiny(tmp_path)), "--out", str(out), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "No space left on device" in one_line(err)
    for s in ("a", "b"):
        error = json.loads((out / "runs" / s / "error.json").read_text())
        assert error["error"] == "disk" and error["key"] == "output"
        assert not (out / "runs" / s / "summary.json").exists()
        assert not list((out / "runs" / s).glob("*.parquet"))


def test_a_corrupted_table_is_rerun_on_resume_and_named_by_the_report(tmp_path, capsys):
    out = tmp_path / "out"
    spec = tiny(tmp_path)
    assert run([str(spec), "--out", str(out), "--jobs", "1", "--no-report"]) == 0
    bad = out / "runs" / "b" / "timeseries.parquet"
    bad.write_bytes(bad.read_bytes()[:100])
    capsys.readouterr()
    assert run([str(spec), "--out", str(out), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert f"{bad} is unreadable: rerunning 'b'" in err and "Traceback" not in err
    assert (out / "report.html").is_file()

    bad.write_bytes(bad.read_bytes()[:100])  # corrupted after the run: the report says which file
    assert run([str(out)], report_main) == 2
    line = one_line(capsys.readouterr().err)
    assert str(bad) in line and "not a readable Parquet file" in line and "--force" in line


def test_ctrl_c_while_the_report_is_drawn_is_the_friendly_message(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    spec = tiny(tmp_path)
    assert run([str(spec), "--out", str(out), "--jobs", "1", "--no-report"]) == 0

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report_module, "draw", interrupted)
    capsys.readouterr()
    assert run([str(spec), "--out", str(out), "--jobs", "1"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err and "KeyboardInterrupt" not in err
    assert run([str(out)], report_main) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "KeyboardInterrupt" not in err
