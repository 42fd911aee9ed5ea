"""One row per registered model for the workstation's models panel: lineage, scope, figures, data.

Everything comes from the registry (``models``, ``model_events``) and each
model's sidecar as the trainer wrote it; nothing is recomputed. The panel
shows the validation figures with their 95 % CIs and the data the model saw
(studies, images, the locked split's hash) next to the promotion rule's
verdict, so a reader can judge a candidate before publishing it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.store import registry


@dataclass
class ModelOverview:
    model_id: str
    scope: str                    # registry key: fracture, fracture:wrist, body_part, pretrain
    task: str                     # fracture | body_part | pretrain
    stage: str
    body_part: str
    architecture: str
    parent_id: str | None
    init: str | None              # how its weights started: random | imagenet:... | model:ID
    created_at: str
    published: bool
    last_event: str | None        # candidate | promote | reject | rollback
    reason: str | None            # why (the promotion rule's sentence, or the user's)
    metric: str | None            # auc | accuracy | reconstruction_loss
    value: float | None
    ci: list | None
    val_studies: int | None
    val_positive: int | None
    val_negative: int | None
    train_images: int | None
    split_hash: str | None
    image_size: int | None
    rule_promote: bool | None     # what the promotion rule said, before any decision by hand
    rule_reason: str | None
    has_onnx: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def figure(self) -> str:
        """e.g. 'AUC 0.82 (95 % CI 0.71-0.90)'."""
        name = {"auc": "AUC", "accuracy": "accuracy"}.get(self.metric or "", self.metric or "")
        if self.value is None:
            return f"{name} not computable" if self.metric else "no validation figure"
        ci = f" (95 % CI {self.ci[0]:.2f}–{self.ci[1]:.2f})" if self.ci else " (no CI)"
        return f"{name} {self.value:.3f}{ci}"

    @property
    def data_seen(self) -> str:
        parts = []
        if self.train_images is not None:
            parts.append(f"{self.train_images} training images")
        if self.val_studies is not None:
            pn = (f": {self.val_positive} positive, {self.val_negative} negative"
                  if self.val_positive is not None and self.val_negative is not None else "")
            parts.append(f"{self.val_studies} validation studies{pn}")
        if self.split_hash:
            parts.append(f"split {self.split_hash}")
        return "; ".join(parts) or "not recorded"


def _figure(sidecar: dict) -> tuple[str | None, float | None, list | None, dict]:
    promotion = sidecar.get("promotion") or {}
    val = (sidecar.get("metrics") or {}).get("val") or {}
    if promotion.get("metric") in ("auc", "accuracy"):
        # The figure the promotion rule judged, even when it was not computable (one class in the split).
        return promotion["metric"], promotion.get("value"), promotion.get("ci"), val
    for metric in ("auc", "accuracy"):
        if val.get(metric) is not None:
            return metric, val[metric], val.get(f"{metric}_ci"), val
    if val.get("reconstruction_loss") is not None:
        return "reconstruction_loss", val["reconstruction_loss"], None, val
    return None, None, None, val


def model_overview(store, models_dir=None) -> list[ModelOverview]:
    """Every registered model, newest first."""
    out = []
    for m in reversed(registry.list_models(store)):
        sidecar = registry.sidecar_of(registry.get(store, m["model_id"]))
        metric, value, ci, val = _figure(sidecar)
        promotion = sidecar.get("promotion") or {}
        training = sidecar.get("training") or {}
        onnx = sidecar.get("onnx_file")
        out.append(ModelOverview(
            model_id=m["model_id"], scope=m["task"], task=sidecar.get("task", m["task"]), stage=m["stage"],
            body_part=m.get("body_part") or registry.ALL_PARTS, architecture=m["architecture"],
            parent_id=m.get("parent_id"), init=sidecar.get("init"), created_at=m["created_at"],
            published=bool(m["published"]), last_event=m.get("last_event"), reason=m.get("reason"),
            metric=metric, value=value, ci=ci,
            val_studies=promotion.get("n", val.get("n")),
            val_positive=promotion.get("n_pos", val.get("n_positive")),
            val_negative=promotion.get("n_neg", val.get("n_negative")),
            train_images=training.get("images"), split_hash=sidecar.get("split_hash"),
            image_size=(sidecar.get("preprocessing") or {}).get("size"),
            rule_promote=promotion.get("promote"), rule_reason=promotion.get("reason"),
            has_onnx=bool(onnx) and (models_dir is None or (models_dir / onnx).exists()),
        ))
    return out
