"""Small, fast scenarios for model and property tests, written as Hydra overrides.

A scenario here is a list of override strings on the default configuration: a tiny city of a
few districts (so a run takes a fraction of a second), short horizons, and, where a test
needs a fixed supply of places, providers' economics switched off (no closures, no market
entry) so that the places a test sets are the places the run has.
"""

from __future__ import annotations

from collections.abc import Sequence

SHORT = ("run.horizon_months=36", "run.burnin_months=24")
TINY = ("run.horizon_months=24", "run.burnin_months=12")
FIXED_SUPPLY = ("economics.enabled=false",)
# Every provider type admits all year (the admissions before issue 12's intake calendars).
ROLLING = tuple(f"city.types.{t}.intake=rolling" for t in ("public", "affordable", "kindergarten"))


def district(name: str, *, population: float = 100_000, births_per_year: float = 600,
             places_per_1000: float = 3.0, x_km: float = 0.0, y_km: float = 0.0) -> str:
    """Return one district as an inline Hydra mapping."""
    return (f"{{name:{name},population:{population},births_per_year:{births_per_year},"
            f"places_per_1000:{places_per_1000},x_km:{x_km},y_km:{y_km}}}")


def city(places_per_1000: Sequence[float] = (3.0, 3.0), births_per_year: Sequence[float] = (600, 600),
         spacing_km: float = 4.0) -> list[str]:
    """Return the override of a small city: one district per entry, ``spacing_km`` apart."""
    ds = [district(f"D{i}", births_per_year=b, places_per_1000=p, x_km=spacing_km * i)
          for i, (p, b) in enumerate(zip(places_per_1000, births_per_year, strict=True))]
    return [f"city.districts=[{','.join(ds)}]"]


def small(*extra: str, places_per_1000: Sequence[float] = (3.0, 3.0),
          births_per_year: Sequence[float] = (600, 600), horizon: Sequence[str] = SHORT,
          fixed_supply: bool = True) -> list[str]:
    """Return the overrides of a small two-district scenario plus ``extra``."""
    out = city(places_per_1000, births_per_year) + list(horizon)
    if fixed_supply:
        out += list(FIXED_SUPPLY)
    return out + list(extra)
