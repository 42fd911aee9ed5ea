"""``radinet gui``: open the workstation (also what ``python main.py`` does).

With ``--screenshot PNG`` it opens the window on the first study, waits until
its pixels (and its prediction, when a model exists) are on screen, saves a
grab of the window and exits -- offscreen (QT_QPA_PLATFORM=offscreen) works.
"""

from __future__ import annotations

import sys
import time

from core.commands.common import add_workspace_argument

HELP = "open the RadiNet Studio workstation (research use only, not for diagnostic use)"

SCREENSHOT_TIMEOUT_S = 60.0


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    parser.add_argument("--screenshot", metavar="PNG", default=None,
                        help="open the first study, save a screenshot of the window to PNG and exit")
    parser.add_argument("--size", metavar="WxH", default="1600x950", help="window size for --screenshot")
    parser.add_argument("--demo-if-empty", action="store_true",
                        help="build and open a synthetic demo workspace when the workspace is empty (what `make run` "
                             "does on a fresh machine); without it an empty workspace shows a first-run hint: import "
                             "a folder, or open the demo")
    parser.add_argument("--no-demo", action="store_true",
                        help="with --screenshot: do not create a demo workspace when it is empty")


def _prewarm() -> None:
    """Import the decoder and the onnx predictor in the background while Qt starts (~1 s of imports)."""
    import importlib

    for name in ("core.imaging.image", "core.inference.predictor"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def run(args) -> int:
    launched = time.perf_counter()
    import threading

    threading.Thread(target=_prewarm, name="radinet-prewarm", daemon=True).start()
    from core.store.workspace import Workspace
    from gui.app import application

    app = application()
    from gui.main_window import MainWindow
    from gui.settings import Settings

    settings = Settings()
    path = args.workspace or settings.get("workspace") or None
    workspace = Workspace.open(path)
    # An empty workspace asks the reader (import, or the demo); a screenshot run and `make run` on a fresh
    # machine (--demo-if-empty) build the demo unasked, so a newcomer sees a study at once.
    window = MainWindow(workspace, settings=settings, auto_demo=bool(args.screenshot or args.demo_if_empty) and not args.no_demo,
                        restore_position=not args.screenshot)
    if args.screenshot:
        w, h = (int(v) for v in args.size.lower().split("x"))
        window.resize(w, h)
    window.show()
    if args.screenshot:
        return _screenshot(app, window, args.screenshot, launched)
    code = app.exec()
    window.shutdown()
    return code


def _screenshot(app, window, out_path: str, launched: float) -> int:
    """Wait (running the event loop) for the first image and prediction, then grab the window."""
    from PySide6.QtCore import QTimer

    state = {"image": None, "prediction": None}
    window.first_image_shown.connect(lambda _s: state.__setitem__("image", state["image"] or time.perf_counter()))
    # "On screen" needs both the pixels and the prediction: stamp the later of the two.
    window.prediction_shown.connect(lambda _s: state.__setitem__("prediction", time.perf_counter()))
    window.first_image_shown.connect(
        lambda _s: state["prediction"] is not None and state.__setitem__("prediction", time.perf_counter()))
    deadline = time.perf_counter() + SCREENSHOT_TIMEOUT_S

    def ready() -> bool:
        if state["image"] is None or not window.model_known:
            return False
        # No published model fits the open study (none at all, or none for its body part): nothing to wait for.
        return window.model_for(window.current_study)[1] is None or state["prediction"] is not None

    def poll() -> None:
        if ready() or time.perf_counter() > deadline:
            QTimer.singleShot(150, app.quit)   # let the last paint land
            return
        QTimer.singleShot(25, poll)

    QTimer.singleShot(0, poll)
    app.exec()
    ok = window.grab().save(out_path)
    image_s = None if state["image"] is None else state["image"] - launched
    pred_s = None if state["prediction"] is None else state["prediction"] - launched
    print(f"screenshot: {out_path}; first image {_fmt(image_s)}, first prediction {_fmt(pred_s)}; "
          f"torch imported: {'torch' in sys.modules}", file=sys.stderr)
    # Wall-clock stamps let bench/bench_gui_startup.py measure from process launch.
    print(f"epoch-stamps image={_epoch(state['image'])} prediction={_epoch(state['prediction'])}", file=sys.stderr)
    window.shutdown()
    return 0 if ok and state["image"] is not None else 1


def _epoch(perf: float | None) -> str:
    return "none" if perf is None else f"{time.time() - (time.perf_counter() - perf):.4f}"


def _fmt(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f} s"
