"""Reads the headers of a study's images (no pixels) on a worker thread: corner overlay and measurement spacing.

Kept apart from the pixel decoder so an image whose pixels are already
cached still gets its overlay, and the decoder's timing is unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(int, object)         # study_id, {image_id: ViewHeader}


class _ReadHeaders(QRunnable):
    def __init__(self, study_id: int, items: list[tuple[int, str, dict]], signals: _Signals):
        super().__init__()
        self.study_id, self.items, self.signals = study_id, items, signals

    def run(self) -> None:  # worker thread
        from core.imaging.view_header import read_view_header

        headers = {}
        for image_id, path, fallback in self.items:
            try:
                headers[image_id] = read_view_header(path, fallback)
            except Exception:  # noqa: BLE001 - an overlay is optional; the pixel path reports the file's error
                continue
        self.signals.done.emit(self.study_id, headers)


class HeaderLoader(QObject):
    loaded = Signal(int, object)       # study_id, {image_id: ViewHeader}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.cache: dict[int, dict] = {}
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)

    def request(self, study_id: int, image_rows: list, study=None) -> None:
        """``image_rows``: the study's image rows (id, source_path, view); ``study``: its row (fallback text)."""
        if study_id in self.cache:
            self.loaded.emit(study_id, self.cache[study_id])
            return
        base = {}
        if study is not None:
            base = {k: study[k] for k in ("patient_key", "study_date", "accession") if k in study.keys()}
        items = [(r["id"], r["source_path"], {**base, "view": r["view"]}) for r in image_rows]
        self.pool.start(_ReadHeaders(study_id, items, self._signals))

    def _on_done(self, study_id: int, headers: dict) -> None:
        self.cache[study_id] = headers
        while len(self.cache) > 16:
            self.cache.pop(next(iter(self.cache)))
        self.loaded.emit(study_id, headers)

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone()
