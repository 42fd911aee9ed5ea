"""Triage: the published model predicts every study in the background, newest first, and again after a change."""

from __future__ import annotations

import threading

from tests.gui.conftest import FakePredictor


class RecordingPredictor(FakePredictor):
    """A fake whose probability depends on the study, recording the order it was asked in."""

    def __init__(self, model_id: str = "fake-model-1"):
        super().__init__()
        self.model_id = model_id
        self.order: list[int] = []
        self.lock = threading.Lock()

    def predict_study(self, images, study_id=None, image_ids=None):
        with self.lock:
            self.order.append(study_id)
        self.probability = (study_id % 10) / 10 + 0.05
        return super().predict_study(images, study_id, image_ids)


def _newest_first(store) -> list[int]:
    rows = store.execute("SELECT id, study_date FROM studies").fetchall()
    return [r["id"] for r in sorted(rows, key=lambda r: (r["study_date"] or "", r["id"]), reverse=True)]


def test_studies_to_predict_is_newest_first_and_skips_predicted(workspace):
    from core.store.triage import count_predicted, studies_to_predict

    def todo(model_id):          # one all-parts model: every study is its to predict
        return [study_id for study_id, _ in studies_to_predict(store, {"fracture": model_id})]

    with workspace.connect() as store:
        assert todo("m1") == _newest_first(store)
        assert len(set(r["study_date"] for r in store.studies())) > 1   # the order is not trivially by id
        first = todo("m1")[0]
        # A study whose view rows exist but whose study row does not (interrupted) is still to do.
        image = store.images(first)[0]
        store.add_predictions([{"study_id": first, "image_id": image["id"], "model_id": "m1", "task": "fracture",
                                "probability": 0.5}])
        assert todo("m1")[0] == first
        store.add_predictions([{"study_id": first, "model_id": "m1", "task": "fracture", "probability": 0.5}])
        assert first not in todo("m1")
        assert first in todo("m2")          # another model has not seen it
        assert count_predicted(store, "m1") == 1


def test_triage_fills_the_ai_column_newest_first_and_sorts(make_window, qtbot, workspace):
    from PySide6.QtCore import Qt

    from gui.widgets.worklist_view import AI_COLUMN

    predictor = RecordingPredictor()
    window = make_window(predictor=predictor)
    with workspace.connect() as store:
        expected = _newest_first(store)
    qtbot.waitUntil(lambda: all(r.probability is not None for r in window.worklist.all_rows), timeout=30_000)
    # The reading view predicts the open study first; triage does the rest, newest first.
    triaged = [s for s in predictor.order if s != window.current_study]
    assert triaged[:5] == [s for s in expected if s != window.current_study][:5]
    with workspace.connect() as store:
        for study_id in expected:
            rows = store.latest_predictions(study_id, "fracture", "fake-model-1")
            assert len(rows) == len(store.images(study_id)) + 1     # every view and the study
            assert [r for r in rows if r["image_id"] is not None][0]["heatmap_path"]
    # Sorting the AI column puts the likeliest fracture first.
    window.worklist.table.sortByColumn(AI_COLUMN, Qt.SortOrder.DescendingOrder)
    probs = [r.probability for r in window.worklist.ordered_rows()]
    assert probs == sorted(probs, reverse=True) and probs[0] > probs[-1]
    assert window.triage.done == window.triage.total


def test_triage_starts_over_after_a_model_change(make_window, qtbot, workspace):
    first = RecordingPredictor("model-a")
    second = RecordingPredictor("model-b")
    current = {"p": first}
    window = make_window(predictor=None)
    window.triage.predictor_factory = lambda _ws: current["p"]
    window.predictor_thread.predictor_factory = lambda _ws: current["p"]
    window.predictor_thread.reload_model()
    qtbot.waitUntil(lambda: window.triage.model_id == "model-a" and window.triage.done == window.triage.total
                    and window.triage.total > 0, timeout=30_000)
    current["p"] = second
    window.triage.restart()
    qtbot.waitUntil(lambda: window.triage.model_id == "model-b" and window.triage.done == window.triage.total
                    and window.triage.total > 0, timeout=30_000)
    with workspace.connect() as store:
        n = store.count_studies()
        from core.store.triage import count_predicted

        assert count_predicted(store, "model-a") == n and count_predicted(store, "model-b") == n
    # Nothing left: a restart with the same model predicts nothing again.
    calls = len(second.order)
    window.triage.restart()
    qtbot.waitUntil(lambda: window.triage.total == 0, timeout=10_000)
    assert len(second.order) == calls


def test_a_study_that_cannot_be_decoded_is_reported_and_the_rest_go_on(make_window, qtbot, workspace, tmp_path):
    # The copied workspace still points at the shared template's files: point this study at a bad copy instead.
    bad = tmp_path / "damaged.dcm"
    bad.write_bytes(b"not a dicom file")
    with workspace.connect() as store:
        victim = _newest_first(store)[0]
        for image in store.images(victim):
            store.execute("UPDATE images SET source_path = ? WHERE id = ?", (str(bad) + f".{image['id']}", image["id"]))
            (tmp_path / f"damaged.dcm.{image['id']}").write_bytes(b"not a dicom file")
        store.conn.commit()
    failures = []
    window = make_window(predictor=RecordingPredictor(), restore_position=False)
    window.triage.failed.connect(lambda s, m: failures.append((s, m)))
    qtbot.waitUntil(lambda: window.triage.total > 0 and window.triage.done == window.triage.total, timeout=30_000)
    assert any(s == victim and "could be decoded" in m for s, m in failures)
    rows = {r.study_id: r for r in window.worklist.all_rows}
    qtbot.waitUntil(lambda: sum(r.probability is not None for r in rows.values()) == len(rows) - 1, timeout=10_000)
    assert rows[victim].probability is None
