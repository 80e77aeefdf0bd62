"""A family's ranked options (:mod:`sim.model.options`), on small worlds built but not run.

The rules: a family considers the open classes with licensed places that serve its child's
age (the age groups between class boundaries), within its travel limit (a class exactly at
the limit counts), ranked by the one utility of :mod:`sim.model.choice` (type preference,
distance, provider fee over income, plus a taste draw), ties by distance then class, at most
``max_considered``; provider fees are the fee minus the voucher a newly admitted child would
bring, re-read when fees or vouchers change; a newly opened institution is inserted where a
rebuild would put it. Mutation testing found the module without tests of its own (only whole
runs), so these tests compare every ranking with a brute-force oracle written from that rule,
on a hand-made city (taste switched off) and on one with more candidates than the short path
ranks one by one.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from sim.model.city import type_size
from sim.model.family import Family
from sim.model.options import age_groups
from sim.model.world import World
from tests.conftest import load_config
from tests.scenarios import small

D = "{{name:D{i},population:100000,births_per_year:600,places_per_1000:3.0,x_km:{x},y_km:0,fee_index:{f}}}"
DISTRICTS = (f"city.districts=[{D.format(i=0, x=0, f=1.0)},{D.format(i=1, x=4, f=1.1)},"
             f"{D.format(i=2, x=20, f=1.0)}]")
# D0 to D1 4 km, to D2 20 km; 2 km within a district. Travel limits: fixed at 5 km.
INSTITUTIONS = ("city.institutions=[{name:A,district:D0,type:market,places:{older:20}},"
                "{name:B,district:D1,type:affordable,places:{older:20}},"
                "{name:C,district:D2,type:public,places:{older:20}},"
                "{name:H,district:D0,type:home,places:{mixed:5}},"
                "{name:I,district:D1,type:public,places:{infant:10}}]")
CHOICE = ("families.choice.taste_sd=0", "families.choice.price_weight=4",
          "families.choice.distance_weight_per_km=0.15",
          "families.choice.type_preference={public:0.5,market:0,kindergarten:0,home:-0.3}",
          "~families.choice.type_preference.affordable",  # no preference: 0
          "families.travel_limit_km={dist:fixed,value:5.0}", "staff.binding=false")


def options_world(*extra: str, institutions: str = INSTITUTIONS, districts: str = DISTRICTS) -> World:
    w = World(load_config(small(districts, institutions, *CHOICE, *extra)), 11)
    for c in w.classes:
        w.places.open_class(c, with_staff=False)
    return w


def taste_key(i: int) -> int:
    """A family's taste key (births draw them at random; any integer works)."""
    return (i * 0x9E3779B97F4A7C15 + 12345) & (2**63 - 1)


def fam(w: World, d: int = 0, income: float = 8000.0, travel: float = 5.0, fid: int = 1) -> Family:
    f = Family(fid, w.districts[d], 0.0, income, 12.0, math.inf, travel, math.inf, 1.0, 0.0, 0.5)
    f.taste_key = taste_key(fid)
    return f


def ranked(w: World, f: Family, age: float) -> tuple[list, list[float]]:
    """The family's ranked classes and their provider fees (the ranking's disutilities dropped)."""
    classes, fees, _ = w.options.ranked(f, age)
    return classes, fees


def names(w, f, age):
    classes, fees = ranked(w, f, age)
    return [c.inst.name for c in classes], fees


def oracle(w: World, f: Family, age: float) -> tuple[list, list[float]]:
    """The rule, by brute force: every live class serving ``age`` within reach, by
    (-utility, km, class index), the first ``max_considered``."""
    ch = w.params.families.choice
    pw = ch.price_weight / f.income
    rows = []
    for c in w.classes:
        if c.licensed <= 0 or not c.inst.open or not c.min_age <= age < c.max_age:
            continue
        km = float(w.km[f.district.idx, c.inst.district.idx])
        if km > f.travel_km:
            continue
        fee = w._provider_fee(c.inst)
        base = ch.type_preference.get(c.inst.type, 0.0) - ch.distance_weight_per_km * km
        rows.append((pw * fee - base, km, c.idx, c, fee))
    rows.sort(key=lambda r: r[:3])
    top = rows[:w.params.families.max_considered]
    return [r[3] for r in top], [r[4] for r in top]


