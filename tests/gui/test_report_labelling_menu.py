"""Reports > Label unlabelled studies from reports… and the review queue: no label without an explicit accept."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


def _labels(workspace) -> list[tuple]:
    with workspace.connect() as store:
        return [tuple(r) for r in store.execute(
            "SELECT study_id, value, source, author FROM labels ORDER BY id").fetchall()]


def _unlabelled(workspace) -> list[int]:
    with workspace.connect() as store:
        current = store.current_labels("fracture")
        return [s["id"] for s in store.studies() if s["id"] not in current]


def _queue(workspace, studies, value="positive"):
    """Put ``studies`` in the review queue as a labeller run would (status 'review', no label)."""
    from core.reports.queue import add_suggestion

    with workspace.connect() as store:
        for i, study_id in enumerate(studies):
            add_suggestion(store, study_id, value, 0.55 + 0.01 * i, "nlp-test", "review")


def test_menu_runs_the_cli_labeller_after_asking_and_opens_the_review_queue(make_window, qtbot, workspace):
    window = make_window()
    runner = window._report_labelling()
    asked, told = [], []
    runner.confirm = lambda title, text: asked.append(text) or False
    runner.inform = lambda title, text: told.append(text)
    before = _labels(workspace)
    assert not window.label_from_reports()                    # declined: nothing runs, nothing written
    assert "radinet reports label" in asked[0] and _labels(workspace) == before

    runner.confirm = lambda title, text: True
    assert window.label_from_reports()
    assert window.banner.isVisible() and window.banner_cancel.isVisible()
    with qtbot.waitSignal(runner.finished, timeout=600_000) as blocker:
        pass
    summary = blocker.args[0]
    assert summary is not None, runner.last_error
    after = _labels(workspace)
    new = after[len(before):]
    # Only nlp labels, only on studies that had none, as many as the summary says.
    assert all(source == "nlp" for _, _, source, _ in new)
    assert len(new) == summary["labelled"]
    assert {s for s, *_ in new} <= set(_unlabelled_before := {s for s in _unlabelled_ids(before, workspace)})
    assert "Labelled now" in told[-1]
    if summary["review_queue"]:
        dialog = runner.dialog
        qtbot.waitUntil(lambda: dialog.isVisible() and len(dialog.items) == summary["review_queue"], timeout=10_000)


def _unlabelled_ids(label_rows, workspace):
    with workspace.connect() as store:
        labelled = {s for s, *_ in label_rows}
        return [s["id"] for s in store.studies() if s["id"] not in labelled]


def test_cancel_writes_no_label(make_window, qtbot, workspace):
    window = make_window()
    runner = window._report_labelling()
    runner.confirm = lambda title, text: True
    runner.inform = lambda title, text: None
    before = _labels(workspace)
    assert window.label_from_reports()
    window.banner_cancel.click()                   # the banner's Cancel, as the reader would
    with qtbot.waitSignal(runner.finished, timeout=600_000) as blocker:
        pass
    assert blocker.args[0] is None and "cancelled" in runner.last_error
    assert _labels(workspace) == before


@pytest.fixture
def queued(workspace):
    studies = _unlabelled(workspace)[:3]
    assert len(studies) == 3
    _queue(workspace, studies)
    return studies


def _dialog(window, qtbot):
    dialog = window.review_report_suggestions()
    qtbot.waitUntil(lambda: len(dialog.items) == 3, timeout=10_000)
    return dialog


def test_keys_in_the_review_queue_write_nothing(make_window, qtbot, workspace, queued):
    window = make_window()
    dialog = _dialog(window, qtbot)
    before = _labels(workspace)
    from PySide6.QtWidgets import QApplication

    dialog.activateWindow()
    keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F, Qt.Key.Key_N, Qt.Key.Key_U, Qt.Key.Key_Space,
            Qt.Key.Key_E, Qt.Key.Key_D, Qt.Key.Key_Down, Qt.Key.Key_Up)
    # Keys go to the dialog's focus widget after the reader clicked around; Accept and Reject never hold the
    # focus (a focused button clicks on Space, the main window's "next study" key).
    assert dialog.accept_button.focusPolicy() == dialog.reject_button.focusPolicy() == Qt.FocusPolicy.NoFocus
    dialog.table.setFocus()
    qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)     # a click does not take the focus
    assert dialog.focusWidget() is dialog.table
    for target in (dialog, dialog.table):
        target.setFocus()
        for key in keys:
            qtbot.keyClick(dialog.focusWidget() or dialog, key)
    qtbot.keyClicks(dialog.table, "fnu ")
    assert _labels(workspace) == before
    assert dialog.isVisible()                      # Enter did not close ("accept") the dialog either


def test_accept_writes_exactly_one_radiologist_label_and_reject_none(make_window, qtbot, workspace, queued):
    from core.store.review import review_items

    window = make_window()
    dialog = _dialog(window, qtbot)
    before = _labels(workspace)
    first = dialog.current()
    qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
    assert _labels(workspace) == before and dialog.decisions[first.study_id].startswith("rejected")
    second = dialog.current()
    assert second.study_id != first.study_id
    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    new = _labels(workspace)[len(before):]
    assert new == [(second.study_id, second.value, "radiologist", "dr.test")]
    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)      # now on the third
    assert len(_labels(workspace)) == len(before) + 2
    with workspace.connect() as store:
        waiting = {it.study_id for it in review_items(store)}
        assert waiting == set()                    # rejected: out of the queue, as the accepted ones
        assert store.current_label(first.study_id) is None or \
            store.current_label(first.study_id).source != "radiologist"   # ... and still unlabelled by a reader
    # The main window's undo takes the accepted label back.
    window.undo()
    with workspace.connect() as store:
        assert store.current_label(queued[2]) is None or store.current_label(queued[2]).source != "radiologist"


def test_accept_on_a_stale_screen_writes_nothing(make_window, qtbot, workspace, queued):
    window = make_window()
    dialog = _dialog(window, qtbot)
    it = dialog.current()
    window.session.label(it.study_id, "negative")          # labelled meanwhile in the main window
    before = _labels(workspace)
    assert dialog.accept_current() is None
    assert _labels(workspace) == before and "meanwhile" in dialog.status.text()


def _rejections(workspace) -> list[tuple]:
    with workspace.connect() as store:
        return [tuple(r) for r in store.execute("SELECT suggestion_id, author FROM review_rejections ORDER BY id")]


def test_reject_is_stored_and_the_study_does_not_come_back_when_the_queue_reopens(make_window, qtbot, workspace,
                                                                                 queued):
    window = make_window()
    dialog = _dialog(window, qtbot)
    assert dialog.reject_button.toolTip() == ("Dismiss this suggestion: no label is written; the study stays "
                                              "unlabelled in the worklist and leaves this queue")
    before = _labels(workspace)
    first = dialog.current()
    qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
    assert _rejections(workspace) == [(first.suggestion_id, "dr.test")]
    assert _labels(workspace) == before                                      # no label
    assert "leaves this queue" in dialog.status.text()
    assert first.study_id in [r.study_id for r in window.worklist.all_rows]  # still in the worklist
    dialog.close()
    dialog = window.review_report_suggestions()                              # opened again: two left
    qtbot.waitUntil(lambda: len(dialog.items) == 2, timeout=10_000)
    assert first.study_id not in {it.study_id for it in dialog.items}


def test_reject_on_a_stale_screen_writes_nothing(make_window, qtbot, workspace, queued):
    from core.reports.queue import add_suggestion

    window = make_window()
    dialog = _dialog(window, qtbot)
    it = dialog.current()
    with workspace.connect() as store:                                       # a later labeller run meanwhile
        add_suggestion(store, it.study_id, it.value, it.probability, "nlp-test-2", "review")
    assert dialog.reject_current() is None
    assert _rejections(workspace) == [] and "meanwhile" in dialog.status.text()


def test_the_report_panel_shows_the_sentence_that_decided_the_labellers_suggestion(make_window, qtbot, workspace):
    """Issue 13: each label records the sentence that decided it, shown in the report panel (hidden when blinded)."""
    from core.reports.labeller import DecidingSentence
    from core.reports.queue import add_suggestion

    with workspace.connect() as store:
        study_id = next(s["id"] for s in store.studies() if store.report(s["id"]))
        text = store.report(study_id)
        report_id = store.execute("SELECT id FROM reports WHERE study_id = ? ORDER BY id DESC",
                                  (study_id,)).fetchone()["id"]
        first = text.split(".")[0] + "."
        add_suggestion(store, study_id, "negative", 0.91, "nlp-test", "review",
                       sentence=DecidingSentence(first, 0, len(first), -2.0), report_id=report_id)
    window = make_window(restore_position=False)
    window.worklist.select(study_id)
    qtbot.waitUntil(lambda: window.current_study == study_id, timeout=10_000)
    shown = window.side_panel.report_view.toPlainText()
    assert "Report labeller: negative (p = 0.91, sent to review); decided by:" in shown
    assert " ".join(first.split()) in shown.split("decided by:")[1].split("\n")[0]
    assert "underline" in window.side_panel.report_view.toHtml()          # in place in the report too
    window.blinded_action.trigger()                                       # Ctrl+B: a reader study
    window.worklist.select(study_id)
    qtbot.waitUntil(lambda: "Hidden in blinded reading" in window.side_panel.report_view.toPlainText(),
                    timeout=10_000)


def _tooltips(view) -> list[str]:
    """The tooltips of the painted words of a QTextBrowser (its HTML export drops them)."""
    out, block = [], view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            if tip := it.fragment().charFormat().toolTip():
                out.append(tip)
            it += 1
        block = block.next()
    return out


def test_the_report_panel_repaints_from_the_labellers_analysis_off_the_gui_thread(make_window, qtbot, workspace):
    """The report shows at once (phrase lists), then the worker's analysis repaints it with each fracture
    mention's context as the labeller reads it; a blinded reading never shows it."""
    with workspace.connect() as store:
        study_id = next(s["id"] for s in store.studies()
                        if "fractur" in (store.report(s["id"]) or "").lower())
    window = make_window(restore_position=False)
    window.worklist.select(study_id)
    qtbot.waitUntil(lambda: window.current_study == study_id, timeout=10_000)
    qtbot.waitUntil(lambda: any(t.startswith("fracture: ") for t in _tooltips(window.side_panel.report_view)),
                    timeout=30_000)
    assert window.report_analyser.cache           # kept: going back to the study repaints at once

    window.blinded_action.trigger()
    window.worklist.select(study_id)
    qtbot.waitUntil(lambda: "Hidden in blinded reading" in window.side_panel.report_view.toPlainText(),
                    timeout=10_000)
    window._on_report_analysed(study_id, window._shown_report[1], next(iter(window.report_analyser.cache.values())))
    assert "Hidden in blinded reading" in window.side_panel.report_view.toPlainText()
