"""A city run as independent shards and merged agrees with the unsharded run (issue 16).

The small city is the national preset at a tiny sample (three strata 1,000 km apart, so no
family, entrant or programme crosses between them) without the capacity programme (whose
city-wide target is the one thing its shards would share). Sums and ratios must agree within
their replication error; bit-identity is not expected, as each shard draws its own streams.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from sim.config.errors import ConfigError
from sim.config.load import compose, load
from sim.experiment.layout import BY_GROUP, KPIS_BY_YEAR, REPLICATIONS, SUMMARY, TIMESERIES, WAITS
from sim.experiment.merge import (
    SUMMARY_PATTERNS,
    SUMMARY_RULES,
    SUMMARY_SUMS,
    Weighted,
    merge_rows,
    merge_yearly,
    rule_for,
)
from sim.experiment.rundir import execute
from sim.experiment.shards import MERGED_DIR, interactions, parse_split, plan, run_sharded, shard_seed
from sim.experiment.stats import welch_half_width

REPS = 8
SMALL = ["scenario=china_2024", "city.scale=0.0004", "capacity.target_per_1000=null",
         "capacity.timeline=[]",
         f"run.replications={REPS}", "run.progress=false"]
# exact sums, and ratios recomputed from sums (a mean of the strata's rates would fail these)
AGREE = ("children_born", "sought_care", "enrolled_ever", "priced_out", "mean_children_under3",
         "mean_enrolled", "places_start", "mean_licensed", "care_months",
         "enrollment_rate", "occupancy", "usable_share",
         "family_cost_share", "mean_net_fee", "places_per_1000_start", "enrollment_rate_q1",
         "enrollment_rate_q5", "family_cost_share_q1")
JOINT = 0.99


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    merged = run_sharded(SMALL, root / "sharded")
    whole = execute(compose(SMALL), root / "whole", quiet=True)
    return root, merged, whole


def _reps(path):
    return pd.read_parquet(path / REPLICATIONS)


def test_sharded_and_unsharded_runs_agree_on_sums_and_ratios_within_replication_error(runs):
    root, _, _ = runs
    a, b = _reps(root / "sharded" / MERGED_DIR), _reps(root / "whole")
    level = 1 - (1 - JOINT) / len(AGREE)  # Bonferroni over the KPIs compared
    off = {}
    for k in AGREE:
        half = welch_half_width(a[k].std(), REPS, b[k].std(), REPS, level)
        if abs(a[k].mean() - b[k].mean()) > max(half, 1e-9 * abs(b[k].mean())):
            off[k] = (a[k].mean(), b[k].mean(), half)
    assert not off, f"merged vs unsharded (merged, unsharded, half-width): {off}"


def test_a_mean_of_the_strata_rates_would_be_rejected_by_the_agreement_test(runs):
    """Power: the districts differ enough (served and short halves, tier-1 and counties) that
    averaging their enrollment rates misses the city's rate."""
    root, _, _ = runs
    whole = _reps(root / "whole")
    shards = [_reps(d) for d in sorted((root / "sharded" / "shards").iterdir())]
    k = "enrollment_rate"
    naive = sum(s[k].mean() for s in shards) / len(shards)
    half = welch_half_width(whole[k].std(), REPS, whole[k].std(), REPS, 1 - (1 - JOINT) / len(AGREE))
    assert abs(naive - whole[k].mean()) > half


def test_the_merged_run_has_the_files_and_kpis_of_an_unsharded_run(runs):
    root, merged, whole = runs
    out = root / "sharded" / MERGED_DIR
    assert set(merged) - {"meta"} == set(whole) - {"meta"}
    for name in (TIMESERIES, REPLICATIONS, WAITS, KPIS_BY_YEAR, BY_GROUP):
        columns = list(pd.read_parquet(root / "whole" / name).columns)
        assert list(pd.read_parquet(out / name).columns) == columns
    assert merged["unaccounted"] == 0
    assert sorted(pd.read_parquet(out / TIMESERIES)["district"].unique()) == sorted(
        d.name for d in load(SMALL).city.districts)
    meta = json.loads((out / SUMMARY).read_text())["meta"]
    assert "enrollment_concentration_index" in meta["merge"]["approximate"]
    assert "enrollment_rate" in meta["merge"]["exact"]


def test_merged_counts_are_the_sums_of_the_shards_counts(runs):
    root, merged, _ = runs
    shards = [_reps(d) for d in sorted((root / "sharded" / "shards").iterdir())]
    born = sum(s["children_born"] for s in shards)
    assert list(_reps(root / "sharded" / MERGED_DIR)["children_born"]) == list(born)
    ts = pd.read_parquet(root / "sharded" / MERGED_DIR / TIMESERIES)
    parts = (root / "sharded" / "shards").iterdir()
    assert len(ts) == sum(len(pd.read_parquet(d / TIMESERIES)) for d in parts)


