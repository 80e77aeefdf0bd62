"""The robustness analysis on a constructed directory: shares, flips and the PRIM box, no model runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.robustness_report import build

N = 60  # design points
PARAMS = [
    {"key": "families.patience.mean", "low": 2.0, "high": 12.0, "default": 6.0, "log": True, "integer": False,
     "mode": "set", "group": "families", "source": "test", "requires": None},
    {"key": "economics.rent_per_place_month", "low": 300.0, "high": 650.0, "default": 450.0, "log": False,
     "integer": False, "mode": "set", "group": "economics", "source": "test", "requires": None},
    {"key": "staff.quit_hazard_per_month", "low": 0.01, "high": 0.05, "default": 0.03, "log": False,
     "integer": False, "mode": "set", "group": "staff", "source": "test", "requires": None},
]


def _write_run(d: Path, waitlist: list[float]) -> None:
    d.mkdir(parents=True)
    pd.DataFrame({"replication": range(len(waitlist)), "seed": 42, "wall_seconds": 1.0,
                  "mean_waitlist": waitlist}).to_parquet(d / "replications.parquet")
    (d / "summary.json").write_text(json.dumps({"mean_waitlist": float(np.mean(waitlist)), "meta": {}}))


@pytest.fixture(scope="module")
def constructed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """'voucher' has 10 fewer families waiting than 'none', except where patience > 5 months and
    rent < 450 yuan, where it has 10 more; the quit hazard plays no part."""
    out = tmp_path_factory.mktemp("rob")
    rng = np.random.default_rng(1)
    u = (np.argsort(rng.uniform(size=(N, 3)), axis=0) + rng.uniform(size=(N, 3))) / N  # a Latin hypercube
    patience = 2.0 * (6.0 ** u[:, 0])
    rent = 300.0 + 350.0 * u[:, 1]
    quit_ = 0.01 + 0.04 * u[:, 2]
    names = [f"p{i:03d}" for i in range(N)]
    pd.DataFrame({"point": names, PARAMS[0]["key"]: patience, PARAMS[1]["key"]: rent,
                  PARAMS[2]["key"]: quit_}).to_csv(out / "design.csv", index=False)
    manifest = {"experiment": "constructed", "purpose": "a known flip region",
                "scenarios": ["none", "voucher"],
                "run_dirs": {"none": "none", "voucher": "voucher"}, "kpis": ["mean_waitlist"], "common": [],
                "extra": [], "points": N, "seed": 42, "replications": 3, "parameters": PARAMS}
    (out / "robustness.json").write_text(json.dumps(manifest))
    noise = [-0.5, 0.0, 0.5]
    _write_run(out / "runs" / "default" / "none", [100 + e for e in noise])
    _write_run(out / "runs" / "default" / "voucher", [90 + e for e in noise[::-1]])
    for i, name in enumerate(names):
        flip = patience[i] > 5 and rent[i] < 450
        _write_run(out / "runs" / name / "none", [100 + e for e in noise])
        _write_run(out / "runs" / name / "voucher", [(110 if flip else 90) + e for e in noise[::-1]])
    (out / "runs" / "p005" / "voucher" / "summary.json").unlink()  # a failed run: its point is left out
    build(out)
    return out


def test_shares_count_the_constructed_flips(constructed: Path) -> None:
    res = pd.read_csv(constructed / "robustness.csv")
    assert len(res) == 1
    r = res.iloc[0]
    design = pd.read_csv(constructed / "design.csv").set_index("point").drop(index="p005")
    flips = ((design[PARAMS[0]["key"]] > 5) & (design[PARAMS[1]["key"]] < 450)).sum()
    got = (r["scenario_a"], r["scenario_b"], r["default_ranking"], r["points"])
    assert got == ("voucher", "none", "a better", N - 1)
    assert r["share_flipped"] == pytest.approx(flips / (N - 1)) and r["share_tied"] == 0
    assert r["share_holds"] == pytest.approx(1 - flips / (N - 1))


def test_prim_box_restricts_patience_and_rent_near_their_limits_and_leaves_the_quit_hazard_free(
        constructed: Path) -> None:
    boxes = pd.read_csv(constructed / "boxes.csv").set_index("parameter")
    assert set(boxes.index) == {PARAMS[0]["key"], PARAMS[1]["key"]}
    p, rent = boxes.loc[PARAMS[0]["key"]], boxes.loc[PARAMS[1]["key"]]
    # a limit lies between two design points (on a log scale for patience): near, not at, 5 and 450
    assert 4.5 < p["box_low"] < 5.5 and p["box_high"] > 10  # the top: a peel of one non-flip point
    assert rent["box_low"] == 300.0 and 430.0 < rent["box_high"] < 470.0
    assert p["density"] == 1.0 and p["coverage"] == 1.0
    assert (boxes["qp"] < 0.01).all()  # neither restriction is chance
    found = json.loads((constructed / "boxes.json").read_text())
    assert found[0]["trajectory"][0]["mass"] == 1.0 and found[0]["chosen"] > 0


def test_the_report_embeds_the_shares_and_the_box_figure(constructed: Path) -> None:
    html = (constructed / "robustness.html").read_text()
    assert html.count("data:image/png;base64,") == 2
    assert "p005/voucher" in html  # the failed run is reported
    assert (constructed / "figures" / "prim_0.png").stat().st_size > 10_000
