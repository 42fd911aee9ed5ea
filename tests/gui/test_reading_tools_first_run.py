"""First run: an empty workspace shows a hint (import a folder, or open the demo); the demo builds in a worker."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


@pytest.fixture
def empty_window(qtbot, tmp_path, settings):
    from core.store.workspace import Workspace
    from gui.main_window import MainWindow

    windows = []

    def make(**kw):
        window = MainWindow(Workspace.open(tmp_path / "empty"), settings=settings,
                            predictor_factory=lambda _ws: None, demo_studies=4, auto_demo=False, **kw)
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


def test_empty_workspace_shows_the_hint_and_opens_the_demo(qtbot, empty_window, monkeypatch):
    import gui.services as services

    threads = []
    real = services.build_demo
    monkeypatch.setattr(services, "build_demo", lambda *a, **kw: threads.append(
        threading.current_thread() is threading.main_thread()) or real(*a, **kw))
    window = empty_window()
    assert window.first_run.isVisible() and window.demo_thread is None        # nothing built unasked
    assert "empty" in window.study_view.panes[0].message
    QTest.mouseClick(window.first_run.demo_button, Qt.MouseButton.LeftButton)
    assert window.banner.isVisible() and not window.first_run.demo_button.isEnabled()   # progress, no double start
    with qtbot.waitSignal(window.demo_finished, timeout=120_000) as blocker:
        pass
    assert blocker.args == [True] and threads == [False]                      # built on a worker thread
    assert len(window.worklist.all_rows) == 4
    assert not window.first_run.isVisible() and not window.banner.isVisible()
    qtbot.waitUntil(lambda: bool(window.study_view.visible_panes()), timeout=15_000)


def test_import_button_opens_the_import_dialog(qtbot, empty_window, monkeypatch):
    from gui.main_window import MainWindow

    opened = []
    monkeypatch.setattr(MainWindow, "open_import_dialog", lambda self: opened.append(self))
    window = empty_window()
    QTest.mouseClick(window.first_run.import_button, Qt.MouseButton.LeftButton)
    assert opened == [window]


def test_a_workspace_with_studies_shows_no_hint(qtbot, make_window):
    window = make_window()
    qtbot.waitUntil(lambda: bool(window.study_view.visible_panes()), timeout=15_000)
    assert not window.first_run.isVisible()


def test_the_gui_command_builds_the_demo_unasked_only_for_a_screenshot(monkeypatch, tmp_path):
    import argparse

    from gui import command

    seen = {}

    class Stop(Exception):
        pass

    def fake_window(workspace, **kw):
        seen.update(kw)
        raise Stop

    import gui.main_window

    monkeypatch.setattr(gui.main_window, "MainWindow", fake_window)
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    for argv, expected in ((["--workspace", str(tmp_path / "a")], False),
                           (["--workspace", str(tmp_path / "b"), "--screenshot", "x.png"], True),
                           (["--workspace", str(tmp_path / "c"), "--screenshot", "x.png", "--no-demo"], False),
                           # make run: a newcomer's fresh machine opens on the demo (README's first command)
                           (["--workspace", str(tmp_path / "d"), "--demo-if-empty"], True)):
        with pytest.raises(Stop):
            command.run(parser.parse_args(argv))
        assert seen["auto_demo"] is expected
