"""The label table of a workspace: one row per study, for CSV or JSON.

Columns: the study's current fracture label (radiologist, else NLP, else
import — core.store's rule), its source, author and time, the radiologist's
difficulty grade, the NLP labeller's confidence (its newest suggestion) and
the published model's study probability (its newest prediction), and the
newest report text.
With a :class:`~core.interop.pseudonyms.Pseudonyms` table the identifying
columns are replaced (UID, patient, reader), the accession number is
emptied and dates are shifted per patient or emptied.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from core.errors import InputError
from core.atomic_file import atomic_write
from core.interop.pseudonyms import Pseudonyms
from core.interop.spreadsheet import escape_cell

COLUMNS = ("study_uid", "accession", "patient", "body_part", "study_date", "label", "label_source",
           "label_author", "label_time", "difficulty", "nlp_confidence", "model_id", "model_probability", "report")


def label_rows(store, task: str = "fracture", pseudonyms: Pseudonyms | None = None) -> list[dict]:
    from core.reports.queue import latest_reports, suggestions
    from core.store.registry import champion_id

    labels = store.current_labels(task)
    reports = latest_reports(store)
    model_id = champion_id(store, task)
    rows = []
    for study in store.studies():
        label = labels.get(study["id"])
        nlp = suggestions(store, study["id"], task)
        probability = None
        if model_id:
            preds = [p for p in store.latest_predictions(study["id"], task, model_id) if p["image_id"] is None]
            probability = preds[-1]["probability"] if preds else None
        row = {
            "study_uid": study["study_uid"], "accession": study["accession"], "patient": study["patient_key"],
            "body_part": study["body_part"], "study_date": study["study_date"],
            "label": label.value if label else None, "label_source": label.source if label else None,
            "label_author": label.author if label else None, "label_time": label.created_at if label else None,
            "difficulty": store.current_difficulty(study["id"]),
            "nlp_confidence": nlp[-1]["probability"] if nlp else None,
            "model_id": model_id if probability is not None else None, "model_probability": probability,
            "report": reports.get(study["id"]),
        }
        rows.append(_pseudonymise(row, pseudonyms) if pseudonyms else row)
    return rows


def _pseudonymise(row: dict, p: Pseudonyms) -> dict:
    from core.interop.report_text import deidentify_report

    key = row["patient"]
    report = deidentify_report(row["report"], known=[row["accession"], key]) if row["report"] else row["report"]
    return {**row, "report": report, "study_uid": p.uid(row["study_uid"]), "accession": "", "patient": p.patient(key),
            "study_date": p.date(row["study_date"], key), "label_time": p.timestamp(row["label_time"], key),
            "label_author": p.reader(row["label_author"]) if row["label_author"] else None}


def render_labels(rows: list[dict], fmt: str) -> bytes:
    """CSV (formula-escaped text cells, empty for missing) or JSON (a list of objects)."""
    if fmt == "json":
        return (json.dumps(rows, indent=1) + "\n").encode()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: escape_cell("" if row[k] is None else row[k]) for k in COLUMNS})
    return buffer.getvalue().encode("utf-8")


def format_for(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".json"):
        raise InputError(f"The label table must be written to a .csv or .json file, not {Path(path).name}.")
    return suffix[1:]


def export_labels(store, out: str | Path, task: str = "fracture", pseudonyms: Pseudonyms | None = None) -> dict:
    fmt = format_for(out)
    rows = label_rows(store, task, pseudonyms)
    atomic_write(out, render_labels(rows, fmt), f"writing the label table {Path(out).name}")
    return {"out": str(out), "format": fmt, "studies": len(rows),
            "labelled": sum(r["label"] is not None for r in rows), "deidentified": pseudonyms is not None}
