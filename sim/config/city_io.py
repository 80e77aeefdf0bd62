"""Reading a planner's city from CSV files: districts and existing institutions.

``districts.csv`` needs the columns ``name, population, births_per_year`` and may carry any
other district key (``median_income``, ``x_km``, ``places_per_1000``, ...).
``institutions.csv`` needs ``name, district, type`` and one ``places_<band>`` column per age
band it offers (e.g. ``places_infant``); ``x_km, y_km`` (its position) are optional. A
malformed file is a :class:`ConfigError` naming the file, the line and the column; so is a
value the range checks refuse in a CSV row (:func:`csv_error` turns
``city.districts.3.population`` into the file's line 5).
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sim.config.errors import ConfigError
from sim.params.schema import DistrictSpec, InstitutionSpec

_DISTRICT_FIELDS = {f.name: f for f in dataclasses.fields(DistrictSpec)}
_NUMERIC = {n for n, f in _DISTRICT_FIELDS.items() if f.type in ("float", float)}
_POSITION = ("x_km", "y_km")  # an institution's optional position (both or neither; validate.py checks)


@dataclass(frozen=True)
class CsvRows:
    """Where a list of the city came from: its key, the file and the line of each row."""

    key: str  # city.districts_csv or city.institutions_csv
    path: Path
    lines: tuple[int, ...]


def _read_rows(key: str, path: Path) -> tuple[list[str], list[dict[str, str]], list[int]]:
    if not path.is_file():
        raise ConfigError(key, f"file not found: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            rows, lines = [], []
            for row in reader:
                if None in row:
                    raise ConfigError(key, f"{path.name}: line {reader.line_num}: more values than columns")
                rows.append({k.strip(): (v or "").strip() for k, v in row.items()})
                lines.append(reader.line_num)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(key, f"{path.name}: not a readable CSV file ({exc})") from None
    if not header:
        raise ConfigError(key, f"{path.name}: empty file (no header row)")
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise ConfigError(key, f"{path.name}: column '{dup[0]}' appears more than once")
    return header, rows, lines


def _number(key: str, path: Path, line: int, col: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(key, f"{path.name}: line {line}: {col}: '{text}' is not a number") from None


def read_districts_rows(path: Path, key: str = "city.districts_csv") -> tuple[list[DistrictSpec], CsvRows]:
    """Return the districts listed in a CSV file and the line of each."""
    header, rows, lines = _read_rows(key, path)
    for need in ("name", "population", "births_per_year"):
        if need not in header:
            raise ConfigError(key, f"{path.name}: missing column '{need}'")
    unknown = [h for h in header if h not in _DISTRICT_FIELDS or h == "type_mix"]
    if unknown:
        raise ConfigError(key, f"{path.name}: unknown column '{unknown[0]}'")
    out = []
    for i, row in zip(lines, rows, strict=True):
        values: dict[str, object] = {}
        for col, text in row.items():
            if col == "name":
                if not text:
                    raise ConfigError(key, f"{path.name}: line {i}: name is empty")
                values[col] = text
            elif col == "stratum":  # a label (urban or rural), checked with the district
                if text:
                    values[col] = text
            elif text != "":
                values[col] = _number(key, path, i, col, text)
            elif col in ("population", "births_per_year"):
                raise ConfigError(key, f"{path.name}: line {i}: {col} is empty (a number is required)")
        out.append(DistrictSpec(**values))  # type: ignore[arg-type]
    if not out:
        raise ConfigError(key, f"{path.name}: no districts")
    return out, CsvRows(key, path, tuple(lines))


def read_institutions_rows(path: Path, key: str = "city.institutions_csv"
                           ) -> tuple[list[InstitutionSpec], CsvRows]:
    """Return the institutions listed in a CSV file and the line of each."""
    header, rows, lines = _read_rows(key, path)
    for need in ("name", "district", "type"):
        if need not in header:
            raise ConfigError(key, f"{path.name}: missing column '{need}'")
    bands = [h for h in header if h.startswith("places_")]
    unknown = [h for h in header if h not in ("name", "district", "type", *_POSITION) and h not in bands]
    if unknown:
        raise ConfigError(key, f"{path.name}: unknown column '{unknown[0]}'")
    out = []
    for i, row in zip(lines, rows, strict=True):
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
        xy = {c: _number(key, path, i, c, row[c]) for c in _POSITION if row.get(c, "") != ""}
        out.append(InstitutionSpec(row["name"], row["district"], row["type"], places, **xy))
    if not out:
        raise ConfigError(key, f"{path.name}: no institutions (a header but no rows)")
    return out, CsvRows(key, path, tuple(lines))


_ITEM = re.compile(r"^city\.(districts|institutions)\.(\d+)(?:\.(.+))?$")


def csv_error(exc: ConfigError, sources: Iterable[CsvRows]) -> ConfigError:
    """Return ``exc`` about a row read from a CSV file as an error at the file's line.

    The range checks name list items from 0 (``city.districts.3.population``); a CSV user
    needs the file and its line (``city.districts_csv: my.csv: line 5: population: ...``).
    """
    m = _ITEM.match(exc.key)
    if not m:
        return exc
    for src in sources:
        if src.key == f"city.{m[1]}_csv" and int(m[2]) < len(src.lines):
            where = f"{m[3]}: " if m[3] else ""
            return ConfigError(src.key, f"{src.path.name}: line {src.lines[int(m[2])]}: {where}{exc.reason}")
    return exc


def check_list_overrides(overrides: Iterable[str], districts_csv: str | None,
                         institutions_csv: str | None) -> None:
    """Refuse an override of an inline district or institution when a CSV replaces the list.

    ``city.districts.0.grandparent_share=1.5`` with ``city.districts_csv`` would change the
    preset's list, which the CSV replaces: the value would be silently ignored.
    """
    for o in overrides:
        key = o.split("=", 1)[0].lstrip("+~")
        for items, csv_file in (("districts", districts_csv), ("institutions", institutions_csv)):
            if csv_file and (key == f"city.{items}" or key.startswith(f"city.{items}.")):
                raise ConfigError(key, f"the {items} come from city.{items}_csv ({Path(csv_file).name}), "
                                       f"which replaces the inline list: change the value in the CSV file")
