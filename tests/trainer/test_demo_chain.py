"""The body-part -> target chain on the demo generator's DICOM studies.

The demo workspace of 40 studies has only a handful of validation/test
studies, so this checks the pipeline (DICOM decoding, withheld labels,
body parts, registry chain, prediction on DICOM), not accuracy; learning on
demo studies is asserted by test_demo_learning.py (two body parts, judged on
unseen demo studies) and measured over all body parts by bench/bench_table2.py.
"""

from __future__ import annotations

from tests.trainer.conftest import run_train


def test_chain_on_demo_dicom_studies(demo_workspace):
    from core.imaging.image import load_image
    from core.inference.predictor import Predictor
    from trainer.data import collect

    ws = demo_workspace
    with ws.connect() as store:
        body_data = collect(store, "body_part")
        fracture_data = collect(store, "fracture")
        labelled_studies = len(store.current_labels("fracture"))
        total_studies = store.count_studies()
    assert len(body_data.classes) >= 3
    assert labelled_studies < total_studies  # withheld labels are not trained on
    assert {s.study_id for s in fracture_data.samples} <= set(range(1, total_studies + 1))
    body = run_train(ws, stage="body-part", epochs=1, warmup_epochs=0)[-1].result
    target = run_train(ws, stage="target", epochs=1, warmup_epochs=0, init=f"model:{body['model_id']}")[-1].result
    assert body["model_id"] and target["parent_id"] == body["model_id"]
    assert target["test"]["n"] >= 1 and "auc" in target["test"]
    if not target["promoted"]:  # one epoch on a handful of validation studies rarely passes the rule
        from trainer.publish import promote_by_hand

        with ws.connect() as store:
            promote_by_hand(ws, store, target["model_id"], "test: pipeline check", "tester")
    predictor = Predictor.for_workspace(ws)
    with ws.connect() as store:
        row = store.images()[0]
    image = load_image(row["source_path"])
    view = predictor.predict_image(image)
    assert view.heatmap.shape == image.values.shape and 0 <= view.probability <= 1
