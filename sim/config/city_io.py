"""Reading a planner's city from CSV files: districts and existing institutions.

``districts.csv`` needs the columns ``name, population, births_per_year`` and may carry any
other district key (``median_income``, ``x_km``, ``places_per_1000``, ...).
``institutions.csv`` needs ``name, district, type`` and one ``places_<band>`` column per age
band it offers (e.g. ``places_infant``). A malformed file is a :class:`ConfigError` naming the
file, the line and the column.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from sim.config.errors import ConfigError
from sim.params.schema import DistrictSpec, InstitutionSpec

_DISTRICT_FIELDS = {f.name: f for f in dataclasses.fields(DistrictSpec)}
_NUMERIC = {n for n, f in _DISTRICT_FIELDS.items() if f.type in ("float", float)}


def _read_rows(key: str, path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.is_file():
        raise ConfigError(key, f"file not found: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            rows = []
            for row in reader:
                if None in row:
                    raise ConfigError(key, f"{path.name}: line {reader.line_num}: more values than columns")
                rows.append({k.strip(): (v or "").strip() for k, v in row.items()})
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(key, f"{path.name}: not a readable CSV file ({exc})") from None
    if not header:
        raise ConfigError(key, f"{path.name}: empty file (no header row)")
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise ConfigError(key, f"{path.name}: column '{dup[0]}' appears more than once")
    return header, rows


def _number(key: str, path: Path, line: int, col: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(key, f"{path.name}: line {line}: {col}: '{text}' is not a number") from None


def read_districts(path: Path, key: str = "city.districts_csv") -> list[DistrictSpec]:
    """Return the districts listed in a CSV file."""
    header, rows = _read_rows(key, path)
    for need in ("name", "population", "births_per_year"):
        if need not in header:
            raise ConfigError(key, f"{path.name}: missing column '{need}'")
    unknown = [h for h in header if h not in _DISTRICT_FIELDS or h == "type_mix"]
    if unknown:
        raise ConfigError(key, f"{path.name}: unknown column '{unknown[0]}'")
    out = []
    for i, row in enumerate(rows, start=2):
        values: dict[str, object] = {}
        for col, text in row.items():
            if col == "name":
                if not text:
                    raise ConfigError(key, f"{path.name}: line {i}: name is empty")
                values[col] = text
            elif text != "":
                values[col] = _number(key, path, i, col, text)
        out.append(DistrictSpec(**values))  # type: ignore[arg-type]
    if not out:
        raise ConfigError(key, f"{path.name}: no districts")
    return out


def read_institutions(path: Path, key: str = "city.institutions_csv") -> list[InstitutionSpec]:
    """Return the institutions listed in a CSV file."""
    header, rows = _read_rows(key, path)
    for need in ("name", "district", "type"):
        if need not in header:
            raise ConfigError(key, f"{path.name}: missing column '{need}'")
    bands = [h for h in header if h.startswith("places_")]
    unknown = [h for h in header if h not in ("name", "district", "type") and h not in bands]
    if unknown:
        raise ConfigError(key, f"{path.name}: unknown column '{unknown[0]}'")
    out = []
    for i, row in enumerate(rows, start=2):
        places = {}
        for col in bands:
            if row[col] != "":
                v = _number(key, path, i, col, row[col])
                if v < 0 or v != int(v):
                    raise ConfigError(key, f"{path.name}: line {i}: {col}: must be a whole number >= 0")
                places[col.removeprefix("places_")] = int(v)
        for col in ("name", "district", "type"):
            if not row[col]:
                raise ConfigError(key, f"{path.name}: line {i}: {col} is empty")
        out.append(InstitutionSpec(row["name"], row["district"], row["type"], places))
    if not out:
        raise ConfigError(key, f"{path.name}: no institutions (a header but no rows)")
    return out
