"""Ablation of the initialisation, like Table 2 of the paper.

Rows (held-out test AUC of the fracture model, study level):
  random init      -> target
  RadiNetRand      -> target   (body-part model trained from random init)
  RadiNet          -> target   (body-part model trained from ImageNet weights; needs a local file)
Experiment models are registered as candidates only, never published.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable

from trainer.loop import TrainConfig, train


def _run(config: TrainConfig, workspace, stop, log: Callable[[str], None]) -> dict:
    result = None
    for event in train(config, workspace, stop):
        if event.kind == "epoch":
            log(f"  {config.stage} epoch {event.epoch}/{event.epochs}: val AUC {event.val.get('auc')}")
        if event.kind == "done":
            result = event.result
    if result is None or result.get("model_id") is None:
        raise InterruptedError("stopped")
    return result


def table2(workspace, *, epochs: int = 3, image_size: int = 128, architecture: str = "resnet18",
           batch_size: int = 16, max_images: int | None = None, imagenet: str | None = None, seed: int = 0,
           lr: float = 1e-4, body_epochs: int | None = None, log: Callable[[str], None] = print,
           stop: threading.Event | None = None) -> list[dict]:
    """``body_epochs``: epochs of the body-part stage (default ``epochs``); body parts are
    learnt in far fewer epochs than fractures, and CPU time is the limit here."""
    stop = stop or threading.Event()
    base = dict(architecture=architecture, image_size=image_size, epochs=epochs, batch_size=batch_size,
                max_images=max_images, seed=seed, lr=lr, promote=False, resume=False)
    rows = []

    def target_from(init: str, name: str, body: dict | None = None) -> None:
        log(f"{name}: training the fracture model from {init}")
        # The frozen-backbone warm-up protects learnt features from a random head;
        # a random backbone has none to protect.
        warmup = 0 if init == "random" else 1
        r = _run(TrainConfig(stage="target", init=init, warmup_epochs=warmup, **base), workspace, stop, log)
        rows.append({"initialisation": name, "body_part_model": body["model_id"] if body else None,
                     "body_part_val_accuracy": (body or {}).get("val", {}).get("accuracy"),
                     "model_id": r["model_id"], "val_auc": r["val"].get("auc"), "test_auc": r["test"].get("auc"),
                     "test_accuracy": r["test"].get("accuracy"), "test_kappa": r["test"].get("kappa")})

    target_from("random", "random initialisation")
    log("RadiNetRand: training the body-part model from random initialisation")
    body_base = {**base, "epochs": body_epochs or epochs, "warmup_epochs": 0}
    rand_body = _run(TrainConfig(stage="body-part", init="random", **body_base), workspace, stop, log)
    target_from(f"model:{rand_body['model_id']}", "RadiNetRand", rand_body)
    if imagenet:
        log("RadiNet: training the body-part model from ImageNet weights")
        body = _run(TrainConfig(stage="body-part", init=f"imagenet:{imagenet}", **{**body_base, "warmup_epochs": 1}),
                    workspace, stop, log)
        target_from(f"model:{body['model_id']}", "RadiNet (ImageNet -> body parts)", body)
    else:
        rows.append({"initialisation": "RadiNet (ImageNet -> body parts)", "model_id": None, "test_auc": None,
                     "note": "skipped: no ImageNet weights file given (--imagenet PATH); nothing is downloaded"})
    return rows


def table_html(rows: list[dict], settings: dict) -> str:
    fmt = lambda v: "n/a" if v is None else (f"{v:.3f}" if isinstance(v, float) else html.escape(str(v)))  # noqa: E731
    body = "".join(
        f"<tr><td>{fmt(r['initialisation'])}</td><td>{fmt(r.get('val_auc'))}</td><td>{fmt(r.get('test_auc'))}</td>"
        f"<td>{fmt(r.get('test_accuracy'))}</td><td>{fmt(r.get('test_kappa'))}</td>"
        f"<td>{fmt(r.get('model_id') or r.get('note'))}</td></tr>" for r in rows)
    cfg = html.escape(", ".join(f"{k}={v}" for k, v in settings.items()))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>RadiNet ablation</title>"
        "<style>body{font-family:sans-serif}td,th{padding:4px 10px;border-bottom:1px solid #ccc}</style></head>"
        "<body><h1>Initialisation ablation (cf. Karam et al., Table 2)</h1>"
        f"<p>Research use only. Settings: {cfg}. AUC at study level (mean of views).</p>"
        "<table><tr><th>Initialisation</th><th>Validation AUC</th><th>Test AUC</th><th>Test accuracy</th>"
        f"<th>Test kappa</th><th>Model</th></tr>{body}</table></body></html>")
