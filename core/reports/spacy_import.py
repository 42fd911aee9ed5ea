"""Import spaCy without letting thinc import torch.

spaCy imports thinc, and thinc imports torch whenever it is installed (to
offer PyTorch layers the report labeller never uses). torch is installed here
for the image models, and importing it took most of the time of
`radinet reports`: 103 s against 9 s for spaCy alone on this (busy, 2-core)
machine. While spaCy is imported for the first time, and only if torch is not
loaded yet, ``sys.modules["torch"]`` is set to None so thinc's
``import torch`` fails and thinc runs without it; the entry is removed
afterwards, so a later ``import torch`` elsewhere in the process works as usual.
"""

from __future__ import annotations

import sys
import threading

_lock = threading.Lock()


def import_spacy():
    """The spacy module (and negspacy's dependencies), imported torch-free where torch is not loaded yet."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    with _lock:
        blocked = "torch" not in sys.modules
        if blocked:
            sys.modules["torch"] = None
        try:
            import spacy
            import spacy.tokens  # noqa: F401 - everything thinc imports happens inside the block
        finally:
            if blocked and "torch" in sys.modules and sys.modules["torch"] is None:
                del sys.modules["torch"]
    return spacy
