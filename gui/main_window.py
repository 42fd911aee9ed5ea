"""The workstation window: worklist | study view | side panel, menus, status bar, training dock.

The window wires Qt-free models from core.store (worklist rows, the reading
session, the workspace's change feed) to the widgets and to the background
workers. On the GUI thread it only calls small core.store queries (ms);
decoding, predictions, import, the demo build and training all run in
gui/workers. Views refresh from change events: the reading session announces
its own writes, and a one-second poll of the database notices anyone else's
(the command line, the trainer).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from core.store.changes import ChangeFeed
from core.store.published import describe, no_model_sentence, pick_scope
from core.store.reading import ReadingSession
from core.store.worklist import load_rows, next_unread, refresh_row
from gui.key_guard import KeyGuard
from gui.settings import Settings
from gui.viewer.header_loader import HeaderLoader
from gui.viewer.study_view import LAYOUTS, StudyView
from gui.widgets.dialogs import RESEARCH_NOTICE, SettingsDialog, show_about
from gui.widgets.first_run_hint import FirstRunHint
from gui.widgets.side_panel import SidePanel
from gui.widgets.training_dock import TrainingDock
from gui.widgets.worklist_view import WorklistPanel
from gui.workers.decode import StudyLoader
from gui.workers.job import JobThread
from gui.workers.predict import PredictionThread
from gui.workers.report_analysis import ReportAnalyser
from gui.workers.triage import TriageThread

DEMO_STUDIES = 30
CHANGE_POLL_MS = 1000      # how soon labels written by the command line show in the worklist
ERROR_COLOUR = "#ef9a9a"
MODEL_LABEL_MAX_PX = 420   # the status bar keeps room for messages; the tooltip lists every published model


def _clause(err: Exception) -> str:
    """An error's sentence as a clause inside another sentence: no capital, no full stop."""
    text = str(err).strip().rstrip(".")
    return text[:1].lower() + text[1:]


