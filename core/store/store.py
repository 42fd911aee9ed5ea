"""Queries over one workspace connection. All SQL is parameterised.

A :class:`Store` belongs to the thread that opened it (sqlite3's rule); open
one per thread with ``Workspace.connect()``. Writes are short
``BEGIN IMMEDIATE`` transactions (see :mod:`core.store.database`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.store.database import connect, write

LABEL_SOURCES = ("import", "nlp", "radiologist", "model")
# Which source wins when a study has labels from several: higher wins.
# 'model' rows are never a label, only a record of what a model said.
SOURCE_PRIORITY = {"radiologist": 3, "nlp": 2, "import": 1}
TRUSTED_SOURCES = ("radiologist", "import")
FRACTURE_VALUES = ("positive", "negative", "uncertain")
DIFFICULTY_GRADES = ("easy", "difficult")


@dataclass(frozen=True)
class Label:
    id: int
    study_id: int
    task: str
    value: str
    source: str
    confidence: float | None
    author: str
    created_at: str
    labeller_version: str | None = None
    image_id: int | None = None


def _label(row: sqlite3.Row) -> Label:
    return Label(
        id=row["id"], study_id=row["study_id"], task=row["task"], value=row["value"], source=row["source"],
        confidence=row["confidence"], author=row["author"], created_at=row["created_at"],
        labeller_version=row["labeller_version"], image_id=row["image_id"],
    )


# Rows that are neither a retraction nor retracted by a later row.
_LIVE_LABELS = """
    SELECT l.* FROM labels l
    WHERE l.retracts IS NULL
      AND NOT EXISTS (SELECT 1 FROM labels r WHERE r.retracts = l.id)
"""

_CURRENT_LABEL = f"""
    SELECT * FROM ({_LIVE_LABELS}) AS live
    WHERE study_id = ? AND task = ? AND source != 'model' AND image_id IS NULL
    ORDER BY CASE source WHEN 'radiologist' THEN 3 WHEN 'nlp' THEN 2 ELSE 1 END DESC, id DESC
    LIMIT 1
