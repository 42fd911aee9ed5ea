"""Import spaCy without letting thinc import torch.

spaCy imports thinc, and thinc imports torch whenever it is installed (to
offer PyTorch layers the report labeller never uses). torch is installed here
for the image models, and importing it took most of the time of
`radinet reports`: 103 s against 9 s for spaCy alone on this (busy, 2-core)
machine. While spaCy is imported for the first time, and only if torch is not
loaded yet, an import of torch fails in the importing thread only, so thinc
runs without it.

Only in that thread: the workstation analyses reports on a worker thread
while other threads train, predict or label. An earlier version put None in
``sys.modules["torch"]`` for the time of the import, which every thread sees:
scikit-learn in a report labelling job then failed with "'NoneType' object has
no attribute 'Tensor'", and a predictor importing torch would have failed too.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import sys
import threading

_lock = threading.Lock()
_imported = False
# Module name -> the one thread in which importing it fails (blocked_in_this_thread).
_blocked: dict[str, int] = {}


class _BlockedInThread(importlib.abc.MetaPathFinder):
    """Makes ``import <name>`` (and its submodules) fail in the thread ``_blocked`` names; other
    threads import as usual. Installed once and left in place: changing ``sys.meta_path`` while
    another thread walks it could make that thread skip a finder."""

    def find_spec(self, fullname, path=None, target=None):
        if _blocked.get(fullname.split(".")[0]) == threading.get_ident():
            raise ModuleNotFoundError(f"No module named {fullname!r} (not imported with spaCy)", name=fullname)
        return None


_finder = _BlockedInThread()


@contextlib.contextmanager
def blocked_in_this_thread(name: str):
    """While inside, ``import name`` fails in the calling thread unless the module is loaded already."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    _blocked[name] = threading.get_ident()
    try:
        yield
    finally:
        del _blocked[name]


def import_spacy():
    """The spacy module (and negspacy's dependencies), imported torch-free where torch is not loaded yet."""
    global _imported
    # A flag, not `"spacy" in sys.modules`: while one thread imports spaCy, another would find it there half done.
    if not _imported:
        with _lock:
            if not _imported:
                with blocked_in_this_thread("torch"):
                    import spacy
                    import spacy.tokens  # noqa: F401 - everything thinc imports happens inside the block
                _imported = True
    import spacy

    return spacy
