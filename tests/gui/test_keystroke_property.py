"""Property (issue 12): in a 30-study session driven by random keystrokes, a label row is written only by a
label key pressed with the keyboard outside every text box, and exactly one row per such press.

Seeded random key sequences (>= 1,000 keystrokes each) mix the reading keys, navigation, Enter / Escape /
Tab, Ctrl+F / Ctrl+Z / Ctrl+B / Ctrl+T, typing into every text box (search, comment, the filter and
body-part boxes, the training dock's stage, epochs and trigger boxes) and mouse-like focus changes. The
labels table is counted before and after every key and compared with what that one key may write.
"""

from __future__ import annotations

import random
import shutil
import string

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.key_guard import is_text_entry

N_STUDIES = 30
KEYSTROKES = 1_200
CTRL = Qt.KeyboardModifier.ControlModifier
NONE = Qt.KeyboardModifier.NoModifier
LABEL_KEYS = {Qt.Key.Key_F, Qt.Key.Key_N, Qt.Key.Key_U}
CONFIRM_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}

# Keys sent on their own (no Ctrl): reading keys, navigation, viewer keys.
PLAIN_KEYS = [
    Qt.Key.Key_F, Qt.Key.Key_N, Qt.Key.Key_U, Qt.Key.Key_E, Qt.Key.Key_D, Qt.Key.Key_C, Qt.Key.Key_Return,
    Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Up,
    Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_H,
    Qt.Key.Key_I, Qt.Key.Key_R, Qt.Key.Key_X, Qt.Key.Key_0, Qt.Key.Key_1, Qt.Key.Key_3, Qt.Key.Key_Equal,
    Qt.Key.Key_Backspace, Qt.Key.Key_Delete, Qt.Key.Key_Home, Qt.Key.Key_End,
    # the reading keys and Escape twice as often as the rest
    Qt.Key.Key_F, Qt.Key.Key_N, Qt.Key.Key_U, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Escape,
]
# Ctrl shortcuts that open no modal dialog (F1, Ctrl+I, Ctrl+, and Ctrl+Q would stop the run).
# Ctrl+B (blinded reading on/off) is drawn separately and rarely, so that both modes get long stretches.
CTRL_KEYS = [Qt.Key.Key_F, Qt.Key.Key_Z, Qt.Key.Key_T, Qt.Key.Key_A]
# Lower case only: the reading shortcuts are the plain letters, and typed text outside a text box is
# exactly those key presses (so "f" typed on the image must label, once).
TYPED = string.ascii_lowercase + string.digits + " -./"


@pytest.fixture(scope="module")
def demo30(tmp_path_factory):
    from core.demo.workspace import build_demo_workspace
    from core.store.workspace import Workspace

    root = tmp_path_factory.mktemp("demo30") / "ws"
    ws = Workspace.open(root)
    build_demo_workspace(ws, n_studies=N_STUDIES, seed=3)
    with ws.connect() as store:      # report-derived labels, so Enter ("confirm") has something to confirm
        for s in store.studies()[::3]:
            store.add_label(s["id"], "fracture", "positive" if s["id"] % 2 else "negative", source="nlp",
                            author="labeller", confidence=0.9)
    return root


def _no_training(config, workspace, stop):
    """The trigger box can be typed into; an automatic training start must not load torch here."""
    from types import SimpleNamespace

    yield SimpleNamespace(kind="done", stage=config["stage"], epoch=0, epochs=0, batch=0, batches=0, loss=None,
                          lr=None, val=None, eta_s=None, message="",
                          result={"model_id": None, "promoted": False, "stopped": True, "reason": "test"})


def _counts(store) -> tuple[int, int]:
    """(label rows with a value, retraction rows)."""
    row = store.execute("SELECT SUM(value IS NOT NULL), SUM(value IS NULL) FROM labels").fetchone()
    return int(row[0] or 0), int(row[1] or 0)


def _expected(window, key, modifier, in_text_box: bool) -> tuple[int, set[int]]:
    """(label rows this key must add, retraction rows it may add) from the window's state before the key."""
    if modifier == CTRL and key == Qt.Key.Key_Z and not in_text_box:   # in a text box it undoes typing
        last = next((a.kind for a in reversed(window.session.undo_stack) if a.kind in ("label", "difficulty")), None)
        return 0, {1} if last == "label" else {0}
    if modifier != NONE or in_text_box or window.current_study is None or window._blinded():
        return 0, {0}
    if key in LABEL_KEYS:
        return 1, {0}
    if key in CONFIRM_KEYS:
        label = window.store.current_label(window.current_study)
        return (1 if label is not None and label.source != "radiologist" else 0), {0}
    return 0, {0}


