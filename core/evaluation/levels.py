"""Study-level and image-level figures with their CIs, from per-view predictions.

The study level is what the product is judged on: a study's probability is
the mean of its views' probabilities and its label is the study's label. The
image level scores every view against its study's label, resampling studies
whole so the interval is not narrowed by counting one patient's views as
independent evidence.
"""

from __future__ import annotations

import numpy as np

from core.evaluation.bootstrap import DEFAULT_RESAMPLES, binary_with_ci
from core.evaluation.metrics import BINARY_METRICS, DEFAULT_THRESHOLD, study_level

PUBLIC_KEYS = ("n", "n_positive", "n_negative",
               *[k for m in BINARY_METRICS for k in (m, f"{m}_ci")], "threshold", "confusion")


def _public(measured: dict) -> dict:
    return {k: measured[k] for k in PUBLIC_KEYS}


def study_and_image_figures(study_ids: np.ndarray, y: np.ndarray, p: np.ndarray,
                            threshold: float = DEFAULT_THRESHOLD, resamples: int = DEFAULT_RESAMPLES,
                            seed: int = 0) -> dict:
    """{"study": {...}, "image": {...}}: n's, every figure with its 95 % CI, the threshold and confusion matrix.

    ``study_ids``, ``y`` and ``p`` are per view (image); ``y`` is the view's study label.
    """
    study_ids, y, p = np.asarray(study_ids), np.asarray(y).astype(int), np.asarray(p, dtype=float)
    _, study_y, study_p = study_level(study_ids, y, p)
    study = binary_with_ci(study_y, study_p, threshold, resamples=resamples, seed=seed)
    image = binary_with_ci(y, p, threshold, groups=study_ids, resamples=resamples, seed=seed)
    return {"study": _public(study), "image": {**_public(image), "n_studies": image["n_groups"]}}
