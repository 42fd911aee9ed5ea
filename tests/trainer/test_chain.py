"""The progressive chain on a small workspace: RadiNet (body parts) -> fracture model.

Held-out (test split) study-level AUC of the fracture model on the synthetic
workspace: asserted > 0.75 here. Measured 1.0 at 64 px after 4 epochs with the former
rotating augmentation; 0.667 after 4 epochs without it (flips and intensity only, issue 11),
so the chain fixture trains the target for 6 epochs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from tests.trainer.conftest import SIZE, copy_workspace, run_train


def test_chain_is_recorded_and_published(chain):
    ws, body, target = chain
    assert body["promoted"] and body["task"] == "body_part"
    assert target["promoted"] and target["parent_id"] == body["model_id"]  # RadiNet -> RadiNet_fracture
    from trainer.checkpoints import read_sidecar

    sidecar = read_sidecar(ws.models_dir / f"{target['model_id']}.json")
    assert sidecar["parent_id"] == body["model_id"] and sidecar["preprocessing"] == {"size": SIZE, "clahe": False, "crop": "border",
                                                                                 "denoise": "none"}
    assert sidecar["operating_points"]["high_sensitivity"] <= sidecar["operating_points"]["high_specificity"]
    assert sidecar["onnx_parity"]["passed"]
    assert sidecar["onnx_parity"]["max_probability_difference"] < 1e-4
    assert sidecar["onnx_parity"]["min_cam_correlation"] > 0.99
    assert (ws.models_dir / sidecar["onnx_file"]).exists()


def test_target_model_learns(chain):
    _, _, target = chain
    assert target["test"]["n"] >= 5
    assert target["test"]["auc"] is not None and target["test"]["auc"] > 0.75


def test_onnx_predictor_imports_no_torch(chain):
    ws, _, target = chain
    code = f"""
import sys, json
from core.store.workspace import Workspace
from core.imaging.image import load_image
from core.inference.predictor import Predictor
ws = Workspace.open({str(ws.path)!r}, create=False)
p = Predictor.for_workspace(ws)
with ws.connect() as s:
    row = s.images()[0]
v = p.predict_image(load_image(row["source_path"]))
import contextlib, io
from main import main
with contextlib.redirect_stdout(io.StringIO()):
    rc = main(["predict", row["source_path"], "--workspace", {str(ws.path)!r}, "--json"])
