"""Change events of a workspace, for views that show its data (napari's evented-model pattern, Qt-free).

Two sources feed one subscriber list:

* writes made through this process's session objects (``publish``): the
  reading session announces every label, grade, comment and answer it saves;
* writes made by any other connection -- the command line in another
  process, the trainer, a worker thread (``poll``). SQLite's
  ``PRAGMA data_version`` changes whenever another connection commits to the
  database file; only then are the tables' largest row ids compared to say
  *what* changed. A poll costs one PRAGMA (microseconds), so a view can run it
  on a timer every second.

Subscribers run on the thread that calls ``publish``/``poll``; the GUI calls
both on its own thread, so a subscriber may touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Which table's new rows mean which kind of change. All but measurements are append-only or insert-only,
# so MAX(id) grows with each write and never needs a full scan.
WATCHED_TABLES = {
    "labels": "labels",
    "difficulty": "difficulty",
    "comments": "comments",
    "predictions": "predictions",
    "studies": "studies",
    "images": "studies",          # a new view of an existing study changes that study's row
    "model_events": "models",
    "reading_answers": "answers",
    "measurements": "measurements",
}
# measurements is the one watched table rows leave (View > Clear measurements deletes them), so its mark
# counts the rows too: a clear in another window lowers the count while MAX(id) may stay the same.
MARK_OF_TABLE = {"measurements": "MAX(id) || ':' || COUNT(*)"}


@dataclass(frozen=True)
class Change:
    kind: str                     # labels | difficulty | comments | predictions | studies | models | answers
                                  # | measurements
    study_id: int | None = None   # None: somewhere in the workspace
    external: bool = False        # written by another connection (another process, a worker, the CLI)


Subscriber = Callable[[Change], None]


class ChangeFeed:
    """Subscribe to a workspace's changes; ``poll()`` picks up other writers' commits."""

    def __init__(self, store):
        self.store = store
        self._subscribers: list[Subscriber] = []
        self._version = self._data_version()
        self._marks = self._table_marks()

    # ------------------------------------------------------------ subscribing
    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call ``fn(change)`` for every change; returns a function that unsubscribes."""
        self._subscribers.append(fn)

        def unsubscribe() -> None:
            if fn in self._subscribers:
                self._subscribers.remove(fn)

        return unsubscribe

    def publish(self, change: Change) -> None:
        # The marks are left alone on purpose: refreshing them here could swallow another
        # process's write that landed just before ours. At worst a view reloads once more.
        for fn in list(self._subscribers):
            fn(change)

    # --------------------------------------------------------------- polling
    def poll(self) -> list[Change]:
        """Announce (and return) what other connections committed since the last poll."""
        version = self._data_version()
        if version == self._version:
            return []
        self._version = version
        marks = self._table_marks()
        kinds = []
        for table, kind in WATCHED_TABLES.items():
            if marks.get(table) != self._marks.get(table) and kind not in kinds:
                kinds.append(kind)
        self._marks = marks
        changes = [Change(kind, None, external=True) for kind in kinds]
        for change in changes:
            for fn in list(self._subscribers):
                fn(change)
        return changes

    def _data_version(self) -> int:
        # Changes when another connection commits; unchanged by this connection's own commits.
        return self.store.execute("PRAGMA data_version").fetchone()[0]

    def _table_marks(self) -> dict[str, int | None]:
        sql = " UNION ALL ".join(f"SELECT '{t}', {MARK_OF_TABLE.get(t, 'MAX(id)')} FROM {t}"
                                 for t in WATCHED_TABLES)
        return dict(self.store.execute(sql).fetchall())
