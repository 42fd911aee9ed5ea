"""The report labeller's context analysis of the shown report, on a worker thread, for the report panel.

The analysis runs spaCy (core.reports.context), which the GUI thread must not:
the panel first paints the report from the phrase lists, then repaints it from
this analysis when it arrives (gui.report_html). Results are kept per study
and text, so going back to a study repaints at once.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)
CACHED_REPORTS = 64


class _Signals(QObject):
    done = Signal(int, str, object)      # study_id, text, ReportAnalysis (None: the analysis failed)


class _Analyse(QRunnable):
    def __init__(self, study_id: int, text: str, signals: _Signals):
        super().__init__()
        self.study_id, self.text, self.signals = study_id, text, signals

    def run(self) -> None:  # worker thread
        try:
            from core.reports.context import analyse
            from core.reports.language import detect_language

            result = analyse(self.text, detect_language(self.text))
        except Exception as err:  # noqa: BLE001 - the panel keeps the phrase-list painting
            log.warning("report analysis for the panel failed: %s", type(err).__name__)   # no report text in logs
            result = None
        self.signals.done.emit(self.study_id, self.text, result)


class ReportAnalyser(QObject):
    analysed = Signal(int, str, object)   # study_id, text, ReportAnalysis

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.cache: OrderedDict[tuple[int, str], object] = OrderedDict()
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)

    def request(self, study_id: int, text: str) -> None:
        """Analyse ``text`` (study ``study_id``'s report); ``analysed`` is emitted when done (at once if cached)."""
        key = (study_id, text)
        if key in self.cache:
            self.analysed.emit(study_id, text, self.cache[key])
            return
        self.pool.clear()        # a report the reader has already left need not be analysed
        self.pool.start(_Analyse(study_id, text, self._signals))

    def _on_done(self, study_id: int, text: str, analysis) -> None:
        if analysis is None:
            return
        self.cache[(study_id, text)] = analysis
        while len(self.cache) > CACHED_REPORTS:
            self.cache.popitem(last=False)
        self.analysed.emit(study_id, text, analysis)

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone()
