"""Per-body-part prediction in the workstation: each study by its body part's own published model,
else the all-parts one, and the reading view says which (or precisely why there is none)."""

from __future__ import annotations

from tests.gui.conftest import FakePredictor
from tests.interop.conftest import publish_tiny_model

WRIST_MODEL = "fracture-wrist-tiny-0001"


def publish_tiny_wrist_model(ws) -> str:
    """The tiny ONNX test model published as the wrist's own fracture model only."""
    return publish_tiny_model(ws, WRIST_MODEL, body_part="wrist")


def _study_of(window, wrist: bool) -> tuple[int, str]:
    row = next(r for r in window.worklist.all_rows if (r.body_part == "wrist") == wrist and r.body_part)
    return row.study_id, row.body_part


def _panel(window) -> str:
    return window.side_panel.prediction_label.text()


def test_only_a_wrist_model_predicts_wrist_studies_and_says_so_for_the_others(qtbot, workspace, settings):
    from gui.main_window import MainWindow

    publish_tiny_wrist_model(workspace)
    window = MainWindow(workspace, settings=settings, predictor_factory=None, restore_position=False)  # the real path
    qtbot.addWidget(window)
    try:
        window.resize(1200, 800)
        window.show()
        qtbot.waitUntil(lambda: window.model_known and window.current_study is not None, timeout=30_000)
        assert window.model_info["models"] == {"fracture:wrist": WRIST_MODEL}
        assert window.model_label.text() == f"Models: wrist {WRIST_MODEL}"
        wrist, _ = _study_of(window, wrist=True)
        other, part = _study_of(window, wrist=False)

        window.open_study(wrist)
        qtbot.waitUntil(lambda: wrist in window.predictions, timeout=60_000)
        assert window.predictions[wrist]["model_id"] == WRIST_MODEL
        assert window.predictions[wrist]["scope"] == "fracture:wrist"
        assert f"wrist model {WRIST_MODEL}" in _panel(window)

        window.open_study(other)
        qtbot.waitUntil(lambda: window.current_study == other, timeout=10_000)
        assert _panel(window) == (f"No fracture model is published for {part} studies (published: wrist). "
                                  "Train one from the Training dock (Ctrl+T).")
        assert "No model yet" not in _panel(window)

        # Triage predicts the wrist studies with the wrist model and leaves the others waiting (the reading
        # view may have predicted every wrist study before triage's process started: then its pass is empty).
        qtbot.waitUntil(lambda: window.triage.model_id == f"wrist {WRIST_MODEL}"
                        and window.triage.done == window.triage.total, timeout=120_000)
        rows = window.worklist.all_rows
        qtbot.waitUntil(lambda: all(r.probability is not None for r in rows if r.body_part == "wrist"),
                        timeout=10_000)
        assert all(r.probability is None for r in rows if r.body_part != "wrist")
        with workspace.connect() as store:
            predicted = {s for (s,) in store.execute("SELECT DISTINCT study_id FROM predictions "
                                                     "WHERE model_id = ? AND image_id IS NULL", (WRIST_MODEL,))}
        assert predicted == {r.study_id for r in rows if r.body_part == "wrist" and r.n_images}
    finally:
        window.shutdown()


def test_a_part_without_its_own_model_gets_the_all_parts_model_and_is_told(make_window, qtbot, workspace):
    wrist_model = FakePredictor(0.9)
    wrist_model.model_id = "fake-wrist-1"
    all_parts = FakePredictor(0.1)
    all_parts.model_id = "fake-all-1"
    window = make_window(predictor={"fracture": all_parts, "fracture:wrist": wrist_model})
    qtbot.waitUntil(lambda: window.model_known and window.current_study is not None, timeout=10_000)
    assert window.model_label.text() == "Models: all parts fake-all-1; wrist fake-wrist-1"
    assert "wrist fake-wrist-1" in window.model_label.toolTip()
    wrist, _ = _study_of(window, wrist=True)
    other, part = _study_of(window, wrist=False)
    window.open_study(other)
    qtbot.waitUntil(lambda: other in window.predictions and window.current_study == other, timeout=30_000)
    assert f"all-parts model fake-all-1 (no {part} model is published)" in _panel(window)
    window.open_study(wrist)
    qtbot.waitUntil(lambda: wrist in window.predictions and window.current_study == wrist, timeout=30_000)
    assert "wrist model fake-wrist-1" in _panel(window) and "POSITIVE" in _panel(window)
    # The worklist: every row its own model's probability, from triage or the reading view.
    qtbot.waitUntil(lambda: all(r.probability is not None for r in window.worklist.all_rows if r.n_images),
                    timeout=30_000)
    for row in window.worklist.all_rows:
        if row.n_images:
            expected = ("fake-wrist-1", 0.9) if row.body_part == "wrist" else ("fake-all-1", 0.1)
            assert (row.model_id, row.probability) == expected


def test_a_publish_or_rollback_of_any_scope_is_picked_up(workspace):
    """gui.workers.predictors on the real path: the registry's champions, opened lazily, re-read on refresh."""
    from core.store import registry
    from gui.workers.predictors import PublishedPredictors
    from tests.interop.conftest import MODEL_ID

    predictors = PublishedPredictors(workspace, "fracture")
    with workspace.connect() as store:
        assert not predictors.refresh(store) and predictors.for_study("wrist") == (None, None)
        publish_tiny_wrist_model(workspace)
        assert predictors.refresh(store) and predictors.models == {"fracture:wrist": WRIST_MODEL}
        assert predictors.operating_points == {WRIST_MODEL: {"high_sensitivity": 0.3, "high_specificity": 0.7}}
        wrist, used = predictors.for_study("wrist")
        assert (wrist.model_id, used) == (WRIST_MODEL, "fracture:wrist")
        assert predictors.for_study("elbow") == (None, None)
        assert not predictors.refresh(store) and predictors.for_study("wrist")[0] is wrist   # opened once

        publish_tiny_model(workspace)                                   # an all-parts model too
        assert predictors.refresh(store)
        assert predictors.models == {"fracture": MODEL_ID, "fracture:wrist": WRIST_MODEL}
        elbow, used = predictors.for_study("elbow")
        assert (elbow.model_id, used) == (MODEL_ID, "fracture")
        assert predictors.for_study("wrist")[0] is wrist

        registry.rollback(store, "fracture:wrist", "test")             # the wrist goes back to all parts
        assert predictors.refresh(store) and predictors.models == {"fracture": MODEL_ID}
        assert predictors.for_study("wrist") == (elbow, "fracture")
