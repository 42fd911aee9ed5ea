"""Report CSV reading and `radinet reports evaluate` on good and bad input (exit 2, one line)."""

import json

import pytest

import main
from core.errors import InputError
from core.reports.csv_input import parse_label, read_csv_rows, read_report_csv
from core.reports.synthetic import synthetic_reports


def write_reports(path, n=120, seed=0, label_words=("no", "yes"), encoding="utf-8"):
    rows = ["id,report,fracture"]
    for i, r in enumerate(synthetic_reports(n, seed=seed)):
        text = r.text.replace('"', '""')
        rows.append(f'{i},"{text}",{label_words[r.label]}')
    path.write_bytes("\n".join(rows).encode(encoding))
    return path


def run_cli(capsys, *argv):
    code = main.main(["reports", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_evaluate_json_has_exact_keys_and_same_folds_baseline(tmp_path, capsys):
    path = write_reports(tmp_path / "r.csv", n=150)
    code, out, _ = run_cli(capsys, "evaluate", "--csv", str(path), "--text-column", "report",
                           "--label-column", "fracture", "--folds", "3", "--json")
    assert code == 0
    result = json.loads(out)
    keys = {"n", "positives", "accuracy", "precision", "recall", "f1", "auc", "confusion"}
    # Issue 13 added CIs, the languages, per-fold thresholds, the target precision, the confident errors
    # and each fold's choice of the stated back-off feature.
    assert set(result) == keys | {"baseline", "ci", "languages", "thresholds", "target_precision",
                                  "confident_errors", "best_f1_point", "stated_back_off"}
    assert len(result["stated_back_off"]) == 3
    assert keys <= set(result["baseline"])
    assert keys <= set(result["best_f1_point"]) and len(result["best_f1_point"]["thresholds"]) == 3
    assert result["n"] == result["baseline"]["n"] == 150
    (tn, fp), (fn, tp) = result["confusion"]
    assert tn + fp + fn + tp == 150 and fn + tp == result["positives"]


def test_evaluate_text_prints_confusion_tables(tmp_path, capsys):
    path = write_reports(tmp_path / "r.csv", n=100)
    code, out, _ = run_cli(capsys, "evaluate", "--csv", str(path), "--text-column", "report",
                           "--label-column", "fracture", "--folds", "3")
    assert code == 0
    # Named after the label column, not the paper's "normal" / "abnormal".
    assert out.count("Predicted not fracture") == 2 and "Baseline" in out and "Actual fracture" in out
    assert "Predicted normal" not in out and "Actual abnormal" not in out


def test_evaluate_is_deterministic(tmp_path, capsys):
    path = write_reports(tmp_path / "r.csv", n=100)
    args = ("evaluate", "--csv", str(path), "--text-column", "report", "--label-column", "fracture",
            "--folds", "3", "--json")
    assert run_cli(capsys, *args)[1] == run_cli(capsys, *args)[1]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_encodings_are_read(tmp_path, encoding):
    path = tmp_path / "r.csv"
    path.write_bytes("report,label\n\"Fracture of the radius, d\u00e9plac\u00e9e.\",1\nNormal,0\n".encode(encoding))
    texts, labels, meta = read_report_csv(path, "report", "label")
    assert texts[0] == "Fracture of the radius, d\u00e9plac\u00e9e." and labels == [1, 0]
    assert meta["columns"] == ["report", "label"]


def test_semicolon_delimiter_and_label_spellings(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("text;y\nA;Positive\nB;FALSE\nC;1\nD;no\n\n", encoding="utf-8")
    header, rows = read_csv_rows(path)
    assert header == ["text", "y"] and len(rows) == 4
    assert rows[1] == ["B", "FALSE"] and rows[1].line == 3
    assert read_report_csv(path, "text", "y")[2]["delimiter"] == ";"
    assert read_report_csv(path, "text", "y")[1] == [1, 0, 1, 0]
    assert [parse_label(v) for v in ("yes", "True", "negative", "maybe")] == [1, 1, 0, None]


def test_bad_inputs_raise_input_error(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_report_csv(empty, "report", "label")


BAD_CASES = {
    "empty": ("", ("empty.csv is empty",)),
    "header_only": ("report,fracture\n", ("no reports",)),
    "misspelt": ("reprot,fracture\nx,1\n", ("no text column 'report'", "'reprot', 'fracture'", "Did you mean")),
    "bad_label": ("report,fracture\n\"fine\nover two lines\",1\nodd,maybe\n", ("line 4", "'maybe'")),
    "one_class": ("report,fracture\na,1\nb,yes\nc,true\n", ("only positive labels",)),
    "too_few": ("report,fracture\na,1\nb,0\nc,0\nd,0\ne,0\nf,0\n", ("fewer than the 5",)),
    "binary": (b"\x00\x01\x02PNG", ("not a text file",)),
    "long": ("report,fracture\n" + "x" * 25_000 + ",1\nb,0\n", ("line 2", "characters long")),
    "huge_field": ('report,fracture\n"' + "y" * 1_100_000 + "\n", ("line",)),
    "no_words": ("report,fracture\n" + "".join(f"{i % 10},{i % 2}\n" for i in range(20)), ("no words",)),
    "short_row": ("id,report,fracture\n1,a\n", ("line 2", "fields")),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_csv_exits_2_with_one_line(tmp_path, capsys, case):
    content, fragments = BAD_CASES[case]
    path = tmp_path / f"{case}.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, _, err = run_cli(capsys, "evaluate", "--csv", str(path), "--text-column", "report",
                           "--label-column", "fracture")
    assert_one_line_error(code, err, *fragments)


def test_missing_file_and_missing_label_column(tmp_path, capsys):
    code, _, err = run_cli(capsys, "evaluate", "--csv", str(tmp_path / "nope.csv"), "--text-column", "report",
                           "--label-column", "fracture")
    assert_one_line_error(code, err, "does not exist")
    path = write_reports(tmp_path / "r.csv", n=20)
    code, _, err = run_cli(capsys, "evaluate", "--csv", str(path), "--text-column", "report",
                           "--label-column", "label")
    assert_one_line_error(code, err, "no label column 'label'", "'id', 'report', 'fracture'")


def test_non_utf8_file_evaluates(tmp_path, capsys):
    path = write_reports(tmp_path / "r.csv", n=60, encoding="cp1252")
    path.write_bytes(path.read_bytes().replace(b"fall", b"ca\xefda"))  # cp1252 byte, invalid UTF-8
    code, out, _ = run_cli(capsys, "evaluate", "--csv", str(path), "--text-column", "report",
                           "--label-column", "fracture", "--folds", "2", "--json")
    assert code == 0 and json.loads(out)["n"] == 60


def test_unknown_language_is_refused(tmp_path, capsys):
    path = write_reports(tmp_path / "r.csv", n=20)
    code, _, err = run_cli(capsys, "evaluate", "--csv", str(path), "--text-column", "report",
                           "--label-column", "fracture", "--languages", "xx")
    assert_one_line_error(code, err, "the language 'xx' is not one RadiNet Studio reads reports in", "en, es")


def test_reports_command_never_imports_torch_or_qt(tmp_path):
    import subprocess
    import sys

    path = write_reports(tmp_path / "r.csv", n=40)
    code = ("import sys, main; rc = main.main(['reports', 'evaluate', '--csv', sys.argv[1], '--text-column', "
            "'report', '--label-column', 'fracture', '--folds', '2', '--json']); "
            "print(rc, 'torch' in sys.modules, any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "0 False False", out.stderr
