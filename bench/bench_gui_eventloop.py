"""Event-loop probe: how late the GUI thread services a 10 ms QTimer, idle vs while training.

Goal (issue 5): while training runs in the background, p99 lateness < 50 ms and
max < 200 ms. Both runs are printed side by side; the idle run is the baseline.

    .venv/bin/python bench/bench_gui_eventloop.py [--workspace W] [--seconds 10] [--fake]

--fake trains with a stand-in generator (no torch; pure-Python work that holds the interpreter
lock like a data loader). It runs where the real trainer runs -- its own process -- unless
--in-thread puts it in a thread of the GUI process, the baseline the process design replaced.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INTERVAL_MS = 10


def probe(app, seconds: float, step=None) -> list[float]:
    """Lateness (ms) of each 10 ms tick over ``seconds``; ``step`` runs on the GUI thread each tick (reading)."""
    from PySide6.QtCore import QTimer

    lateness: list[float] = []
    last = [time.perf_counter()]
    timer = QTimer()
    timer.setTimerType(timer.timerType().PreciseTimer)
    timer.setInterval(INTERVAL_MS)

    def tick():
        now = time.perf_counter()
        lateness.append(max(0.0, (now - last[0]) * 1000 - INTERVAL_MS))
        last[0] = now
        if step is not None:
            step()

    timer.timeout.connect(tick)
    end = time.perf_counter() + seconds
    timer.start()
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    return lateness[1:]


def stats(values: list[float]) -> tuple[float, float, float]:
    import numpy as np

    a = np.asarray(values) if values else np.zeros(1)
    return float(np.percentile(a, 50)), float(np.percentile(a, 99)), float(a.max())


def _fake_train(config, workspace, stop):
    from types import SimpleNamespace as Ev

    for batch in range(1, 100_000):
        if stop.is_set():
            return
        sum(i * i for i in range(20_000))   # pure-Python work: holds the GIL like a data loader would
        yield Ev(kind="batch", stage="target", epoch=1, epochs=1, batch=batch, batches=100_000, loss=1.0 / batch,
                 lr=None, val=None, eta_s=None, message="", result=None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, default=None)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--fake", action="store_true")
    ap.add_argument("--in-thread", action="store_true", help="train in a thread of the GUI process (old design)")
    ap.add_argument("--image-size", type=int, default=128)
    args = ap.parse_args()

    from bench._workspace import bench_workspace
    from gui.app import application
    from gui.main_window import MainWindow

    tmp = tempfile.TemporaryDirectory()
    path = args.workspace or Path(tmp.name) / "ws"
    ws = bench_workspace(str(path), 30)
    app = application()
    window = MainWindow(ws, train_fn=_fake_train if args.fake else None, auto_demo=False)
    window.training_dock.train_in_process = not args.in_thread
    window.resize(1400, 900)
    window.show()
    t_end = time.perf_counter() + 10
    while window.current_study is None and time.perf_counter() < t_end:
        app.processEvents()

    # The reader keeps working: every 50 ticks go to the next study (decode, queries, repaint).
    counter = [0]

    def reading_step():
        counter[0] += 1
        if counter[0] % 50 == 0:
            window.step_study(1)

    idle = probe(app, args.seconds, reading_step)
    dock = window.training_dock
    dock.settings.update({"image_size": args.image_size, "batch_size": 8, "device": "cpu"})
    dock.epochs_box.setValue(50)
    dock.start({"init": "random"})
    # Let torch import and the first batches start before measuring.
    t_end = time.perf_counter() + 120
    while not dock.curve.loss and dock.is_running() and time.perf_counter() < t_end:
        app.processEvents()
        time.sleep(0.005)
    training = probe(app, args.seconds, reading_step)
    batches = len(dock.curve.loss)
    dock.stop()
    window.shutdown()

    print(f"{'':28s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s} {'ticks':>6s}")
    for name, values in (("idle (reading)", idle), ("training + reading", training)):
        p50, p99, mx = stats(values)
        print(f"{name:28s} {p50:8.1f} {p99:8.1f} {mx:8.1f} {len(values):6d}")
    where = "a thread of the GUI process" if args.in_thread else "its own process"
    what = "fake generator" if args.fake else f"trainer.loop.train (cpu, {args.image_size} px, resnet18)"
    print(f"trainer: {what} in {where}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, "
          f"{batches} loss points shown during the run; goal while training: p99 < 50 ms, max < 200 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