assert rc == 0
print(json.dumps({{"model": p.model_id, "p": v.probability, "shape": list(v.heatmap.shape),
                  "torch": "torch" in sys.modules}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["model"] == target["model_id"] and 0 <= got["p"] <= 1
    assert got["torch"] is False


def test_backends_agree_and_heatmaps_are_absolute(chain):
    from core.imaging.image import load_image
    from core.inference.predictor import Predictor

    ws, _, _ = chain
    onnx = Predictor.for_workspace(ws, backend="onnx")
    eager = Predictor.for_workspace(ws, backend="torch")
    with ws.connect() as store:
        labels = store.current_labels()
        rows = [r for r in store.images() if labels[r["study_id"]].value in ("positive", "negative")][:12]
    images = [load_image(r["source_path"]) for r in rows]
    a = [onnx.predict_image(im) for im in images]
    b = [eager.predict_image(im) for im in images]
    for x, y, im in zip(a, b, images):
        assert abs(x.probability - y.probability) < 1e-4
        assert x.heatmap.shape == im.values.shape and x.heatmap.dtype == np.float32
        assert 0.0 <= x.heatmap.min() and x.heatmap.max() <= 1.0
    # Absolute scale: the most negative view's heatmap stays cooler than the most positive one's.
    lo = min(a, key=lambda v: v.probability); hi = max(a, key=lambda v: v.probability)
    assert lo.heatmap.max() < hi.heatmap.max()
    study = onnx.predict_study(images[:2], study_id=1, image_ids=[1, 2])
    assert study.probability == pytest.approx(np.mean([v.probability for v in a[:2]]), abs=1e-6)
    assert study.tier in ("negative", "doubt", "positive") and study.model_id == onnx.model_id


def test_worse_model_is_not_published_and_rollback(chain, tmp_path):
    from core.inference.predictor import Predictor
    from core.store import registry

    ws = copy_workspace(chain[0], tmp_path / "ws")
    champion = chain[2]["model_id"]
    predictor = Predictor.for_workspace(ws)
    # Wrong "corrections" on every training study make a model that is worse on the locked validation split.
    from trainer.splits import split_of

    with ws.connect() as store:
        for study in store.studies():
            label = store.current_label(study["id"])
            if split_of(study["patient_key"]) == "train" and label is not None:
                flipped = "negative" if label.value == "positive" else "positive"
                store.add_label(study["id"], "fracture", flipped, "radiologist", "tester")
    worse = run_train(ws, stage="target", init="random", epochs=2, warmup_epochs=0, lr=1e-3)[-1].result
    assert not worse["promoted"] and "kept as a candidate" in worse["reason"]
    with ws.connect() as store:
        assert registry.champion_id(store, "fracture") == champion
    assert predictor.reload_if_changed() is False
    # The user may still publish it by hand; the predictor follows without a restart.
    from main import main

    assert main(["models", "promote", worse["model_id"], "--workspace", str(ws.path), "--json"]) == 0
    assert predictor.reload_if_changed() is True and predictor.model_id == worse["model_id"]
    assert main(["models", "rollback", "--workspace", str(ws.path)]) == 0
    assert predictor.reload_if_changed() is True and predictor.model_id == champion


def test_damaged_champion_file_leaves_published_model(chain, tmp_path):
    from core.errors import ModelFileError
    from core.inference.predictor import Predictor
    from trainer.checkpoints import load_model

    ws = copy_workspace(chain[0], tmp_path / "ws")
    predictor = Predictor.for_workspace(ws)
    model_id = predictor.model_id
    weights = ws.models_dir / f"{model_id}.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ModelFileError):
        load_model(weights)
    assert predictor.model_id == model_id and predictor.reload_if_changed() is False


def test_stop_within_a_batch_then_resume(chain, tmp_path):
    from trainer.loop import TrainConfig, train

    ws = copy_workspace(chain[0], tmp_path / "ws")
    config = TrainConfig(stage="target", init="random", image_size=SIZE, epochs=2, batch_size=8, warmup_epochs=0,
                         promote=False, lr=1e-3, max_images=32, crop="border")
    stop = threading.Event()
    events = []
    for event in train(config, ws, stop):
        events.append(event)
        if event.kind == "batch" and event.epoch == 2 and event.batch == 1:
            stop.set()
    last = events[-1]
    assert last.kind == "done" and last.result["stopped"] and last.result["model_id"] is None
    assert [e.kind for e in events[-2:]] == ["batch", "done"]  # nothing ran after the stop
    assert list((ws.models_dir / "resume").glob("*.safetensors"))
    meta = json.loads(next((ws.models_dir / "resume").glob("*.json")).read_text())
    # The learning-rate schedule resumes too, with the epoch the model left the constant prediction (when it
    # has): the plateau rule saw epoch 1's validation loss only if the model was learning by then.
    assert "onset_epoch" in meta and meta["plateau"]["lr"] == 1e-3
    if meta["onset_epoch"] is None:
        assert meta["plateau"]["best_loss"] is None
    else:
        assert meta["plateau"]["best_loss"] == pytest.approx(meta["best_loss"])
    again = list(train(config, ws, threading.Event()))
    assert any(e.kind == "log" and "after epoch 1" in e.message for e in again)
    assert [e.epoch for e in again if e.kind == "epoch"] == [2]
    assert again[-1].result["model_id"] and not list((ws.models_dir / "resume").glob("*.safetensors"))


def test_fast_refresh_trains_from_published_model(chain, tmp_path):
    ws = copy_workspace(chain[0], tmp_path / "ws")
    result = run_train(ws, stage="fast-refresh", epochs=2, lr=1e-4)[-1].result
    assert result["parent_id"] == chain[2]["model_id"] and result["model_id"].startswith("fracture-refresh")
    assert result["val"]["auc"] is not None


def _stem_and_tail_changed(ws, parent_id: str, child_id: str) -> tuple[bool, bool]:
    import torch

    from core.store import registry
    from trainer.checkpoints import load_model

    with ws.connect() as store:
        parent, child = (load_model(registry.model_file(ws, registry.get(store, i)))[0] for i in (parent_id, child_id))

    def changed(a, b):
        return any(not torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))

    return changed(parent.stem(), child.stem()), changed(parent.tail(), child.tail())


def test_fast_refresh_depth_tail_keeps_the_early_layers_and_full_trains_them(chain, tmp_path):
    """--refresh-depth: tail trains only the last block on cached early layers; full trains every layer."""
    ws = copy_workspace(chain[0], tmp_path / "ws")
    parent = chain[2]["model_id"]
    tail = run_train(ws, stage="fast-refresh", epochs=1, lr=1e-3, promote=False)[-1].result
    full = run_train(ws, stage="fast-refresh", epochs=1, lr=1e-3, promote=False, refresh_depth="full")[-1].result
    assert tail["parent_id"] == parent and full["parent_id"] == parent
    assert _stem_and_tail_changed(ws, parent, tail["model_id"]) == (False, True)
    assert _stem_and_tail_changed(ws, parent, full["model_id"]) == (True, True)


def test_max_pooled_model_exports_and_its_fast_refresh_keeps_the_pooling(chain, tmp_path):
    """A model that pools the CAM's peak goes through export (logit = heatmap peak in the ONNX graph too),
    and a fast refresh of it stays max-pooled although the refresh's config says nothing about pooling."""
    import onnxruntime

    from core.store import registry
    from trainer.checkpoints import onnx_path
    from trainer.publish import promote_by_hand

    ws = copy_workspace(chain[0], tmp_path / "ws")
    target = run_train(ws, stage="target", epochs=2, lr=3e-4, pooling="max",
                       init=f"model:{chain[1]['model_id']}")[-1].result
    with ws.connect() as store:
        assert registry.sidecar_of(registry.get(store, target["model_id"]))["pooling"] == "max"
        promote_by_hand(ws, store, target["model_id"], "test", "tester")
    session = onnxruntime.InferenceSession(str(onnx_path(ws.models_dir, target["model_id"])),
                                           providers=["CPUExecutionProvider"])
    description = json.loads(session.get_modelmeta().custom_metadata_map["radinet_model"])
    logits, cam = session.run(["logits", "cam"], {"image": np.random.default_rng(0).random((2, 1, SIZE, SIZE),
                                                                                         np.float32)})
    assert description["pooling"] == "max"
    assert np.allclose(logits, cam.reshape(2, 1, -1).max(axis=2), atol=1e-4)

    refresh = run_train(ws, stage="fast-refresh", epochs=1, lr=1e-4)[-1].result
    assert refresh["parent_id"] == target["model_id"]
    with ws.connect() as store:
        assert registry.sidecar_of(registry.get(store, refresh["model_id"]))["pooling"] == "max"


def test_cli_predict_and_export(chain, tmp_path):
    from main import main

    ws, _, target = chain
    with ws.connect() as store:
        row = store.images()[0]
        study_uid = store.study(row["study_id"])["study_uid"]
    out = tmp_path / "m.onnx"
    assert main(["export", "onnx", "--workspace", str(ws.path), "--out", str(out), "--json"]) == 0
    assert out.stat().st_size > 1000
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["predict", row["source_path"], study_uid, "--workspace", str(ws.path),
                     "--heatmap-dir", str(tmp_path / "hm"), "--json"]) == 0
    payload = json.loads(buf.getvalue())
    assert len(payload["results"]) == 2 and payload["results"][0]["model_id"] == target["model_id"]
    assert all(os.path.exists(r["heatmap"]) for r in payload["results"])
    assert payload["results"][1]["study"] == study_uid
    assert main(["predict", "no-such-thing", "--workspace", str(ws.path)]) == 2


def test_cached_model_inputs_match_inference_preprocessing(chain, monkeypatch):
    """Epochs after the first decode nothing, and the cache holds what the predictor computes."""
    import trainer.data as data
    from core.imaging.image import load_image
    from core.inference.preprocessing import model_ready

    ws = chain[0]
    with ws.connect() as store:
        samples = data.collect(store, "fracture").samples[:5]

    def no_decoding(*args):
        raise AssertionError("decoded again instead of reading the cache")

    arrays = data.model_ready_arrays(ws, samples, SIZE, False, loader=no_decoding)
    for sample, cached in zip(samples, arrays):
        fresh, _ = model_ready(load_image(sample.source_path), SIZE, False)
        assert np.abs(cached.astype(np.float32) - fresh).max() < 1e-3


def test_grad_cam_for_torch_models(chain):
    from core.inference.torch_backend import TorchBackend, grad_cam

    ws, _, target = chain
    backend = TorchBackend(ws.models_dir / f"{target['model_id']}.safetensors")
    maps = grad_cam(backend.model, np.random.default_rng(0).random((2, 1, SIZE, SIZE)).astype(np.float32))
    assert maps.shape == (2, SIZE, SIZE) and np.isfinite(maps).all()


def test_cli_train_prints_json_result(chain, tmp_path, capsys):
    from main import main

    ws = copy_workspace(chain[0], tmp_path / "ws")
    rc = main(["train", "--workspace", str(ws.path), "--stage", "target", "--epochs", "1", "--image-size", str(SIZE),
               "--max-images", "16", "--batch-size", "8", "--warmup-epochs", "0", "--no-promote", "--json"])
    captured = capsys.readouterr()
    assert rc == 0
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert {"model_id", "stage", "promoted", "reason", "val"} <= set(result)
    assert result["promoted"] is False and {"auc", "accuracy", "f1", "kappa"} <= set(result["val"])
    assert "epoch 1/1" in captured.err  # progress on stderr, not on stdout
    assert main(["train", "--workspace", str(ws.path), "--stage", "target", "--init", "model:nope"]) == 2


def test_cli_ablation_table(demo_workspace, tmp_path, capsys):
    """`radinet experiment ablation`: Table-2 rows judged on fresh demo studies, experiment models never published."""
    from core.store import registry
    from main import main

    ws = copy_workspace(demo_workspace, tmp_path / "ws")
    with ws.connect() as store:
        champion_before = registry.champion_id(store, "fracture")
    out = tmp_path / "ablation.html"
    rc = main(["experiment", "ablation", "--workspace", str(ws.path), "--out", str(out), "--body-part", "all",
               "--rows", "wristnet,radinetrand_part", "--fresh-studies", "12", "--epochs", "1", "--body-epochs", "1",
               "--image-size", str(SIZE), "--batch-size", "8", "--json"])
    assert rc == 0
    payload = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rows = payload["rows"]
    assert [r["row"] for r in rows] == ["RandomInit_all", "RadiNetRand_all"]
    for r in rows:
        fresh = r["fresh"]
        assert fresh["n"] == 12 and fresh["auc"] is not None
        assert fresh["auc_ci"][0] <= fresh["auc"] <= fresh["auc_ci"][1]
    with ws.connect() as store:
        assert registry.champion_id(store, "fracture") == champion_before  # experiments never publish
        parent = registry.get(store, rows[1]["model_id"])["parent_id"]
        assert registry.get(store, parent)["stage"] == "body-part"
    text = out.read_text()
    assert "RadiNetRand_all" in text and "Research use only" in text
