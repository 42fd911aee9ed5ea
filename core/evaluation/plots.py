"""Figures as PNG bytes (matplotlib's object API with the Agg canvas: no pyplot state, no display)."""

from __future__ import annotations

import io

import numpy as np


def roc_png(curves: list[tuple[str, np.ndarray, np.ndarray]], title: str = "ROC curve") -> bytes:
    """ROC curves, one per (label, y, p), on one square plot; the diagonal marks chance."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sklearn.metrics import roc_auc_score, roc_curve

    fig = Figure(figsize=(4.2, 4.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], linestyle=":", color="0.6", linewidth=1, label="chance")
    for label, y, p in curves:
        y = np.asarray(y).astype(int)
        if len(np.unique(y)) < 2:
            continue  # no curve without both classes
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, linewidth=1.8, label=f"{label} (AUC {roc_auc_score(y, p):.2f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("1 - specificity (false positive rate)")
    ax.set_ylabel("sensitivity (true positive rate)")
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
