"""Qt-free reading session: labels, difficulty, comments and undo for one reader.

Every action is appended to the workspace at once (append-only rows with the
reader's name); undo appends a retraction of the session's last action, so
nothing is ever overwritten. The blinded reader-study mode records per-view
answers with the time spent on the case in ``reading_answers``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

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
    def __init__(self, store, author: str, task: str = "fracture"):
        self.store = store
        self.author = author
        self.task = task
        self.undo_stack: list[Action] = []
        self.blinded_session: str | None = None
        self._opened_at: dict[int, float] = {}

    def _push(self, kind: str, row_id: int, study_id: int, text: str) -> Action:
        action = Action(kind, row_id, study_id, text, time.strftime("%H:%M"))
        self.undo_stack.append(action)
        return action

    def label(self, study_id: int, value: str) -> Action:
        """F / N / U. Confirming a report-derived label also lands here: the radiologist's row wins."""
        row_id = self.store.add_label(study_id, self.task, value, source="radiologist", author=self.author)
        return self._push("label", row_id, study_id, LABEL_WORDS[value])

    def confirm(self, study_id: int) -> Action | None:
        """Record the study's current (report or import) label as this reader's own."""
        current = self.store.current_label(study_id, self.task)
        if current is None or current.source == "radiologist":
            return None
        return self.label(study_id, current.value)

    def grade(self, study_id: int, grade: str) -> Action:
        row_id = self.store.add_difficulty(study_id, grade, author=self.author)
        return self._push("difficulty", row_id, study_id, grade.capitalize())

    def comment(self, study_id: int, text: str) -> Action | None:
        text = text.strip()
        if not text:
            return None
        row_id = self.store.add_comment(study_id, text, author=self.author)
        # Comments are append-only with no retraction column: not undoable, so not on the stack.
        return Action("comment", row_id, study_id, "Comment", time.strftime("%H:%M"))

    def undo(self) -> Action | None:
        """Withdraw this session's last label or difficulty grade; None when there is nothing to undo."""
        while self.undo_stack:
            action = self.undo_stack.pop()
            if action.kind == "label":
                self.store.retract_label(action.row_id, self.author)
                return action
            if action.kind == "difficulty":
                self.store.retract_difficulty(action.row_id, self.author)
                return action
            # Reader-study answers are kept as given (the time spent is part of the record).
        return None

    # ---------------------------------------------------------- blinded mode
    def start_blinded(self, name: str | None = None) -> str:
        self.blinded_session = name or time.strftime("reading-%Y%m%d-%H%M%S")
        self._opened_at.clear()
        return self.blinded_session

    def stop_blinded(self) -> None:
        self.blinded_session = None

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
        return self._push("answer", row_id, study_id, LABEL_WORDS.get(value, value))
