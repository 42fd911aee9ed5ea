"""A reports CSV: one row per study, a study key and the report text.

The key may be the Study Instance UID, the Accession Number or a MURA study
path; the first matching column name wins. Encoding handling (UTF-8, UTF-16
and UTF-32 with a BOM, cp1252, latin-1) is shared with the report labeller's reader.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError

KEY_COLUMNS = ("study_uid", "studyinstanceuid", "study_instance_uid", "accession", "accession_number",
               "accessionnumber", "study", "study_key", "study_id", "path")
TEXT_COLUMNS = ("report", "report_text", "text", "findings", "report text")


def _pick(header: list[str], candidates: tuple[str, ...]) -> int | None:
    folded = [h.strip().lower() for h in header]
    for name in candidates:
        if name in folded:
            return folded.index(name)
    return None


def import_reports_csv(store, path: Path) -> tuple[int, list[tuple[str, str]]]:
    """Add each row's report to its study. Returns (reports added, [(where, reason)])."""
    from core.reports.csv_input import iter_csv_table

    with iter_csv_table(path) as (header, rows, _meta):   # streamed: one row in memory at a time
        return _add_reports(store, path, header, rows)


def _add_reports(store, path: Path, header: list[str], rows) -> tuple[int, list[tuple[str, str]]]:
    key_col, text_col = _pick(header, KEY_COLUMNS), _pick(header, TEXT_COLUMNS)
    if key_col is None or text_col is None:
        found = ", ".join(h for h in header if h) or "none"
        need = "a study key column (study_uid, accession or study)" if key_col is None else \
            "a report text column (report or text)"
        raise InputError(f"{path.name} has no {need}; the columns found are: {found}.")
    added, rejected = 0, []
    with store.transaction():
        for row in rows:
            line_no = row.line
            key = row[key_col].strip() if key_col < len(row) else ""
            text = row[text_col].strip() if text_col < len(row) else ""
            if not key or not text:
                rejected.append((f"{path}:{line_no}", "the row has no study key or no report text"))
                continue
            study_id = store.find_study(key)
            if study_id is None:
                rejected.append((f"{path}:{line_no}", "no study with this key has been imported"))
                continue
            if store.add_report(study_id, text, origin=path.name) is not None:
                added += 1
    return added, rejected
