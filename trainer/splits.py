"""The locked patient split; it lives in core.evaluation.splits (torch-free, shared with evaluation)."""

from core.evaluation.splits import SPLITS, split_hash, split_of

__all__ = ["SPLITS", "split_hash", "split_of"]
