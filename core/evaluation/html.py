"""HTML reports from jinja2 templates in ``core/evaluation/templates`` (autoescaped; images inline as base64)."""

from __future__ import annotations

import base64
from pathlib import Path

from core.evaluation.metrics import BINARY_METRICS

TEMPLATES = Path(__file__).with_name("templates")
METRIC_NAMES = {"auc": "AUC", "accuracy": "Accuracy", "precision": "Precision (PPV)",
                "recall": "Sensitivity (recall)", "specificity": "Specificity", "f1": "F1",
                "kappa": "Cohen's kappa"}


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined)
    env.filters["figure"] = lambda v: "n/a" if v is None else f"{v:.3f}"
    env.filters["interval"] = lambda ci: "n/a" if ci is None else f"{ci[0]:.3f} – {ci[1]:.3f}"
    return env


def evaluation_html(result: dict, roc_png: bytes | None) -> str:
    """The `radinet evaluate --out` report for ``result`` (the command's JSON)."""
    rows = [{"name": METRIC_NAMES[m], "key": m} for m in BINARY_METRICS]
    image = base64.b64encode(roc_png).decode("ascii") if roc_png else None
    return _environment().get_template("evaluation.html").render(result=result, rows=rows, roc_png=image)