# -- age groups ----------------------------------------------------------------------------------
def classes(*spans):
    return [SimpleNamespace(min_age=lo, max_age=hi) for lo, hi in spans]


@pytest.mark.parametrize("spans, groups", [
    ([(6, 12), (12, 24), (24, 36)], [(6, 12), (12, 24), (24, 36)]),
    ([(6, 12), (24, 36)], [(6, 12), (24, 36)]),  # nobody serves 12-24: no group
    ([(6, 36), (12, 24)], [(6, 12), (12, 24), (24, 36)]),  # a mixed class belongs to all three
    ([(24, 36), (6, 12), (6, 12)], [(6, 12), (24, 36)]),
    ([], []),
])
def test_age_groups_are_the_spans_between_class_boundaries_that_some_class_serves(spans, groups):
    assert age_groups(classes(*spans)) == groups


# -- a hand-made city --------------------------------------------------------------------------
def test_a_family_ranks_the_classes_serving_its_childs_age_within_its_travel_limit_by_utility():
    """Age 30, 8,000 a month: B (affordable, 4 km, 2,420) -1.81, A (market, 2 km, 3,200) -1.9,
    H (home, 2 km, 2,800) -2.0; C is 20 km away, I takes infants only."""
    w = options_world()
    assert names(w, fam(w), 30.0) == (["B", "A", "H"], [2420.0, 3200.0, 2800.0])
    assert names(w, fam(w, travel=3.9), 30.0)[0] == ["A", "H"]
    assert names(w, fam(w, travel=4.0), 30.0)[0] == ["B", "A", "H"]  # exactly at the limit
    assert names(w, fam(w, travel=1.9), 30.0) == ([], [])


@pytest.mark.parametrize("age, ranked", [(6.0, ["I", "H"]), (11.99, ["I", "H"]), (12.0, ["H"]),
                                         (23.99, ["H"]), (24.0, ["B", "A", "H"]), (35.99, ["B", "A", "H"]),
                                         (36.0, []), (5.99, [])])
def test_each_age_has_the_classes_of_its_group_from_the_group_start_to_before_its_end(age, ranked):
    w = options_world()
    assert names(w, fam(w), age)[0] == ranked


AT_5_KM = (f"city.districts=[{D.format(i=0, x=0, f=1.0)},{D.format(i=1, x=5, f=1.1)},"
           f"{D.format(i=2, x=20, f=1.0)}]")


@pytest.mark.parametrize("limit", ["{dist:fixed,value:5.0}", "{dist:uniform,low:1.0,high:5.0}"])
def test_a_class_at_the_longest_travel_limit_is_a_candidate_for_a_family_that_far(limit):
    """B is 5 km from D0 (utility -1.96), exactly the longest limit any family has (a uniform
    1-5 km limit too)."""
    w = options_world(f"families.travel_limit_km={limit}", districts=AT_5_KM)
    assert names(w, fam(w, travel=5.0), 30.0)[0] == ["A", "B", "H"]
    assert names(w, fam(w, travel=4.9), 30.0)[0] == ["A", "H"]


def test_a_family_considers_at_most_max_considered_options():
    w = options_world("families.max_considered=2")
    assert names(w, fam(w), 30.0)[0] == ["B", "A"]
    w = options_world("families.max_considered=1")
    assert names(w, fam(w), 30.0)[0] == ["B"]


