"""Refuse a Qt binding release known to corrupt the interpreter, with one sentence, instead of patching it.

PySide6 6.12.0 on Python 3.11 drops one reference to None on every call of a
method that returns nothing (``processEvents()``, ``QTimer.setInterval``...):
measured here, 1,000 event-loop turns lowered ``sys.getrefcount(None)`` by
about 2,000 and the process died with "Fatal Python error: none_dealloc".
6.11.3, 6.10.3 and 6.9.3 keep None's count unchanged, so pyproject.toml pins
``pyside6-essentials>=6.9,<6.12`` and RadiNet Studio no longer adds a
reference reserve to None/True/False with ctypes (that patch is gone).

The shiboken import-scan patch that used to live here is gone too: on the
pinned release, worker threads importing pydicom, scikit-learn, onnx, OpenCV,
SimpleITK and SciPy while the GUI thread turned the event loop ~700,000 times
neither crashed nor lost references to None (tests/gui/test_qt_safety.py keeps
that check). The "none_dealloc" crash it was written for was the 6.12.0
reference bug above.

If a Python where None is immortal (3.12+, PEP 683) is ever used, the 6.12.0
bug is harmless there, so only 3.11 and older are refused.
"""

from __future__ import annotations

import sys

# (release, reason) pairs that must not run on this interpreter.
BROKEN_RELEASES = {"6.12.0": "drops references to None on every Qt call and crashes within minutes"}


def binding_problem(version: str, python: tuple[int, int] = sys.version_info[:2]) -> str | None:
    """The sentence explaining why this PySide6 ``version`` cannot run here, or None when it can."""
    if python >= (3, 12):
        return None
    reason = BROKEN_RELEASES.get(version)
    if reason is None:
        return None
    return (f"PySide6 {version} {reason} on Python {python[0]}.{python[1]}; "
            f"reinstall RadiNet Studio (it requires PySide6 6.9 to 6.11).")


def check_qt_binding() -> None:
    """Raise the project's error (one sentence; the CLI exits 2) when the installed PySide6 is a known-broken release."""
    import PySide6

    from core.errors import RadinetError

    problem = binding_problem(PySide6.__version__)
    if problem:
        raise RadinetError(problem)
