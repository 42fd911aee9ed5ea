"""Make lazy imports in worker threads safe under PySide6.

Importing PySide6 replaces ``__import__`` with shiboken's feature hook, which
runs ``inspect.getsource`` on every newly imported Python module to see
whether it uses ``from __feature__ import ...``. Run from worker threads
(our decoders, the predictor and the trainer import pydicom, onnxruntime and
torch lazily) it corrupts memory: we saw "Fatal Python error: none_dealloc"
while a decode thread imported pydicom (also reported in
github.com/progh2/kamook/issues/36 and #46). RadiNet Studio never uses
``__feature__``, so the scan is switched off.
"""

from __future__ import annotations


def disable_feature_import_scan() -> bool:
    """Turn shiboken's per-import source scan into a no-op; True if it was found and patched."""
    import PySide6.QtCore  # noqa: F401 - installs shibokensupport

    try:
        import shibokensupport.feature as feature  # type: ignore[import-not-found]
    except ImportError:
        return False
    if not hasattr(feature, "_mod_uses_pyside"):
        return False
    feature._mod_uses_pyside = lambda module: False
    return True


PATCHED = disable_feature_import_scan()


# --------------------------------------------------------------------------
# PySide6 6.12 on Python 3.11 drops one reference to None on every call of a
# method that returns nothing (QTimer(), setInterval, processEvents, painter
# calls, ...): measured here, 200 calls of QCoreApplication.processEvents()
# lower sys.getrefcount(None) by 200, and the process dies with "Fatal Python
# error: none_dealloc" once the count reaches zero -- minutes into a real
# session. The wheels are built for interpreters where None is immortal
# (PEP 683, Python 3.12+), so there the bug is harmless. Until the project runs
# on 3.12+, give None a reserve of references far larger than a session can
# spend (None is never freed anyway, so extra references cost nothing).
_NONE_RESERVE = 1 << 40


def protect_none_refcount() -> bool:
    """On CPython < 3.12, add a huge reserve to None's reference count; True if it was needed."""
    import sys

    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    import ctypes

    # Methods returning bool drop references to True/False the same way.
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))   # ob_refcnt, the first field of a PyObject
        if refcount.value < _NONE_RESERVE // 2:
            refcount.value += _NONE_RESERVE
    return True


NONE_PROTECTED = protect_none_refcount()