def test_a_richer_family_weighs_fees_less_and_prefers_the_nearer_market_place():
    """At 40,000 a month the fee terms shrink five-fold: A -0.62, H -0.88, B -0.84."""
    w = options_world()
    assert names(w, fam(w, income=40000.0), 30.0)[0] == ["A", "B", "H"]


def test_families_in_another_district_measure_distance_from_it():
    """From D1: B and I are 2 km away, A and H 4 km, C 16 km."""
    w = options_world()
    assert names(w, fam(w, d=1), 30.0)[0] == ["B", "A", "H"]
    assert names(w, fam(w, d=1, travel=3.0), 8.0)[0] == ["I"]
    assert names(w, fam(w, d=2), 30.0)[0] == ["C"]


def test_closed_institutions_and_classes_without_licensed_places_drop_out_after_invalidation():
    w = options_world()
    assert names(w, fam(w), 30.0)[0] == ["B", "A", "H"]
    a = next(i for i in w.institutions if i.name == "A")
    a.open = False
    h = next(i for i in w.institutions if i.name == "H")
    w.places.set_licensed(h.classes[0], 0)
    w.options.invalidate()
    assert names(w, fam(w), 30.0)[0] == ["B"]


def test_fees_are_cached_until_prices_are_invalidated_then_re_read_with_vouchers():
    w = options_world("policy.voucher_per_month=200")
    b = next(i for i in w.institutions if i.name == "B")
    assert names(w, fam(w), 30.0)[1][0] == 2420.0 - 200.0
    b.fee = 1000.0
    assert names(w, fam(w), 30.0)[1][0] == 2220.0  # cached
    w.options.invalidate_prices()
    assert names(w, fam(w), 30.0)[1][0] == 800.0
    w.gov.exhaust()  # no vouchers for new admissions: prices re-read
    assert names(w, fam(w), 30.0)[1][0] == 1000.0
    assert not w.options.prices_stale and not w.options.stale


def test_with_taste_every_candidate_is_ranked_and_families_differ():
    """Taste (sd 3, against utility gaps under 0.2) reorders the three options between families."""
    w = options_world("families.choice.taste_sd=3")
    firsts = set()
    for fid in range(40):
        ranked = names(w, fam(w, fid=fid), 30.0)[0]
        assert sorted(ranked) == ["A", "B", "H"]
        firsts.add(ranked[0])
    assert firsts == {"A", "B", "H"}


# -- more candidates than the short path ---------------------------------------------------------
MANY = ("city.institutions=[" + ",".join(
    f"{{name:{t}{d}{k},district:D{d},type:{t},places:{{older:20}}}}"
    for d in (0, 1, 2) for t in ("market", "affordable", "public", "kindergarten") for k in range(4))
    + ",{name:HX,district:D0,type:home,places:{mixed:5}}]")


@pytest.mark.parametrize("considered, income, travel, d, n", [
    (10, 8000.0, 5.0, 0, 10), (40, 8000.0, 5.0, 0, 33), (10, 20000.0, 4.0, 1, 10), (40, 5000.0, 5.0, 2, 16),
    (40, 8000.0, 2.0, 0, 17)])
def test_a_long_list_of_candidates_is_ranked_as_the_rule_says(considered, income, travel, d, n):
    """33 candidates within 5 km of D0 (16 per district plus a home point), many tied; 16 in D2."""
    w = options_world(f"families.max_considered={considered}", institutions=MANY)
    f = fam(w, d=d, income=income, travel=travel)
    want = oracle(w, f, 30.0)
    assert len(want[0]) == n
    assert ranked(w, f, 30.0) == want


def test_a_long_list_with_taste_ranks_every_candidate_once_and_families_differ():
    w = options_world("families.max_considered=40", "families.choice.taste_sd=1", institutions=MANY)
    firsts = set()
    for fid in range(20):
        classes, fees = ranked(w, fam(w, fid=fid), 30.0)
        assert sorted(c.idx for c in classes) == sorted(c.idx for c in oracle(w, fam(w), 30.0)[0])
        assert fees == [w._provider_fee(c.inst) for c in classes]
        firsts.add(classes[0].inst.type)
    assert len(firsts) > 1