class MainWindow(QMainWindow):
    first_image_shown = Signal(int)       # study_id: its pixels are on screen
    prediction_shown = Signal(int)        # study_id: its prediction is on screen
    model_state_known = Signal()          # the predictor answered (a model, or "No model yet")
    demo_finished = Signal(bool)

    def __init__(self, workspace, settings: Settings | None = None, predictor_factory=None, train_fn=None,
                 auto_demo: bool = True, demo_studies: int = DEMO_STUDIES, restore_position: bool = False,
                 parent=None):
        super().__init__(parent)
        self.workspace = workspace
        self.settings = settings or Settings()
        self.store = workspace.connect()           # GUI-thread store: small worklist queries only
        self.changes = ChangeFeed(self.store)
        self.session = ReadingSession(self.store, self.settings.reader(), changes=self.changes)
        self.current_study: int | None = None
        self.current_rows: list = []
        # {"models": {scope: model_id}, "operating_points": {model_id: {...}}} (PredictionThread), None: none published
        self.model_info: dict | None = None
        self.model_known = False
        self.predictions: dict[int, dict] = {}
        self.prediction_errors: dict[int, str] = {}   # study_id -> why it has no prediction
        self.last_blinded_summary: dict | None = None
        self.heatmap_user_choice: bool | None = None
        self.demo_thread: JobThread | None = None
        self.demo_studies = demo_studies
        self._first_image_done = False
        self._closed = False
        # Asked before anything saved is deleted; tests answer it themselves.
        self.confirm = lambda title, text: QMessageBox.question(
            self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel) == QMessageBox.StandardButton.Yes
        self._close_pending = False      # closed during training: finish closing when the trainer stops

        self.setWindowTitle(f"RadiNet Studio — {workspace.path}  ({RESEARCH_NOTICE})")
        self.resize(1600, 950)
        self._build_widgets(train_fn)
        self._build_actions()
        self._build_status_bar()
        self.key_guard = KeyGuard(self)
        self.key_guard.guard(self)
        self.key_guard.escaped.connect(lambda _w: self.focus_image())
        self.changes.subscribe(self._on_change)
        self.change_timer = QTimer(self)
        self.change_timer.setInterval(CHANGE_POLL_MS)
        self.change_timer.timeout.connect(self._poll_changes)
        self.change_timer.start()

        self.loader = StudyLoader(parent=self)
        self.loader.loaded.connect(self._on_loaded)
        self.header_loader = HeaderLoader(parent=self)      # corner overlay + measurement spacing, off the GUI thread
        self.header_loader.loaded.connect(self._on_headers)
        self.report_analyser = ReportAnalyser(parent=self)  # the labeller's cues for the report panel, off-thread
        self.report_analyser.analysed.connect(self._on_report_analysed)
        self._shown_report: tuple[int, str, dict | None] | None = None    # study, text, deciding sentence
        self.tag_browser = None
        self.export_thread: JobThread | None = None
        self._export_busy = False
        self.predictor_thread = PredictionThread(workspace, predictor_factory=predictor_factory, parent=self)
        self.predictor_thread.model_changed.connect(self._on_model_changed)
        self.predictor_thread.predicted.connect(self._on_predicted)
        self.predictor_thread.failed.connect(self._on_prediction_failed)
        self.predictor_thread.start(priority=self.predictor_thread.Priority.LowPriority)
        # Triage: every study the published model has not predicted, newest first (the AI column fills in).
        self.triage = TriageThread(workspace, predictor_factory=predictor_factory, parent=self)
        self.triage.triaged.connect(self._on_triaged)
        self._triaged_pending: dict[int, tuple[str, float]] = {}
        self.triage_timer = QTimer(self)          # the worklist takes triage results in batches, not one by one
        self.triage_timer.setInterval(500)
        self.triage_timer.setSingleShot(True)
        self.triage_timer.timeout.connect(self._apply_triaged)
        self.triage.progress.connect(self._on_triage_progress)
        self.triage.start(priority=self.triage.Priority.LowestPriority)

        self.reload_worklist()
        last = self._last_study() if restore_position else None
        if last is not None and any(r.study_id == last for r in self.worklist.all_rows):
            QTimer.singleShot(0, lambda: self.worklist.select(last))
        elif self.worklist.all_rows:
            QTimer.singleShot(0, self.open_first_study)
        elif auto_demo:
            QTimer.singleShot(0, self.create_demo_workspace)
        self._update_first_run_hint()

    # ------------------------------------------------------------ construction
    def _build_widgets(self, train_fn) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.banner = QWidget()
        self.banner.setObjectName("Banner")
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(8, 4, 8, 4)
        self.banner_label = QLabel("")
        self.banner_progress = QProgressBar()
        self.banner_progress.setMaximumWidth(360)
        self.banner_cancel = QPushButton("Cancel")
        self._banner_cancel_fn = None
        self.banner_cancel.clicked.connect(lambda: self._banner_cancel_fn and self._banner_cancel_fn())
        bl.addWidget(self.banner_label, 1)
        bl.addWidget(self.banner_progress)
        bl.addWidget(self.banner_cancel)
        self.banner.hide()
        outer.addWidget(self.banner)
        self.first_run = FirstRunHint(self.demo_studies)      # an empty workspace: import, or open the demo
        self.first_run.import_requested.connect(self.open_import_dialog)
        self.first_run.demo_requested.connect(self.create_demo_workspace)
        self.first_run.hide()
        outer.addWidget(self.first_run)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.worklist = WorklistPanel()
        self.study_view = StudyView()
        self.side_panel = SidePanel()
        self.splitter.addWidget(self.worklist)
        self.splitter.addWidget(self.study_view)
        self.splitter.addWidget(self.side_panel)
        # On a smaller screen the worklist gives up width too, not only the image (1280 px left 320 for it).
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([560, 680, 360])
        outer.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.training_dock = TrainingDock(self.workspace, self._training_settings(), train_fn=train_fn, parent=self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.training_dock)
        self.training_dock.hide()
        self.training_dock.model_published.connect(lambda _result: self.predictor_thread.reload_model())
        self.training_dock.running_changed.connect(self._on_training_running)
        from gui.widgets.models_panel import ModelsPanel

        self.models_panel = ModelsPanel(self.workspace, author=self.session.author, parent=self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.models_panel)
        self.models_panel.hide()
        self.models_panel.models_changed.connect(lambda: self.predictor_thread.reload_model())

        self.worklist.study_selected.connect(self.open_study)
        self.worklist.table.clicked.connect(lambda _index: self.focus_image())
        self.worklist.search.returnPressed.connect(self._on_search_enter)
        self.study_view.cursor_info.connect(lambda text: self.cursor_label.setText(text))
        self.study_view.measured.connect(self._status)
        self.study_view.measurement_completed.connect(self._save_measurement)
        self.study_view.tool_stopped.connect(lambda: self.set_tool(None))
        self.side_panel.label_requested.connect(self.label_current)
        self.side_panel.confirm_requested.connect(self.confirm_current)
        self.side_panel.grade_requested.connect(self.grade_current)
        self.side_panel.comment_requested.connect(self.comment_current)
        self.side_panel.heatmap_toggled.connect(self._on_heatmap_button)
        self.side_panel.opacity_changed.connect(self.study_view.set_heatmap_opacity)

    def _action(self, menu, text: str, shortcut, slot, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut:
            keys = shortcut if isinstance(shortcut, (list, tuple)) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)     # shortcuts work with the menu closed
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Import…", "Ctrl+I", self.open_import_dialog)
        self._action(file_menu, "Create &demo workspace", None, self.create_demo_workspace)
        file_menu.addSeparator()
        self._action(file_menu, "&Export labels (CSV)…", None, lambda: self.export_labels(False))
        self._action(file_menu, "Export labels, de-&identified (CSV)…", None, lambda: self.export_labels(True))
        file_menu.addSeparator()
        self._action(file_menu, "&Settings…", "Ctrl+,", self.open_settings)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", "Ctrl+Q", self.close)

        study = bar.addMenu("&Reading")
        self._action(study, "Fracture", "F", lambda: self.label_current("positive"))
        self._action(study, "No fracture", "N", lambda: self.label_current("negative"))
        self._action(study, "Uncertain", "U", lambda: self.label_current("uncertain"))
        self._action(study, "Confirm report label", ["Return", "Enter"], self.confirm_current)
        self._action(study, "Easy", "E", lambda: self.grade_current("easy"))
        self._action(study, "Difficult", "D", lambda: self.grade_current("difficult"))
        self._action(study, "Comment…", "C", lambda: self.side_panel.comment_edit.setFocus())
        self._action(study, "Undo", QKeySequence.StandardKey.Undo, self.undo)
        study.addSeparator()
        self._action(study, "Next unread study", "Space", self.next_unread_study)
        self._action(study, "Next study", ["Down", "PgDown"], lambda: self.step_study(1))
        self._action(study, "Previous study", ["Up", "PgUp"], lambda: self.step_study(-1))
        self._action(study, "Next view", "Right", lambda: self.study_view.step_view(1))
        self._action(study, "Previous view", "Left", lambda: self.study_view.step_view(-1))
        self._action(study, "Find patient or accession", "Ctrl+F", self._focus_search)
        study.addSeparator()
        self.blinded_action = self._action(study, "Blinded reading mode (reader study)", "Ctrl+B",
                                           self.toggle_blinded, checkable=True)

        view = bar.addMenu("&View")
        from gui.viewer.view_state import load_presets

        for preset in load_presets():
            self._action(view, f"Window: {preset.name}", preset.key, lambda _=False, k=preset.key: self.apply_preset(k))
        view.addSeparator()
        self._action(view, "Invert", "I", self.study_view.toggle_invert)
        self._action(view, "Rotate 90°", "R", self.study_view.rotate)
        self._action(view, "Flip horizontally", "X", self.study_view.flip)
        self._action(view, "Fit to pane", "0", self.study_view.fit)
        self._action(view, "Actual size (1:1)", "=", self.study_view.actual_size)
        self._action(view, "Reset view", "Backspace", self.study_view.reset)
        view.addSeparator()
        self._build_reading_tool_actions(view)
        view.addSeparator()
        self.heatmap_action = self._action(view, "Heatmap overlay", "H", self.toggle_heatmap, checkable=True)
        self._action(view, "Training dock", "Ctrl+T", self._toggle_training_dock)
        self._action(view, "Models…", "Ctrl+M", self.show_models_panel)

        reports = bar.addMenu("Re&ports")
        self._action(reports, "Label unlabelled studies from reports…", None, self.label_from_reports)
        self._action(reports, "Review report suggestions…", None, self.review_report_suggestions)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Keyboard shortcuts", "F1", self.show_shortcuts)
        self._action(help_menu, "About RadiNet Studio", None, lambda: show_about(self))

    def _build_reading_tool_actions(self, view) -> None:
        """Layouts, synchronisation, the patient overlay, measuring and the tag browser (issue 12, section 4)."""
        from PySide6.QtGui import QActionGroup

        group = QActionGroup(self)
        names = {"auto": "Layout: all views (PA + lateral side by side)", "1x1": "Layout: 1×1", "1x2": "Layout: 1×2",
                 "2x2": "Layout: 2×2"}
        self.layout_actions = {}
        for mode in LAYOUTS:
            action = self._action(view, names[mode], None, lambda _=False, m=mode: self.set_layout(m), checkable=True)
            group.addAction(action)
            self.layout_actions[mode] = action
        self.layout_actions["auto"].setChecked(True)
        self.sync_action = self._action(view, "Synchronise window/level and zoom", None,
                                        lambda checked: self.study_view.set_sync(checked), checkable=True)
        self.sync_action.setChecked(True)
        # Ctrl+I is Import; Ctrl+Shift+I toggles the image information (Weasis and OHIF call it annotations).
        self.overlay_action = self._action(view, "Patient and study overlay", "Ctrl+Shift+I",
                                           lambda checked: self.study_view.set_overlay_visible(checked),
                                           checkable=True)
        self.overlay_action.setChecked(True)
        view.addSeparator()
        self.length_action = self._action(view, "Measure length", "M", lambda c: self.set_tool("length" if c else None),
                                          checkable=True)
        self.angle_action = self._action(view, "Measure angle", "A", lambda c: self.set_tool("angle" if c else None),
                                         checkable=True)
        self._action(view, "Clear measurements", None, self.clear_measurements)
        self._action(view, "DICOM tags of the image…", "Ctrl+Shift+T", self.open_tag_browser)

    def set_layout(self, mode: str) -> None:
        self.study_view.set_layout(mode)
        self.layout_actions[mode].setChecked(True)

    def set_tool(self, tool: str | None) -> None:
        """length | angle | None (back to pan): left clicks on the image place the tool's points."""
        self.study_view.set_tool(tool)
        self.length_action.setChecked(tool == "length")
        self.angle_action.setChecked(tool == "angle")
        if tool:
            spacing = ""
            panes = self.study_view.targets()
            if panes and panes[0].spacing() is not None:
                spacing = f" Calibration: {panes[0].spacing().description}."
            self._status(f"Measuring {tool}: click {'2' if tool == 'length' else '3 (arm, vertex, arm)'} points "
                         f"on the image; {'M' if tool == 'length' else 'A'} again stops.{spacing}")

    def _save_measurement(self, image_id: int, measurement) -> None:
        """A finished length or angle is saved for its image at once (one small write, as a label is)."""
        from core.errors import RadinetError
        from core.store.measurements import save_measurement

        try:
            measurement.id = save_measurement(self.store, image_id, measurement.kind, measurement.points,
                                              self.session.author)
        except RadinetError as err:
            self._status("The measurement was not saved and stays on screen only until the study is closed: "
                         f"{_clause(err)}.", error=True)

    def clear_measurements(self) -> None:
        """View > Clear measurements: off the screen and out of the workspace, asking first if any were saved."""
        from core.errors import RadinetError
        from core.store.measurements import clear_measurements, measurements_for

        image_ids = list(self.study_view.image_ids)
        saved = sum(len(found) for found in measurements_for(self.store, image_ids).values())
        if saved:
            if not self.confirm("Clear measurements", f"Delete the {saved} saved measurement"
                                f"{'' if saved == 1 else 's'} of this study for good?"):
                return
            try:
                clear_measurements(self.store, image_ids, self.session.author)
            except RadinetError as err:
                self._status(f"The measurements were not cleared: {_clause(err)}.", error=True)
                return
        self.study_view.clear_measurements()
        if saved:
            self._status(f"Cleared {saved} saved measurement{'' if saved == 1 else 's'} of this study.")

    def open_tag_browser(self):
        """The header of the active view (the first one when none is picked), read on a worker thread."""
        from gui.widgets.tag_browser import TagBrowser

        image_id = self.study_view.active_image_id()
        if image_id is None and self.study_view.image_ids:
            image_id = self.study_view.image_ids[0]
        row = next((r for r in self.current_rows if r["id"] == image_id), None)
        if row is None:
            self._status("Open a study first: the tag browser shows the header of its active view.")
            return None
        index = self.study_view.image_ids.index(image_id)
        if self.tag_browser is not None:
            self.tag_browser.close()
        self.tag_browser = TagBrowser(row["source_path"], f"view {index + 1} ({row['view'] or 'view'})", self)
        self.key_guard.guard(self.tag_browser)
        self.tag_browser.show()
        return self.tag_browser

    @property
    def export_busy(self) -> bool:
        """True from the start of a label export until its result is on the status line."""
        return self._export_busy

    def export_labels(self, deidentify: bool = False, path: str | None = None):
        """File > Export labels: core.interop.labels.export_labels, the code behind `radinet export labels`."""
        from gui.widgets.label_export import ask_export_path, export_summary, label_export_job

        if self._export_busy:
            self._status("A label export is still running; start the next one when it has finished.")
            return self.export_thread
        path = path or ask_export_path(self, deidentify)
        if not path:
            return None
        self._status("Exporting labels…")
        thread = label_export_job(self.workspace, path, deidentify, self)

        def finished(text: str, error: bool = False) -> None:
            self._export_busy = False          # set here, not from isRunning(): the result is what counts
            self._status(text, error=error)

        thread.succeeded.connect(lambda report: finished(export_summary(report)))
        thread.failed.connect(lambda message: finished(message, error=True))
        self.export_thread, self._export_busy = thread, True
        thread.start()                          # after the connects: a file name refused at once still reports
        return thread

    def _on_headers(self, study_id: int, headers: dict) -> None:
        if study_id == self.current_study and not self._closed:
            self.study_view.set_headers(headers)

    def _update_first_run_hint(self) -> None:
        empty = not self.worklist.all_rows
        building = self.demo_thread is not None and self.demo_thread.isRunning()
        self.first_run.setVisible(empty)
        self.first_run.set_busy(building)
        if empty and not building:
            self.study_view.set_message("This workspace is empty: import a folder, or open the demo.")

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.notice_label = QLabel(RESEARCH_NOTICE)
        self.notice_label.setObjectName("ResearchNotice")
        self.saved_label = QLabel("")
        self.saved_label.setObjectName("SavedLabel")
        self.cursor_label = QLabel("")
        self.model_label = QLabel("Model: loading…")
        self.device_label = QLabel(f"Training device: {self.settings.get('device')}")
        self.workspace_label = QLabel(f"Workspace: {self.workspace.path.name}")
        self.workspace_label.setToolTip(str(self.workspace.path))   # the full path; the bar keeps room for messages
        self.reader_label = QLabel(f"Reader: {self.session.author}")
        self.triage_label = QLabel("")
        sb.addWidget(self.saved_label, 1)
        sb.addWidget(self.cursor_label)
        for w in (self.triage_label, self.reader_label, self.model_label, self.device_label, self.workspace_label, self.notice_label):
            sb.addPermanentWidget(w)

    # ---------------------------------------------------------------- worklist
    def reload_worklist(self) -> None:
        from gui.services import tier_of

        ops = (self.model_info or {}).get("operating_points") or {}
        rows = load_rows(self.store, self._models(), tier=lambda p, model_id: tier_of(p, ops.get(model_id) or {}))
        for row in rows:      # this session's fresh predictions are not all in the database yet
            pred = self.predictions.get(row.study_id)
            if pred:
                row.probability, row.tier = pred["probability"], pred["tier"]
        self.worklist.set_rows(rows, keep_study=self.current_study)
        if hasattr(self, "first_run"):
            self.first_run.setVisible(not rows)

    # ---------------------------------------------------------- change events
    def _poll_changes(self) -> None:
        if not self._closed:
            self.changes.poll()

    def _on_change(self, change) -> None:
        """A view of the workspace changed: this reader's write (one study) or another writer's (anything)."""
        if self._closed:
            return
        if change.kind == "models" and change.external:
            self.predictor_thread.reload_model()
            if self.models_panel.isVisible():
                self.models_panel.refresh()
            return
        if change.kind == "measurements":
            self._show_saved_measurements()
            return
        if change.kind not in ("labels", "difficulty", "studies"):
            return
        if change.study_id is not None:
            self._refresh_row(change.study_id)
        else:
            self.reload_worklist()
        if self.current_study is not None and change.study_id in (None, self.current_study):
            self._show_reading_state()

    def _show_saved_measurements(self) -> None:
        """The open study's measurements as the workspace has them now (another window saved or cleared some)."""
        if self.current_study is None or not self.study_view.image_ids:
            return
        from core.store.measurements import measurements_for

        self.study_view.set_saved_measurements(measurements_for(self.store, self.study_view.image_ids))

    def _refresh_row(self, study_id: int, labels: bool = True) -> None:
        """Update one worklist row in place after a label/grade/prediction (the order stays put while reading)."""
        if self._closed:
            return
        for row in self.worklist.all_rows:
            if row.study_id == study_id:
                if labels:
                    refresh_row(self.store, row)
                pred = self.predictions.get(study_id)
                if pred:
                    row.probability, row.tier = pred["probability"], pred["tier"]
        model = self.worklist.model
        model.dataChanged.emit(model.index(0, 0), model.index(model.rowCount() - 1, model.columnCount() - 1))

    def open_first_study(self) -> None:
        rows = self.worklist.ordered_rows()
        if rows:
            self.worklist.select(rows[0].study_id)

    def step_study(self, delta: int) -> None:
        rows = self.worklist.ordered_rows()
        if not rows:
            return
        ids = [r.study_id for r in rows]
        i = ids.index(self.current_study) + delta if self.current_study in ids else 0
        self.worklist.select(ids[max(0, min(len(ids) - 1, i))])

    def next_unread_study(self) -> None:
        row = next_unread(self.worklist.ordered_rows(), self.current_study)
        if row is None:
            self._status("No unread study left in this list.")
            return
        self.worklist.select(row.study_id)

    # ------------------------------------------------------------- keyboard
    def focus_image(self) -> None:
        """Give the keyboard back to the image, where the reading keys act."""
        self.study_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _focus_search(self) -> None:
        self.worklist.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.worklist.search.selectAll()

    def _on_search_enter(self) -> None:
        """Enter in the search box opens the first match; it never labels anything."""
        rows = self.worklist.ordered_rows()
        if rows:
            self.worklist.select(rows[0].study_id)
        self.focus_image()

    def _status(self, text: str, error: bool = False) -> None:
        self.saved_label.setStyleSheet(f"color: {ERROR_COLOUR};" if error else "")
        self.saved_label.setToolTip(text)     # the whole message, even when the status bar cuts it
        self.saved_label.setText(text)

    # ------------------------------------------------------------------- study
    def open_study(self, study_id: int) -> None:
        if study_id is None:
            return
        if self.worklist.selected_study() != study_id:
            self.worklist.select(study_id, emit=False)
        if study_id != self.current_study:
            # A draft belongs to the study it was typed for; it never follows the reader to the next one.
            if self.side_panel.comment_edit.text().strip():
                self._status("Unsaved comment discarded (Enter saves a comment).")
            self.side_panel.comment_edit.clear()
            if QApplication.focusWidget() is self.side_panel.comment_edit:
                self.focus_image()
        self.current_study = study_id
        self.current_rows = self.store.images(study_id)
        row = next((r for r in self.worklist.all_rows if r.study_id == study_id), None)
        self.training_dock.set_body_part(row.body_part if row else None)   # the chain's target step
        self.heatmap_user_choice = None
        self.session.study_opened(study_id)
        self._show_reading_state()
        self._show_report(study_id)
        self._show_prediction()
        self.header_loader.request(study_id, self.current_rows, self.store.study(study_id))
        if not self.loader.request(study_id, [r["source_path"] for r in self.current_rows]):
            self.study_view.set_message("Loading…")
        # Decode the next study while this one is read.
        rows = self.worklist.ordered_rows()
        ids = [r.study_id for r in rows]
        if study_id in ids and ids.index(study_id) + 1 < len(ids):
            nxt = ids[ids.index(study_id) + 1]
            self.loader.request(nxt, [r["source_path"] for r in self.store.images(nxt)], prefetch=True)

    def _show_report(self, study_id: int) -> None:
        """The report at once, its cues from the phrase lists; repainted from the labeller's own
        analysis when the worker has it (_on_report_analysed)."""
        from core.reports.queue import deciding_sentence

        text, deciding = self.store.report(study_id), deciding_sentence(self.store, study_id)
        self._shown_report = (study_id, text, deciding)
        self.side_panel.show_report(text, blinded=self._blinded(), deciding=deciding)
        if text and not self._blinded():
            self.report_analyser.request(study_id, text)

    def _on_report_analysed(self, study_id: int, text: str, analysis) -> None:
        if self._closed or self._blinded() or self._shown_report is None:
            return
        shown_study, shown_text, deciding = self._shown_report
        if (study_id, text) == (shown_study, shown_text) and study_id == self.current_study:
            self.side_panel.show_report(text, deciding=deciding, analysis=analysis)

    def _on_loaded(self, study_id: int, images: list, errors: list) -> None:
        if study_id != self.current_study or self._closed:
            return
        from core.store.measurements import measurements_for

        # The workspace is the truth for measurements, not what a cached image still carries.
        saved = measurements_for(self.store, [r["id"] for r in self.current_rows])
        self.study_view.set_study(self.current_rows, images, errors, saved)
        if self._blinded() and self.current_rows:
            self.study_view.set_active(0)
        self._show_prediction()
        if self.model_for(study_id)[1] is not None and study_id not in self.predictions:
            self.predictor_thread.request(study_id, images, first=True)
        if not self._first_image_done and any(im is not None for im in images):
            self._first_image_done = True
        self.first_image_shown.emit(study_id)

    def _show_reading_state(self) -> None:
        if self.current_study is None:
            return
        self.side_panel.show_reading(self.store.current_label(self.current_study),
                                     self.store.current_difficulty(self.current_study), blinded=self._blinded())
        self.side_panel.show_history([] if self._blinded() else self.store.label_history(self.current_study))

    # -------------------------------------------------------------- prediction
    def _models(self) -> dict[str, str]:
        """The published {scope: model id} as the prediction thread last announced them."""
        return dict((self.model_info or {}).get("models") or {})

    def _body_part(self, study_id: int | None) -> str:
        row = next((r for r in self.worklist.all_rows if r.study_id == study_id), None)
        return row.body_part if row else ""

    def model_for(self, study_id: int | None) -> tuple[str | None, str | None]:
        """(scope, model id) of the model that predicts this study: its body part's own, else all parts'."""
        models = self._models()
        used = pick_scope(models, self.predictor_thread.task, self._body_part(study_id))
        return used, models.get(used) if used else None

    def _model_text(self) -> str:
        if not self.model_known:
            return "Loading the model…"
        if self.model_info is None:
            return "No model yet — train one from the Training dock (Ctrl+T)."
        if self.model_for(self.current_study)[1] is None:
            return no_model_sentence(self._models(), self.predictor_thread.task, self._body_part(self.current_study))
        return "Computing the prediction…"

    def _show_prediction(self) -> None:
        pred = self.predictions.get(self.current_study) if self.current_study is not None else None
        error = self.prediction_errors.get(self.current_study) if pred is None else None
        self.side_panel.show_prediction(pred, self._model_text(), blinded=self._blinded(), error=error)
        if pred is None or self._blinded():
            self.study_view.clear_heatmaps()
            self._set_heatmap_visible(False)
            return
        self.study_view.set_heatmaps({v["image_id"]: v.get("heatmap") for v in pred.get("views", [])})
        visible = self.heatmap_user_choice
        if visible is None:
            visible = pred.get("tier") != "negative"     # off by default for negative predictions
        self._set_heatmap_visible(visible)

    def _on_model_changed(self, info) -> None:
        if self._closed:
            return
        self.model_known = True
        self.model_info = info
        self.predictions.clear()
        self.prediction_errors.clear()
        self._show_models_in_status_bar()
        self.reload_worklist()
        if self.model_for(self.current_study)[1] is not None:
            # The current study goes first, with its already-decoded pixels; until they are decoded
            # _on_loaded will queue it (decoding it twice would only slow both down).
            cached = self.loader.cache.get(self.current_study) if self.current_study is not None else None
            if cached:
                self.predictor_thread.request(self.current_study, cached[0], first=True)
        self.triage.restart()      # the other studies: newest first, in the background
        self._show_prediction()
        self.model_state_known.emit()

    def _show_models_in_status_bar(self) -> None:
        """"Model: <id>", or "Models: all parts <id>; wrist <id>" cut to fit; the whole list in the tooltip."""
        models = self._models()
        if not models:
            self.model_label.setText("Model: none yet")
            self.model_label.setToolTip("")
            return
        task = self.predictor_thread.task
        text = f"Model: {describe(models, task)}" if list(models) == [task] else f"Models: {describe(models, task)}"
        metrics = self.model_label.fontMetrics()
        self.model_label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, MODEL_LABEL_MAX_PX))
        self.model_label.setToolTip(f"Published {task} models:\n" + describe(models, task).replace("; ", "\n")
                                    if len(models) > 1 else text)

    def _on_predicted(self, study_id: int, payload: dict) -> None:
        # A payload of a model that no longer predicts this study (published over meanwhile) is stale.
        if self._closed or payload.get("model_id") != self.model_for(study_id)[1]:
            return
        self.predictions[study_id] = payload
        self.prediction_errors.pop(study_id, None)
        self._refresh_row(study_id, labels=False)
        if study_id == self.current_study:
            self._show_prediction()
            self.prediction_shown.emit(study_id)

    def _on_triaged(self, study_id: int, model_id: str, probability: float) -> None:
        """The triage worker predicted a study: its worklist row shows the probability (sortable)."""
        if self._closed:
            return
        self._triaged_pending[study_id] = (model_id, probability)
        if not self.triage_timer.isActive():
            self.triage_timer.start()

    def _apply_triaged(self) -> None:
        pending, self._triaged_pending = self._triaged_pending, {}
        if self._closed or self.model_info is None or not pending:
            return
        from gui.services import tier_of

        ops = self.model_info.get("operating_points") or {}
        changed = False
        for row in self.worklist.all_rows:
            got = pending.get(row.study_id)
            # Only the row's own model's probability (its body part's, else all parts'), as load_rows reads it.
            if got and got[0] == row.model_id and row.study_id not in self.predictions:
                row.probability, row.tier = got[1], tier_of(got[1], ops.get(row.model_id) or {})
                changed = True
        if changed:        # one repaint for the batch
            model = self.worklist.model
            model.dataChanged.emit(model.index(0, 0), model.index(model.rowCount() - 1, model.columnCount() - 1))

    def _on_triage_progress(self, done: int, total: int, models: str) -> None:
        if self._closed:
            return
        self.triage_label.setText(f"Triage: {done}/{total}" if total and done < total else "")
        self.triage_label.setToolTip(f"Studies predicted in the background by {models}" if models else "")

    def _on_prediction_failed(self, study_id: int, message: str) -> None:
        """study_id 0: the model itself failed (status bar); otherwise the study's panel says why."""
        if self._closed:
            return
        if study_id == 0:
            self._status(message, error=True)
            return
        self.prediction_errors[study_id] = message
        if study_id == self.current_study:
            self._show_prediction()
            self.prediction_shown.emit(study_id)

    def _set_heatmap_visible(self, visible: bool) -> None:
        self.study_view.set_heatmap_visible(visible)
        for w in (self.heatmap_action, self.side_panel.heatmap_button):
            w.blockSignals(True)
            w.setChecked(visible)
            w.blockSignals(False)

    def toggle_heatmap(self) -> None:
        if self._blinded():
            return
        self.heatmap_user_choice = not self.study_view.heatmap_visible
        self._set_heatmap_visible(self.heatmap_user_choice)

    def _on_heatmap_button(self, checked: bool) -> None:
        self.heatmap_user_choice = checked
        self._set_heatmap_visible(checked)

    def apply_preset(self, key: str) -> None:
        self.study_view.apply_preset_key(key)

    # --------------------------------------------------------------- labelling
    def _blinded(self) -> bool:
        return self.session.blinded_session is not None

    def _saved(self, action, verb: str = "Saved") -> None:
        self._status(f"{verb} {action.text} by {self.session.author} {action.at}")

    def label_current(self, value: str) -> None:
        if self.current_study is None:
            return
        if self._blinded():
            image_id = self.study_view.active_image_id()
            if image_id is None and len(self.study_view.image_ids) == 1:
                image_id = self.study_view.image_ids[0]
            if image_id is None:
                self._status("Pick a view first (Left/Right).")
                return
            action = self.session.answer(self.current_study, image_id, value)
            self._saved(action, f"Answer for view {self.study_view.active + 1}:")
            if self.study_view.active + 1 < len(self.study_view.image_ids):
                self.study_view.step_view(1)
            return
        action = self.session.label(self.current_study, value)
        self._after_label(action)

    def confirm_current(self) -> None:
        if self.current_study is None or self._blinded():
            return
        action = self.session.confirm(self.current_study)
        if action is None:
            self._status("Nothing to confirm: no report-derived label on this study.")
            return
        self._after_label(action, "Confirmed")

    def _after_label(self, action, verb: str = "Saved") -> None:
        # The worklist row and the reading panel refresh from the session's change event.
        self._saved(action, verb)
        self.training_dock.note_new_label()

    def grade_current(self, grade: str) -> None:
        if self.current_study is None:
            return
        action = self.session.grade(self.current_study, grade)
        self._saved(action)

    def comment_current(self, text: str) -> None:
        """Enter in the comment box: save it (an append-only row, never a label) and go back to the image."""
        if self.current_study is not None:
            action = self.session.comment(self.current_study, text)
            if action is not None:
                self._saved(action)
        self.side_panel.comment_edit.clear()
        self.focus_image()

    def undo(self) -> None:
        action = self.session.undo()
        if action is None:
            self._status("Nothing to undo.")
            return
        self._status(f"Undone: {action.text} ({action.at}) — saved by {self.session.author} "
                     f"{time.strftime('%H:%M')}")
        if action.study_id != self.current_study:
            self.worklist.select(action.study_id)

    def toggle_blinded(self) -> None:
        if self._blinded():
            summary = self.session.stop_blinded(self.workspace.subdir("reader_studies"))
            self.last_blinded_summary = summary
            readers = summary["readers"] if summary else []
            answers = sum(r["answers"] for r in readers)
            studies = sum(r["studies"] for r in readers)
            per_study = [t for r in readers for t in r["seconds_per_study"]]
            mean = f", {sum(per_study) / len(per_study):.0f} s per study" if per_study else ""
            if summary and summary.get("error"):
                self._status(f"Blinded reading finished: {answers} answer(s) on {studies} study(ies){mean}; the "
                             f"answers are saved in the workspace, but the summary file was not: {summary['error']}",
                             error=True)
            else:
                self._status(f"Blinded reading finished: {answers} answer(s) on {studies} study(ies){mean}; "
                             f"summary saved to {summary['file'] if summary else 'nowhere (no session)'}.")
            self.worklist.set_order_seed(None)
        else:
            name = self.session.start_blinded()
            self._status(f"Blinded reading session {name}: AI, reports and difficulty hidden, cases shuffled, "
                         "answers per view.")
            self.worklist.set_order_seed(name)
        blinded = self._blinded()
        self.blinded_action.setChecked(blinded)
        self.study_view.set_blinded(blinded)       # no patient overlay in a reader study, whatever the toggle
        from gui.widgets.worklist_view import AI_COLUMN, DIFFICULTY_COLUMN, LABEL_COLUMN

        for col in (LABEL_COLUMN, AI_COLUMN, DIFFICULTY_COLUMN):
            self.worklist.table.setColumnHidden(col, blinded)
        if self.current_study is not None:
            self.open_study(self.current_study)
            if blinded and self.study_view.image_ids:
                self.study_view.set_active(0)

    # ------------------------------------------------------------ long tasks
    def _show_banner(self, text: str, cancel=None) -> None:
        self.banner_label.setText(text)
        self.banner_progress.setRange(0, 0)
        self.banner_cancel.setVisible(cancel is not None)
        self._banner_cancel_fn = cancel
        self.banner.show()

    def create_demo_workspace(self) -> None:
        if self.demo_thread is not None and self.demo_thread.isRunning():
            return
        from gui.services import build_demo

        workspace, n = self.workspace, self.demo_studies
        self.demo_thread = JobThread(lambda progress, stop: build_demo(workspace, n, 0, progress), self)
        self.demo_thread.progress.connect(self._on_banner_progress)
        self.demo_thread.succeeded.connect(lambda _r: self._on_demo_done(True, ""))
        self.demo_thread.failed.connect(lambda msg: self._on_demo_done(False, msg))
        self._show_banner(f"Creating a demo workspace ({n} synthetic studies)…")
        self.first_run.set_busy(True)
        self.study_view.set_message("Creating the demo workspace…")
        self.demo_thread.start()

    def _on_banner_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.banner_progress.setRange(0, total)
            self.banner_progress.setValue(done)

    def _on_demo_done(self, ok: bool, message: str) -> None:
        self.banner.hide()
        self.first_run.set_busy(False)
        if not ok:
            self.study_view.set_message(message)
            QMessageBox.warning(self, "Demo workspace", message)
        else:
            self._status("Demo workspace created.")
            self.reload_worklist()
            self.open_first_study()
            self.triage.restart()
        self.demo_finished.emit(ok)

    def open_import_dialog(self):
        from gui.widgets.import_dialog import ImportDialog

        dialog = ImportDialog(self.workspace, self)
        dialog.imported.connect(lambda _r: (self.reload_worklist(), self.triage.restart()))
        dialog.open()
        return dialog

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.session.author = self.settings.reader()
            self.reader_label.setText(f"Reader: {self.session.author}")
            self.device_label.setText(f"Training device: {self.settings.get('device')}")
            self.training_dock.settings = self._training_settings()

    def _training_settings(self) -> dict:
        return {**self.settings.as_dict(), "author": self.session.author}

    def _toggle_training_dock(self) -> None:
        self.training_dock.setVisible(not self.training_dock.isVisible())

    def _report_labelling(self):
        if getattr(self, "report_labeller", None) is None:
            from gui.widgets.review_queue import ReportLabelling

            self.report_labeller = ReportLabelling(self.workspace, self.store, self.session, self._show_banner,
                                                   self.banner.hide, parent=self)
            self.report_labeller.labelled.connect(lambda action: self._after_label(action, "Accepted"))
        return self.report_labeller

    def label_from_reports(self) -> bool:
        """Reports > Label unlabelled studies from reports… (the `radinet reports label` code, in a worker)."""
        return self._report_labelling().start()

    def review_report_suggestions(self):
        return self._report_labelling().show_queue()

    def show_models_panel(self) -> None:
        self.models_panel.author = self.session.author
        self.models_panel.show()
        self.models_panel.raise_()
        self.models_panel.refresh()

    def _on_training_running(self, running: bool) -> None:
        if running:
            self.training_dock.show()
        self.device_label.setText(f"Training device: {self.settings.get('device')}" + (" (training…)" if running else ""))

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", (
            "F / N / U  fracture / no fracture / uncertain\nEnter  confirm the report's label\n"
            "E / D  easy / difficult\nC  comment\nSpace  next unread study\nUp / Down  previous / next study\n"
            "Left / Right  previous / next view\nCtrl+Z  undo\n1–5  window presets (DICOM, auto, bone, soft tissue, "
            "wide)\nRight-drag  window/level\nWheel  zoom, left-drag  pan, 0 fit, = 1:1\nI invert, R rotate, X flip, "
            "Backspace reset\nH  heatmap\nCtrl+B  blinded reading\nCtrl+T  training dock\n"
            "M / A  measure length / angle (again or Esc: stop)\nCtrl+Shift+I  patient overlay\n"
            "Ctrl+Shift+T  DICOM tags\nView menu  layouts 1×1 / 1×2 / 2×2, synchronised window/level and zoom"))

    # ------------------------------------------------------- remembered place
    def _position_key(self) -> str:
        import hashlib

        return "last_study_" + hashlib.sha1(str(self.workspace.path).encode()).hexdigest()[:12]

    def _last_study(self) -> int | None:
        value = self.settings.get(self._position_key())
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    # ---------------------------------------------------------------- closing
    def closeEvent(self, event) -> None:
        if not self._closed and self.training_dock.is_running():
            # The trainer sees Stop between batches (seconds on a CPU): waiting here froze the window.
            # Hide now; the close completes when the training thread has finished.
            self.training_dock.stop()
            if not self._close_pending:
                self._close_pending = True
                self.training_dock.thread.finished.connect(self.close)
            self.hide()
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop every worker and wait for it: no thread outlives the window."""
        if self._closed:
            return
        self._closed = True
        self.change_timer.stop()
        self.triage_timer.stop()
        if self.current_study is not None:
            self.settings.set(self._position_key(), self.current_study)
        for signal in (self.predictor_thread.predicted, self.predictor_thread.model_changed,
                       self.predictor_thread.failed, self.loader.loaded, self.triage.triaged, self.triage.progress):
            try:
                signal.disconnect()
            except (RuntimeError, TypeError):
                pass
        self.training_dock.shutdown()
        self.models_panel.shutdown()
        if getattr(self, "report_labeller", None) is not None:
            self.report_labeller.shutdown()
        if self.demo_thread is not None:
            self.demo_thread.cancel()
            self.demo_thread.wait()
        self.predictor_thread.stop()
        self.triage.stop()
        self.predictor_thread.wait()
        self.triage.wait()
        self.loader.shutdown()
        self.header_loader.shutdown()
        self.report_analyser.shutdown()
        for thread in (self.export_thread, self.tag_browser.thread if self.tag_browser is not None else None):
            if thread is not None:
                thread.wait()
        self.store.close()
