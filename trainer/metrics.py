"""Validation metrics; they live in core.evaluation (torch-free, shared with `radinet evaluate`).

Kept as a re-export until the trainer imports core.evaluation directly.
"""

from core.evaluation.metrics import (HIGH_SENSITIVITY_TARGET, HIGH_SPECIFICITY_TARGET, binary_metrics,
                                     multiclass_metrics, operating_points, study_level)

__all__ = ["HIGH_SENSITIVITY_TARGET", "HIGH_SPECIFICITY_TARGET", "binary_metrics", "multiclass_metrics",
           "operating_points", "study_level"]
