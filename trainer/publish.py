"""Checkpoint -> ONNX -> registry -> promotion rule: the only way a model is registered or published.

Every trained model is written (safetensors + JSON sidecar), exported to ONNX
(so ``radinet evaluate --model ID`` can judge a candidate too) and registered
as a candidate. It is then published only if the promotion rule
(``core.evaluation.promotion.decide``) says so, comparing it with the model
that predicts these studies today on the same locked validation studies.
``radinet models promote ID`` goes through :func:`promote_by_hand`.
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets
from dataclasses import asdict

import numpy as np

from core.evaluation.promotion import Decision
from core.store import registry
from trainer import checkpoints
from trainer.config import TrainConfig
from trainer.evaluate import predict_logits, probabilities, study_probabilities
from trainer.run_data import SplitData

PREFIX = {"pretrain": "pretrain", "body-part": "radinet", "target": "fracture", "fast-refresh": "fracture-refresh"}


def new_model_id(config: TrainConfig) -> str:
    part = "" if config.body_part == "all" else f"{config.body_part}-"
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{PREFIX[config.stage]}-{part}{config.architecture}-{stamp}-{secrets.token_hex(2)}"


def champion_outputs(workspace, store, champion_row, val: SplitData, task: str, classes: list[str], device):
    """The published model's probabilities on the candidate's validation images, or (None, why)."""
    from trainer.data import model_ready_arrays

    sidecar = registry.sidecar_of(champion_row)
    if sidecar.get("classes") != classes:
        return None, "the published model predicts other classes"
    prep = sidecar.get("preprocessing") or {}
    try:
        model, _ = checkpoints.load_model(registry.model_file(workspace, champion_row))
        arrays = model_ready_arrays(workspace, val.samples, int(prep["size"]), bool(prep.get("clahe", False)),
                                    crop=prep.get("crop", "border"), denoise=prep.get("denoise", "none"))
    except Exception as err:  # noqa: BLE001 - a damaged champion must not block a good new model
        return None, f"the published model could not be run ({str(err).splitlines()[0][:120]})"
    probs = probabilities(predict_logits(model.to(device), arrays, device))
    if task == "fracture":
        return study_probabilities(val, probs[:, 0])[1], None
    return probs, None


def decide(task: str, val_metrics: dict, champion_p, config: TrainConfig):
    """The promotion rule on the locked validation split (core.evaluation.promotion; pure)."""
    from core.evaluation.promotion import decide as rule

    kw = dict(min_pos=config.min_val_studies_per_class, min_neg=config.min_val_studies_per_class,
              margin=config.promotion_margin, resamples=config.bootstrap_resamples, seed=config.seed)
    if task == "fracture":
        return rule(np.asarray(val_metrics["_study_y"]), np.asarray(val_metrics["_study_p"]), champion_p, **kw)
    return rule(np.asarray(val_metrics["_y"]), np.asarray(val_metrics["_p"]), champion_p,
                groups=np.asarray(val_metrics["_groups"]), unit="images", **kw)


def publish(workspace, store, model, config: TrainConfig, sidecar: dict, val: SplitData, val_metrics: dict,
            author: str, device) -> dict:
    """Write, export, register and (when the rule allows) publish. Returns the decision fields."""
    task = sidecar["task"]
    model_scope = registry.scope(task, config.body_part)
    sidecar = {**sidecar, "scope": model_scope, "body_part": config.body_part}
    model_id = new_model_id(config)
    champion = None
    if task == "pretrain":
        decision = Decision(True, "self-supervised features (no labels to judge them by; the stages built on "
                                   "them are judged instead)", {})
    else:
        champion, used_scope = registry.champion_for(store, task, config.body_part)
        champion_p, why = (champion_outputs(workspace, store, champion, val, task, sidecar["classes"], device)
                           if champion is not None else (None, None))
        decision = decide(task, val_metrics, champion_p, config)
        if champion is not None and champion_p is None:
            decision = Decision(decision.promote, f"{decision.reason} (not compared with {champion['id']}: {why})",
                                 decision.details)
    sidecar["promotion"] = {"promote": bool(decision.promote), "reason": decision.reason, **(decision.details or {})}
    model.cpu()
    try:
        sidecar = checkpoints.save_checkpoint(workspace.models_dir, model_id, model, sidecar)
        if config.export_onnx:
            from trainer.export_onnx import export

            target = checkpoints.onnx_path(workspace.models_dir, model_id)
            report = export(model, config.image_size, target, metadata=sidecar)  # the ONNX describes itself
            sidecar["onnx_file"] = target.name
            sidecar["onnx_parity"] = report
            checkpoints.write_sidecar(workspace.models_dir, sidecar)
        rel = os.path.relpath(checkpoints.weights_path(workspace.models_dir, model_id), workspace.path)
        registry.register(store, sidecar, rel, author)
    except BaseException:
        # Not registered (register's transaction rolled back): no row will ever own these
        # files. A full disk at the sidecar or the ONNX left a model-sized weights file
        # that model_gc would only collect after its grace period; remove it now.
        _remove_unregistered(workspace.models_dir, model_id)
        raise
    promoted = bool(decision.promote and config.promote)
    reason = event_reason(decision, requested=config.promote)
    if promoted:
        registry.promote(store, model_id, reason, author)
    else:
        registry.reject(store, model_id, reason, author)
    return {"model_id": model_id, "scope": model_scope, "promoted": promoted, "reason": reason,
            "compared_with": champion["id"] if task != "pretrain" and champion is not None else None,
            "promotion": sidecar["promotion"]}


def event_reason(decision: Decision, requested: bool) -> str:
    """The reason the registry records: the rule's verdict, or, where publishing was not requested (bench
    and experiment runs), that verdict as what the rule would have done. The verdict's own text says
    "published because …", which under "publishing was not requested" read as a contradiction."""
    if requested:
        return decision.reason
    would = "would have published it" if decision.promote else "would not have published it either"
    return f"kept as a candidate: publishing was not requested; the promotion rule {would}: {decision.reason}"


def _remove_unregistered(models_dir, model_id: str) -> None:
    for path in (checkpoints.weights_path(models_dir, model_id), checkpoints.sidecar_path(models_dir, model_id),
                 checkpoints.onnx_path(models_dir, model_id)):
        try:
            path.unlink()
        except OSError:   # not written yet, or gone; model_gc collects anything left
            pass


def promote_by_hand(workspace, store, model_id: str, reason: str, author: str) -> dict:
    """Publish a registered model the user chose (ONNX exported first if missing)."""
    from trainer.export_onnx import export_registered

    row = registry.get(store, model_id)
    sidecar = registry.sidecar_of(row)
    onnx = None
    if not checkpoints.onnx_path(workspace.models_dir, model_id).exists():
        onnx = export_registered(workspace, store, model_id)
    registry.promote(store, model_id, reason, author)
    return {"promoted": model_id, "task": sidecar["task"], "scope": row["task"], "onnx": onnx,
            "promotion": sidecar.get("promotion")}


def base_sidecar(config: TrainConfig, task: str, classes: list[str], preprocessing: dict, parent_id, init: str,
                 split_hash: str, metrics: dict, operating_points: dict, training: dict) -> dict:
    return {
        "task": task, "stage": config.stage, "classes": classes, "preprocessing": preprocessing,
        "parent_id": parent_id, "init": init, "split_hash": split_hash, "split_seed": config.split_seed,
        "metrics": metrics, "operating_points": operating_points,
        # Heatmap = sigmoid(CAM logit): an absolute scale shared by all images.
        "heatmap": {"scale": "sigmoid", "output": "logit of the predicted class"},
        "training": {**training, "config": asdict(config)},
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
