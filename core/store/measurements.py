"""Lengths and angles a reader drew on an image, kept in the workspace (table ``measurements``, schema migration 4).

A measurement is an annotation, not a label: the reader may clear it, so its
rows can be deleted. Every save and every clear is written to the audit table
(who, which image, what), as labels are. Points are continuous (row, col)
coordinates on the stored pixel matrix -- what the viewer measures in -- so
the value shown depends only on them and on the image's pixel spacing.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.errors import InputError, WorkspaceError
from core.store.database import write

POINTS_NEEDED = {"length": 2, "angle": 3}       # angle: first arm's end, the vertex, second arm's end


@dataclass(frozen=True)
class StoredMeasurement:
    id: int
    image_id: int
    kind: str                                     # length | angle
    points: tuple[tuple[float, float], ...]       # (row, col) continuous image coordinates
    author: str
    created_at: str


def _checked_points(kind: str, points) -> list[list[float]]:
    if kind not in POINTS_NEEDED:
        raise InputError(f"A measurement is a length or an angle, not {kind!r}.")
    try:
        out = [[float(row), float(col)] for row, col in points]
    except (TypeError, ValueError):
        raise InputError(f"A {kind} needs {POINTS_NEEDED[kind]} points given as (row, column) numbers.") from None
    if len(out) != POINTS_NEEDED[kind] or not all(math.isfinite(v) for point in out for v in point):
        raise InputError(f"A {kind} needs exactly {POINTS_NEEDED[kind]} points with finite (row, column) numbers.")
    return out


def _not_saved(err: sqlite3.Error) -> WorkspaceError:
    # write() already turns a full disk or a failing disk into the project's errors; this is the rest
    # (a read-only workspace, a lock held past the busy timeout, an image that is no longer there).
    return WorkspaceError(f"The workspace database could not save the change, {err}; nothing was changed.")


def save_measurement(store, image_id: int, kind: str, points: Sequence, author: str) -> int:
    """Store one finished measurement of image ``image_id``; returns its row id."""
    checked = _checked_points(kind, points)
    try:
        with write(store.conn):
            row_id = store.execute(
                "INSERT INTO measurements (image_id, kind, points, author) VALUES (?, ?, ?, ?)",
                (image_id, kind, json.dumps(checked), author)).lastrowid
            store.audit(author, "measure", "image", image_id, f"{kind} #{row_id}")
            return row_id
    except sqlite3.Error as err:
        raise _not_saved(err) from err


def measurements_for(store, image_ids: Iterable[int]) -> dict[int, list[StoredMeasurement]]:
    """The saved measurements of each of ``image_ids`` that has any, oldest first."""
    ids = list(dict.fromkeys(image_ids))
    if not ids:
        return {}
    rows = store.execute(
        f"""SELECT id, image_id, kind, points, author, created_at FROM measurements
            WHERE image_id IN ({', '.join('?' * len(ids))}) ORDER BY image_id, id""", ids).fetchall()
    out: dict[int, list[StoredMeasurement]] = {}
    for row in rows:
        points = tuple((float(r), float(c)) for r, c in json.loads(row["points"]))
        out.setdefault(row["image_id"], []).append(StoredMeasurement(
            id=row["id"], image_id=row["image_id"], kind=row["kind"], points=points, author=row["author"],
            created_at=row["created_at"]))
    return out


def clear_measurements(store, image_ids: Iterable[int], author: str) -> int:
    """Delete the saved measurements of ``image_ids``; returns how many rows went (one audit row per image)."""
    ids = list(dict.fromkeys(image_ids))
    if not ids:
        return 0
    marks = ", ".join("?" * len(ids))
    try:
        with write(store.conn):
            counts = store.execute(
                f"""SELECT image_id, COUNT(*) AS n FROM measurements WHERE image_id IN ({marks})
                    GROUP BY image_id ORDER BY image_id""", ids).fetchall()
            removed = store.execute(f"DELETE FROM measurements WHERE image_id IN ({marks})", ids).rowcount
            for row in counts:
                store.audit(author, "clear-measurements", "image", row["image_id"], f"{row['n']} removed")
            return removed
    except sqlite3.Error as err:
        raise _not_saved(err) from err
