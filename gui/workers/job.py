"""A QThread that runs one long function ``fn(progress, stop)`` (import, demo build).

The function reports ``progress(done, total, message)`` and checks ``stop``
(a threading.Event) between items; the thread turns both into signals.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal


class JobThread(QThread):
    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, fn, parent=None):
        super().__init__(parent)
        self.fn = fn
        self.stop_event = threading.Event()

    def cancel(self) -> None:
        self.stop_event.set()

    def run(self) -> None:  # worker thread
        from core.errors import RadinetError

        def progress(done, total=None, message=""):
            self.progress.emit(int(done or 0), int(total or 0), str(message or ""))

        try:
            result = self.fn(progress, self.stop_event)
        except RadinetError as err:
            self.failed.emit(str(err))
        except Exception as err:  # noqa: BLE001 - shown to the user, never a silent crash
            self.failed.emit(f"The task stopped unexpectedly: {err.__class__.__name__}: {err}")
        else:
            self.succeeded.emit(result)
