"""The workstation window under pytest-qt (offscreen): keyboard reading, viewer, AI overlay, threads."""

import os
import sys

import pytest
from PySide6.QtCore import QPoint, Qt, QThread
from PySide6.QtTest import QTest


def _open(qtbot, window):
    """Wait until the first study's pixels are on screen."""
    qtbot.waitUntil(lambda: window.current_study is not None and bool(window.study_view.visible_panes()), timeout=10_000)
    window.activateWindow()
    window.setFocus()
    return window.current_study


def _key(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window, key, modifier)


def test_start_up_never_imports_torch(make_window, qtbot, tmp_path):
    window = make_window()
    _open(qtbot, window)
    qtbot.waitUntil(lambda: window.model_known, timeout=10_000)
    # Other tests in this process may have imported torch already: the start-up is checked in a fresh one.
    import subprocess

    code = ("import sys, main; rc = main.main(['gui', '--workspace', sys.argv[1], '--screenshot', sys.argv[2]]); "
            "print('TORCH' if ('torch' in sys.modules or 'pytorch_grad_cam' in sys.modules) else 'NO-TORCH', rc)")
    shot = tmp_path / "start.png"
    done = subprocess.run([sys.executable, "-c", code, str(window.workspace.path), str(shot)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert "NO-TORCH 0" in done.stdout, done.stdout[-500:] + done.stderr[-1500:]
    assert shot.exists()
    assert "not for diagnostic use" in window.notice_label.text().lower()
    assert window.notice_label.isVisible()
    assert "No model yet" in window.side_panel.prediction_label.text()


def test_keyboard_labelling_flow_writes_the_right_rows(make_window, qtbot, workspace):
    window = make_window()
    first = _open(qtbot, window)
    _key(qtbot, window, Qt.Key.Key_F)
    _key(qtbot, window, Qt.Key.Key_D)
    assert "Saved Difficult by dr.test" in window.saved_label.text()
    _key(qtbot, window, Qt.Key.Key_Space)            # next unread study
    second = window.current_study
    assert second != first
    _key(qtbot, window, Qt.Key.Key_N)
    _key(qtbot, window, Qt.Key.Key_U)
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)   # undo the U
    with workspace.connect() as store:
        a, b = store.current_label(first), store.current_label(second)
        assert (a.value, a.source, a.author) == ("positive", "radiologist", "dr.test")
        assert store.current_difficulty(first) == "difficult"
        assert (b.value, b.source) == ("negative", "radiologist")
        history = [(r["value"], r["author"]) for r in store.label_history(second) if r["source"] == "radiologist"]
        assert history == [("negative", "dr.test"), ("uncertain", "dr.test"), (None, "dr.test")]
    # the worklist row shows the saved state without a reload
    row = next(r for r in window.worklist.all_rows if r.study_id == first)
    assert (row.label, row.label_source, row.difficulty) == ("positive", "radiologist", "difficult")


def test_enter_confirms_a_report_label_as_the_radiologists(make_window, qtbot, workspace):
    with workspace.connect() as store:   # a report-derived label, as `radinet reports label` writes them
        study = store.studies()[2]["id"]
        store.add_label(study, "fracture", "negative", source="nlp", author="labeller", confidence=0.9)
    window = make_window()
    _open(qtbot, window)
    nlp_row = next(r for r in window.worklist.all_rows if r.label_source == "nlp")
    window.worklist.select(nlp_row.study_id)
    _key(qtbot, window, Qt.Key.Key_Return)
    with workspace.connect() as store:
        label = store.current_label(nlp_row.study_id)
    assert (label.source, label.value, label.author) == ("radiologist", nlp_row.label, "dr.test")
    assert "Confirmed" in window.saved_label.text()


def test_window_level_presets_invert_and_right_drag(make_window, qtbot):
    window = make_window()
    _open(qtbot, window)
    pane = window.study_view.visible_panes()[0]
    _key(qtbot, window, Qt.Key.Key_3)                 # bone
    bone = (pane.state.center, pane.state.width, pane.state.preset_name)
    _key(qtbot, window, Qt.Key.Key_4)                 # soft tissue
    assert pane.state.preset_name == "Soft tissue" and (pane.state.center, pane.state.width) != bone[:2]
    before = pane._frame.copy()
    _key(qtbot, window, Qt.Key.Key_I)
    assert pane.state.invert != pane.state._initial_invert and pane._frame != before
    width = pane.state.width
    centre = pane.rect().center()
    QTest.mousePress(pane, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseMove(pane, centre + QPoint(60, 0))
    QTest.mouseRelease(pane, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, centre + QPoint(60, 0))
    assert pane.state.width > width and pane.state.preset_name == "Custom"
    _key(qtbot, window, Qt.Key.Key_Backspace)        # reset
    assert not pane.state.invert == (not pane.state._initial_invert)


def test_heatmap_toggle_with_a_fake_predictor(make_window, qtbot, fake_predictor):
    window = make_window(predictor=fake_predictor)
    first = _open(qtbot, window)
    qtbot.waitUntil(lambda: first in window.predictions, timeout=10_000)
    pane = window.study_view.visible_panes()[0]
    assert pane.heatmap is not None and pane.heatmap.max() == 1.0
    assert window.study_view.heatmap_visible          # positive prediction: shown by default
    assert "POSITIVE" in window.side_panel.prediction_label.text()
    assert "fake-model-1" in window.model_label.text()
    _key(qtbot, window, Qt.Key.Key_H)
    assert not window.study_view.heatmap_visible and not pane.heatmap_visible
    _key(qtbot, window, Qt.Key.Key_H)
    assert pane.heatmap_visible and pane._overlay_image() is not None
    # cached in the workspace: one study row plus one row per view
    with window.workspace.connect() as store:
        rows = store.latest_predictions(first, "fracture", "fake-model-1")
    assert len(rows) == len(window.study_view.image_ids) + 1
    # blinded reading hides the AI
    _key(qtbot, window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert window.side_panel.ai_box.isHidden() and not window.study_view.heatmap_visible
    _key(qtbot, window, Qt.Key.Key_F)
    with window.workspace.connect() as store:
        answer = store.execute("SELECT * FROM reading_answers").fetchone()
    assert answer["study_id"] == window.current_study and answer["image_id"] == window.study_view.image_ids[0]


def test_negative_prediction_keeps_the_heatmap_off(make_window, qtbot):
    from tests.gui.conftest import FakePredictor

    window = make_window(predictor=FakePredictor(probability=0.05))
    first = _open(qtbot, window)
    qtbot.waitUntil(lambda: first in window.predictions, timeout=10_000)
    assert window.predictions[first]["tier"] == "negative"
    assert not window.study_view.heatmap_visible


def test_import_dialog_lists_a_bad_file_with_its_reason(make_window, qtbot, tmp_path):
    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"this is not a DICOM file at all" * 10)
    window = make_window()
    _open(qtbot, window)
    dialog = window.open_import_dialog()
    dialog.add_paths([str(bad)])
    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        dialog.import_button.click()
    assert dialog.rejected.rowCount() == 1
    assert dialog.rejected.item(0, 0).text().endswith("broken.dcm")
    assert dialog.rejected.item(0, 1).text()
    assert "rejected 1" in dialog.status.text()
    dialog.close()


def _fake_train(config, workspace, stop):
    """Same contract as trainer.loop.train: yields events, honours stop within one batch."""
    from types import SimpleNamespace as Ev

    yield Ev(kind="start", stage=config["stage"], epoch=0, epochs=2, batch=0, batches=0, loss=None, val=None,
             eta_s=None, message="fake start", result=None)
    for epoch in (1, 2):
        for batch in range(1, 201):
            if stop.is_set():
                return
            QThread.msleep(5)
            yield Ev(kind="batch", stage=config["stage"], epoch=epoch, epochs=2, batch=batch, batches=200,
                     loss=1.0 / (batch + epoch), val=None, eta_s=10.0, message="", result=None)
        yield Ev(kind="epoch", stage=config["stage"], epoch=epoch, epochs=2, batch=200, batches=200, loss=None,
                 val={"auc": 0.7 + 0.1 * epoch}, eta_s=None, message="", result=None)
    yield Ev(kind="done", stage=config["stage"], epoch=2, epochs=2, batch=0, batches=0, loss=None, val=None,
             eta_s=None, message="", result={"model_id": "m2", "promoted": True, "reason": "AUC 0.90 > 0.80"})


def test_training_dock_start_and_stop(make_window, qtbot):
    window = make_window(train_fn=_fake_train)
    _open(qtbot, window)
    dock = window.training_dock
    dock.start()
    qtbot.waitUntil(lambda: bool(dock.curve.loss), timeout=10_000)
    assert dock.isVisible() and dock.is_running()
    _key(qtbot, window, Qt.Key.Key_F)                 # reading goes on while it trains
    with qtbot.waitSignal(dock.running_changed, timeout=10_000) as blocker:
        dock.stop()
    assert blocker.args == [False] and not dock.is_running()
    assert dock.status.text() == "Stopped." and dock.start_button.isEnabled()
    assert len(dock.curve.loss) < 400                 # stopped before the end


def test_training_dock_runs_to_done_and_reloads_the_model(make_window, qtbot, fake_predictor):
    window = make_window(predictor=fake_predictor, train_fn=_fake_train)
    _open(qtbot, window)
    dock = window.training_dock
    with qtbot.waitSignal(dock.model_published, timeout=30_000):
        dock.start()
    assert "promoted" in dock.result_label.text() and dock.curve.auc == pytest.approx([0.8, 0.9])


def test_no_thread_outlives_the_window(make_window, qtbot, fake_predictor):
    window = make_window(predictor=fake_predictor, train_fn=_fake_train)
    _open(qtbot, window)
    window.training_dock.start()
    qtbot.waitUntil(lambda: bool(window.training_dock.curve.loss), timeout=10_000)
    threads = [window.predictor_thread, window.training_dock.thread]
    window.close()          # hides at once; finishes closing when the trainer has seen Stop
    qtbot.waitUntil(lambda: window._closed, timeout=10_000)
    assert all(t.isFinished() for t in threads)
    assert window.loader.pool.activeThreadCount() == 0


@pytest.mark.slow
def test_training_dock_real_tiny_run_keeps_the_window_responsive(make_window, qtbot):
    pytest.importorskip("trainer.loop")
    window = make_window()
    _open(qtbot, window)
    dock = window.training_dock
    dock.settings.update({"image_size": 64, "batch_size": 8, "max_images": 24, "device": "cpu"})
    dock.epochs_box.setValue(1)
    with qtbot.waitSignal(dock.running_changed, timeout=240_000, check_params_cb=lambda running: not running):
        assert dock.start({"init": "random", "export_onnx": True})
        qtbot.wait(200)
        _key(qtbot, window, Qt.Key.Key_N)             # labelling still works while torch loads and trains
        assert "Saved No fracture" in window.saved_label.text()
    log = dock.log.toPlainText()
    assert "Done:" in log, log


def test_worklist_remembers_the_last_study(make_window, qtbot):
    window = make_window()
    _open(qtbot, window)
    _key(qtbot, window, Qt.Key.Key_Down)
    _key(qtbot, window, Qt.Key.Key_Down)
    second = window.current_study
    window.shutdown()
    again = make_window(restore_position=True)
    qtbot.waitUntil(lambda: again.current_study == second, timeout=5_000)


def test_filters_and_search_narrow_the_worklist(make_window, qtbot):
    window = make_window()
    _open(qtbot, window)
    total = window.worklist.proxy.rowCount()
    window.worklist.set_filter("unlabelled")
    unlabelled = window.worklist.proxy.rowCount()
    assert 0 < unlabelled < total
    window.worklist.set_filter("all")
    key = window.worklist.all_rows[3].patient_key
    window.worklist.search.setText(key)
    shown = window.worklist.ordered_rows()
    assert shown and len(shown) < len(window.worklist.all_rows) and all(r.patient_key == key for r in shown)