"""


class Store:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    @classmethod
    def open(cls, db_path: str | Path) -> "Store":
        return cls(connect(db_path))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def transaction(self):
        """Group several writes into one atomic transaction."""
        return write(self.conn)

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    # ----------------------------------------------------------- patients/studies
    def upsert_patient(self, patient_key: str, sex: str | None = None, birth_date: str | None = None) -> int:
        with write(self.conn):
            row = self.conn.execute("SELECT id FROM patients WHERE patient_key = ?", (patient_key,)).fetchone()
            if row:
                return row["id"]
            return self.conn.execute(
                "INSERT INTO patients (patient_key, sex, birth_date) VALUES (?, ?, ?)", (patient_key, sex, birth_date)
            ).lastrowid

    def upsert_study(self, study_uid: str, patient_id: int, **fields: Any) -> tuple[int, bool]:
        """Return (study id, created). Existing studies keep their first-seen fields,
        except that empty fields are filled in from later files of the same study."""
        allowed = {"accession", "study_date", "description", "body_part", "patient_age", "origin"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown study fields {sorted(unknown)}")
        with write(self.conn):
            row = self.conn.execute("SELECT * FROM studies WHERE study_uid = ?", (study_uid,)).fetchone()
            if row:
                fill = {k: v for k, v in fields.items() if v is not None and row[k] is None}
                if fill:
                    sets = ", ".join(f"{k} = ?" for k in fill)
                    self.conn.execute(f"UPDATE studies SET {sets} WHERE id = ?", (*fill.values(), row["id"]))
                return row["id"], False
            cols = ["study_uid", "patient_id", *fields]
            sql = f"INSERT INTO studies ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            return self.conn.execute(sql, (study_uid, patient_id, *fields.values())).lastrowid, True

    def add_image(self, study_id: int, sop_uid: str, source_path: str, **fields: Any) -> int | None:
        """Insert an image; None if its SOP Instance UID or path is already in the workspace."""
        allowed = {"series_uid", "file_format", "view", "body_part", "frames", "rows", "columns",
                   "photometric", "bits_stored", "transfer_syntax", "file_size", "file_mtime"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown image fields {sorted(unknown)}")
        cols = ["study_id", "sop_uid", "source_path", *fields]
        sql = f"INSERT OR IGNORE INTO images ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        with write(self.conn):
            cur = self.conn.execute(sql, (study_id, sop_uid, source_path, *fields.values()))
            return cur.lastrowid if cur.rowcount else None

    def count_studies(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM studies").fetchone()[0]

    def study(self, study_id: int) -> sqlite3.Row | None:
        return self.conn.execute(
            """SELECT s.*, p.patient_key, p.sex FROM studies s JOIN patients p ON p.id = s.patient_id
               WHERE s.id = ?""", (study_id,)).fetchone()

    def studies(self) -> list[sqlite3.Row]:
        return self.conn.execute(
            """SELECT s.*, p.patient_key, p.sex FROM studies s JOIN patients p ON p.id = s.patient_id
               ORDER BY s.id""").fetchall()

    def images(self, study_id: int | None = None) -> list[sqlite3.Row]:
        if study_id is None:
            return self.conn.execute("SELECT * FROM images ORDER BY study_id, id").fetchall()
        return self.conn.execute("SELECT * FROM images WHERE study_id = ? ORDER BY id", (study_id,)).fetchall()

    def find_study(self, key: str) -> int | None:
        """A study by Study Instance UID, accession number or MURA study key."""
        key = key.strip()
        row = self.conn.execute(
            """SELECT id FROM studies WHERE study_uid = ? OR study_uid = ? OR accession = ?
               ORDER BY id LIMIT 1""", (key, f"mura:{key}", key)).fetchone()
        return row["id"] if row else None

    # ------------------------------------------------------------------ reports
    def add_report(self, study_id: int, text: str, origin: str | None = None) -> int | None:
        """Append a report; None when the study already has this exact text."""
        with write(self.conn):
            same = self.conn.execute(
                "SELECT 1 FROM reports WHERE study_id = ? AND text = ?", (study_id, text)).fetchone()
            if same:
                return None
            return self.conn.execute(
                "INSERT INTO reports (study_id, text, origin) VALUES (?, ?, ?)", (study_id, text, origin)).lastrowid

    def report(self, study_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT text FROM reports WHERE study_id = ? ORDER BY id DESC LIMIT 1", (study_id,)).fetchone()
        return row["text"] if row else None

    # ------------------------------------------------------------------- labels
    def add_label(self, study_id: int, task: str, value: str, source: str, author: str, *,
                  confidence: float | None = None, image_id: int | None = None,
                  labeller_version: str | None = None) -> int:
        if source not in LABEL_SOURCES:
            raise InputError(f"Unknown label source {source!r}; expected one of {', '.join(LABEL_SOURCES)}.")
        if task == "fracture" and value not in FRACTURE_VALUES:
            raise InputError(f"A fracture label must be one of {', '.join(FRACTURE_VALUES)}, not {value!r}.")
        with write(self.conn):
            label_id = self.conn.execute(
                """INSERT INTO labels (study_id, image_id, task, value, source, confidence, author, labeller_version)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (study_id, image_id, task, value, source, confidence, author, labeller_version)).lastrowid
            self.audit(author, "label", "study", study_id, f"{task}={value} ({source})")
            return label_id

    def retract_label(self, label_id: int, author: str) -> int:
        """Undo: append a row that withdraws ``label_id`` (which itself stays)."""
        with write(self.conn):
            row = self.conn.execute("SELECT * FROM labels WHERE id = ?", (label_id,)).fetchone()
            if row is None:
                raise InputError(f"There is no label {label_id} to undo.")
            new_id = self.conn.execute(
                """INSERT INTO labels (study_id, image_id, task, value, source, author, retracts)
                   VALUES (?, ?, ?, NULL, ?, ?, ?)""",
                (row["study_id"], row["image_id"], row["task"], row["source"], author, label_id)).lastrowid
            self.audit(author, "undo-label", "label", label_id)
            return new_id

    def current_label(self, study_id: int, task: str = "fracture") -> Label | None:
        row = self.conn.execute(_CURRENT_LABEL, (study_id, task)).fetchone()
        return _label(row) if row else None

    def current_labels(self, task: str = "fracture") -> dict[int, Label]:
        """Current label of every study that has one, in one query."""
        rows = self.conn.execute(
            f"""SELECT * FROM ({_LIVE_LABELS}) AS live WHERE task = ? AND source != 'model' AND image_id IS NULL
                ORDER BY study_id, CASE source WHEN 'radiologist' THEN 3 WHEN 'nlp' THEN 2 ELSE 1 END DESC,
                         id DESC""", (task,)).fetchall()
        out: dict[int, Label] = {}
        for row in rows:
            out.setdefault(row["study_id"], _label(row))
        return out

    def live_labels(self, study_id: int, task: str = "fracture") -> list[Label]:
        """Every label of a study for ``task`` that is neither a retraction nor retracted, oldest first;
        'model' rows (records of what a model said) are not labels and are left out."""
        rows = self.conn.execute(f"SELECT * FROM ({_LIVE_LABELS}) AS live WHERE study_id = ? AND task = ? "
                                 f"AND source != 'model' ORDER BY id", (study_id, task)).fetchall()
        return [_label(row) for row in rows]

    def label_history(self, study_id: int) -> list[sqlite3.Row]:
        """Every label row of a study, oldest first, retractions included."""
        return self.conn.execute("SELECT * FROM labels WHERE study_id = ? ORDER BY id", (study_id,)).fetchall()

    # --------------------------------------------------------------- difficulty
    def add_difficulty(self, study_id: int, grade: str, author: str, source: str = "radiologist") -> int:
        if grade not in DIFFICULTY_GRADES:
            raise InputError(f"Difficulty must be easy or difficult, not {grade!r}.")
        with write(self.conn):
            gid = self.conn.execute(
                "INSERT INTO difficulty (study_id, grade, author, source) VALUES (?, ?, ?, ?)",
                (study_id, grade, author, source)).lastrowid
            self.audit(author, "difficulty", "study", study_id, grade)
            return gid

    def retract_difficulty(self, grade_id: int, author: str) -> int:
        with write(self.conn):
            row = self.conn.execute("SELECT * FROM difficulty WHERE id = ?", (grade_id,)).fetchone()
            if row is None:
                raise InputError(f"There is no difficulty grade {grade_id} to undo.")
            return self.conn.execute(
                "INSERT INTO difficulty (study_id, grade, author, source, retracts) VALUES (?, NULL, ?, ?, ?)",
                (row["study_id"], author, row["source"], grade_id)).lastrowid

    def current_difficulty(self, study_id: int, source: str = "radiologist") -> str | None:
        row = self.conn.execute(
            """SELECT grade FROM difficulty d WHERE study_id = ? AND source = ? AND retracts IS NULL
               AND NOT EXISTS (SELECT 1 FROM difficulty r WHERE r.retracts = d.id)
               ORDER BY id DESC LIMIT 1""", (study_id, source)).fetchone()
        return row["grade"] if row else None

    # ----------------------------------------------------------------- comments
    def add_comment(self, study_id: int, text: str, author: str) -> int:
        with write(self.conn):
            cid = self.conn.execute(
                "INSERT INTO comments (study_id, text, author) VALUES (?, ?, ?)", (study_id, text, author)).lastrowid
            self.audit(author, "comment", "study", study_id)
            return cid

    def comments(self, study_id: int) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM comments WHERE study_id = ? ORDER BY id", (study_id,)).fetchall()

    # -------------------------------------------------------------- predictions
    def add_predictions(self, rows: Iterable[dict[str, Any]]) -> None:
        with write(self.conn):
            self.conn.executemany(
                """INSERT INTO predictions (study_id, image_id, model_id, task, probability, heatmap_path)
                   VALUES (:study_id, :image_id, :model_id, :task, :probability, :heatmap_path)""",
                [{"image_id": None, "heatmap_path": None, **r} for r in rows])

    def latest_predictions(self, study_id: int, task: str, model_id: str) -> list[sqlite3.Row]:
        return self.conn.execute(
            """SELECT * FROM predictions p WHERE study_id = ? AND task = ? AND model_id = ?
               AND id = (SELECT MAX(id) FROM predictions q WHERE q.study_id = p.study_id
                         AND q.task = p.task AND q.model_id = p.model_id AND q.image_id IS p.image_id)
               ORDER BY image_id""", (study_id, task, model_id)).fetchall()

    # -------------------------------------------------------------------- audit
    def audit(self, user: str, action: str, object_type: str | None = None, object_id: Any = None,
              detail: str | None = None) -> None:
        """Record an action. ``detail`` must never hold patient names or report text."""
        with write(self.conn):
            self.conn.execute(
                "INSERT INTO audit (user, action, object_type, object_id, detail) VALUES (?, ?, ?, ?, ?)",
                (user, action, object_type, None if object_id is None else str(object_id), detail))

    # --------------------------------------------------------------- statistics
    def summary(self) -> dict[str, Any]:
        q = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        labelled = self.current_labels("fracture")
        by_source: dict[str, int] = {}
        for label in labelled.values():
            by_source[label.source] = by_source.get(label.source, 0) + 1
        return {
            "patients": q("SELECT COUNT(*) FROM patients"),
            "studies": q("SELECT COUNT(*) FROM studies"),
            "images": q("SELECT COUNT(*) FROM images"),
            "reports": q("SELECT COUNT(DISTINCT study_id) FROM reports"),
            "fracture_labels_by_source": by_source,
            "body_parts": dict(self.conn.execute(
                "SELECT COALESCE(body_part, 'unknown'), COUNT(*) FROM studies GROUP BY 1 ORDER BY 1").fetchall()),
        }

