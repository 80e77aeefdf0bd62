"""``scenario=queue`` reproduces Erlang C, Erlang B and the M/M/c+M birth-death chain.

Each case (``cases.CASES``) runs independent replications of the ordinary model reduced to
one institution; a KPI passes when its analytic value lies inside the 99.9% Student-t
confidence interval of the replication mean (the tolerance is that interval's half-width,
so it shrinks with more replications or longer runs and is never set by hand). A second
test shows the intervals are narrow enough to matter: each would exclude the value of the
same queue with one place more.
"""

from __future__ import annotations

import pytest

from tests.analytic.cases import CASES, CHECKED, Case, summaries
from tests.analytic.theory import replication_check


def _params(kinds: tuple[str, ...], headline_only: bool = False) -> list:
    out = []
    for case in CASES:
        if case.kind not in kinds:
            continue
        marks = [pytest.mark.slow] if case.slow else []
        kpis = CHECKED[case.kind][:1] if headline_only else CHECKED[case.kind]
        for kpi in kpis:
            out.append(pytest.param(case, kpi, id=f"{case.id}-{kpi}", marks=marks))
    return out


def _check(case: Case, kpi: str) -> None:
    est = replication_check([s[kpi] for s in summaries(case)])
    expected = case.expected(kpi)
    assert est.covers(expected), f"{case.id} {kpi}: {est.describe(expected)}"


@pytest.mark.parametrize(("case", "kpi"), _params(("M/M/c",)))
def test_waitlist_with_infinite_patience_matches_erlang_c(case, kpi):
    _check(case, kpi)


@pytest.mark.parametrize(("case", "kpi"), _params(("M/M/c/c",)))
def test_no_waitlist_matches_erlang_b(case, kpi):
    _check(case, kpi)


@pytest.mark.parametrize(("case", "kpi"), _params(("M/M/c+M",)))
def test_exponential_patience_matches_birth_death_chain(case, kpi):
    _check(case, kpi)


@pytest.mark.parametrize(("case", "kpi"), _params(("M/M/c", "M/M/c/c", "M/M/c+M"), True))
def test_confidence_interval_would_catch_one_place_more(case, kpi):
    est = replication_check([s[kpi] for s in summaries(case)])
    wrong = case.expected(kpi, places=case.places + 1)
    assert not est.covers(wrong), f"{case.id} {kpi} vs c+1: {est.describe(wrong)}"


def test_queue_preset_reports_no_blocking_or_reneging_it_does_not_model():
    mmc_case = next(c for c in CASES if c.kind == "M/M/c" and not c.slow)
    loss_case = next(c for c in CASES if c.kind == "M/M/c/c" and not c.slow)
    for s in summaries(mmc_case):
        assert s["p_blocked"] == 0 and s["p_reneged"] == 0 and s["unaccounted"] == 0
    for s in summaries(loss_case):
        assert s["p_wait"] == s["p_blocked"] and s["mean_waitlist"] == 0 and s["reneged"] == 0


MIXED_RULES = "families.accept_rule={first_free: 0.4, hold_out: 0.3, accept_and_transfer: 0.3}"
ORDERINGS = [Case("M/M/c+M", places=5, arrival_rate=6.0, mean_patience=2.0, replications=20,
                  extra=(f"allocation={d}", MIXED_RULES))
             for d in ("lottery", "points", "deferred_acceptance")]


@pytest.mark.parametrize("case", ORDERINGS, ids=lambda c: c.id)
@pytest.mark.parametrize("kpi", ["p_reneged", "mean_waitlist", "mean_enrolled"])
def test_the_birth_death_chain_holds_with_every_discipline_and_accept_rule(case, kpi):
    """With exponential patience every waiting family leaves at the same rate wherever it is
    on the list, so the number waiting (and hence reneging and occupancy) does not depend
    on the order a discipline serves them in, nor on the accept rule when there is one
    option: any discipline or rule that lost, skipped or double-served a family would move
    these KPIs off the chain's values."""
    _check(case, kpi)
