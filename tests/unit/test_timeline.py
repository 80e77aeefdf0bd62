"""The timeline language (sim.params.timeline) and the bookkeeping of a mid-spell price change."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sim.config.errors import ConfigError
from sim.config.load import load
from sim.model.recorder import Recorder
from sim.params.schema import CapacityConfig, FrozenError, PolicyConfig, freeze
from sim.params.timeline import (
    TimelineError,
    calendar,
    lever_names,
    lever_value,
    month_index,
    month_label,
    steps,
)


@pytest.mark.parametrize(("text", "month"),
                         [("2024-01", 0), ("2024-12", 11), ("2026-01", 24), ("2023-12", -1)])
def test_months_count_from_january_of_the_start_year(text: str, month: int):
    assert month_index(text, 2024) == month
    assert month_label(month, 2024) == text


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "2026/01", "2026-01-01", 202601, None])
def test_a_month_must_be_written_yyyy_mm(text: object):
    with pytest.raises(TimelineError, match="YYYY-MM"):
        month_index(text, 2024)


def test_levers_are_every_key_but_the_preset_name_and_the_timeline():
    assert "name" not in lever_names(PolicyConfig) and "timeline" not in lever_names(PolicyConfig)
    assert "fee_cap" in lever_names(PolicyConfig) and "plan_every_months" in lever_names(CapacityConfig)


def test_lever_values_take_the_type_of_the_lever():
    assert lever_value(PolicyConfig, "family_subsidy_per_year", 3600) == 3600.0
    assert isinstance(lever_value(PolicyConfig, "family_subsidy_per_year", 3600), float)
    assert lever_value(PolicyConfig, "fee_cap", None) is None
    assert lever_value(CapacityConfig, "target_year", 2030) == 2030
    assert lever_value(CapacityConfig, "convert_kindergarten", False) is False
    for cls, name, bad in [(PolicyConfig, "voucher_per_month", "x"),
                           (PolicyConfig, "voucher_per_month", None),
                           (PolicyConfig, "voucher_per_month", True),
                           (CapacityConfig, "target_year", 2030.5),
                           (CapacityConfig, "convert_kindergarten", 1),
                           (PolicyConfig, "voucher_scope", 3)]:
        with pytest.raises(TimelineError):
            lever_value(cls, name, bad)


def test_steps_derive_new_frozen_lever_sets_and_name_only_what_changes():
    base = freeze(PolicyConfig(family_subsidy_per_year=0.0, timeline=[
        {"from": "2025-01", "family_subsidy_per_year": 3600, "fee_cap": None},
        {"from": "2026-07", "fee_cap": 2000}]))
    s = steps(base, 2024)
    assert [(x.month, x.date, x.levers) for x in s] == [
        (12, "2025-01", {"family_subsidy_per_year": 3600.0}), (30, "2026-07", {"fee_cap": 2000.0})]
    assert s[1].config.family_subsidy_per_year == 3600.0 and s[1].config.fee_cap == 2000.0
    assert base.family_subsidy_per_year == 0.0 and base.fee_cap is None, "the run's parameters stay"
    with pytest.raises(FrozenError):
        s[0].config.fee_cap = 1.0


def test_a_preset_calendar_keeps_the_entries_a_run_reaches():
    cal = [{"from": "2025-01", "family_subsidy_per_year": 3600}, {"from": "2027-01", "fee_cap": 2000}]
    assert calendar(cal, 2021, 48) == []                        # 2021-2024
    assert calendar(cal, 2021, 49) == cal[:1]                   # reaches January 2025
    assert calendar(cal, 2024, 120) == cal
    # entries before the start are in force from the run's first month
    assert calendar(cal, 2026, 12) == [{"from": "2026-01", "family_subsidy_per_year": 3600}]
    assert calendar(cal, 2026, 24) == [{"from": "2026-01", "family_subsidy_per_year": 3600}, cal[1]]
    assert calendar(cal, 2027, 12) == [{"from": "2027-01", "family_subsidy_per_year": 3600, "fee_cap": 2000}]


def test_china_2024_has_the_national_subsidy_only_in_runs_that_reach_2025():
    assert load(["city=china_2024"]).policy.timeline == []
    assert load(["city=china_2024", "run.horizon_months=60"]).policy.timeline == [
        {"from": "2025-01", "family_subsidy_per_year": 3600}]


@pytest.mark.parametrize(("timeline", "key", "reason"), [
    ('[{from: "2026-01", fee_cap: 2000}, {from: "2025-01", fee_cap: 1000}]', "policy.timeline.1.from",
     "2025-01 must be later than the entry before it (2026-01)"),
    ('[{from: "2026-01", fee_cap_basis: income_share, fee_cap: 2}]', "policy.timeline.0.fee_cap",
     "an income share must be <= 1, got 2.0"),
    ('[{from: "2026-01", fee_cap: 0.2}, {from: "2027-01", fee_cap_basis: income_share}, '
     '{from: "2028-01", fee_cap: 5}]', "policy.timeline.2.fee_cap", "an income share must be <= 1, got 5.0"),
    ('[{from: "2026-01", voucher_scope: everyone}]', "policy.timeline.0.voucher_scope",
     "must be one of affordable, all, got 'everyone'"),
])
def test_timeline_values_get_the_checks_of_the_levers_in_force(timeline: str, key: str, reason: str):
    with pytest.raises(ConfigError) as err:
        load([f"policy.timeline={timeline}"])
    assert (err.value.key, err.value.reason) == (key, reason)


def test_a_capacity_target_year_before_the_start_is_refused_in_a_timeline_too():
    with pytest.raises(ConfigError) as err:
        load(['capacity.timeline=[{from: "2026-01", target_per_1000: 6, target_year: 2020}]'])
    assert err.value.key == "capacity.timeline.0.target_year"


def test_a_mid_spell_net_fee_change_counts_the_old_fee_before_and_the_new_one_after():
    rec = Recorder(t0=-12.0, warmup=6.0, horizon=30.0, start_year=2024, n_districts=1)
    fam = SimpleNamespace(admit_t=2.0, net_fee=1000.0, income=10000.0, district=SimpleNamespace(idx=0),
                          inc_g=3)
    rec.reprice(fam, 700.0, 10.0)  # 4 window months (6-10) at 1,000
    fam.net_fee = 700.0
    rec.on_care_spell(fam, fam.admit_t, 20.0)  # the spell ends at 20: 10 more months at 700
    assert rec.care_months == 14.0
    assert rec.net_fee_months == pytest.approx(4 * 1000.0 + 10 * 700.0)
    assert rec.burden_months == pytest.approx((4 * 1000.0 + 10 * 700.0) / 10000.0)
    # the family's income group carries the same months and burden (sim.model.equity)
    assert rec.by_income.care[3] == 14.0 and sum(rec.by_income.care) == 14.0
    assert rec.by_income.burden[3] == pytest.approx(rec.burden_months)