# -- openings --------------------------------------------------------------------------------
def opened(w, d, tname, size):
    w.providers.order(w.districts[d], tname, size, 0.0)
    w.env.run(until=w.env.now + 0.5)


@pytest.mark.parametrize("institutions, districts", [(INSTITUTIONS, DISTRICTS), (MANY, DISTRICTS),
                                                    (MANY, AT_5_KM)])
def test_a_new_institution_is_ranked_as_if_every_candidate_had_been_rebuilt(institutions, districts):
    """New classes on the existing age boundaries are inserted (no rebuild), in every district
    within reach (5 km: exactly at the reach), after the classes as near as they are."""
    w = options_world("families.max_considered=40", institutions=institutions, districts=districts)
    public = type_size(w.params.city, "public") if institutions == INSTITUTIONS else {"older": 20}
    families = [fam(w, d=d, travel=t, income=y) for d in (0, 1, 2) for t in (2.0, 4.0, 5.0)
                for y in (5000.0, 30000.0)]
    ages = (8.0, 18.0, 30.0)
    for f in families:
        for age in ages:
            ranked(w, f, age)
    built = w.options.by_district
    opened(w, 1, "affordable", {"older": 20})
    opened(w, 0, "public", public)
    opened(w, 2, "home", type_size(w.params.city, "home"))
    opened(w, 1, "market", {"older": 1})  # a class of one place
    assert not w.options.stale and w.options.by_district is built  # inserted, not rebuilt
    for f in families:
        for age in ages:
            assert ranked(w, f, age) == oracle(w, f, age), (f.district.idx, f.travel_km, age)
    w.options.invalidate()  # and rebuilt, with the one-place class
    for f in families:
        assert ranked(w, f, 30.0) == oracle(w, f, 30.0)


def test_a_city_with_every_provider_closed_offers_nothing():
    w = options_world()
    for inst in w.institutions:
        inst.open = False
    for age in (8.0, 18.0, 30.0):
        assert ranked(w, fam(w), age) == ([], [])


def test_a_new_class_boundary_rebuilds_the_age_groups():
    """Without infant classes 6-24 is one group; an infant class splits it at 12."""
    w = options_world(institutions="city.institutions=[{name:H,district:D0,type:home,places:{mixed:5}},"
                                   "{name:A,district:D0,type:market,places:{older:20}}]")
    f = fam(w)
    assert names(w, f, 8.0)[0] == ["H"]
    opened(w, 1, "public", {"infant": 10})
    assert [(lo, hi) for lo, hi in w.options.bands] == [(6, 12), (12, 24), (24, 36)]
    assert names(w, f, 8.0)[0] == ["D1-public-new1", "H"]
    assert names(w, f, 18.0)[0] == ["H"]


def test_an_institution_opened_before_the_first_ranking_is_found_by_the_build():
    w = options_world()
    opened(w, 0, "public", {"older": 20})
    assert w.options.stale
    assert names(w, fam(w), 30.0)[0][0] == "D0-public-new1"


# -- taste: the first choice follows the logit of the utilities -----------------------------------
def first_choice_shares(w: World, f: Family, age: float, n: int) -> tuple[dict, dict]:
    """Return the share of ``n`` rankings each institution type comes first in, and its logit
    probability: the sum over its candidates of exp(u / sd) / sum of exp(u / sd)."""
    sd = w.params.families.choice.taste_sd
    pw = w.params.families.choice.price_weight / f.income
    classes, fees = oracle(w, f, age)
    expected: dict[str, float] = {}
    for c, fee in zip(classes, fees, strict=True):
        km = float(w.km[f.district.idx, c.inst.district.idx])
        base = w.params.families.choice.type_preference.get(c.inst.type, 0.0) - 0.15 * km
        expected[c.inst.type] = expected.get(c.inst.type, 0.0) + math.exp((base - pw * fee) / sd)
    total = sum(expected.values())
    seen = dict.fromkeys(expected, 0)
    for i in range(n):  # n families alike but for their tastes
        f.taste_key = taste_key(10_000 + i)
        seen[ranked(w, f, age)[0][0].inst.type] += 1
    return {t: k / n for t, k in seen.items()}, {t: v / total for t, v in expected.items()}