def test_a_ratio_merges_from_its_parts_not_as_a_mean_of_rates():
    rows = [{"mean_enrolled": 10.0, "mean_children_under3": 100.0, "enrollment_rate": 0.1,
             "care_months": 10.0, "family_cost_share": 0.5},
            {"mean_enrolled": 90.0, "mean_children_under3": 300.0, "enrollment_rate": 0.3,
             "care_months": 90.0, "family_cost_share": 0.1}]
    out = merge_rows(rows, SUMMARY_RULES, SUMMARY_PATTERNS, SUMMARY_SUMS)
    assert out["enrollment_rate"] == pytest.approx(100 / 400)
    assert isinstance(SUMMARY_RULES["places_per_1000_end"], Weighted)
    assert out["family_cost_share"] == pytest.approx((10 * 0.5 + 90 * 0.1) / 100)
    assert out["mean_children_under3"] == 400.0
    assert isinstance(SUMMARY_RULES["enrollment_rate"], Weighted)


def test_a_shard_without_places_or_children_enrolled_keeps_its_population_in_the_ratios():
    """A sparse district at a small scale can have no institution: its people still count in
    places per 1,000 and its children in the enrollment rate (a rule recovering the denominator
    as numerator / ratio would drop them)."""
    rows = [{"population": 1000.0, "places_start": 4.0, "places_per_1000_start": 4.0,
             "mean_enrolled": 2.0, "mean_children_under3": 40.0, "enrollment_rate": 0.05},
            {"population": 3000.0, "places_start": 0.0, "places_per_1000_start": 0.0,
             "mean_enrolled": 0.0, "mean_children_under3": 120.0, "enrollment_rate": 0.0}]
    out = merge_rows(rows, SUMMARY_RULES, SUMMARY_PATTERNS, SUMMARY_SUMS)
    assert out["places_per_1000_start"] == pytest.approx(4.0 * 1000 / 4000)
    assert out["enrollment_rate"] == pytest.approx(2.0 / 160)
    assert out["population"] == 4000.0
    assert isinstance(SUMMARY_RULES["occupancy"], Weighted)


def test_a_shard_with_no_child_enrolled_keeps_its_children_in_the_yearly_enrollment_rate():
    """The year book's enrollment rate merges on its own denominator, children under 3 (a rule
    recovering it as enrolled / rate would drop the shard whose rate is 0)."""
    frames = [pd.DataFrame([{"replication": 0, "year": 2024, "months": 12, "in_window": True,
                             "mean_enrolled": e, "mean_children_under3": k, "enrollment_rate": e / k}])
              for e, k in ((2.0, 40.0), (0.0, 120.0))]
    out = merge_yearly(frames)
    assert out.loc[0, "enrollment_rate"] == pytest.approx(2.0 / 160)
    assert out.loc[0, "mean_children_under3"] == 160.0


def test_every_kpi_of_a_run_has_a_merge_rule(runs):
    _, _, whole = runs
    for k in whole:
        if k != "meta" and not k.endswith("_ci95"):
            rule_for(k, SUMMARY_RULES, SUMMARY_PATTERNS, SUMMARY_SUMS)


def test_a_shards_seed_depends_only_on_the_root_seed_and_its_name():
    p = load(["scenario=china_2024"])
    alone = {s.name: s.seed for s in plan(p)}
    split = {s.name: s.seed for s in plan(p, parse_split(["counties_short=3"]))}
    assert alone["tier1_served"] == split["tier1_served"] == shard_seed(p.seed, "tier1_served")
    assert len(set(split.values())) == len(p.city.districts) + 2
    assert shard_seed(1, "tier1_served") != shard_seed(2, "tier1_served")


def test_replicas_divide_population_and_births():
    p = load(["scenario=china_2024"])
    reps = [s for s in plan(p, {"counties_short": 4}) if s.name.startswith("counties_short.")]
    assert len(reps) == 4
    assert math.fsum(s.district["population"] for s in reps) == pytest.approx(683e6 / 2)
    assert math.fsum(s.district["births_per_year"] for s in reps) == pytest.approx(5_500_300 // 2)


@pytest.mark.parametrize(("overrides", "key"), [
    (["policy.budget_per_year=1e9"], "policy.budget_per_year"),
    (["capacity.hub=true"], "capacity.hub"),
    (["city.distance_km=[[0.0,5.0,1000.0],[5.0,0.0,1000.0],[1000.0,1000.0,0.0]]"], "city.distance_km"),
])
def test_shards_that_would_interact_are_refused_naming_the_key(overrides, key):
    with pytest.raises(ConfigError) as err:
        interactions(load(["scenario=china_2024", *overrides]))
    assert err.value.key == key


def test_the_command_prints_one_line_for_a_refused_run(tmp_path, capsys):
    from sim.cli.shard import main

    with pytest.raises(SystemExit) as ex:
        main([str(tmp_path), "scenario=china_2024", "policy.budget_per_year=1e9"])
    assert ex.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: policy.budget_per_year:")
    assert not (tmp_path / "shards").exists()
