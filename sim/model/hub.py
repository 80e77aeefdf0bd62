"""The "1" of "1+N": the comprehensive childcare service centre (综合托育服务中心) of a city.

China's 2025 national guideline makes one comprehensive centre per city (or county) the hub
of a "1+N" network; 48 had been built at prefecture level or above by 2023 (calibration/
china.md s.1, "Comprehensive childcare service centres", conf. H). In the simulator a city
config is one city or county, so it has at most one hub to open: with ``capacity.hub`` on,
at each planning round of the capacity programme (the first one normally does it) the
government orders one institution of provider type ``hub`` (``city.types.hub``: public,
affordable, annual intake, its own classes) when the city has none open and none on order,
in the district with the most children under 3 (ties: the first district). It is ordered
like the programme's other places (:meth:`sim.model.provider.Providers.order` with
``programme=True``, channel ``hub`` in :attr:`sim.model.capacity.CapacityProgramme.built`),
opens after ``capacity.build_lead_months`` and counts towards the places target; its grant
is ``capacity.hub_grant_per_place`` per licensed place (a budget commitment booked as
construction; the scale of the central grant of about 10,000 yuan per new affordable place,
china.md s.4, conf. L; assumption). A refused commitment is tried again at the next round.

Beyond its own places the hub trains caregivers for the area and visits other providers to
guide them. Each month, for every open hub, the government pays
``capacity.hub_services_per_year / 12`` from the budget (cost kind ``hub``, after the family
subsidy, before the provider schemes); at the share paid the hub delivers
``hub_training_places_per_year / 12`` caregiver training places and
``hub_guidance_visits_per_year / 12`` guidance visits; with ``quality.enabled`` the training
places train unqualified caregivers and the visits count in the visited providers' quality
scores (:mod:`sim.model.quality`), otherwise they are only counted. A hub that closes stops
costing and delivering. Its own
deficits, as a public provider's, are covered outside the budget (cost kind
``public_providers``; also counted here for the hub's cost). Amounts are assumptions
(``configs/capacity/``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.model.city import type_size

if TYPE_CHECKING:
    import simpy

    from sim.model.capacity import CapacityProgramme
    from sim.model.city import District, Institution
    from sim.model.government import Government
    from sim.model.provider import Providers
    from sim.params.schema import CityConfig

HUB = "hub"  # the provider type (city.types) and the programme channel of the hub


class Hub:
    """Opens the city's comprehensive centre and pays for (and counts) its services."""

    def __init__(self, env: simpy.Environment, city: CityConfig, districts: Sequence[District],
                 gov: Government, providers: Providers, programme: CapacityProgramme) -> None:
        self.env = env
        self.city = city
        self.districts = districts
        self.gov = gov
        self.providers = providers
        self.programme = programme  # its levers in force (``capacity.*``, timeline included)
        self.ordered = 0  # hubs ordered by the government
        self.opens_at = -math.inf  # when the last hub ordered opens (on order until then)
        self.since: dict[int, float] = {}  # open hub (institution index) -> when its services began
        self.grants = 0.0  # construction grants committed for hubs in the window
        self.training_places = 0.0  # delivered in the window
        self.guidance_visits = 0.0
        self.month_training = self.month_visits = 0.0  # delivered in the month just closed (for quality)

    def hubs(self, institutions: Sequence[Institution]) -> list[Institution]:
        """Return the open institutions of type ``hub``."""
        return [i for i in institutions if i.open and i.type == HUB]

    def plan(self, in_window: bool) -> None:
        """A planning round: order the hub when the lever is on and the city has none open or on order."""
        on_order = self.env.now <= self.opens_at
        if not self.programme.cap.hub or on_order or self.hubs(self.providers.institutions):
            return
        size = type_size(self.city, HUB)
        places = sum(size.values())
        month = int(round(self.env.now))
        d = max(self.districts, key=lambda d: (d.children_under3(month), -d.idx))
        if places <= 0 or not self.gov.commit(places * self.programme.cap.hub_grant_per_place, in_window, d):
            return
        if in_window:
            self.grants += places * self.programme.cap.hub_grant_per_place
        lead = self.programme.cap.build_lead_months
        self.providers.order(d, HUB, size, lead, programme=True)
        self.programme.built[HUB] = self.programme.built.get(HUB, 0) + places
        self.ordered += 1
        self.opens_at = self.env.now + lead

    def close_month(self, t: float, in_window: bool, institutions: Sequence[Institution]) -> None:
        """Pay the month's services of the open hubs (within the budget) and count what they deliver."""
        cap = self.programme.cap
        months = {h.idx: self.months_open(h, t) for h in self.hubs(institutions)}
        n = sum(months.values())
        due = cap.hub_services_per_year / 12.0 * n
        self.month_training = self.month_visits = 0.0
        if due <= 0:
            return
        share = self.gov.pay(HUB, due, in_window)
        for h in self.hubs(institutions):
            self.gov.month_cost[h.district.idx] += cap.hub_services_per_year / 12.0 * months[h.idx] * share
        self.month_training = cap.hub_training_places_per_year / 12.0 * n * share
        self.month_visits = cap.hub_guidance_visits_per_year / 12.0 * n * share
        if in_window:
            self.training_places += self.month_training
            self.guidance_visits += self.month_visits

    def months_open(self, h: Institution, t: float) -> float:
        """Return the part of the month ending at ``t`` that hub ``h`` was open (its services run)."""
        since = self.since.setdefault(h.idx, self.opens_at if t - 1.0 < self.opens_at <= t else -math.inf)
        return min(1.0, t - since)

    def kpis(self, institutions: Sequence[Institution]) -> dict[str, float]:
        """Return the hub's KPIs: places of open hubs now, what they delivered and what they cost."""
        gov = self.gov
        return {
            "hub_places": sum(i.licensed for i in self.hubs(institutions)),
            "hubs_ordered": self.ordered,
            "hub_training_places": self.training_places,
            "hub_guidance_visits": self.guidance_visits,
            "hub_public_cost": self.grants + gov.cost[HUB] + gov.hub_deficits,
        }
