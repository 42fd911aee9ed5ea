"""Issue 12, section 1: each defect a radiologist met, reproduced through the window's keyboard and panels.

A label written by accident trains the next model, so every test here counts
the rows of the labels table around the keystrokes it sends.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import FakePredictor


def _open(qtbot, window):
    qtbot.waitUntil(lambda: window.current_study is not None and bool(window.study_view.visible_panes()),
                    timeout=10_000)
    window.activateWindow()
    window.study_view.setFocus()
    return window.current_study


def _label_rows(workspace) -> int:
    with workspace.connect() as store:
        return store.execute("SELECT COUNT(*) FROM labels").fetchone()[0]


def _type(qtbot, text: str) -> None:
    """Type into whatever has the keyboard focus, as a person would."""
    for ch in text:
        qtbot.keyClicks(QApplication.focusWidget(), ch)


def _key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _add_report_label(workspace, study_id: int) -> None:
    """A report-derived label: the one kind that Enter ("confirm") would turn into the radiologist's."""
    with workspace.connect() as store:
        store.add_label(study_id, "fracture", "negative", source="nlp", author="labeller", confidence=0.9)


# ----------------------------------------------------------- 1, 2, 3: text boxes
def test_1_enter_in_the_search_box_writes_no_label(make_window, qtbot, workspace):
    window = make_window()
    study = _open(qtbot, window)
    _add_report_label(workspace, study)
    before = _label_rows(workspace)
    _key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.worklist.search
    _type(qtbot, window.worklist.all_rows[1].patient_key[:6])
    _key(qtbot, Qt.Key.Key_Return)
    assert _label_rows(workspace) == before
    # Enter opened the first match and handed the keyboard back to the image.
    assert window.current_study == window.worklist.ordered_rows()[0].study_id
    assert QApplication.focusWidget() is window.study_view


def test_2_enter_in_the_comment_saves_the_comment_and_no_label(make_window, qtbot, workspace):
    window = make_window()
    study = _open(qtbot, window)
    _add_report_label(workspace, study)
    before = _label_rows(workspace)
    _key(qtbot, Qt.Key.Key_C)
    assert QApplication.focusWidget() is window.side_panel.comment_edit
    _type(qtbot, "check scaphoid")
    _key(qtbot, Qt.Key.Key_Return)
    assert _label_rows(workspace) == before
    with workspace.connect() as store:
        comments = [(c["text"], c["author"]) for c in store.comments(study)]
    assert comments == [("check scaphoid", "dr.test")]
    assert QApplication.focusWidget() is window.study_view      # focus back on the image
    assert window.side_panel.comment_edit.text() == ""


