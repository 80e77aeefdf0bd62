"""City CSV files: good files are read exactly; a malformed one is a ConfigError naming the
file, the line and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.city_io import read_districts_rows, read_institutions_rows
from sim.config.errors import ConfigError
from sim.config.load import CONFIG_DIR, load

EXAMPLES = CONFIG_DIR / "city" / "examples"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return p


def districts(path: Path) -> list:
    return read_districts_rows(path)[0]


def institutions(path: Path) -> list:
    return read_institutions_rows(path)[0]


def error_of(fn, path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        fn(path)
    return info.value


# -- good files ------------------------------------------------------------------------------
def test_the_example_districts_are_read_with_their_numbers():
    ds = districts(EXAMPLES / "districts.csv")
    assert [d.name for d in ds] == ["Riverside", "Hillview"]
    r = ds[0]
    assert (r.population, r.births_per_year, r.median_income, r.places_per_1000, r.fee_index) == (
        150000.0, 1000.0, 12000.0, 3.0, 1.2)
    assert isinstance(r.population, float)


def test_the_example_institutions_are_read_with_places_per_band_and_blanks_skipped():
    insts = institutions(EXAMPLES / "institutions.csv")
    assert len(insts) == 5
    first = insts[0]
    assert (first.name, first.district, first.type) == ("Riverside Public Nursery", "Riverside", "public")
    assert first.places == {"infant": 10, "toddler": 30, "older": 40}
    assert insts[3].places == {"older": 40}
    assert insts[4].places == {"mixed": 5}


def test_a_district_file_with_only_the_required_columns_keeps_the_other_defaults(tmp_path):
    p = write(tmp_path, "d.csv", "name,population,births_per_year\nA,1000,10\n")
    (d,) = districts(p)
    assert (d.name, d.population, d.births_per_year) == ("A", 1000.0, 10.0)
    assert d.median_income > 0 and d.type_mix == {}


def test_a_district_file_may_give_each_district_a_stratum(tmp_path):
    p = write(tmp_path, "d.csv", "name,population,births_per_year,stratum\nA,1000,10,rural\nB,1000,10,\n")
    a, b = districts(p)
    assert (a.stratum, b.stratum) == ("rural", "urban")  # a blank cell keeps the default


def test_spaces_around_values_and_a_utf8_byte_order_mark_are_tolerated(tmp_path):
    p = write(tmp_path, "d.csv", " name , population ,births_per_year\n 鼓楼 , 1000 , 10 \n", "utf-8-sig")
    (d,) = districts(p)
    assert (d.name, d.population) == ("鼓楼", 1000.0)


def test_a_csv_city_loads_through_the_config(tmp_path):
    cfg = load([f"city.districts_csv={EXAMPLES / 'districts.csv'}",
                f"city.institutions_csv={EXAMPLES / 'institutions.csv'}"])
    assert [d.name for d in cfg.city.districts] == ["Riverside", "Hillview"]
    assert len(cfg.city.institutions) == 5


# -- malformed files -------------------------------------------------------------------------
def test_a_missing_required_column_is_named(tmp_path):
    err = error_of(districts, write(tmp_path, "d.csv", "name,population\nA,1000\n"))
    assert err.key == "city.districts_csv"
    assert err.reason == "d.csv: missing column 'births_per_year'"


def test_a_missing_institution_column_is_named(tmp_path):
    err = error_of(institutions, write(tmp_path, "i.csv", "name,type,places_toddler\nA,public,15\n"))
    assert err.key == "city.institutions_csv"
    assert err.reason == "i.csv: missing column 'district'"


def test_a_non_number_names_the_file_line_and_column(tmp_path):
    text = "name,population,births_per_year\nA,1000,10\nB,lots,10\n"
    err = error_of(districts, write(tmp_path, "d.csv", text))
    assert err.reason == "d.csv: line 3: population: 'lots' is not a number"


def test_a_non_number_of_places_names_the_file_line_and_column(tmp_path):
    text = "name,district,type,places_toddler\nA,D,public,fifteen\n"
    err = error_of(institutions, write(tmp_path, "i.csv", text))
    assert err.reason == "i.csv: line 2: places_toddler: 'fifteen' is not a number"


@pytest.mark.parametrize("value", ["-5", "2.5"])
def test_places_must_be_whole_numbers_not_below_zero(tmp_path, value):
    text = f"name,district,type,places_toddler\nA,D,public,{value}\n"
    err = error_of(institutions, write(tmp_path, "i.csv", text))
    assert err.reason == "i.csv: line 2: places_toddler: must be a whole number >= 0"


def test_more_values_than_columns_names_the_line(tmp_path):
    text = "name,population,births_per_year\nA,1000,10\nB,1000,10,99\n"
    err = error_of(districts, write(tmp_path, "d.csv", text))
    assert err.reason == "d.csv: line 3: more values than columns"


def test_an_empty_file_is_rejected(tmp_path):
    err = error_of(districts, write(tmp_path, "d.csv", ""))
    assert err.reason == "d.csv: empty file (no header row)"
    err = error_of(institutions, write(tmp_path, "i.csv", ""))
    assert err.reason == "i.csv: empty file (no header row)"


def test_a_district_file_without_rows_is_rejected(tmp_path):
    err = error_of(districts, write(tmp_path, "d.csv", "name,population,births_per_year\n"))
    assert err.reason == "d.csv: no districts"


@pytest.mark.parametrize("column", ["colour", "type_mix"])
def test_an_unknown_district_column_is_named(tmp_path, column):
    text = f"name,population,births_per_year,{column}\nA,1000,10,x\n"
    err = error_of(districts, write(tmp_path, "d.csv", text))
    assert err.reason == f"d.csv: unknown column '{column}'"


def test_an_unknown_institution_column_is_named(tmp_path):
    text = "name,district,type,capacity\nA,D,public,15\n"
    err = error_of(institutions, write(tmp_path, "i.csv", text))
    assert err.reason == "i.csv: unknown column 'capacity'"


def test_an_empty_name_names_the_line(tmp_path):
    err = error_of(districts, write(tmp_path, "d.csv", "name,population,births_per_year\n,1000,10\n"))
    assert err.reason == "d.csv: line 2: name is empty"
    text = "name,district,type,places_toddler\nA,,public,15\n"
    err = error_of(institutions, write(tmp_path, "i.csv", text))
    assert err.reason == "i.csv: line 2: district is empty"


def test_a_missing_file_is_named(tmp_path):
    err = error_of(districts, tmp_path / "nope.csv")
    assert err.key == "city.districts_csv" and "file not found" in err.reason and "nope.csv" in err.reason


def test_a_binary_file_is_not_a_readable_csv(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(b"\xff\xfe\x00\x81garbage\x00")
    err = error_of(districts, p)
    assert err.reason.startswith("d.csv: not a readable CSV file")


def test_an_institution_in_an_unknown_district_is_rejected_when_loading(tmp_path):
    p = write(tmp_path, "i.csv", "name,district,type,places_toddler\nA,Atlantis,public,15\n")
    with pytest.raises(ConfigError) as info:
        load([f"city.districts_csv={EXAMPLES / 'districts.csv'}", f"city.institutions_csv={p}"])
    # issue 18 (8): named by the file's line, not by a 0-based list index
    assert info.value.key == "city.institutions_csv"
    assert info.value.reason.startswith("i.csv: line 2: district: ")
    assert "Atlantis" in info.value.reason


def test_an_institution_position_is_read_when_given_and_left_to_the_model_when_blank(tmp_path):
    p = write(tmp_path, "i.csv", "name,district,type,places_toddler,x_km,y_km\nA,D,public,15,1.5,-2\n"
                                 "B,D,public,15,,\n")
    a, b = institutions(p)
    assert (a.x_km, a.y_km, b.x_km, b.y_km) == (1.5, -2.0, None, None)


def test_an_institution_with_half_a_position_is_refused_at_its_line(tmp_path):
    p = write(tmp_path, "i.csv", "name,district,type,places_toddler,x_km\nA,Gulou,public,15,1.5\n")
    with pytest.raises(ConfigError) as info:
        load([f"city.institutions_csv={p}"])
    assert info.value.line() == ("error: city.institutions_csv: i.csv: line 2: y_km: give both x_km and "
                                 "y_km, or neither (then the position is drawn in its district)")


def test_an_institutions_file_without_rows_is_rejected(tmp_path):
    # An empty institution list means "generate institutions from places_per_1000", so a
    # file listing none would silently give the districts' generated places: it is an error.
    p = write(tmp_path, "i.csv", "name,district,type,places_toddler\n")
    line = "error: city.institutions_csv: i.csv: no institutions (a header but no rows)"
    assert error_of(institutions, p).line() == line
    with pytest.raises(ConfigError) as info:
        load([f"city.districts_csv={EXAMPLES / 'districts.csv'}", f"city.institutions_csv={p}"])
    assert info.value.line() == line


def test_a_duplicated_column_is_rejected(tmp_path):
    text = "name,population,births_per_year,population\nA,1,10,2000\n"
    err = error_of(districts, write(tmp_path, "d.csv", text))
    assert "population" in err.reason
