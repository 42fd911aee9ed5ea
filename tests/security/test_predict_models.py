"""predict: --task spellings, only registered --model ids, sidecar paths confined to the models folder
(issue 14 items 5 and 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main as cli
from core.errors import InputError, ModelFileError
from core.store import Workspace
from tests.security.fake_model import onnx_model_bytes, publish_fake_model


@pytest.fixture(scope="module")
def image_file(tmp_path_factory) -> Path:
    from core.demo.generate import generate_demo_files

    manifest = generate_demo_files(tmp_path_factory.mktemp("demo"), n_studies=1, seed=2, workers=0)
    return Path(manifest.studies[0].image_paths[0])


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


def _predict(ws, *args) -> tuple[int, dict | None, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["predict", "--workspace", str(ws.path), "--json", *args])
    try:
        payload = json.loads(out.getvalue())
    except ValueError:
        payload = None
    return code, payload, err.getvalue()


def test_task_body_part_finds_the_published_body_part_model(ws, image_file):
    publish_fake_model(ws, task="body_part", model_id="fake-body-1")
    for spelling in ("body-part", "body_part"):
        code, payload, err = _predict(ws, str(image_file), "--task", spelling)
        assert code == 0, err
        assert payload["results"][0]["model_id"] == "fake-body-1"


def test_unknown_task_is_refused_with_the_list(ws, image_file):
    publish_fake_model(ws)
    code, payload, err = _predict(ws, str(image_file), "--task", "elbow-magic")
    assert code == 2
    assert "Unknown task 'elbow-magic'; choose one of: fracture, body-part." in err


def test_model_must_be_a_registered_id(ws, tmp_path, image_file):
    publish_fake_model(ws)
    # A complete model outside the workspace, reachable by a relative path from the models folder.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "evil.onnx").write_bytes(onnx_model_bytes())
    sidecar = json.loads((ws.models_dir / "fake-fracture-1.json").read_text())
    sidecar.update(model_id="evil", onnx_file="evil.onnx")
    (elsewhere / "evil.json").write_text(json.dumps(sidecar))
    relative = Path("..") / ".." / "elsewhere" / "evil"
    assert (ws.models_dir / f"{relative}.json").resolve() == (elsewhere / "evil.json").resolve()
    code, payload, err = _predict(ws, str(image_file), "--model", str(relative))
    assert code == 2 and payload is None
    assert "There is no model" in err
    code, payload, err = _predict(ws, str(image_file), "--model", "fake-fracture-1")
    assert code == 0 and payload["results"][0]["model_id"] == "fake-fracture-1"


@pytest.mark.parametrize("onnx_file", ["../../outside.onnx", "/etc/passwd", "sub/../../outside.onnx", ""])
def test_a_sidecar_cannot_point_outside_the_models_folder(ws, tmp_path, onnx_file):
    from core.inference.predictor import Predictor

    publish_fake_model(ws)
    (tmp_path / "outside.onnx").write_bytes(onnx_model_bytes())
    side = ws.models_dir / "fake-fracture-1.json"
    sidecar = json.loads(side.read_text())
    sidecar["onnx_file"] = onnx_file
    sidecar.pop("onnx_parity")
    side.write_text(json.dumps(sidecar))
    with pytest.raises(ModelFileError) as info:
        Predictor(ws, "fracture")
    assert str(info.value).count(".") >= 1 and "\n" not in str(info.value)


def test_a_registered_id_with_path_characters_is_still_confined(ws):
    """A hostile database row: even a *registered* id cannot name a file outside the folder."""
    from core.inference.model_files import confined_path

    root = ws.models_dir
    root.mkdir(parents=True, exist_ok=True)
    assert confined_path(root, "m1.json") == (root / "m1.json").resolve()
    for bad in ("../m1.json", "/etc/passwd", "a/b.json", "..", "", "x\x00.json"):
        with pytest.raises(ModelFileError):
            confined_path(root, bad)
    with pytest.raises(InputError):
        from core.inference.predictor import Predictor

        Predictor(ws, "fracture", model_id="../../x")
