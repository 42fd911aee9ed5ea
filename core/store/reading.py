"""A reader's session: labels, difficulty, comments, undo and blinded reader-study answers.

Every action is appended to the workspace at once (append-only rows with the
reader's name); undo appends a retraction of the session's last action, so
nothing is ever overwritten. The blinded reader-study mode records per-view
answers with the time spent on the case in ``reading_answers`` and ends with
a per-reader summary saved to the workspace.

Every write is announced on the optional :class:`~core.store.changes.ChangeFeed`
so open views refresh.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from core.atomic_file import atomic_write
from core.errors import RadinetError
from core.store.changes import Change

LABEL_KEYS = {"F": "positive", "N": "negative", "U": "uncertain"}
GRADE_KEYS = {"E": "easy", "D": "difficult"}
LABEL_WORDS = {"positive": "Fracture", "negative": "No fracture", "uncertain": "Uncertain"}


@dataclass
class Action:
    kind: str          # label | difficulty | comment | answer
    row_id: int
    study_id: int
    text: str          # what the status bar shows, e.g. "Fracture"
    at: str            # HH:MM local time


class ReadingSession:
    def __init__(self, store, author: str, task: str = "fracture", changes=None):
        self.store = store
        self.author = author
        self.task = task
        self.changes = changes          # a ChangeFeed, or None
        self.undo_stack: list[Action] = []
        self.blinded_session: str | None = None
        self._opened_at: dict[int, float] = {}

    def _push(self, kind: str, row_id: int, study_id: int, text: str) -> Action:
        action = Action(kind, row_id, study_id, text, time.strftime("%H:%M"))
        self.undo_stack.append(action)
        return action

    def _announce(self, kind: str, study_id: int) -> None:
        if self.changes is not None:
            self.changes.publish(Change(kind, study_id))

    def label(self, study_id: int, value: str) -> Action:
        """F / N / U. Confirming a report-derived label also lands here: the radiologist's row wins."""
        row_id = self.store.add_label(study_id, self.task, value, source="radiologist", author=self.author)
        action = self._push("label", row_id, study_id, LABEL_WORDS[value])
        self._announce("labels", study_id)
        return action

    def confirm(self, study_id: int) -> Action | None:
        """Record the study's current (report or import) label as this reader's own."""
        current = self.store.current_label(study_id, self.task)
        if current is None or current.source == "radiologist":
            return None
        return self.label(study_id, current.value)

    def grade(self, study_id: int, grade: str) -> Action:
        row_id = self.store.add_difficulty(study_id, grade, author=self.author)
        action = self._push("difficulty", row_id, study_id, grade.capitalize())
        self._announce("difficulty", study_id)
        return action

    def comment(self, study_id: int, text: str) -> Action | None:
        text = text.strip()
        if not text:
            return None
        row_id = self.store.add_comment(study_id, text, author=self.author)
        self._announce("comments", study_id)
        # Comments are append-only with no retraction column: not undoable, so not on the stack.
        return Action("comment", row_id, study_id, "Comment", time.strftime("%H:%M"))

    def undo(self) -> Action | None:
        """Withdraw this session's last label or difficulty grade; None when there is nothing to undo."""
        while self.undo_stack:
            action = self.undo_stack.pop()
            if action.kind == "label":
                self.store.retract_label(action.row_id, self.author)
                self._announce("labels", action.study_id)
                return action
            if action.kind == "difficulty":
                self.store.retract_difficulty(action.row_id, self.author)
                self._announce("difficulty", action.study_id)
                return action
            # Reader-study answers are kept as given (the time spent is part of the record).
        return None

    # ---------------------------------------------------------- blinded mode
    def start_blinded(self, name: str | None = None) -> str:
        self.blinded_session = name or time.strftime("reading-%Y%m%d-%H%M%S")
        self._opened_at.clear()
        return self.blinded_session

    def stop_blinded(self, summary_dir: str | os.PathLike | None = None) -> dict | None:
        """End the blinded session; returns its summary (saved as JSON under ``summary_dir`` when given)."""
        name, self.blinded_session = self.blinded_session, None
        if name is None:
            return None
        summary = blinded_summary(self.store, name)
        if summary_dir is not None:
            try:
                summary["file"] = str(save_summary(summary, summary_dir))
            except RadinetError as err:
                # The answers are in the workspace whatever happens to this file: the session still ends.
                summary["file"], summary["error"] = None, str(err)
        return summary

    def study_opened(self, study_id: int) -> None:
        self._opened_at.setdefault(study_id, time.monotonic())

    def answer(self, study_id: int, image_id: int | None, value: str) -> Action:
        """A blinded answer for one view (or the study when image_id is None), with seconds on the case."""
        if self.blinded_session is None:
            raise RuntimeError("answer() needs a blinded reading session")
        seconds = time.monotonic() - self._opened_at.get(study_id, time.monotonic())
        with self.store.transaction():
            row_id = self.store.execute(
                """INSERT INTO reading_answers (session, study_id, image_id, reader, value, seconds)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (self.blinded_session, study_id, image_id, self.author, value, round(seconds, 2))).lastrowid
            self.store.audit(self.author, "reading-answer", "study", study_id, self.blinded_session)
        self._announce("answers", study_id)
        return self._push("answer", row_id, study_id, LABEL_WORDS.get(value, value))


def blinded_summary(store, session: str) -> dict:
    """Per reader of one blinded session: answers, studies read, seconds per study (the last answer's time).

    ``seconds`` of an answer is the time since the study was opened, so a
    study's reading time is the largest of its answers' values.
    """
    rows = store.execute(
        """SELECT reader, study_id, COUNT(*) AS answers, MAX(seconds) AS seconds
           FROM reading_answers WHERE session = ? GROUP BY reader, study_id ORDER BY reader, study_id""",
        (session,)).fetchall()
    readers: dict[str, dict] = {}
    for r in rows:
        entry = readers.setdefault(r["reader"], {"reader": r["reader"], "answers": 0, "studies": 0,
                                                 "seconds_per_study": []})
        entry["answers"] += r["answers"]
        entry["studies"] += 1
        entry["seconds_per_study"].append(round(float(r["seconds"] or 0.0), 2))
    for entry in readers.values():
        times = entry["seconds_per_study"]
        entry["mean_seconds_per_study"] = round(sum(times) / len(times), 2) if times else None
    return {"session": session, "readers": list(readers.values())}


def save_summary(summary: dict, folder: str | os.PathLike) -> Path:
    """Write the summary as JSON (core.atomic_file: never half-written; RadinetError with one sentence when
    the disk refuses). Ids and times only, no patient data."""
    folder = Path(folder)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in summary["session"])
    path = folder / f"{safe}.json"
    return atomic_write(path, json.dumps(summary, indent=2).encode("utf-8"),
                        f"saving the reading summary {path.name}")
