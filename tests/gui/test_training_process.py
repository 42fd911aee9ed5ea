"""The trainer runs in its own process: its events reach the dock, Stop reaches it, a crash is reported."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace


def _ev(kind, **kw):
    base = dict(kind=kind, stage="target", epoch=1, epochs=1, batch=0, batches=0, loss=None, lr=None, val=None,
                eta_s=None, message="", result=None)
    base.update(kw)
    return SimpleNamespace(**base)


def process_fake(config, workspace, stop):
    """Module-level (picklable): reports its process id, then batches until stopped."""
    yield _ev("start", message=f"pid {os.getpid()} nice {os.nice(0)}")
    for batch in range(1, 100_000):
        if stop.is_set():
            yield _ev("done", result={"model_id": None, "promoted": False, "stopped": True, "reason": "stopped"})
            return
        time.sleep(0.01)
        yield _ev("batch", batch=batch, batches=100_000, loss=1.0 / batch)


def process_crash(config, workspace, stop):
    yield _ev("start", message="about to die")
    os._exit(3)


def test_training_runs_in_its_own_lower_priority_process(make_window, qtbot):
    window = make_window(train_fn=process_fake)
    dock = window.training_dock
    dock.train_in_process = True
    assert dock.start()
    qtbot.waitUntil(lambda: len(dock.curve.loss) >= 3, timeout=60_000)
    first = dock.log.toPlainText().split("pid ")[1].split()
    assert int(first[0]) != os.getpid() and int(first[2]) > os.nice(0)    # another process, nicer than us
    with qtbot.waitSignal(dock.running_changed, timeout=20_000, check_params_cb=lambda running: not running):
        dock.stop()
    assert dock.status.text() == "Stopped." and "None" not in dock.result_label.text()


def test_a_crashed_training_process_is_reported(make_window, qtbot):
    window = make_window(train_fn=process_crash)
    dock = window.training_dock
    dock.train_in_process = True
    with qtbot.waitSignal(dock.running_changed, timeout=60_000, check_params_cb=lambda running: not running):
        dock.start()
    assert "ended unexpectedly (exit code 3)" in dock.status.text()
