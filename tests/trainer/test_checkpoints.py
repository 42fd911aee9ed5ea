"""Checkpoint files: round trip, and foreign / truncated / altered files."""

from __future__ import annotations

import pickle

import pytest

from core.errors import ModelFileError


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    import torch

    from trainer.checkpoints import save_checkpoint
    from trainer.models import build_model

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("models")
    model = build_model("resnet18", 1).eval()
    sidecar = save_checkpoint(folder, "m1", model, {"task": "fracture", "stage": "target",
                                                  "preprocessing": {"size": 64, "clahe": False}})
    return folder, model, sidecar


def test_round_trip_reproduces_the_model(saved):
    import torch

    from trainer.checkpoints import load_model

    folder, model, sidecar = saved
    loaded, meta = load_model(folder / "m1.safetensors")
    x = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    assert meta["weights_sha256"] == sidecar["weights_sha256"] and meta["architecture"] == "resnet18"
    assert not list(folder.glob("*.tmp"))


def test_round_trip_keeps_max_pooling(tmp_path):
    import torch

    from trainer.checkpoints import load_model, save_checkpoint
    from trainer.models import build_model

    torch.manual_seed(0)
    model = build_model("resnet18", 1, pooling="max").eval()
    save_checkpoint(tmp_path, "mx", model, {"task": "fracture", "stage": "target",
                                            "preprocessing": {"size": 64, "clahe": False}})
    loaded, meta = load_model(tmp_path / "mx.safetensors")
    x = torch.rand(2, 1, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    assert meta["pooling"] == "max" and loaded.pooling == "max"


def test_a_description_naming_an_unknown_pooling_is_a_model_file_error(saved, tmp_path):
    import json

    path = _copy(saved[0], tmp_path, "odd")
    sidecar = path.with_suffix(".json")
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), "pooling": "median"}))
    with pytest.raises(ModelFileError, match="does not hold"):
        from trainer.checkpoints import load_model

        load_model(path)


def _copy(folder, tmp_path, name):
    import shutil

    for suffix in (".safetensors", ".json"):
        shutil.copy(folder / f"m1{suffix}", tmp_path / f"{name}{suffix}")
    return tmp_path / f"{name}.safetensors"


def test_truncated_file(saved, tmp_path):
    from trainer.checkpoints import load_model

    path = _copy(saved[0], tmp_path, "cut")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path)


def test_altered_weights(saved, tmp_path):
    from trainer.checkpoints import load_model

    path = _copy(saved[0], tmp_path, "alt")
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        load_model(path)


def test_foreign_files(saved, tmp_path):
    from trainer.checkpoints import load_model

    pickled = tmp_path / "evil.safetensors"
    pickled.write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(ModelFileError, match="description"):
        load_model(pickled)  # no sidecar: refused before reading any weights
    (tmp_path / "evil.json").write_text('{"hello": 1}')
    with pytest.raises(ModelFileError, match="not a RadiNet model"):
        load_model(pickled)
    (tmp_path / "junk.json").write_bytes(b"\x00\xff garbage")
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "junk.json")


def test_error_message_is_one_sentence(saved, tmp_path):
    from trainer.checkpoints import load_model

    path = _copy(saved[0], tmp_path, "cut2")
    path.write_bytes(b"")
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    text = str(info.value)
    assert text.endswith(".") and text.count(". ") == 0 and "cut2.safetensors" in text
