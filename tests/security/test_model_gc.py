"""radinet models gc: unregistered model files left by a killed publish are removed, registered ones never
(issue 14 item 4)."""

from __future__ import annotations

import json
import os
import time

import main as cli
from core.store import Workspace
from core.store.model_gc import collect, startup_check
from tests.security.fake_model import publish_fake_model


def _workspace_with_orphans(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    publish_fake_model(ws)
    models = ws.models_dir
    (models / "fake-fracture-1.safetensors").write_bytes(b"registered weights")
    (models / "killed-2.safetensors").write_bytes(b"\0" * 45_000)     # publish killed before registering
    (models / "killed-2.json").write_text("{}")
    (models / ".killed-3.safetensors.4242.tmp").write_bytes(b"\0" * 1000)   # killed mid-write
    (models / "README.txt").write_text("a note somebody left; not a model file")
    old = time.time() - 3600
    for name in os.listdir(models):
        os.utime(models / name, (old, old))
    return ws


def test_gc_removes_only_unregistered_model_files(tmp_path, capsys):
    ws = _workspace_with_orphans(tmp_path)
    (ws.models_dir / "young-9.safetensors").write_bytes(b"being published right now")
    assert cli.main(["models", "gc", "--workspace", str(ws.path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert sorted(result["removed"]) == [".killed-3.safetensors.4242.tmp", "killed-2.json", "killed-2.safetensors"]
    assert result["kept_young"] == ["young-9.safetensors"] and result["bytes_freed"] == 45_000 + 2 + 1000
    left = sorted(os.listdir(ws.models_dir))
    assert left == ["README.txt", "fake-fracture-1.json", "fake-fracture-1.onnx", "fake-fracture-1.safetensors",
                    "young-9.safetensors"]
    # The published model still predicts.
    from core.inference.predictor import Predictor

    assert Predictor(ws, "fracture").model_id == "fake-fracture-1"


def test_dry_run_removes_nothing_and_startup_check_uses_the_process_start(tmp_path):
    ws = _workspace_with_orphans(tmp_path)
    before = sorted(os.listdir(ws.models_dir))
    assert len(collect(ws, dry_run=True).removed) == 3
    assert sorted(os.listdir(ws.models_dir)) == before
    # A process that started two hours ago must not remove files written one hour ago (a job of its own).
    assert startup_check(ws, process_started_at=time.time() - 7200).removed == []
    assert len(startup_check(ws).removed) == 3
