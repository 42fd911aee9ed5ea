"""Moved to core.evaluation.metrics (torch-free, shared with ``radinet evaluate``); kept for older imports."""

from core.evaluation.metrics import (  # noqa: F401
    HIGH_SENSITIVITY_TARGET, HIGH_SPECIFICITY_TARGET, binary_metrics, multiclass_metrics, operating_points, study_level,
)
