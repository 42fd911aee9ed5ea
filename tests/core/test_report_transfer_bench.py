"""bench/chexpert_reports_csv.py and bench/bench_report_transfer.py: the cross-collection yardstick."""

import csv
import importlib.util
import json
from pathlib import Path

import pytest

from core.reports.synthetic import synthetic_reports

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


CHEXPERT_HEADER = ["SimpleTestReportID", "Report Impression", "No Finding", "Fracture", "Support Devices"]


def test_chexpert_table_becomes_a_reports_csv(tmp_path):
    source = write_csv(tmp_path / "chexpert.csv", CHEXPERT_HEADER, [
        ["1.0", "\n1.mild edema.\n2.old right rib \nfractures.\n", "", "1.0", ""],
        ["2.0", "1. no acute osseous abnormality.", "1.0", "0.0", ""],
        ["3.0", "possible left rib fracture.", "", "-1.0", ""],
        ["4.0", "lines and tubes unchanged.", "", "", "1.0"],
        ["5.0", "   ", "", "", ""],                          # no impression: left out
    ])
    out = tmp_path / "out.csv"
    assert load("chexpert_reports_csv").main([source, str(out)]) == 0
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert [(r["id"], r["fracture"], r["fracture_mention"], r["no_finding"]) for r in rows] == [
        ("1.0", "1", "stated", "0"), ("2.0", "0", "denied", "1"), ("3.0", "0", "uncertain", "0"), ("4.0", "0", "", "0")]
    assert rows[0]["text"] == "1.mild edema. 2.old right rib fractures."


@pytest.mark.parametrize("header, row", [
    (["Report Impression", "No Finding"], ["no fracture.", ""]),               # no Fracture column
    (CHEXPERT_HEADER, ["1.0", "fracture.", "", "yes", ""]),                    # a cell CheXpert never writes
])
def test_a_table_not_in_chexpert_form_is_refused_in_one_sentence(tmp_path, capsys, header, row):
    source = write_csv(tmp_path / "bad.csv", header, [row])
    assert load("chexpert_reports_csv").main([source, str(tmp_path / "out.csv")]) == 2
    message = capsys.readouterr().err.strip()
    assert message.count("\n") == 0 and message.endswith(("?", "."))


TEST_SENTENCES = [                                  # (text, label, a person's mention reading)
    ("Acute displaced fracture of the distal radius.", 1, "1.0"),
    ("Old healed fractures of the left 5th and 6th ribs.", 1, "1.0"),
    ("No acute fracture or dislocation.", 0, "0.0"),
    ("No definite rib fracture.", 0, "0.0"),
    ("Possible nondisplaced fracture of the scaphoid.", 0, "-1.0"),
    ("Lungs are clear. Heart size is normal.", 0, ""),
]


def transfer_files(tmp_path, flip_test_labels=False):
    train = write_csv(tmp_path / "train.csv", ["text", "fracture"],
                      [[r.text, r.label] for r in synthetic_reports(300, seed=1)])
    test = write_csv(tmp_path / "test.csv", ["text", "fracture", "fracture_mention"],
                     [[t, (1 - y) if flip_test_labels else y, m] for t, y, m in TEST_SENTENCES])
    return ["--train", train, "--test", test, "--mention-column", "fracture_mention", "--json"]


def test_transfer_reads_another_collection_and_its_mentions(tmp_path, capsys):
    assert load("bench_report_transfer").main(transfer_files(tmp_path)) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["train"]["n"] == 300
    for system in ("labeller", "baseline"):
        m = result[system]
        assert m["n"] == len(TEST_SENTENCES) and m["positives"] == 2
        assert set(m["ci"]) == {"accuracy", "precision", "recall", "f1", "auc"}
    assert result["baseline"]["threshold"] == 0.5
    readings = result["readings"]
    assert readings["n"] == len(TEST_SENTENCES)
    assert readings["agree"] == len(TEST_SENTENCES), readings["table"]
    assert readings["table"]["denied"] == {"stated": 0, "uncertain": 0, "denied": 2, "not mentioned": 0}


def test_the_threshold_and_probabilities_never_see_the_test_labels(tmp_path, capsys):
    bench = load("bench_report_transfer")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert bench.main(transfer_files(tmp_path / "a")) == 0
    plain = json.loads(capsys.readouterr().out)
    assert bench.main(transfer_files(tmp_path / "b", flip_test_labels=True)) == 0
    flipped = json.loads(capsys.readouterr().out)
    assert plain["labeller"]["threshold"] == flipped["labeller"]["threshold"]
    assert plain["labeller"]["auc"] == pytest.approx(1 - flipped["labeller"]["auc"])


def test_a_mention_column_in_another_form_is_refused(tmp_path, capsys):
    args = transfer_files(tmp_path)
    test = args[3]
    rows = list(csv.reader(open(test, encoding="utf-8")))
    rows[1][2] = "maybe"
    write_csv(test, rows[0], rows[1:])
    assert load("bench_report_transfer").main(args) == 2
    assert "fracture_mention" in capsys.readouterr().err


def test_a_mention_column_the_test_csv_lacks_is_refused_not_read_as_empty(tmp_path, capsys):
    args = transfer_files(tmp_path)
    args[args.index("--mention-column") + 1] = "fracture_mentoin"
    assert load("bench_report_transfer").main(args) == 2
    assert "Did you mean 'fracture_mention'?" in capsys.readouterr().err
