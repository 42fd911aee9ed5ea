"""Per-body-part models (issue 11 §2): registry scopes and the fallback to the all-parts model."""

from __future__ import annotations

import json

import pytest

from core.store import registry
from core.store.workspace import Workspace


def _register(store, model_id, task, body_part):
    sidecar = {"model_id": model_id, "task": task, "stage": "target", "architecture": "resnet18",
               "scope": registry.scope(task, body_part), "body_part": body_part}
    registry.register(store, sidecar, f"models/{model_id}.safetensors", "tester")


def test_scope_names():
    assert registry.scope("fracture", "all") == "fracture"
    assert registry.scope("fracture", None) == "fracture"
    assert registry.scope("fracture", "Wrist") == "fracture:wrist"


def test_body_part_model_is_preferred_and_all_parts_is_the_fallback(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    with ws.connect() as store:
        _register(store, "all-1", "fracture", "all")
        _register(store, "wrist-1", "fracture", "wrist")
        assert registry.champion_for(store, "fracture", "wrist") == (None, "fracture")
        registry.promote(store, "all-1", "test", "tester")
        row, used = registry.champion_for(store, "fracture", "wrist")
        assert (row["id"], used) == ("all-1", "fracture")
        registry.promote(store, "wrist-1", "test", "tester")
        row, used = registry.champion_for(store, "fracture", "wrist")
        assert (row["id"], used) == ("wrist-1", "fracture:wrist")
        row, used = registry.champion_for(store, "fracture", "hand")
        assert (row["id"], used) == ("all-1", "fracture")
        # Publishing the wrist model does not replace the all-parts champion.
        assert registry.champion_id(store, "fracture") == "all-1"
        listed = {m["model_id"]: m for m in registry.list_models(store)}
        assert listed["wrist-1"]["published"] and listed["all-1"]["published"]
        assert listed["wrist-1"]["body_part"] == "wrist"


def test_auto_init_follows_the_chain_and_never_skips_an_existing_radinet(tmp_path):
    """--init auto: target starts from the published RadiNet, else from the newest RadiNet candidate."""
    from trainer.config import TrainConfig
    from trainer.fit import resolve_init

    ws = Workspace.open(tmp_path / "ws")
    with ws.connect() as store:
        assert resolve_init(store, TrainConfig(stage="target")) == "random"
        _register(store, "pre-1", "pretrain", "all")
        registry.promote(store, "pre-1", "test", "tester")
        assert resolve_init(store, TrainConfig(stage="body-part")) == "model:pre-1"
        assert resolve_init(store, TrainConfig(stage="target")) == "model:pre-1"
        _register(store, "radinet-1", "body_part", "all")  # a candidate only
        assert resolve_init(store, TrainConfig(stage="target")) == "model:radinet-1"
        _register(store, "radinet-2", "body_part", "all")
        registry.promote(store, "radinet-1", "test", "tester")
        assert resolve_init(store, TrainConfig(stage="target", body_part="wrist")) == "model:radinet-1"
        with pytest.raises(Exception, match="fast refresh needs a published fracture model"):
            resolve_init(store, TrainConfig(stage="fast-refresh"))
        _register(store, "fx-all", "fracture", "all")
        registry.promote(store, "fx-all", "test", "tester")
        assert resolve_init(store, TrainConfig(stage="fast-refresh", body_part="wrist")) == "model:fx-all"
        assert resolve_init(store, TrainConfig(stage="target", init="random")) == "random"
