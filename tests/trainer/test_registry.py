"""Registry: champion derived from model_events, promote / reject / rollback (no torch)."""

from __future__ import annotations


import pytest

from core.errors import InputError
from core.store.workspace import Workspace
from core.store import registry


def _add(store, model_id, task="fracture", auc=0.8):
    sidecar = {"model_id": model_id, "task": task, "stage": "target", "architecture": "resnet18",
               "metrics": {"val": {"auc": auc}}}
    registry.register(store, sidecar, f"models/{model_id}.safetensors", "tester")


def test_champion_promote_and_rollback(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    with ws.connect() as store:
        assert registry.champion_id(store, "fracture") is None
        _add(store, "a"); _add(store, "b"); _add(store, "x", task="body_part")
        registry.promote(store, "a", "first", "tester")
        registry.promote(store, "x", "first", "tester")
        assert registry.champion_id(store, "fracture") == "a"
        registry.promote(store, "b", "better", "tester")
        assert registry.champion_id(store, "fracture") == "b"
        assert registry.rollback(store, "fracture", "tester") == ("b", "a")
        assert registry.champion_id(store, "fracture") == "a"
        assert registry.champion_id(store, "body_part") == "x"  # other tasks untouched
        registry.promote(store, "b", "again", "tester")
        assert registry.champion_id(store, "fracture") == "b"
        listed = {m["model_id"]: m for m in registry.list_models(store)}
        assert listed["b"]["published"] and not listed["a"]["published"]
        actions = [r["action"] for r in store.execute("SELECT action FROM model_events WHERE model_id='b' ORDER BY id")]
        assert actions == ["candidate", "promote", "rollback", "promote"]  # history appended, never rewritten


def test_rollback_without_champion_and_unknown_model(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    with ws.connect() as store:
        with pytest.raises(InputError):
            registry.rollback(store, "fracture", "tester")
        with pytest.raises(InputError):
            registry.promote(store, "nope", "x", "tester")
