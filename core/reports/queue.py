"""The report labeller's own SQL: latest reports, suggestions and the review queue.

Suggestions (table ``nlp_suggestions``, schema migrations 2 and 3) are append-only:
each run of ``radinet reports label`` adds one row per study it decided about,
with the sentence of the report that decided it (:func:`deciding_sentence`).
The review queue is derived, never stored: studies whose newest suggestion is
'review', that no radiologist has labelled since and whose newest suggestion no
reader has rejected (table ``review_rejections``, schema migration 4; a newer
suggestion from a later labeller run brings a rejected study back).
"""

from __future__ import annotations

from core.store.database import write


def latest_reports(store) -> dict[int, str]:
    """Newest report text of every study that has one, in one query."""
    rows = store.execute(
        """SELECT r.study_id, r.text FROM reports r
           WHERE r.id = (SELECT MAX(id) FROM reports q WHERE q.study_id = r.study_id)
           ORDER BY r.study_id""").fetchall()
    return {row["study_id"]: row["text"] for row in rows}


def latest_report_rows(store) -> dict[int, tuple[int, str]]:
    """(report id, text) of the newest report of every study that has one."""
    rows = store.execute(
        """SELECT r.study_id, r.id, r.text FROM reports r
           WHERE r.id = (SELECT MAX(id) FROM reports q WHERE q.study_id = r.study_id)
           ORDER BY r.study_id""").fetchall()
    return {row["study_id"]: (row["id"], row["text"]) for row in rows}


def add_suggestion(store, study_id: int, value: str, probability: float, labeller_version: str, status: str,
                   label_id: int | None = None, task: str = "fracture", sentence=None,
                   report_id: int | None = None) -> int:
    """One decision; ``sentence`` (a DecidingSentence) is the sentence of report ``report_id`` that decided it."""
    with write(store.conn):
        return store.execute(
            """INSERT INTO nlp_suggestions (study_id, task, value, probability, labeller_version, status, label_id,
                                            deciding_sentence, sentence_start, sentence_end, report_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (study_id, task, value, float(probability), labeller_version, status, label_id,
             sentence.text if sentence else None, sentence.start if sentence else None,
             sentence.end if sentence else None, report_id)).lastrowid


def deciding_sentence(store, study_id: int, task: str = "fracture") -> dict | None:
    """Why the report labeller decided what it did about a study, for the report panel.

    The newest suggestion of the labeller for the study: ``value``, ``probability``,
    ``status`` ('applied' = it wrote label ``label_id``; 'review' = queued),
    ``labeller_version``, ``sentence`` (the deciding sentence as written),
    ``start``/``end`` (its offsets into report ``report_id``'s text) and
    ``created_at``; None if the labeller never looked at the study.
    """
    row = store.execute(
        """SELECT value, probability, status, label_id, labeller_version, deciding_sentence, sentence_start,
                  sentence_end, report_id, created_at
           FROM nlp_suggestions WHERE study_id = ? AND task = ? ORDER BY id DESC LIMIT 1""",
        (study_id, task)).fetchone()
    if row is None:
        return None
    out = dict(row)
    out["sentence"], out["start"], out["end"] = out.pop("deciding_sentence"), out.pop("sentence_start"), \
        out.pop("sentence_end")
    return out


def studies_decided_by(store, labeller_version: str, task: str = "fracture") -> set[int]:
    """Studies this labeller version already labelled or sent to review."""
    rows = store.execute("SELECT DISTINCT study_id FROM nlp_suggestions WHERE labeller_version = ? AND task = ?",
                         (labeller_version, task)).fetchall()
    return {row["study_id"] for row in rows}


def count_applied(store, labeller_version: str, task: str = "fracture") -> int:
    """How many studies this labeller version has labelled (over all its runs)."""
    return store.execute(
        """SELECT COUNT(DISTINCT study_id) FROM nlp_suggestions
           WHERE labeller_version = ? AND task = ? AND status = 'applied'""", (labeller_version, task)).fetchone()[0]


def suggestions(store, study_id: int, task: str = "fracture") -> list:
    """Every suggestion for one study, oldest first."""
    return store.execute("SELECT * FROM nlp_suggestions WHERE study_id = ? AND task = ? ORDER BY id",
                         (study_id, task)).fetchall()


def review_queue(store, task: str = "fracture") -> list[dict]:
    """Studies waiting for a radiologist: newest suggestion 'review', not rejected, no live radiologist label.

    Each row names its suggestion (``suggestion_id``). Ordered with the most
    doubtful first (probability nearest 0.5), then by study.
    """
    rows = store.execute(
        """SELECT s.id AS suggestion_id, s.study_id, s.value, s.probability, s.labeller_version, s.created_at
           FROM nlp_suggestions s
           WHERE s.task = ? AND s.status = 'review'
             AND s.id = (SELECT MAX(id) FROM nlp_suggestions t WHERE t.study_id = s.study_id AND t.task = s.task)
             AND NOT EXISTS (SELECT 1 FROM review_rejections j WHERE j.suggestion_id = s.id)
             AND NOT EXISTS (
                 SELECT 1 FROM labels l
                 WHERE l.study_id = s.study_id AND l.task = s.task AND l.source = 'radiologist'
                   AND l.retracts IS NULL AND l.image_id IS NULL
                   AND NOT EXISTS (SELECT 1 FROM labels r WHERE r.retracts = l.id))
           ORDER BY ABS(s.probability - 0.5), s.study_id""", (task,)).fetchall()
    return [dict(row) for row in rows]
