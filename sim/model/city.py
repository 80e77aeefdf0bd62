"""The physical city: districts, institutions and their age classes, built from config.

Institutions are either listed (``city.institutions`` or a CSV) or generated per district
from ``places_per_1000`` and the type mix: each type has a standard set of classes (group
caps from the 2019 standards, calibration/china.md section 5), so a district's licensed
places come out as whole classes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.model.accounts import Account
from sim.model.allocation import Waitlist
from sim.model.fees import list_fee
from sim.model.staff import required_caregivers
from sim.params.schema import BandSpec, CityConfig, DistrictSpec, InstitutionSpec


class District:
    """A district at run time: its inputs and the births drawn in it (children under 3)."""

    __slots__ = ("idx", "spec", "population", "cum_births", "cum_lo", "cum_hi", "next_regular", "drawn_until")

    def __init__(self, idx: int, spec: DistrictSpec) -> None:
        self.idx = idx
        self.spec = spec
        self.population = float(spec.population)
        self.cum_births: dict[int, int] = {}  # month m -> births in all months before m
        self.cum_lo = 0  # smallest and largest month in cum_births (when not empty)
        self.cum_hi = 0
        self.next_regular: float | None = None
        self.drawn_until = -math.inf

    def add_births(self, month: int, n: int) -> None:
        """Record ``n`` births in ``month`` (months arrive in order, possibly years ahead)."""
        cum = self.cum_births
        if cum:
            before = cum.get(month, cum[self.cum_hi])
        else:
            before = 0
            self.cum_lo = month
        cum[month] = before
        cum[month + 1] = before + n
        if month + 1 > self.cum_hi or len(cum) == 2:
            self.cum_hi = month + 1

    def children_under3(self, month: int) -> int:
        """Return the children born in the 36 months before ``month`` (ages 0-36 at it).

        Months are asked in order; months more than a year before the current window are
        then never needed again and are dropped, so memory does not grow with time.
        """
        cum = self.cum_births
        if not cum:
            return 0
        lo_m = month - 36
        first, last = self.cum_lo, self.cum_hi
        if lo_m - 12 > first:
            for m in range(first, min(lo_m - 12, last)):
                del cum[m]
            first = self.cum_lo = min(lo_m - 12, last)
        hi = cum[min(month, last)] if month >= first else 0
        lo = cum[lo_m] if first <= lo_m <= last else (0 if lo_m < first else cum[last])
        return hi - lo


class AgeClass:
    """One age class of an institution: places, staff, waitlist, and its enrolment over time.

    The class is the one home of its counts (licensed, usable, caregivers, enrolled and the
    half places its children use, ``load``: a half-day child uses half a place), changed
    only by :class:`sim.model.places.Places`. It integrates its own enrolment (child-months,
    and the fees and vouchers of the children in it) between events; the institution's
    account sums its classes when the month closes. ``levels`` are the time-weighted levels
    of its district and provider type that its changes feed.
    """

    __slots__ = (
        "idx", "inst", "band", "min_age", "max_age", "licensed", "ratio", "caregivers",
        "pending_hires", "enrolled", "load", "usable", "waitlist", "transfers", "children", "target",
        "required", "te", "fee_rate", "voucher_rate", "child_area", "fee_area", "voucher_area", "levels",
        "room", "in_use", "crew",
    )

    def __init__(self, idx: int, inst: Institution, band: str, spec: BandSpec, places: int) -> None:
        self.idx = idx
        self.inst = inst
        self.band = band
        self.min_age = float(spec.min_age)
        self.max_age = float(spec.max_age)
        self.licensed = int(places)
        self.ratio = float(spec.ratio)
        self.caregivers = 0
        self.pending_hires = 0
        self.target = 0
        self.enrolled = 0  # children in the class
        self.load = 0  # half places in use: 2 per full-day child, 1 per half-day child
        self.usable = 0
        self.waitlist = Waitlist()
        self.transfers: list[Any] = []
        self.children: dict[Any, None] = {}  # insertion-ordered: deterministic iteration
        self.required = 0  # caregivers needed to staff every licensed place
        self.te = -math.inf  # enrolment integrated up to te
        self.fee_rate = self.voucher_rate = 0.0
        self.child_area = self.fee_area = self.voucher_area = 0.0
        self.levels: Any = None
        self.room = int(spec.cap)  # places per room (the group cap): rooms close and reopen whole
        self.in_use = self.licensed  # licensed places in rooms in use (closed rooms keep their licence)
        self.crew: list[Any] = []  # caregiver records in post (sim.model.workforce; only when enabled)

    def required_caregivers(self) -> int:
        """Return the caregivers needed to staff every licensed place."""
        return required_caregivers(self.licensed, self.ratio)

    def integrate(self, t: float) -> None:
        """Integrate the enrolment rates (children, their fees and vouchers) up to time ``t``."""
        dt = t - self.te
        if dt > 0:
            self.child_area += self.enrolled * dt
            self.fee_area += self.fee_rate * dt
            self.voucher_area += self.voucher_rate * dt
            self.te = t


class Institution:
    """A provider: type, district, fee, its age classes and its intake calendar."""

    __slots__ = ("idx", "name", "district", "type", "type_idx", "sector", "affordable", "fee", "list_fee",
                 "classes", "acct", "open", "annual", "half_share", "hourly_share", "premises", "rent_share",
                 "x_km", "y_km")

    def __init__(self, idx: int, name: str, district: District, type_name: str,
                 sector: str, affordable: bool, fee: float, t0: float = 0.0, type_idx: int = 0,
                 annual: bool = False) -> None:
        self.idx = idx
        self.name = name
        self.district = district
        self.type = type_name
        self.sector = sector
        self.affordable = affordable
        self.fee = fee
        self.list_fee = fee  # the fee before any cap (a cap lifted on a date restores it)
        self.type_idx = type_idx
        self.classes: list[AgeClass] = []
        self.acct = Account(self.classes, t0)
        self.open = True
        self.annual = annual  # admits new children only at the intake round and from its waitlist
        self.half_share = 0.6  # half-day fee as a share of the fee; an hour of hourly care, ditto
        self.hourly_share = 0.01
        self.premises = type_name  # the type whose premises (rent) it has: a conversion keeps its lease
        self.rent_share = 1.0  # of that rent it pays (conversion relief: economics.conversion_rent_share)
        self.x_km: float | None = None  # its position (km); None until given or drawn (sim.model.access)
        self.y_km: float | None = None

    @property
    def licensed(self) -> int:
        """Licensed places over all classes."""
        return sum(c.licensed for c in self.classes)


def scaled_district(spec: DistrictSpec, scale: float) -> DistrictSpec:
    """Return the district as simulated at sample ``scale``: population and births scaled."""
    if scale == 1.0:
        return spec
    return dataclasses.replace(spec, population=spec.population * scale,
                               births_per_year=spec.births_per_year * scale)


def distance_matrix(city: CityConfig, districts: Sequence[DistrictSpec]) -> np.ndarray:
    """Return km between districts: the given matrix, or Euclidean from coordinates.

    The diagonal is replaced by ``intra_district_km`` (a typical trip within a district).
    """
    n = len(districts)
    if city.distance_km is not None:
        km = np.array(city.distance_km, dtype=float)
    else:
        xy = np.array([[d.x_km, d.y_km] for d in districts], dtype=float).reshape(n, 2)
        km = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    km = km.copy()
    np.fill_diagonal(km, city.intra_district_km)
    return km


def type_size(city: CityConfig, type_name: str) -> dict[str, int]:
    """Return licensed places per band of one standard institution of ``type_name``."""
    t = city.types[type_name]
    return {band: n * int(city.bands[band].cap) for band, n in t.classes.items()}


def generated_institutions(city: CityConfig, districts: Sequence[DistrictSpec]) -> list[InstitutionSpec]:
    """Generate institutions so each district has about ``places_per_1000`` places.

    Places of each type are ``population/1000 * places_per_1000 * share``, rounded to whole
    institutions of the type's standard size (at least one when the share is positive and
    the district is large enough to fill half of one).
    """
    out: list[InstitutionSpec] = []
    for d in districts:
        mix = d.type_mix or city.type_mix
        total = d.population / 1000.0 * d.places_per_1000
        for tname, share in mix.items():
            size = type_size(city, tname)
            per_inst = sum(size.values())
            if per_inst <= 0 or share <= 0:
                continue
            n = int(round(total * share / per_inst))
            for k in range(n):
                out.append(InstitutionSpec(f"{d.name}-{tname}-{k + 1}", d.name, tname, dict(size)))
    return out


def build_institution(city: CityConfig, district: District, spec: InstitutionSpec, idx: int,
                      first_class_idx: int, t0: float) -> Institution:
    """Create one run-time institution (list fee, no fee cap yet) and its classes."""
    t = city.types[spec.type]
    fee = list_fee(t.fee_per_month, district.spec.fee_index)
    inst = Institution(idx, spec.name, district, spec.type, t.sector, t.affordable, fee, t0,
                       list(city.types).index(spec.type), t.intake == "annual")
    inst.half_share, inst.hourly_share = t.half_day_fee_share, t.hourly_fee_share
    inst.x_km, inst.y_km = spec.x_km, spec.y_km
    places = spec.places or type_size(city, spec.type)
    k = first_class_idx
    for band, n in places.items():
        if n > 0:
            c = AgeClass(k, inst, band, city.bands[band], n)
            c.te = t0
            inst.classes.append(c)
            k += 1
    inst.classes.sort(key=lambda c: c.min_age)
    return inst


def build_institutions(city: CityConfig, districts: list[District], specs: Sequence[InstitutionSpec],
                       t0: float) -> tuple[list[Institution], list[AgeClass]]:
    """Create the run-time institutions and their classes from specs."""
    by_name = {d.spec.name: d for d in districts}
    insts: list[Institution] = []
    classes: list[AgeClass] = []
    for spec in specs:
        inst = build_institution(city, by_name[spec.district], spec, len(insts), len(classes), t0)
        insts.append(inst)
        classes.extend(inst.classes)
    return insts, classes
