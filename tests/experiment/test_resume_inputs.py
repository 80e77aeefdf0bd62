"""Resuming an experiment reruns a run whose inputs changed (issue 18, item 1).

Editing a city's CSV file between two runs of the same experiment used to print "1 of 1
runs already complete: skipped" and keep the old results: the configuration hash ignored
the CSV's content and ``.hydra/config.yaml`` listed the demo's districts and a path.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from sim.cli.experiment import main
from tests.commands import exit_status

HEADER = "name,population,births_per_year\n"



def _experiment(tmp_path: Path, csv: Path) -> Path:
    spec = tmp_path / "csv_city.yaml"
    spec.write_text(
        "purpose: A city from a CSV file.\nscenarios:\n  only: []\nreplications: 1\n"
        f"common: [city.districts_csv={csv}, run.horizon_months=3, run.burnin_months=0]\n"
        "figures: [kpis]\n", encoding="utf-8")
    return spec


def _summary(out: Path) -> dict:
    return json.loads((out / "runs" / "only" / "summary.json").read_text(encoding="utf-8"))


def test_editing_the_csv_reruns_the_experiment_and_records_the_districts_that_ran(tmp_path, capsys):
    csv = tmp_path / "districts.csv"
    csv.write_text(HEADER + "Riverside,150000,1000\nHillview,120000,850\n", encoding="utf-8")
    spec, out = _experiment(tmp_path, csv), tmp_path / "out"
    assert exit_status(main, [str(spec), "--out", str(out), "--jobs", "1", "--no-report"]) == 0
    first = _summary(out)
    assert exit_status(main, [str(spec), "--out", str(out), "--jobs", "1", "--no-report"]) == 0
    assert "1 of 1 runs already complete" in capsys.readouterr().err  # unchanged: skipped

    csv.write_text(HEADER + "Riverside,150000,4000\nHillview,120000,850\nLakeside,90000,700\n",
                   encoding="utf-8")
    assert exit_status(main, [str(spec), "--out", str(out), "--jobs", "1", "--no-report"]) == 0
    assert "already complete" not in capsys.readouterr().err
    second = _summary(out)
    assert second["meta"]["config_hash"] != first["meta"]["config_hash"]
    assert second["children_born"] > 2 * first["children_born"]
    recorded = yaml.safe_load((out / "runs" / "only" / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
    assert [d["name"] for d in recorded["city"]["districts"]] == ["Riverside", "Hillview", "Lakeside"]
    assert recorded["city"]["districts"][0]["births_per_year"] == 4000.0
    # item 7: the run is labelled with its city and its scenario
    assert second["meta"]["city"] == "districts" and second["meta"]["scenario"] == "only"
