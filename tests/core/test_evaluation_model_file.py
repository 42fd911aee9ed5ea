"""`radinet evaluate --model-file` on a demo workspace, and refusing ONNX files that are not ours.

The model here is a hand-built ONNX graph (no torch, no training): its
"fracture probability" is sigmoid(8 x (mean brightness - 0.45)) and its heatmap
the input itself. What is checked is the evaluation pipeline (metadata,
preprocessing, study/image aggregation, CIs, n's against the demo's
ground_truth.csv); tests/test_evaluate_cli.py does the same with a trained model.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json

import numpy as np
import pytest

from core.evaluation.metrics import BINARY_METRICS

SIZE = 32


def brightness_model(metadata: dict | None, size: int = SIZE, input_name: str = "image") -> bytes:
    import onnx
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("ReduceMean", [input_name], ["mean"], axes=[2, 3], keepdims=0),
        helper.make_node("Sub", ["mean", "centre"], ["centred"]),
        helper.make_node("Mul", ["centred", "gain"], ["logits"]),
        helper.make_node("Identity", [input_name], ["cam"]),
    ]
    graph = helper.make_graph(
        nodes, "brightness",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", 1, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1]),
         helper.make_tensor_value_info("cam", TensorProto.FLOAT, ["batch", 1, size, size])],
        [helper.make_tensor("centre", TensorProto.FLOAT, [], [0.45]),
         helper.make_tensor("gain", TensorProto.FLOAT, [], [8.0])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    data = model.SerializeToString()
    if metadata is not None:
        from trainer.export_onnx import with_metadata

        data = with_metadata(data, metadata)
    onnx.checker.check_model(onnx.load_from_string(data))
    return data


SIDECAR = {"model_id": "fracture-brightness-test", "task": "fracture", "stage": "target", "body_part": "all",
           "classes": ["negative", "positive"], "architecture": "brightness", "parent_id": "bodypart-x",
           "preprocessing": {"size": SIZE, "clahe": False}, "operating_points": {"high_sensitivity": 0.3,
                                                                                 "high_specificity": 0.7},
           "split_seed": 0, "metrics": {"val": {"n": 12, "auc": 0.7, "history": [1, 2, 3]}}}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from core.demo.workspace import build_demo_workspace
    from core.store.workspace import Workspace

    ws = Workspace.open(tmp_path_factory.mktemp("eval-demo") / "ws")
    build_demo_workspace(ws, n_studies=30, seed=21)
    with open(ws.demo_dir / "seed21" / "ground_truth.csv", newline="") as f:
        truth = list(csv.DictReader(f))
    return ws, truth


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    from core.inference.onnx_model import onnx_metadata

    path = tmp_path_factory.mktemp("model") / "brightness.onnx"
    path.write_bytes(brightness_model(onnx_metadata(SIDECAR)))
    return path


def _evaluate(*argv) -> tuple[int, str, str]:
    from main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["evaluate", *argv])
    return rc, out.getvalue(), err.getvalue()


def test_metadata_travels_and_the_predictor_uses_it(model_file, demo):
    from core.imaging.image import load_image
    from core.inference.onnx_model import predictor_from_onnx_file
    from core.inference.preprocessing import model_ready

    predictor = predictor_from_onnx_file(model_file)
    assert predictor.model_id == "fracture-brightness-test" and predictor.size == SIZE
    assert predictor.operating_points == {"high_sensitivity": 0.3, "high_specificity": 0.7}
    assert predictor.sidecar["validation"] == {"n": 12, "auc": 0.7}  # the summary, not the history
    assert predictor.reload_if_changed() is False
    ws, _ = demo
    with ws.connect() as store:
        row = store.images()[0]
    image = load_image(row["source_path"])
    expected = 1 / (1 + np.exp(-8 * (model_ready(image, SIZE)[0].mean() - 0.45)))
    view = predictor.predict_image(image, heatmap=True)
    assert view.probability == pytest.approx(expected, abs=1e-5)
    assert view.heatmap.shape == image.values.shape


def test_evaluate_model_file_json_matches_ground_truth(model_file, demo):
    ws, truth = demo
    rc, out, _ = _evaluate("--workspace", str(ws.path), "--model-file", str(model_file), "--split", "all", "--json")
    assert rc == 0
    result = json.loads(out)
    labelled = [t for t in truth if t["label_withheld"] == "0"]
    study, image = result["study"], result["image"]
    assert study["n"] == len(labelled) and image["n_studies"] == len(labelled)
    assert study["n_positive"] == sum(t["fracture"] == "1" for t in labelled)
    assert study["n_negative"] == sum(t["fracture"] == "0" for t in labelled)
    with ws.connect() as store:
        uids = {t["study_uid"] for t in labelled}
        n_images = sum(len(store.images(s["id"])) for s in store.studies() if s["study_uid"] in uids)
    assert image["n"] == n_images > study["n"]
    for block in (study, image):
        assert sum(block["confusion"].values()) == block["n"] and block["threshold"] == 0.5
        for name in BINARY_METRICS:
            value, ci = block[name], block[f"{name}_ci"]
            if ci is not None:
                assert ci[0] <= value <= ci[1], name
    assert result["model"]["id"] == "fracture-brightness-test" and result["model"]["parent"] == "bodypart-x"
    assert result["model"]["preprocessing"]["size"] == SIZE and result["split"] == "all"
    assert result["resamples"] == 1000 and result["skipped"] == []


def test_body_part_filter_and_readable_table(model_file, demo, tmp_path):
    ws, truth = demo
    part = max({t["body_part"] for t in truth if t["label_withheld"] == "0"},
               key=lambda b: sum(t["body_part"] == b and t["label_withheld"] == "0" for t in truth))
    rc, out, _ = _evaluate("--workspace", str(ws.path), "--model-file", str(model_file), "--split", "all",
                           "--body-part", part.upper(), "--json")
    assert rc == 0
    expected = sum(t["body_part"] == part and t["label_withheld"] == "0" for t in truth)
    assert json.loads(out)["study"]["n"] == expected and json.loads(out)["body_part"] == part
    report = tmp_path / "report.html"
    rc, out, _ = _evaluate("--workspace", str(ws.path), "--model-file", str(model_file), "--split", "all",
                           "--out", str(report))
    assert rc == 0 and "AUC" in out and "95 % CI" in out and "Cohen's kappa" in out
    html = report.read_text(encoding="utf-8")
    assert "fracture-brightness-test" in html and "data:image/png;base64," in html
    rc, _, err = _evaluate("--workspace", str(ws.path), "--model-file", str(model_file), "--body-part", "tibia")
    assert rc == 2 and "no labelled studies of body part 'tibia'" in err


@pytest.mark.parametrize("case", ["no metadata", "wrong input", "not onnx", "missing", "other format"])
def test_files_that_are_not_ours_are_refused_in_one_sentence(case, demo, tmp_path):
    from core.inference.onnx_model import METADATA_KEY, onnx_metadata

    ws, _ = demo
    path = tmp_path / "foreign.onnx"
    if case == "no metadata":
        path.write_bytes(brightness_model(None))
    elif case == "wrong input":
        path.write_bytes(brightness_model(onnx_metadata(SIDECAR), input_name="pixel_values"))
    elif case == "not onnx":
        path.write_bytes(b"PK\x03\x04 this is a zip file, not a model")
    elif case == "other format":
        path.write_bytes(brightness_model({METADATA_KEY: json.dumps({"format": "radinet-onnx/99"})}))
    rc, out, err = _evaluate("--workspace", str(ws.path), "--model-file", str(path))
    assert rc == 2 and out == ""
    message = err.strip()
    assert message.startswith("radinet evaluate: ") and "foreign.onnx" in message
    assert message.count("\n") == 0 and message.endswith(".")


def test_selection_follows_the_locked_patient_split(demo):
    from core.errors import InputError
    from core.evaluation.selection import labelled_views
    from core.evaluation.splits import split_of

    ws, truth = demo
    with ws.connect() as store:
        labelled = {s["id"]: s for s in store.studies() if (lab := store.current_label(s["id"])) is not None
                    and lab.value in ("positive", "negative")}
        every = labelled_views(store, "all")
        assert {v.study_id for v in every} == set(labelled)
        for split in ("val", "test"):
            expected = {i for i, s in labelled.items() if split_of(s["patient_key"], 0) == split}
            try:
                got = {v.study_id for v in labelled_views(store, split)}
            except InputError:
                got = set()  # no labelled study of this split in a 30-study demo
            assert got == expected
        with pytest.raises(InputError):
            labelled_views(store, "train")  # the training split is never an evaluation set


def part_model(metadata: dict, gains=(-4.0, 2.0, 8.0), size: int = SIZE) -> bytes:
    """A hand-built three-class model: logits = mean brightness x ``gains``; one heatmap per class."""
    import onnx
    from onnx import TensorProto, helper

    from trainer.export_onnx import with_metadata

    nodes = [helper.make_node("ReduceMean", ["image"], ["mean"], axes=[2, 3], keepdims=0),
             helper.make_node("Mul", ["mean", "gains"], ["logits"]),
             helper.make_node("Concat", ["image", "image", "image"], ["cam"], axis=1)]
    graph = helper.make_graph(
        nodes, "parts", [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(gains)]),
         helper.make_tensor_value_info("cam", TensorProto.FLOAT, ["batch", len(gains), size, size])],
        [helper.make_tensor("gains", TensorProto.FLOAT, [len(gains)], list(gains))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return with_metadata(model.SerializeToString(), metadata)


def test_class_probabilities_give_every_class_with_its_name(model_file, demo, tmp_path):
    """The full probability vector and the class names, for a sigmoid and a softmax model; predict_image
    still gives the top probability."""
    from core.errors import ModelFileError
    from core.imaging.image import load_image
    from core.inference.onnx_model import onnx_metadata, predictor_from_onnx_file
    from core.inference.preprocessing import model_ready

    ws, _ = demo
    with ws.connect() as store:
        image = load_image(store.images()[0]["source_path"])
    mean = model_ready(image, SIZE)[0].mean()

    fracture = predictor_from_onnx_file(model_file)
    probs, classes = fracture.class_probabilities(image)
    assert classes == ["negative", "positive"]
    assert probs == pytest.approx([1 - fracture.predict_image(image).probability,
                                   fracture.predict_image(image).probability])

    sidecar = {**SIDECAR, "model_id": "radinet-parts-test", "task": "body_part", "stage": "body-part",
               "classes": ["elbow", "hand", "wrist"]}
    path = tmp_path / "parts.onnx"
    path.write_bytes(part_model(onnx_metadata(sidecar)))
    parts = predictor_from_onnx_file(path)
    probs, classes = parts.class_probabilities(image)
    expected = np.exp(mean * np.array([-4.0, 2.0, 8.0]))
    assert classes == ["elbow", "hand", "wrist"]
    assert probs == pytest.approx(expected / expected.sum(), abs=1e-6)
    assert parts.predict_image(image, heatmap=False).probability == pytest.approx(probs.max(), abs=1e-6)

    path.write_bytes(part_model(onnx_metadata({**sidecar, "classes": ["elbow", "hand"]})))
    with pytest.raises(ModelFileError, match="gives 3 outputs but its description names 2 classes"):
        predictor_from_onnx_file(path).class_probabilities(image)
