"""Structured configuration: every key a user can set, with its type and default.

These dataclasses are registered with Hydra's ConfigStore (:func:`sim.config.load.register`),
so composition rejects unknown keys and wrong types; :mod:`sim.config.validate` then checks
ranges and cross-references. The same objects, once validated, are frozen (:func:`freeze`)
and become the run's parameters: the model receives them and cannot change them (assigning
an attribute, or changing a list or mapping inside, raises). Defaults and their sources are
documented in the YAML files under ``configs/``; values here are neutral fall-backs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.params.frozen import Frozen, FrozenDict, FrozenError, FrozenList, freeze, thaw
from sim.params.quality import QualityConfig
from sim.params.supply import CapacityConfig, EconomicsConfig

__all__ = [  # re-exported: the frozen base, the supply-side and quality configs live in their own modules
    "CapacityConfig", "EconomicsConfig", "QualityConfig",
    "Frozen", "FrozenDict", "FrozenError", "FrozenList", "freeze", "thaw",
]

MISSING: Any = "???"
DISCIPLINES = ("fifo", "lottery", "points", "deferred_acceptance")  # sim.model.allocation
INTAKES = ("rolling", "annual")  # when a provider type admits (city.types.<type>.intake)
INCOME_GROUPS = 20  # city-wide income groups (twentieths) the run measures (sim.model.equity)
ACCEPT_RULES = ("first_free", "hold_out", "accept_and_transfer")  # families.accept_rule
CARE_MODES = ("full_day", "half_day", "hourly")  # families.care_modes
CLOSURE_RULES = ("outlook", "deficits")  # economics.closure_rule


def accept_rule_shares(value: Any) -> tuple[float, ...]:
    """Return the shares of families per accept rule (``ACCEPT_RULES`` order).

    ``families.accept_rule`` is one rule's name (every family follows it) or a mapping of
    rule names to shares (a mixture). Raises ValueError naming the problem otherwise.
    """
    if isinstance(value, str):
        if value not in ACCEPT_RULES:
            raise ValueError(f"must be one of {', '.join(ACCEPT_RULES)} or a mapping of them to shares, "
                             f"got {value!r}")
        return tuple(1.0 if r == value else 0.0 for r in ACCEPT_RULES)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in ACCEPT_RULES]
        if unknown:
            raise ValueError(f"unknown accept rule {unknown[0]!r} (choose from {', '.join(ACCEPT_RULES)})")
        return tuple(float(value.get(r, 0.0)) for r in ACCEPT_RULES)
    raise ValueError(f"must be a rule name or a mapping of rule names to shares, got {value!r}")


@dataclass
class DistSpec(Frozen):
    """A distribution written as a small mapping, e.g. ``{dist: exponential, mean: 12}``."""

    dist: str = "fixed"
    value: float | None = None
    mean: float | None = None
    median: float | None = None
    sigma: float | None = None
    sd: float | None = None
    cv: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class BandSpec(Frozen):
    """An age class standard: ages [min_age, max_age) months, group cap, caregiver ratio."""

    min_age: float = 0.0
    max_age: float = 36.0
    cap: int = 20
    ratio: float = 7.0


@dataclass
class InstitutionTypeSpec(Frozen):
    """A kind of provider: ownership, affordable status, fee and its usual classes."""

    sector: str = "private"
    affordable: bool = False
    fee_per_month: float = 3000.0
    classes: dict[str, int] = field(default_factory=dict)
    overhead_per_month: float = 15000.0
    rent_per_place_month: float | None = None
    intake: str = "rolling"
    half_day_fee_share: float = 0.6
    hourly_fee_share: float = 0.01
    owner_operators: int = 0  # caregiver posts filled by owners who earn the surplus, not a wage
    reserved: bool = False  # places only for eligible families (employer-run: employees' children)


@dataclass
class DistrictSpec(Frozen):
    """One district of a city."""

    name: str = MISSING
    population: float = MISSING
    births_per_year: float = MISSING
    median_income: float = 8700.0
    income_sigma: float = 0.5
    dual_earner_share: float = 0.6
    grandparent_share: float = 0.5
    x_km: float = 0.0
    y_km: float = 0.0
    area_km2: float | None = None  # None: a disc whose mean trip is city.intra_district_km (sim.model.access)
    places_per_1000: float = 4.08
    fee_index: float = 1.0
    cost_index: float | None = None
    need_shift: float = 0.0
    type_mix: dict[str, float] = field(default_factory=dict)
    stratum: str = "urban"  # urban or rural: the by_group.parquet stratum (issue 15)


@dataclass
class InstitutionSpec(Frozen):
    """An existing institution: name, district, type and licensed places per age band."""

    name: str = MISSING
    district: str = MISSING
    type: str = MISSING
    places: dict[str, int] = field(default_factory=dict)
    x_km: float | None = None  # its position; None: drawn in its district (sim.model.access)
    y_km: float | None = None


@dataclass
class CityConfig(Frozen):
    """The city: districts, births path, age-class standards, provider types, supply."""

    name: str = "city"
    scale: float = 1.0
    districts: list[DistrictSpec] = field(default_factory=list)
    districts_csv: str | None = None
    institutions: list[InstitutionSpec] = field(default_factory=list)
    institutions_csv: str | None = None
    births_index: list[float] = field(default_factory=list)
    births_index_year: int | None = None
    births_growth_per_year: float = 0.0
    distance_km: list[list[float]] | None = None
    intra_district_km: float = 2.0
    bands: dict[str, BandSpec] = field(default_factory=dict)
    types: dict[str, InstitutionTypeSpec] = field(default_factory=dict)
    type_mix: dict[str, float] = field(default_factory=dict)
    # The 19 inner cuts of the city-wide income twentieths (sim.model.equity); None: computed
    # from the districts. A shard (sim.experiment.shards) sets the whole city's cuts.
    income_cuts: list[float] | None = None


@dataclass
class NeedSpec(Frozen):
    """Logistic need for care: logit p = intercept + b_dual*dual + b_gp*gp + b_inc*log(y/ymed)."""

    intercept: float = -0.7
    dual_earner: float = 1.0
    grandparent: float = -1.3
    log_income: float = 0.4
    override: float | None = None


@dataclass
class PriceResponseSpec(Frozen):
    """Take-up given need: p = 1 / (1 + (burden / burden50) ** steepness)."""

    enabled: bool = True
    burden50: float = 0.3
    steepness: float = 3.0


@dataclass
class ChoiceSpec(Frozen):
    """Utility of an option: -price*fee/income - distance*km + type preference + taste."""

    price_weight: float = 4.0
    distance_weight_per_km: float = 0.15
    type_preference: dict[str, float] = field(default_factory=dict)
    taste_sd: float = 0.3


@dataclass
class FamiliesConfig(Frozen):
    """Families: arrivals, attributes, need, choice, waiting and leaving."""

    arrivals: str = "poisson"
    start_age: DistSpec = field(default_factory=lambda: DistSpec("uniform", low=6.0, high=30.0))
    patience: DistSpec = field(default_factory=lambda: DistSpec("exponential", mean=6.0))
    stay: DistSpec = field(default_factory=lambda: DistSpec("never"))
    age_out_months: float | None = 36.0
    move_hazard_per_month: float = 0.005
    fee_exit_burden: float = 0.35
    fee_exit_hazard_per_month: float = 0.05
    travel_limit_km: DistSpec = field(default_factory=lambda: DistSpec("fixed", value=5.0))
    max_waitlists: int = 3
    max_considered: int = 10
    accept_rule: Any = "first_free"
    hold_out_slack: DistSpec = field(default_factory=lambda: DistSpec("exponential", mean=0.5))
    single_parent_share: float = 0.0
    sibling_share: float = 0.0
    employer_eligible_share: float = 0.2  # families eligible for reserved (employer-run) places
    care_modes: dict[str, float] = field(
        default_factory=lambda: {"full_day": 1.0, "half_day": 0.0, "hourly": 0.0})
    hourly_requests_per_month: float = 4.0
    hourly_hours_per_request: float = 4.0
    need: NeedSpec = field(default_factory=NeedSpec)
    price_response: PriceResponseSpec = field(default_factory=PriceResponseSpec)
    choice: ChoiceSpec = field(default_factory=ChoiceSpec)


@dataclass
class StaffConfig(Frozen):
    """Caregivers: whether they bind, initial staffing, quits, recruitment."""

    binding: bool = True
    staffing: str = "demand"
    spare_caregivers_per_class: int = 1
    initial_fill: float = 1.0
    quit_hazard_per_month: float = 0.03
    recruitment_delay: DistSpec = field(default_factory=lambda: DistSpec("exponential", mean=2.0))
    wage_per_month: float = 5800.0


@dataclass
class PointsSpec(Frozen):
    """Priority points of the ``points`` and ``deferred_acceptance`` disciplines (more first)."""

    dual_earner: float = 0.0
    single_parent: float = 0.0
    low_income: float = 0.0
    sibling: float = 0.0
    displaced: float = 0.0
    in_district: float = 0.0
    low_income_below: float = 0.6


@dataclass
class AllocationConfig(Frozen):
    """Who gets a place: the waitlist discipline, priority points, the annual intake month."""

    discipline: str = "fifo"
    intake_month: int = 9
    points: PointsSpec = field(default_factory=PointsSpec)


@dataclass
class PolicyConfig(Frozen):
    """Government levers: family subsidies, vouchers, provider subsidies, fee caps, budget."""

    name: str = "baseline"
    family_subsidy_per_year: float = 0.0
    voucher_per_month: float = 0.0
    voucher_scope: str = "affordable"
    operating_subsidy_per_child_month: float = 0.0
    # provider type -> yuan per enrolled child per month (types not listed: the rate above)
    operating_subsidy_by_type: dict[str, float] = field(default_factory=dict)
    place_subsidy_per_year: float = 0.0
    entry_grant_per_place: float = 0.0  # construction grant to a market entrant of an affordable type
    fee_cap: float | None = None
    fee_cap_basis: str = "yuan"
    budget_per_year: float | None = None
    # dated changes of the levers above: [{from: "YYYY-MM", <lever>: value, ...}] (sim.params.timeline)
    timeline: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class QueueConfig(Frozen):
    """The five keys of ``scenario=queue`` (mapped onto ordinary keys by interpolation)."""

    arrival_rate: float = 9.0
    mean_stay_months: float = 1.0
    places: int = 10
    waitlist: bool = True
    mean_patience_months: float | None = None


@dataclass
class AccessConfig(Frozen):
    """Access within reach (sim.model.access): reach, what counts as a short waitlist, sample points."""

    reach_km: float = 1.0
    short_waitlist: int = 3
    sample_points: int = 64
    places_target_per_1000: float = 4.5


@dataclass
class ObjectiveConfig(Frozen):
    """What a run returns to a sweeper (Hydra's Optuna sweeper; sim.experiment.objective)."""

    kpis: list[str] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)
    constraints: list[dict[str, Any]] = field(default_factory=list)
    penalty: list[float] = field(default_factory=list)


@dataclass
class RunConfig(Frozen):
    """How long and how often to run."""

    horizon_months: float = 120.0
    warmup_months: float = 0.0
    burnin_months: float = 36.0
    start_year: int = 2024
    replications: int = 1
    jobs: int = 1
    progress: bool = True
    max_memory_gb: float | None = None  # None: 80% of this machine's memory (sim.experiment.budget)
    max_hours: float = 12.0  # a run estimated to take longer is refused unless this is raised


@dataclass
class Config(Frozen):
    """The whole run configuration."""

    seed: int = 42
    run: RunConfig = field(default_factory=RunConfig)
    city: CityConfig = field(default_factory=CityConfig)
    families: FamiliesConfig = field(default_factory=FamiliesConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    allocation: AllocationConfig = field(default_factory=AllocationConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    capacity: CapacityConfig = field(default_factory=CapacityConfig)
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    access: AccessConfig = field(default_factory=AccessConfig)
    queue: QueueConfig | None = None