@pytest.mark.parametrize("institutions, sd", [(INSTITUTIONS, 0.1), (MANY, 0.3)], ids=["short", "long"])
def test_with_taste_each_option_comes_first_with_its_logit_probability(institutions, sd):
    """Gumbel tastes make the first choice a logit of the utilities (sd the scale). 3,000
    rankings; each type's share within 4.5 binomial standard errors (false alarm about 1e-5 a
    type). A taste of the wrong sign (a Gumbel minimum) moves the home point's share on the
    short list from 0.096 to 0.059: 7 standard errors."""
    w = options_world(f"families.choice.taste_sd={sd}", "families.max_considered=40",
                      institutions=institutions)
    n = 3000
    got, want = first_choice_shares(w, fam(w), 30.0, n)
    for t, p in want.items():
        assert abs(got[t] - p) <= 4.5 * math.sqrt(p * (1 - p) / n) + 1e-12, (t, got, want)


def test_fees_re_read_on_a_long_list_rank_as_the_rule_says():
    """Prices refreshed without a rebuild (a voucher now given everywhere) on the long path."""
    w = options_world("families.max_considered=40", "policy.voucher_per_month=300",
                      "policy.voucher_scope=all", institutions=MANY)
    f = fam(w)
    ranked(w, f, 30.0)
    w.gov.exhaust()  # no voucher for new admissions: every provider fee rises by 300
    assert w.options.prices_stale
    assert ranked(w, f, 30.0) == oracle(w, f, 30.0)
    assert not w.options.stale and ranked(w, f, 30.0)[1][0] == w._provider_fee(
        ranked(w, f, 30.0)[0][0].inst)


def test_tastes_are_fixed_per_family_and_option_so_a_family_ranks_alike_every_time():
    """Each candidate's taste is ``choice.taste(family key, class index, sd)`` added to its
    -utility (ties by distance, then class); the same family ranks again (another age group
    and back, in any order) with the same tastes, so scenarios compared with common random
    numbers give a family the same tastes whatever happened before it ranked."""
    from sim.model.choice import taste

    sd = 0.3
    w = options_world(f"families.choice.taste_sd={sd}")
    pw = w.params.families.choice.price_weight / 8000.0
    f = fam(w, fid=7)
    firsts = []
    for age in (14.0, 30.0, 8.0, 30.0):  # one candidate (H), three, two, three again
        by_distance = sorted(oracle(w, f, age)[0], key=lambda c: (w.km[0, c.inst.district.idx], c.idx))
        rows = []
        for pos, c in enumerate(by_distance):
            km = float(w.km[0, c.inst.district.idx])
            base = w.params.families.choice.type_preference.get(c.inst.type, 0.0) - 0.15 * km
            rows.append((pw * w._provider_fee(c.inst) - base + taste(f.taste_key, c.idx, sd), pos, c))
        got = ranked(w, f, age)[0]
        assert got == [c for _, _, c in sorted(rows, key=lambda r: r[:2])], age
        firsts.append(got)
    assert firsts[1] == firsts[3]