def test_3_label_keys_in_a_text_box_type_letters_and_escape_returns_to_the_image(make_window, qtbot, workspace):
    window = make_window()
    _open(qtbot, window)
    before = _label_rows(workspace)
    _key(qtbot, Qt.Key.Key_C)
    _type(qtbot, "FNU ")
    _key(qtbot, Qt.Key.Key_Enter)    # keypad Enter: the same as Return
    assert _label_rows(workspace) == before
    _key(qtbot, Qt.Key.Key_C)
    _type(qtbot, "draft")
    _key(qtbot, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.study_view
    _key(qtbot, Qt.Key.Key_F)        # now F is a label again: exactly one row
    assert _label_rows(workspace) == before + 1
    assert window.side_panel.comment_edit.text() == "draft"
    _key(qtbot, Qt.Key.Key_Down)     # next study: the unsaved draft does not follow it
    assert window.side_panel.comment_edit.text() == ""


def test_3_no_label_key_acts_in_combo_boxes_or_spin_boxes(make_window, qtbot, workspace):
    window = make_window()
    _open(qtbot, window)
    window.training_dock.show()
    before = _label_rows(workspace)
    for box in (window.worklist.filter_box, window.worklist.body_part_box, window.training_dock.stage_box,
                window.training_dock.epochs_box, window.training_dock.auto_box):
        box.setFocus()
        qtbot.waitUntil(lambda b=box: QApplication.focusWidget() is not None
                        and (QApplication.focusWidget() is b or b.isAncestorOf(QApplication.focusWidget())))
        for key in (Qt.Key.Key_F, Qt.Key.Key_N, Qt.Key.Key_U, Qt.Key.Key_Return, Qt.Key.Key_E, Qt.Key.Key_D):
            _key(qtbot, key)
        _key(qtbot, Qt.Key.Key_Escape)
    assert _label_rows(workspace) == before


# ------------------------------------------------------------------ 4: blinded
def test_4_blinded_answer_is_filed_under_the_view_shown(make_window, qtbot, workspace):
    window = make_window()
    _open(qtbot, window)
    two_views = next(r for r in window.worklist.all_rows if r.n_images >= 2)
    _key(qtbot, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    window.worklist.select(two_views.study_id)
    qtbot.waitUntil(lambda: window.current_study == two_views.study_id and len(window.study_view.image_ids) >= 2
                    and bool(window.study_view.visible_panes()), timeout=10_000)
    window.study_view.setFocus()
    _key(qtbot, Qt.Key.Key_Right)
    shown = window.study_view.image_ids[window.study_view.active]
    assert window.study_view.active == 1
    _key(qtbot, Qt.Key.Key_F)
    with workspace.connect() as store:
        answer = store.execute("SELECT * FROM reading_answers ORDER BY id DESC").fetchone()
    assert answer["image_id"] == shown


# ---------------------------------------------------------------- 5, 12: heatmaps
def _cli_prediction(workspace, study_id: int, heatmap_path) -> None:
    """Rows as `radinet predict` writes them for a workspace study."""
    with workspace.connect() as store:
        rows = [{"study_id": study_id, "image_id": r["id"], "model_id": FakePredictor.model_id, "task": "fracture",
                 "probability": 0.9, "heatmap_path": heatmap_path(r["id"]) if heatmap_path else None}
                for r in store.images(study_id)]
        rows.append({"study_id": study_id, "image_id": None, "model_id": FakePredictor.model_id, "task": "fracture",
                     "probability": 0.9, "heatmap_path": None})
        store.add_predictions(rows)


def test_5_a_heatmap_png_from_an_older_cli_shows_the_probability_and_a_reason(make_window, qtbot, workspace,
                                                                            tmp_path):
    import cv2

    with workspace.connect() as store:
        study = store.studies()[0]["id"]
    png = tmp_path / "overlay.png"
    cv2.imwrite(str(png), np.zeros((8, 8, 3), np.uint8))
    _cli_prediction(workspace, study, lambda _i: str(png))
    window = make_window(predictor=FakePredictor())
    window.worklist.select(study)
    qtbot.waitUntil(lambda: study in window.predictions, timeout=10_000)
    text = window.side_panel.prediction_label.text()
    assert "POSITIVE" in text and "pickle" not in text.lower()
    assert "older version" in window.side_panel.heatmap_note.text()


def test_5_cli_and_gui_share_one_heatmap_file_format(make_window, qtbot, workspace):
    from core.store.heatmaps import heatmap_file, save_heatmap

    with workspace.connect() as store:
        study = store.studies()[0]["id"]
    heat = np.zeros((32, 32), np.float32)
    heat[4:12, 4:12] = 0.9

    def write(image_id):
        return str(save_heatmap(heatmap_file(workspace.path / "cli_heatmaps", "m", image_id), heat))

    _cli_prediction(workspace, study, write)
    window = make_window(predictor=FakePredictor())
    window.worklist.select(study)
    qtbot.waitUntil(lambda: study in window.predictions, timeout=10_000)
    views = window.predictions[study]["views"]
    assert views and all(abs(float(v["heatmap"].max()) - 0.9) < 1e-3 for v in views)
    assert window.side_panel.heatmap_note.text() == ""


def test_12_cli_prediction_without_a_heatmap_says_so(make_window, qtbot, workspace):
    with workspace.connect() as store:
        study = store.studies()[0]["id"]
    _cli_prediction(workspace, study, None)
    window = make_window(predictor=FakePredictor())
    window.worklist.select(study)
    qtbot.waitUntil(lambda: study in window.predictions, timeout=10_000)
    assert "no heatmap" in window.side_panel.heatmap_note.text().lower()
    assert window.side_panel.heatmap_note.isVisible()


# ---------------------------------------------------------- 6: failed prediction
class _FailsOnce(FakePredictor):
    def __init__(self, bad_study):
        super().__init__()
        self.bad_study = bad_study

    def predict_study(self, images, study_id=None, image_ids=None):
        if study_id == self.bad_study:
            raise RuntimeError("the model file is damaged, cannot run inference on this input of that shape")
        return super().predict_study(images, study_id, image_ids)


def test_6_failed_prediction_is_shown_readably_and_cleared_on_the_next_study(make_window, qtbot, workspace):
    with workspace.connect() as store:
        first, second = (s["id"] for s in store.studies()[:2])
    window = make_window(predictor=_FailsOnce(first))
    qtbot.waitUntil(lambda: window.current_study == first and window.model_known, timeout=10_000)
    label = window.side_panel.prediction_label
    qtbot.waitUntil(lambda: "No prediction" in label.text(), timeout=10_000)
    assert "Computing" not in label.text()
    assert label.wordWrap() and "#4caf50" not in label.text() and "#a5d6a7" not in label.text()
    assert "damaged" in label.text()                          # the whole reason, not cut off
    window.worklist.select(second)
    qtbot.waitUntil(lambda: second in window.predictions, timeout=10_000)
    assert "No prediction" not in label.text()
    assert "damaged" not in window.saved_label.text()


# ------------------------------------------------------------ 7-10: training dock
def test_7_training_dock_fits_a_1000_pixel_screen(make_window, qtbot):
    window = make_window()
    _open(qtbot, window)
    window.training_dock.show()
    qtbot.wait(50)
    # A 1000-px screen less the title bar and a panel: the window must still fit with its status bar.
    assert window.minimumSizeHint().height() <= 900
    assert window.minimumHeight() <= 900


def _events(*items):
    from types import SimpleNamespace

    def ev(kind, **kw):
        base = dict(kind=kind, stage="target", epoch=0, epochs=2, batch=0, batches=0, loss=None, lr=None, val=None,
                    eta_s=None, message="", result=None)
        base.update(kw)
        return SimpleNamespace(**base)

    return [ev(kind, **kw) for kind, kw in items]


def test_8_training_with_no_labels_says_why_nothing_was_trained(make_window, qtbot):
    from core.errors import InputError

    def no_labels(config, workspace, stop):
        yield from _events(("start", {"message": "target: resnet18"}))
        raise InputError("The workspace has too few training images with fracture labels (positive and negative) "
                         "to train the target model.")

    window = make_window(train_fn=no_labels)
    _open(qtbot, window)
    dock = window.training_dock
    with qtbot.waitSignal(dock.running_changed, timeout=10_000, check_params_cb=lambda running: not running):
        dock.start()
    assert "too few training images" in dock.status.text()
    assert "Finished" not in dock.status.text()
    assert dock.progress.value() < dock.progress.maximum()    # not a full, "done" bar


def test_9_stop_does_not_report_model_none(make_window, qtbot):
    def stopped(config, workspace, stop):
        yield from _events(("start", {}), ("epoch", {"epoch": 1, "val": {"auc": 0.7}}))
        yield from _events(("done", {"message": "stopped; run the same command again to resume",
                                     "result": {"model_id": None, "stage": "target", "promoted": False,
                                                "stopped": True, "reason": "stopped before the end; the run can "
                                                "be resumed", "val": None}}))

    window = make_window(train_fn=stopped)
    _open(qtbot, window)
    dock = window.training_dock
    with qtbot.waitSignal(dock.running_changed, timeout=10_000, check_params_cb=lambda running: not running):
        dock.start()
    shown = dock.result_label.text() + dock.status.text() + dock.log.toPlainText()
    assert "None" not in shown
    assert "resume" in shown.lower()


def test_10_a_resumed_run_is_announced_with_a_fresh_start_offered(make_window, qtbot):
    import time

    configs = []

    def resumable(config, workspace, stop):
        configs.append(dict(config))
        if config.get("resume", True):
            yield from _events(("start", {}), ("log", {"epoch": 3, "message": "resumed after epoch 3"}))
            while not stop.is_set():
                time.sleep(0.005)
            return
        yield from _events(("start", {}), ("done", {"result": {"model_id": "m-new", "promoted": False,
                                                              "reason": "not better", "val": {"auc": 0.7}}}))

    window = make_window(train_fn=resumable)
    _open(qtbot, window)
    dock = window.training_dock
    dock.start()
    qtbot.waitUntil(lambda: "resumed" in dock.resume_notice.text().lower(), timeout=10_000)
    assert dock.resume_notice.isVisible() and dock.fresh_button.isVisible()
    dock.fresh_button.click()
    qtbot.waitUntil(lambda: len(configs) == 2 and "m-new" in dock.result_label.text(), timeout=10_000)
    assert configs[1]["resume"] is False
    assert not dock.resume_notice.isVisible()


# ------------------------------------------------------------------- "Also:"
def test_curve_shows_the_auc_that_promotion_used(make_window, qtbot):
    def run(config, workspace, stop):
        yield from _events(("start", {}), ("epoch", {"epoch": 1, "val": {"auc": 0.82, "loss": 0.4}}),
                           ("epoch", {"epoch": 2, "val": {"auc": 0.71, "loss": 0.6}}),
                           ("done", {"result": {"model_id": "m1", "promoted": True, "reason": "first model",
                                                "val": {"auc": 0.82, "loss": 0.4}}}))

    window = make_window(train_fn=run)
    _open(qtbot, window)
    dock = window.training_dock
    with qtbot.waitSignal(dock.running_changed, timeout=10_000, check_params_cb=lambda running: not running):
        dock.start()
    assert dock.curve.promoted_auc == 0.82
    assert "0.820" in dock.curve.caption() and "0.710" not in dock.curve.caption().split("|")[-1]


def test_worklist_refreshes_after_labels_written_elsewhere(make_window, qtbot, workspace):
    window = make_window()
    _open(qtbot, window)
    target = next(r for r in window.worklist.all_rows if r.label is None)
    with workspace.connect() as other:    # another connection, as the CLI in another process
        other.add_label(target.study_id, "fracture", "positive", source="radiologist", author="dr.cli")
    qtbot.waitUntil(lambda: next(r for r in window.worklist.all_rows if r.study_id == target.study_id).label
                    == "positive", timeout=5_000)


def test_blinded_mode_hides_difficulty_shuffles_and_saves_a_summary(make_window, qtbot, workspace):
    import json

    from gui.widgets.worklist_view import DIFFICULTY_COLUMN

    window = make_window()
    _open(qtbot, window)
    plain = [r.study_id for r in window.worklist.ordered_rows()]
    _key(qtbot, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert window.worklist.table.isColumnHidden(DIFFICULTY_COLUMN)
    shuffled = [r.study_id for r in window.worklist.ordered_rows()]
    assert sorted(shuffled) == sorted(plain) and shuffled != plain
    window.worklist.select(shuffled[0])
    qtbot.waitUntil(lambda: bool(window.study_view.image_ids) and window.current_study == shuffled[0],
                    timeout=10_000)
    window.study_view.setFocus()
    _key(qtbot, Qt.Key.Key_N)
    _key(qtbot, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert not window.worklist.table.isColumnHidden(DIFFICULTY_COLUMN)
    summary = window.last_blinded_summary
    assert summary["readers"][0]["reader"] == "dr.test" and summary["readers"][0]["answers"] == 1
    saved = json.loads(open(summary["file"], encoding="utf-8").read())
    assert saved["readers"][0]["studies"] == 1 and len(saved["readers"][0]["seconds_per_study"]) == 1


def test_about_shows_the_version():
    from importlib.metadata import version

    from gui.widgets.dialogs import about_text

    assert version("radinet-studio") in about_text()


def test_closing_during_training_does_not_freeze(make_window, qtbot):
    import time

    def slow_batches(config, workspace, stop):
        yield from _events(("start", {}))
        while True:
            time.sleep(2.0)           # one long batch: stop is only seen between batches
            yield from _events(("batch", {"epoch": 1, "batch": 1, "batches": 10, "loss": 0.5}))
            if stop.is_set():
                return

    window = make_window(train_fn=slow_batches)
    _open(qtbot, window)
    window.training_dock.start()
    thread = window.training_dock.thread
    qtbot.wait(200)
    t0 = time.perf_counter()
    window.close()
    assert time.perf_counter() - t0 < 0.5                     # the GUI thread did not wait for the batch
    assert not window.isVisible()
    qtbot.waitUntil(thread.isFinished, timeout=10_000)
    qtbot.waitUntil(lambda: window._closed, timeout=5_000)


# ------------------------------------------------ 5 (end to end), 11, loader safety
def test_5_heatmaps_written_by_radinet_predict_show_in_the_workstation(make_window, qtbot, workspace, tmp_path,
                                                                      monkeypatch):
    """`radinet predict STUDY --heatmap-dir D` (a fake model behind the real command) -> the GUI shows its heatmap."""
    import contextlib
    import io
    import json

    from core.inference import predictor as predictor_module
    from main import main

    class CliFake(FakePredictor):
        scope = "fracture"           # the all-body-parts model (what `radinet predict` prints)

        def predict_study(self, images, study_id=None, image_ids=None):
            study = super().predict_study(images, study_id, image_ids)
            for v in study.views:
                v.heatmap = np.where(v.heatmap > 0, 0.95, 0.1).astype(np.float32)
            return study

    monkeypatch.setattr(predictor_module.Predictor, "for_workspace", classmethod(lambda cls, *a, **k: CliFake()))
    with workspace.connect() as store:
        study = store.studies()[0]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["predict", study["study_uid"], "--workspace", str(workspace.path),
                     "--heatmap-dir", str(tmp_path / "hm"), "--json"]) == 0
    assert all(r["heatmap"].endswith(".png") for r in json.loads(buf.getvalue())["results"])   # for people
    window = make_window(predictor=FakePredictor())
    window.worklist.select(study["id"])
    qtbot.waitUntil(lambda: study["id"] in window.predictions, timeout=10_000)
    views = window.predictions[study["id"]]["views"]
    assert views and all(v["heatmap"] is not None and abs(float(v["heatmap"].max()) - 0.95) < 1e-3 for v in views)
    assert window.side_panel.heatmap_note.text() == ""


def test_heatmap_loader_refuses_pickled_files(tmp_path):
    import pytest

    from core.errors import InputError
    from core.store.heatmaps import load_heatmap, save_heatmap

    evil = tmp_path / "evil.npy"
    np.save(evil, np.array([{"not": "numbers"}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="damaged or not heatmap data"):
        load_heatmap(evil)
    good = save_heatmap(tmp_path / "m" / "7.npy", np.full((5, 6), 0.75, np.float32))
    back = load_heatmap(good)
    assert back.dtype == np.float32 and back.shape == (5, 6) and abs(float(back[0, 0]) - 0.75) < 1e-3


def test_11_start_while_a_command_line_training_runs_says_so_at_once(make_window, qtbot, workspace):
    import json
    import subprocess
    import sys
    import time

    from core.store.activity import MARKER

    started = []
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (workspace.path / MARKER).write_text(json.dumps(
            {"pid": other.pid, "stage": "target", "origin": "command line", "started": time.time()}))
        window = make_window(train_fn=lambda *a: started.append(a) or iter(()))
        _open(qtbot, window)
        dock = window.training_dock
        assert dock.start() is False
        assert "command line" in dock.status.text() and "still running" in dock.status.text()
        assert "loading" not in dock.status.text().lower() and not dock.is_running() and not started
    finally:
        other.kill()
        other.wait()
    qtbot.wait(10)
    assert dock.start() is True          # the marker of a finished process is ignored
    qtbot.waitUntil(lambda: not dock.is_running(), timeout=10_000)


def test_settings_offer_only_architectures_the_trainer_builds(qtbot, settings):
    """The settings once offered resnet34, which no stage could build: training then failed at its start."""
    from gui.widgets.dialogs import SettingsDialog
    from trainer.models import ARCHITECTURES

    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    offered = [dialog.architecture.itemText(i) for i in range(dialog.architecture.count())]
    assert offered and set(offered) <= set(ARCHITECTURES)
    assert dialog.architecture.currentText() == settings.get("architecture")
