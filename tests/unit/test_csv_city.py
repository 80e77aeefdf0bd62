"""A city from CSV files (issue 18, items 6, 7 and 8): overrides of the list it replaces are
refused, errors name the file's line, a blank required cell says so, and the city and the
recorded configuration are the CSV's."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.errors import ConfigError
from sim.config.load import CONFIG_DIR, compose, load, to_params
from sim.experiment.rundir import record_hash, run_record

EXAMPLES = CONFIG_DIR / "city" / "examples"
HEADER = "name,population,births_per_year,grandparent_share\n"


def write(tmp_path: Path, text: str, name: str = "my_city.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error(overrides: list[str]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(overrides)
    assert "\n" not in info.value.line()
    return info.value


# -- item 6: an override of the inline list a CSV replaces ------------------------------------
@pytest.mark.parametrize("override", ["city.districts.0.grandparent_share=1.5",
                                      "city.districts.0.births_per_year=1e9",
                                      "city.districts.1.need_shift=0.2"])
def test_an_override_of_an_inline_district_is_refused_when_a_csv_gives_the_districts(override):
    err = error([f"city.districts_csv={EXAMPLES / 'districts.csv'}", override])
    assert err.key == override.split("=")[0].lstrip("+")
    assert "city.districts_csv (districts.csv)" in err.reason and "CSV file" in err.reason


def test_an_override_of_an_inline_institution_is_refused_when_a_csv_gives_the_institutions():
    err = error([f"city.districts_csv={EXAMPLES / 'districts.csv'}",
                 f"city.institutions_csv={EXAMPLES / 'institutions.csv'}", "city.institutions=[]"])
    assert err.key == "city.institutions" and "city.institutions_csv" in err.reason


def test_the_same_override_without_a_csv_is_still_checked_and_applied():
    assert error(["city.districts.0.grandparent_share=1.5"]).key == "city.districts.0.grandparent_share"
    assert load(["city.districts.0.grandparent_share=0.9"]).city.districts[0].grandparent_share == 0.9


# -- item 8: blank cells and line numbers ------------------------------------------------------
@pytest.mark.parametrize("column", ["population", "births_per_year"])
def test_a_blank_required_cell_says_it_is_empty_not_question_marks(tmp_path, column):
    cells = "A,,10,0.5\n" if column == "population" else "A,1000,,0.5\n"
    err = error([f"city.districts_csv={write(tmp_path, HEADER + cells)}"])
    assert err.line() == (f"error: city.districts_csv: my_city.csv: line 2: {column} is empty "
                          "(a number is required)")
    assert "???" not in err.line()


def test_a_range_error_in_a_csv_row_names_the_file_line_not_a_list_index(tmp_path):
    # line 1 header, 2 A, 3 blank (skipped by the reader), 4 B: B is list item 1 but line 4
    p = write(tmp_path, HEADER + "A,1000,10,0.5\n\nB,2000,10,1.5\n")
    err = error([f"city.districts_csv={p}"])
    assert err.line() == ("error: city.districts_csv: my_city.csv: line 4: grandparent_share: "
                          "must be a probability in [0, 1], got 1.5")


# -- item 7 and item 1: the city's name and the record of what ran ----------------------------
def test_a_csv_city_is_named_after_its_file_unless_city_name_is_set(tmp_path):
    p = write(tmp_path, HEADER + "A,1000,10,0.5\n", "harbour_town.csv")
    assert load([f"city.districts_csv={p}"]).city.name == "harbour_town"
    assert load([f"city.districts_csv={p}", "city.name=Harbour"]).city.name == "Harbour"
    assert load([]).city.name == "demo"



def planned_hash(cfg) -> str:
    """The configuration hash a run of ``cfg`` records (what resuming compares)."""
    return record_hash(run_record(cfg, to_params(cfg)))

def test_the_recorded_configuration_lists_the_csv_districts_and_the_hash_follows_their_content(tmp_path):
    p = write(tmp_path, HEADER + "A,1000,10,0.5\nB,2000,20,0.4\n")
    cfg = compose([f"city.districts_csv={p}"])
    record = run_record(cfg, to_params(cfg))
    assert [d["name"] for d in record["city"]["districts"]] == ["A", "B"]
    assert record["city"]["districts"][1]["births_per_year"] == 20.0
    before = planned_hash(cfg)
    p.write_text(HEADER + "A,1000,10,0.5\nB,2000,40,0.4\n", encoding="utf-8")
    assert planned_hash(cfg) != before
    p.write_text(HEADER + "A,1000,10,0.5\nB,2000,20,0.4\n", encoding="utf-8")
    assert planned_hash(cfg) == before


def test_the_hash_ignores_how_a_run_is_carried_out_but_not_what_it_computes():
    base = planned_hash(compose([]))
    assert planned_hash(compose(["run.jobs=2", "run.progress=false", "run.max_hours=100"])) == base
    assert planned_hash(compose(["seed=7"])) != base
