"""Label export from the menu: the CLI's code (core.interop.labels.export_labels), formula cells escaped, bad names refused."""

from __future__ import annotations

import csv

from tests.gui.reading_tools_helpers import open_window


def wait_for_export(qtbot, window) -> None:
    """Wait on what the reader sees, not on the thread's signal.

    A refused file name fails at once on the worker thread, often before a
    waitSignal made after export_labels() returns could connect: a signal
    emitted with no receiver yet is lost (CI failed on exactly that).
    """
    qtbot.waitUntil(lambda: not window.export_busy, timeout=20_000)


def test_menu_export_writes_what_the_cli_writes(qtbot, make_window, tmp_path, monkeypatch):
    import core.interop.labels as labels

    calls = []
    real = labels.export_labels
    monkeypatch.setattr(labels, "export_labels", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    window = open_window(qtbot, make_window)
    study = window.current_study
    window.store.add_report(study, "=HYPERLINK(\"http://x\",\"click\") no fracture")
    window.session.label(study, "positive")
    out = tmp_path / "labels.csv"
    window.export_labels(path=str(out))
    wait_for_export(qtbot, window)
    assert len(calls) == 1                                         # the one implementation, shared with the CLI
    with window.workspace.connect() as store:
        assert out.read_bytes() == labels.render_labels(labels.label_rows(store), "csv")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(window.worklist.all_rows)
    mine = next(r for r in rows if r["label_author"] == "dr.test")
    assert mine["label"] == "positive" and mine["report"].startswith("'=HYPERLINK")    # shown as text, not run
    assert "Labels exported:" in window.saved_label.text()


def test_deidentified_export_and_a_refused_name(qtbot, make_window, tmp_path):
    window = open_window(qtbot, make_window)
    out = tmp_path / "anon.csv"
    window.export_labels(True, path=str(out))
    wait_for_export(qtbot, window)
    assert "Labels exported:" in window.saved_label.text()
    keys = {s["patient_key"] for s in window.store.studies()}
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and all(r["patient"].startswith("ANON-") and r["accession"] == "" for r in rows)
    assert not keys & {r["patient"] for r in rows}
    bad = tmp_path / "labels.xlsx"
    window.export_labels(path=str(bad))
    wait_for_export(qtbot, window)
    assert "must be written to a .csv or .json file" in window.saved_label.text()
    assert not bad.exists() and "csv" in window.saved_label.text()
