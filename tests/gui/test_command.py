"""`radinet gui --screenshot`: opens the first study, saves a PNG, exits; never imports torch."""

import importlib.util
import os
import subprocess
import sys

import pytest


def test_screenshot_mode_saves_the_window(workspace, tmp_path):
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RADINET_USER": "dr.shot",
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = subprocess.run([sys.executable, "main.py", "gui", "--workspace", str(workspace.path), "--screenshot",
                           str(out), "--size", "1000x700"], cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                               os.path.abspath(__file__)))), env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "torch imported: False" in proc.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert not image.isNull() and image.height() == 700 and image.width() >= 1000


def test_gui_arguments_parse():
    import argparse

    from gui import command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args(["--workspace", "/tmp/w", "--screenshot", "a.png"])
    assert (args.workspace, args.screenshot, args.no_demo) == ("/tmp/w", "a.png", False)
    assert "not for diagnostic use" in command.HELP


@pytest.mark.skipif(importlib.util.find_spec("core.demo.workspace") is None, reason="demo generator not there yet")
def test_empty_workspace_builds_the_demo_in_the_background(qtbot, tmp_path, settings):
    from core.store.workspace import Workspace
    from gui.main_window import MainWindow

    ws = Workspace.open(tmp_path / "empty")
    window = MainWindow(ws, settings=settings, predictor_factory=lambda _ws: None, demo_studies=6)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5_000)
        with qtbot.waitSignal(window.demo_finished, timeout=120_000) as blocker:
            pass
        assert blocker.args == [True]
        assert len(window.worklist.all_rows) == 6 and not window.banner.isVisible()
        qtbot.waitUntil(lambda: bool(window.study_view.visible_panes()), timeout=10_000)
    finally:
        window.shutdown()
