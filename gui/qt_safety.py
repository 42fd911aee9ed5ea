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
