"""Background decoding of a study's images, with a small cache of decoded studies.

The current study is decoded first; the next one in the worklist is decoded
while the current one is read, so "next study" is instant.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _DecodeSignals(QObject):
    done = Signal(int, object, object)    # study_id, [DisplayImage], [error message | None]


class _DecodeStudy(QRunnable):
    def __init__(self, study_id: int, paths: list[str], signals: _DecodeSignals):
        super().__init__()
        self.study_id, self.paths, self.signals = study_id, paths, signals

    def run(self) -> None:  # worker thread
        from core.errors import RadinetError
        from gui.services import load_display_image
        from gui.viewer.view_state import ViewState

        images, errors = [], []
        for path in self.paths:
            try:
                image = load_display_image(path)
                # The window LUT index and percentiles cost tens of ms on a 2k x 2k image: build them here.
                image.state = ViewState(image.values, invert=image.invert, tag_windows=list(image.windows),
                                        padding_value=image.padding_value, source=image.source)
                images.append(image)
                errors.append(None)
            except RadinetError as err:
                images.append(None)
                errors.append(str(err))
            except Exception as err:  # noqa: BLE001 - a broken file must not kill the worker
                images.append(None)
                errors.append(f"{path.rsplit('/', 1)[-1]}: could not be displayed ({err.__class__.__name__}).")
        self.signals.done.emit(self.study_id, images, errors)


class StudyLoader(QObject):
    """Decodes studies on a thread pool; emits ``loaded`` on the GUI thread."""

    loaded = Signal(int, object, object)   # study_id, images, errors

    def __init__(self, cache_size: int = 4, parent=None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.cache: OrderedDict[int, tuple[list, list]] = OrderedDict()
        self.cache_size = cache_size
        self._pending: set[int] = set()
        self._signals = _DecodeSignals(self)
        self._signals.done.connect(self._on_done)

    def request(self, study_id: int, paths: list[str], prefetch: bool = False) -> bool:
        """Ask for a study; True if it was cached and ``loaded`` was emitted now."""
        if study_id in self.cache:
            self.cache.move_to_end(study_id)
            if not prefetch:
                images, errors = self.cache[study_id]
                self.loaded.emit(study_id, images, errors)
            return True
        if study_id not in self._pending:
            self._pending.add(study_id)
            task = _DecodeStudy(study_id, list(paths), self._signals)
            self.pool.start(task, priority=0 if prefetch else 1)
        return False

    def _on_done(self, study_id: int, images: list, errors: list) -> None:
        self._pending.discard(study_id)
        self.cache[study_id] = (images, errors)
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        self.loaded.emit(study_id, images, errors)

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone()
