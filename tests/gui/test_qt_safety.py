"""PySide6 6.12 drops a reference to None on each void call under Python 3.11; the GUI must survive it."""

import sys

import pytest


def test_many_void_qt_calls_do_not_exhaust_none(qapp):
    import gui.qt_safety  # noqa: F401

    before = sys.getrefcount(None)
    for _ in range(5000):
        qapp.processEvents()
    after = sys.getrefcount(None)
    if sys.version_info < (3, 12):
        assert after > 1 << 38, "None has no reserve: a long session would die with none_dealloc"
        assert sys.getrefcount(True) > 1 << 38 and sys.getrefcount(False) > 1 << 38
    assert after > 0 and before > 0
