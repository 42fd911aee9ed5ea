"""`radinet evaluate` on a trained model exported from ANOTHER demo workspace (issue 11 section 5).

A tiny fracture model (64 px, one epoch; tests/trainer/conftest.py's run_train)
is trained on one demo workspace, exported with `radinet export onnx`, and
judged with --model-file on demo studies of another seed that it never saw.
Its accuracy is not the point (one epoch on 26 studies); the JSON shape, the
n's against ground_truth.csv and the interval ordering are.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pytest

from core.evaluation.metrics import BINARY_METRICS

pytestmark = pytest.mark.slow  # trains a model: about a minute on 2 shared cores


def _cli(*argv) -> tuple[int, str, str]:
    from main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(argv))
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(workspace it was trained in, model id, exported ONNX file)."""
    from core.demo.workspace import build_demo_workspace
    from core.store.workspace import Workspace
    from tests.trainer.conftest import run_train

    ws = Workspace.open(tmp_path_factory.mktemp("train-ws") / "ws")
    build_demo_workspace(ws, n_studies=40, seed=3)
    result = run_train(ws, stage="target", init="random", epochs=1, warmup_epochs=0, promote=False)[-1].result
    onnx_file = tmp_path_factory.mktemp("export") / "fracture.onnx"
    rc, _, err = _cli("export", "onnx", "--workspace", str(ws.path), "--model", result["model_id"],
                      "--out", str(onnx_file), "--json")
    assert rc == 0, err
    return ws, result["model_id"], onnx_file


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory):
    from core.demo.workspace import build_demo_workspace
    from core.store.workspace import Workspace

    ws = Workspace.open(tmp_path_factory.mktemp("fresh-ws") / "ws")
    build_demo_workspace(ws, n_studies=30, seed=17)
    with open(ws.demo_dir / "seed17" / "ground_truth.csv", newline="") as f:
        return ws, list(csv.DictReader(f))


def test_model_file_from_another_workspace(exported, fresh_demo):
    _, model_id, onnx_file = exported
    ws, truth = fresh_demo
    rc, out, err = _cli("evaluate", "--workspace", str(ws.path), "--model-file", str(onnx_file), "--split", "all",
                        "--json")
    assert rc == 0, err
    result = json.loads(out)
    assert set(result) >= {"study", "image", "model", "split"}
    assert result["model"]["id"] == model_id and result["model"]["task"] == "fracture"
    assert result["model"]["preprocessing"]["size"] == 64 and result["model"]["source"].startswith("file")
    labelled = [t for t in truth if t["label_withheld"] == "0"]
    study, image = result["study"], result["image"]
    assert study["n"] == len(labelled)
    assert study["n_positive"] == sum(t["fracture"] == "1" for t in labelled) > 0
    assert study["n_negative"] == sum(t["fracture"] == "0" for t in labelled) > 0
    assert image["n_studies"] == study["n"] and image["n"] >= study["n"]
    for block in (study, image):
        assert set(block["confusion"]) == {"tp", "fp", "tn", "fn"} and sum(block["confusion"].values()) == block["n"]
        for name in BINARY_METRICS:
            assert f"{name}_ci" in block
            value, ci = block[name], block[f"{name}_ci"]
            if ci is not None:
                assert ci[0] <= value <= ci[1], (name, value, ci)
    assert study["auc_ci"] is not None and 0.0 <= study["auc"] <= 1.0


def test_registered_model_in_its_own_workspace(exported):
    ws, model_id, _ = exported
    rc, out, err = _cli("evaluate", "--workspace", str(ws.path), "--model", model_id, "--split", "all")
    assert rc == 0, err
    assert model_id in out and "AUC" in out and "95 % CI" in out


def test_models_compare_scores_two_models_on_the_same_studies_as_evaluate_does(exported):
    """`radinet models compare A B` (the models panel's comparison) agrees with `radinet evaluate` on each model."""
    from tests.trainer.conftest import run_train

    ws, model_a, _ = exported
    model_b = run_train(ws, stage="target", init="random", epochs=1, warmup_epochs=0, promote=False,
                        seed=1)[-1].result["model_id"]
    rc, out, err = _cli("models", "compare", model_a, model_b, "--workspace", str(ws.path), "--split", "all", "--json")
    assert rc == 0, err
    result = json.loads(out)
    for model, key in ((model_a, "auc_a"), (model_b, "auc_b")):
        rc, out, err = _cli("evaluate", "--workspace", str(ws.path), "--model", model, "--split", "all", "--json")
        assert rc == 0, err
        study = json.loads(out)["study"]
        assert result["n_studies"] == study["n"]
        assert result[key] == pytest.approx(study["auc"], abs=1e-9)
    assert result["diff"] == pytest.approx(result["auc_a"] - result["auc_b"])
    assert result["diff_ci"][0] <= result["diff"] <= result["diff_ci"][1]
    rc, _, err = _cli("models", "compare", model_a, "--workspace", str(ws.path))
    assert rc != 0 and "Name the two models" in err
