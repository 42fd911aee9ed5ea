"""radinet export labels: current label table as CSV/JSON, formula-safe, de-identifiable."""

from __future__ import annotations

import csv
import json

import pytest

from core.interop.spreadsheet import escape_cell
from main import main


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x"])
def test_formula_cells_are_quoted(cell):
    assert escape_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["positive", "1.2.3", "", 0.5, -0.5, None])
def test_other_cells_are_left_alone(cell):
    assert escape_cell(cell) == cell


def _label_study(ws, author="=HYPERLINK(\"http://x\",\"y\")"):
    with ws.connect() as store:
        study = store.studies()[0]
        store.add_label(study["id"], "fracture", "positive", "radiologist", author)
        store.add_difficulty(study["id"], "difficult", author)
        return study


def test_csv_has_current_labels_and_escapes_formulas(demo_ws, tmp_path):
    study = _label_study(demo_ws)
    out = tmp_path / "labels.csv"
    assert main(["export", "labels", "--workspace", str(demo_ws.path), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    with demo_ws.connect() as store:
        assert len(rows) == store.count_studies()
    row = next(r for r in rows if r["study_uid"] == study["study_uid"])
    assert row["label"] == "positive" and row["label_source"] == "radiologist"
    assert row["difficulty"] == "difficult"
    assert row["label_author"].startswith("'=HYPERLINK")      # shown as text, never run
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())


def test_json_deidentified_has_no_identifiers(demo_ws, tmp_path):
    study = _label_study(demo_ws, author="Jane Smith")
    out = tmp_path / "labels.json"
    assert main(["export", "labels", "--workspace", str(demo_ws.path), "--out", str(out), "--deidentify"]) == 0
    rows = json.loads(out.read_text())
    text = out.read_text()
    with demo_ws.connect() as store:
        for s in store.studies():
            assert s["study_uid"] not in text and s["patient_key"] not in text
            if s["accession"]:
                assert s["accession"] not in text
    assert "Jane Smith" not in text
    assert all(r["study_date"] == "" and r["accession"] == "" for r in rows)
    assert {r["label_author"] for r in rows if r["label_source"] == "radiologist"} == {"reader-1"}
    assert study["study_uid"] not in {r["study_uid"] for r in rows}


def test_shifted_dates_keep_intervals_within_a_patient(demo_ws, tmp_path):
    import datetime as dt

    out = tmp_path / "labels.json"
    assert main(["export", "labels", "--workspace", str(demo_ws.path), "--out", str(out), "--deidentify",
                 "--shift-dates"]) == 0
    rows = json.loads(out.read_text())
    with demo_ws.connect() as store:
        originals = [s for s in store.studies()]
    day = lambda s: dt.datetime.strptime(s, "%Y%m%d")  # noqa: E731
    shifts = {}
    for original, row in zip(originals, rows):
        assert row["study_date"] and row["study_date"] != original["study_date"]
        shifts.setdefault(row["patient"], set()).add((day(row["study_date"]) - day(original["study_date"])).days)
    assert all(len(s) == 1 for s in shifts.values())          # one offset per patient
    assert all(-730 <= next(iter(s)) <= -62 for s in shifts.values())


def test_wrong_suffix_exits_2(demo_ws, tmp_path, capsys):
    assert main(["export", "labels", "--workspace", str(demo_ws.path), "--out", str(tmp_path / "x.xlsx")]) == 2
    assert ".csv or .json" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_report_text_is_deidentified():
    from core.interop.report_text import deidentify_report

    text = ("Patient DOE^JOHN, MRN 4471234, seen 03/04/2024 and on 12 March 2024. Dr. Jane Smith reviewed. "
            "Oblique fracture with 2 mm displacement; follow-up in 10 days. Dictated by: Ann Lee.")
    out = deidentify_report(text, known=["DOE^JOHN", "4471234"])
    for leaked in ("DOE", "JOHN", "4471234", "03/04/2024", "12 March 2024", "Jane", "Smith", "Ann Lee"):
        assert leaked not in out
    assert "Oblique fracture with 2 mm displacement; follow-up in 10 days." in out