@pytest.mark.parametrize("seed", [12, 2026])
def test_random_keystrokes_write_labels_only_from_label_keys(qtbot, settings, demo30, tmp_path, seed):
    from core.store.workspace import Workspace
    from gui.main_window import MainWindow

    shutil.copytree(demo30, tmp_path / "ws")
    ws = Workspace.open(tmp_path / "ws")
    window = MainWindow(ws, settings=settings, predictor_factory=lambda _ws: None, train_fn=_no_training)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.current_study is not None and bool(window.study_view.visible_panes()),
                        timeout=10_000)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
        window.focus_image()
        dock = window.training_dock
        text_boxes = {
            "search": window.worklist.search, "comment": window.side_panel.comment_edit,
            "filter": window.worklist.filter_box, "body part": window.worklist.body_part_box,
            "stage": dock.stage_box, "epochs": dock.epochs_box, "trigger": dock.auto_box,
        }
        typed_into = dict.fromkeys(text_boxes, 0)
        rng = random.Random(seed)
        checker = ws.connect()
        label_presses = 0
        sent = 0
        while sent < KEYSTROKES:
            roll = rng.random()
            if roll < 0.06:                         # a click: into a text box, or on the image
                name = rng.choice([*text_boxes, *["image"] * 7])   # half the clicks land on the image
                if QApplication.activePopupWidget() is not None:
                    QApplication.activePopupWidget().close()   # a click outside an open drop-down closes it
                if name == "image":
                    window.focus_image()
                else:
                    if name in ("stage", "epochs", "trigger"):
                        dock.show()
                    text_boxes[name].setFocus(Qt.FocusReason.MouseFocusReason)
                qtbot.wait(1)
                continue
            if roll < 0.30:                         # typing a character
                key, modifier, text = None, NONE, rng.choice(TYPED)
            elif roll < 0.335:
                key, modifier, text = rng.choice(CTRL_KEYS), CTRL, None
            elif roll < 0.34:
                key, modifier, text = Qt.Key.Key_B, CTRL, None
            else:
                key, modifier, text = rng.choice(PLAIN_KEYS), NONE, None
            if text is not None:                    # typed characters are keys too: map to their Qt key
                key = Qt.Key(ord(text.upper())) if text.isalnum() else {
                    " ": Qt.Key.Key_Space, "-": Qt.Key.Key_Minus, ".": Qt.Key.Key_Period, "/": Qt.Key.Key_Slash}[text]
            if QApplication.activePopupWidget() is None and QApplication.activeWindow() is not window:
                # Offscreen Qt leaves a closed drop-down "active"; a desktop hands activation back.
                window.activateWindow()
                qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2_000)
            target = QApplication.focusWidget() or window
            # An open drop-down owns the keyboard (its keys pick an item), whatever has the focus under it.
            in_text_box = is_text_entry(QApplication.focusWidget()) or QApplication.activePopupWidget() is not None
            for name, box in text_boxes.items():
                if in_text_box and (target is box or box.isAncestorOf(target)):
                    typed_into[name] += 1
            must_add, may_retract = _expected(window, key, modifier, in_text_box)
            before = _counts(checker)
            if text is not None:
                qtbot.keyClicks(target, text)
            else:
                qtbot.keyClick(target, key, modifier)
            after = _counts(checker)
            sent += 1
            context = (f"key #{sent} {key!r} mod {modifier!r} text {text!r} focus "
                       f"{type(target).__name__}:{target.objectName()} in_text_box={in_text_box} "
                       f"active={QApplication.activeWindow()!r} popup={QApplication.activePopupWidget()!r}")
            assert after[0] - before[0] == must_add, context
            assert after[1] - before[1] in may_retract, context
            label_presses += must_add
            if sent % 50 == 0:
                qtbot.wait(5)                     # let decoded studies and queued signals land
        checker.close()
        assert label_presses >= 20                  # the sequence did label studies, not only type
        assert all(n > 0 for n in typed_into.values()), typed_into
    finally:
        window.shutdown()
