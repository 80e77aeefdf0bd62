"""``childcare-sim policy.timeline=...`` as a user types it: a good timeline runs and writes
``kpis_by_year.parquet``; each kind of bad entry prints its exact one-line error, exits with
status 2, prints no traceback and leaves no run directory.

The commands start together on a small thread pool (as in test_cli.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"
H24 = ["run.horizon_months=24", "run.burnin_months=6", "run.progress=false"]
LEVERS = ("family_subsidy_per_year, voucher_per_month, voucher_scope, operating_subsidy_per_child_month, "
          "operating_subsidy_by_type, place_subsidy_per_year, entry_grant_per_place, fee_cap, fee_cap_basis, "
          "budget_per_year")
CAPACITY_LEVERS = ("target_per_1000, target_year, path, build_type, build_lead_months, "
                   "construction_grant_per_place, convert_kindergarten, conversion_lead_months, "
                   "conversion_cost_per_place, kindergarten_enrolment, plan_every_months, channels, "
                   "grant_per_place, purchase_per_place_month, placement, reach_km, hub, "
                   "hub_grant_per_place, hub_services_per_year, hub_training_places_per_year, "
                   "hub_guidance_visits_per_year")

BAD: dict[str, tuple[str, str]] = {
    "unknown lever": (
        'policy.timeline=[{from: "2025-01", subsidy: 3600}]',
        f"error: policy.timeline.0.subsidy: unknown policy lever (levers: {LEVERS})"),
    "unknown capacity lever": (
        'capacity.timeline=[{from: "2025-01", target: 6}]',
        f"error: capacity.timeline.0.target: unknown capacity lever (levers: {CAPACITY_LEVERS})"),
    "unparsable date": (
        'policy.timeline=[{from: "2025-13", fee_cap: 2000}]',
        "error: policy.timeline.0.from: must be a month written YYYY-MM (e.g. 2026-01), got '2025-13'"),
    "date before the run": (
        'policy.timeline=[{from: "2023-12", fee_cap: 2000}]',
        "error: policy.timeline.0.from: 2023-12 is before the run starts (2024-01, run.start_year=2024): "
        "set policy.<lever> itself instead"),
    "date at the horizon": (
        'policy.timeline=[{from: "2026-01", fee_cap: 2000}]',
        "error: policy.timeline.0.from: 2026-01 is at or after the end of the run (2026-01, "
        "run.horizon_months=24): it would never apply"),
    "entries out of order": (
        'policy.timeline=[{from: "2025-06", fee_cap: 2000}, {from: "2025-01", fee_cap: 1800}]',
        "error: policy.timeline.1.from: 2025-01 must be later than the entry before it (2025-06)"),
    "bad lever value": (
        'policy.timeline=[{from: "2025-01", fee_cap: 2000}, {from: "2025-06", fee_cap: -5}]',
        "error: policy.timeline.1.fee_cap: must be > 0, got -5.0"),
    "not a number": (
        'policy.timeline=[{from: "2025-01", budget_per_year: lots}]',
        "error: policy.timeline.0.budget_per_year: must be a number, got 'lots'"),
    "an entry that is not a mapping": (
        "policy.timeline=[3]",
        "error: policy.timeline: Cannot assign int to Dict[str, Any]"),
}
GOOD = 'policy.timeline=[{from: "2025-01", family_subsidy_per_year: 3600}]'


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    python = str(PYTHON) if PYTHON.exists() else sys.executable
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "OC_CAUSE")}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([python, "-m", "sim", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def commands(tmp_path_factory) -> dict[str, tuple[Future[subprocess.CompletedProcess[str]], Path]]:
    root = tmp_path_factory.mktemp("timeline_cli")
    pool = ThreadPoolExecutor(max_workers=max(2, min(4, (os.cpu_count() or 2) * 2)))
    jobs = {"good": ([*H24, "run.replications=2", GOOD], root / "good")}
    for i, (name, (override, _)) in enumerate(BAD.items()):
        jobs[name] = ([*H24, override], root / f"bad{i}")
    futures = {name: (pool.submit(_run, [*args, f"hydra.run.dir={out}"]), out)
               for name, (args, out) in jobs.items()}
    yield futures
    pool.shutdown()


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_timeline_entry_is_one_exact_error_line_and_no_run(commands, case: str):
    fut, out = commands[case]
    p = fut.result()
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines() == [BAD[case][1]]
    assert "Traceback" not in p.stderr + p.stdout
    assert not out.exists(), "no partial run directory"


def test_the_readme_timeline_command_runs_and_writes_kpis_by_year(commands):
    fut, out = commands["good"]
    p = fut.result()
    assert p.returncode == 0, p.stderr
    meta = json.loads((out / "summary.json").read_text())["meta"]
    assert meta["lever_changes"] == [{"month": 12, "date": "2025-01", "group": "policy",
                                      "levers": {"family_subsidy_per_year": 3600.0}}]
    by_year = pd.read_parquet(out / "kpis_by_year.parquet")
    assert list(by_year.columns[:4]) == ["replication", "year", "months", "in_window"]
    assert sorted(zip(by_year["replication"], by_year["year"], strict=True)) == [
        (0, 2024), (0, 2025), (1, 2024), (1, 2025)]
    for col in ("enrollment_rate", "occupancy", "mean_wait_months", "mean_waitlist", "priced_out",
                "public_cost_total", "public_cost_family_subsidy", "places_per_1000_end",
                "institutions_closed"):
        assert col in by_year.columns
    paid = by_year.set_index(["replication", "year"])["public_cost_family_subsidy"]
    assert (paid.xs(2024, level="year") == 0).all() and (paid.xs(2025, level="year") > 0).all()
