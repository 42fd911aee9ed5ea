"""The fracture model learns the demo generator's DICOM studies (issue 4, §6; issue 11).

Forearm demo studies, 1,000 (seed 5), every one labelled (the demo withholds a third's labels;
they are labelled from ground_truth.csv as a radiologist would), trained from random
initialisation at 128 px with the body crop for 14 epochs on the CPU through the ordinary path
(import -> labels -> model-ready cache -> train -> ONNX export), then judged on 150 demo studies
it has never seen (seed 6: other patients, other films) through the model's ONNX predictor:
study-level AUC against the generator's ground truth, easy and difficult fractures alike.
Chance is 0.5.

History, so the floor means something: with the former augmentation (rotation up to 30 deg and
scaling, both resampling the image) this setting scored 0.441 (0.355-0.530) and the training loss
stayed at the constant prediction's; flips and intensity only (the default since) scored 0.774
(0.691-0.851) with the study-level loss and 0.796 (0.712-0.873) with the image-level loss (the
default since), n=150 (bench/bench_single_part.py, about 400 s on 2 cores). 500 studies with a
third unlabelled were too few under either augmentation (0.46-0.64).

Learning starts late: the loss first sits at the constant prediction's, then falls. With the
former learning rate 1e-3 and a plateau schedule that counted those epochs, this test's run cut
its rate tenfold at epoch 5 and never left (0.507, 2026-12-02), so it was opt-in. Since the
schedule and early stopping count only from the epoch the loss leaves the constant prediction
and a random start takes 3e-4, the same setting left it at epochs 3-4 on seeds 0, 1 and 2 and
scored 0.759 (0.672-0.842) on seed 0 (bench/bench_single_part.py with LR=3e-4), so it is back in
the default suite. RADINET_SKIP_LEARNING_TESTS=1 skips it on a machine without the minutes.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from core.store.workspace import Workspace
from tests.trainer.conftest import run_train
from trainer.experiments import label_withheld_studies

PARTS = ("forearm",)
# About 7 minutes on 2 cores; the suite-wide 10-minute limit is too tight when the machine is shared.
pytestmark = [pytest.mark.timeout(1800), pytest.mark.slow,
              pytest.mark.skipif(bool(os.environ.get("RADINET_SKIP_LEARNING_TESTS")),
                                 reason="RADINET_SKIP_LEARNING_TESTS is set")]


@pytest.fixture(scope="module")
def learnt(tmp_path_factory):
    from core.demo.workspace import build_demo_workspace

    ws = Workspace.open(tmp_path_factory.mktemp("demo-learning") / "ws")
    build_demo_workspace(ws, n_studies=1000, seed=5, body_parts=PARTS)
    assert label_withheld_studies(ws, author="test") > 0
    # The trainer's defaults for a random start (learning rate 3e-4, plateau schedule and early stopping
    # counting from the epoch the loss leaves the constant prediction).
    result = run_train(ws, stage="target", init="random", image_size=128, crop="body", epochs=14, batch_size=16,
                       lr=None, warmup_epochs=0)[-1].result
    return ws, result


def test_fracture_model_learns_demo_studies(learnt, tmp_path):
    from core.demo.generate import generate_demo_files
    from core.imaging.image import load_image
    from core.inference.predictor import Predictor

    ws, result = learnt
    assert result["model_id"] and result["test"]["n"] >= 30
    fresh = generate_demo_files(tmp_path / "fresh", n_studies=150, seed=6, body_parts=PARTS)
    predictor = Predictor(ws, model_id=result["model_id"])  # judged whether or not the rule published it
    truth, scores = [], []
    for study in fresh:
        views = [load_image(str(p)) for p in study.image_paths]
        scores.append(predictor.predict_study(views).probability)
        truth.append(int(study.fracture))
    fresh_auc = roc_auc_score(truth, scores)
    print(f"held-out study AUC: locked test split {result['test']['auc']:.3f} "
          f"({result['test']['n']} studies), fresh demo studies {fresh_auc:.3f} ({len(truth)} studies)")
    assert 0.2 < np.mean(truth) < 0.8
    assert fresh_auc > 0.65
    assert result["test"]["auc"] > 0.5
