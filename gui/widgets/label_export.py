"""Label export from the menu: the same core.interop.labels.export_labels as ``radinet export labels``.

It runs on a worker thread with its own database connection (a store
belongs to the thread that opened it) and writes the file atomically, so a
failure leaves no half-written table. CSV text cells are formula-escaped by
the shared code (core.interop.spreadsheet.escape_cell).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from gui.workers.job import JobThread


def ask_export_path(parent, deidentify: bool) -> str | None:
    suggested = "labels-deidentified.csv" if deidentify else "labels.csv"
    path, _ = QFileDialog.getSaveFileName(parent, "Export labels", suggested, "CSV table (*.csv);;JSON (*.json)")
    if not path:
        return None
    return path if Path(path).suffix.lower() in (".csv", ".json") else path + ".csv"


def label_export_job(workspace, out: str, deidentify: bool = False, parent=None) -> JobThread:
    """The export as a JobThread, not started: connect ``succeeded`` (export_labels' report) and ``failed``
    (its sentence) first, then start it -- a bad file name fails at once, before a later connect would."""

    def run(_progress, _stop):
        from core.interop.labels import export_labels, format_for
        from core.interop.pseudonyms import Pseudonyms

        format_for(out)                    # the CLI's check: .csv or .json, refused before anything is opened
        with workspace.connect() as store:
            return export_labels(store, out, "fracture", Pseudonyms() if deidentify else None)

    return JobThread(run, parent)


def export_summary(report: dict) -> str:
    return (f"Labels exported: {report['studies']} studies ({report['labelled']} labelled) to {report['out']}"
            f"{' (de-identified)' if report['deidentified'] else ''}.")