# -- a month's choices ranked together (Options.prerank) ------------------------------------------
def month_of_families(w: World) -> list[Family]:
    """Families of every district, travel limit, income, care mode and age (some with more
    candidates than the short path ranks, some with fewer, some with two age groups in reach)."""
    out, fid = [], 0
    for d in (0, 1, 2):
        for travel in (2.0, 5.0):
            for income in (5000.0, 30000.0):
                for age in (8.0, 11.999, 18.0, 30.0):
                    for units in (2, 1):
                        fid += 1
                        f = fam(w, d=d, income=income, travel=travel, fid=fid)
                        f.start_age, f.units = age, units
                        out.append(f)
    return out


def candidates(w: World, f: Family) -> int:
    """The classes serving ``f``'s start age within its travel limit."""
    return sum(1 for c in w.classes if c.min_age <= f.start_age < c.max_age
               and w.km[f.district.idx, c.inst.district.idx] <= f.travel_km)


def alone(w: World, f: Family, age: float | None = None) -> tuple[list, list[float], list[float]]:
    """``f``'s ranking at ``age`` (its start age by default) computed on its own: a twin
    without a month's-start ranking."""
    twin = fam(w, d=f.district.idx, income=f.income, travel=f.travel_km, fid=f.fid)
    twin.units = f.units
    return w.options.ranked(twin, f.start_age if age is None else age)


HALF = ("families.care_modes={full_day:0.5,half_day:0.5,hourly:0.0}",)
# MANY and 12 more in D0: within 2 km of D0, 29 candidates aged 24-36; within 5 km, 45
MORE = MANY[:-1] + "," + ",".join(f"{{name:X{k},district:D0,type:market,places:{{older:20}}}}"
                                  for k in range(12)) + "]"


@pytest.mark.parametrize("considered", [8, 40])
def test_families_ranked_together_at_the_months_start_get_what_they_would_alone(considered):
    """Rows of one array per district and age group, each masked at its own travel limit (29
    and 45 candidates in one group) with its own price weight, taste key and (half-day) fees:
    every ranking, fee and disutility is the one the family computes alone, bit for bit.
    Families with few candidates (the short path: 24 or fewer) rank alone, nothing stored."""
    w = options_world(f"families.max_considered={considered}", "families.choice.taste_sd=0.3", *HALF,
                      institutions=MORE)
    fams = month_of_families(w)
    want = [alone(w, f) for f in fams]
    w.options.prerank(fams)
    stored = [f.pre is not None for f in fams]
    assert 0 < sum(stored) < len(fams)
    for f, s in zip(fams, stored, strict=True):
        assert s == (candidates(w, f) > 24), f.fid
    batched_d0 = {candidates(w, f) for f, s in zip(fams, stored, strict=True) if s and f.district.idx == 0}
    assert batched_d0 == {29, 45}
    got = [w.options.ranked(f, f.start_age) for f in fams]
    assert got == want
    assert all(f.pre is None for f in fams)  # used once


@pytest.mark.parametrize("change", ["prices", "opening", "closure", "age"])
def test_a_ranking_from_the_months_start_is_not_used_once_the_options_or_the_age_group_changed(change):
    """Fees re-read (vouchers exhausted), an institution opened or closed, or a child who seeks
    care in another age group than its start age: the family ranks afresh, as the rule says."""
    both = MANY.replace("places:{older:20}", "places:{toddler:15,older:20}")  # 33 candidates in each group
    w = options_world("families.max_considered=40", "families.choice.taste_sd=0.3",
                      "policy.voucher_per_month=300", "policy.voucher_scope=all", institutions=both)
    f = fam(w, d=0, travel=5.0)
    f.start_age = 30.0
    w.options.prerank([f])
    assert f.pre is not None
    age = 30.0
    if change == "prices":
        w.gov.exhaust()
    elif change == "opening":
        opened(w, 0, "affordable", {"older": 20})
    elif change == "closure":
        w.providers.close([c.inst for c in w.options.ranked(fam(w, d=0, travel=5.0, fid=f.fid), 30.0)[0][:1]])
    else:
        age = 18.0  # the toddler group: as many candidates, other classes
    assert w.options.ranked(f, age) == alone(w, f, age)
