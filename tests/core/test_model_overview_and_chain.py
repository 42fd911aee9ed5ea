"""core.store.model_overview (the models panel's rows) and core.store.chain (the training dock's next step)."""

from __future__ import annotations

import pytest

from core.store import registry
from core.store.chain import next_step, parent_for
from core.store.model_overview import model_overview
from core.store.workspace import Workspace


@pytest.fixture
def store(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    with ws.connect() as s:
        yield s


def _register(store, model_id, task, stage, body_part="all", parent=None, promotion=None, publish=False):
    sidecar = {"model_id": model_id, "task": task, "stage": stage, "architecture": "resnet18", "parent_id": parent,
               "scope": registry.scope(task, body_part), "body_part": body_part, "split_hash": "h1",
               "training": {"images": 10}, "promotion": promotion or {}, "metrics": {}}
    registry.register(store, sidecar, f"models/{model_id}.safetensors", "t")
    if publish:
        registry.promote(store, model_id, "ok", "t")


def test_overview_shows_the_rules_figure_even_when_not_computable(store):
    _register(store, "f1", "fracture", "target", promotion={"metric": "auc", "value": None, "ci": None, "n": 2,
                                                            "n_pos": 2, "n_neg": 0, "reason": "too few"})
    _register(store, "f2", "fracture", "target", parent="f1", publish=True,
              promotion={"metric": "auc", "value": 0.81, "ci": [0.7, 0.9], "n": 40, "n_pos": 20, "n_neg": 20})
    rows = {m.model_id: m for m in model_overview(store)}
    assert rows["f1"].figure == "AUC not computable"
    assert rows["f2"].figure == "AUC 0.810 (95 % CI 0.70–0.90)" and rows["f2"].published
    assert rows["f2"].parent_id == "f1" and rows["f2"].data_seen == \
        "10 training images; 40 validation studies: 20 positive, 20 negative; split h1"
    assert [m.model_id for m in model_overview(store)][0] == "f2"       # newest first


def test_chain_goes_pretrain_radinet_target_then_fast_refresh(store):
    step = next_step(store, "wrist")
    assert (step.stage, step.parent_id) == ("pretrain", None)
    _register(store, "p1", "pretrain", "pretrain", publish=True)
    step = next_step(store, "wrist")
    assert (step.stage, step.body_part, step.parent_id, step.parent_published) == ("body-part", "all", "p1", True)
    _register(store, "r1", "body_part", "body-part", parent="p1")          # a candidate only
    step = next_step(store, "wrist")
    # The target starts from RadiNet even though RadiNet is only a candidate: never from random weights.
    assert (step.stage, step.body_part, step.parent_id, step.parent_published) == ("target", "wrist", "r1", False)
    _register(store, "fw", "fracture", "target", body_part="wrist", parent="r1")
    step = next_step(store, "wrist")
    assert step.stage == "target" and "No fracture model is published" in step.why
    registry.promote(store, "fw", "by hand", "t")
    step = next_step(store, "wrist")
    assert (step.stage, step.body_part, step.parent_id) == ("fast-refresh", "wrist", "fw")
    # Another body part with only the wrist model published: its own target comes first.
    assert next_step(store, "hand").stage == "target"


def test_parent_for_matches_the_trainers_auto_init(store):
    fit = pytest.importorskip("trainer.fit")
    from trainer.config import TrainConfig

    _register(store, "p1", "pretrain", "pretrain", publish=True)
    _register(store, "r1", "body_part", "body-part", parent="p1")
    _register(store, "f1", "fracture", "target", parent="r1", publish=True)
    for stage, part in (("body-part", "all"), ("target", "wrist"), ("target", "all"), ("fast-refresh", "wrist")):
        ours, _ = parent_for(store, stage, part)
        assert fit.resolve_init(store, TrainConfig(stage=stage, body_part=part)) == f"model:{ours}"
