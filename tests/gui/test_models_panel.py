"""The models panel: list the registry, publish by hand after seeing the CI and the rule's reason, roll back,
compare two models on the same studies -- all off the GUI thread."""

from __future__ import annotations

import functools

import numpy as np
import pytest

RULE_REASON = ("validation AUC 0.80 (95 % CI 0.60–0.95, 12 studies: 5 positive, 7 negative); kept as a candidate "
               "because the validation split has 5 positive and 7 negative studies")


def _sidecar(model_id, task="fracture", stage="target", parent=None, auc=0.8, ci=(0.6, 0.95), promote=False,
             reason=RULE_REASON, body_part="all"):
    return {"model_id": model_id, "task": task, "stage": stage, "architecture": "resnet18", "parent_id": parent,
            "scope": task if body_part == "all" else f"{task}:{body_part}", "body_part": body_part,
            "init": f"model:{parent}" if parent else "random", "split_hash": "abc123", "split_seed": 0,
            "preprocessing": {"size": 64}, "training": {"images": 42},
            "metrics": {"val": {"auc": auc, "auc_ci": list(ci), "n": 12, "n_positive": 5, "n_negative": 7}},
            "promotion": {"promote": promote, "reason": reason, "metric": "auc", "value": auc, "ci": list(ci),
                          "n": 12, "n_pos": 5, "n_neg": 7}}


@pytest.fixture
def registered(workspace):
    """radinet (body part) -> fracture A (published) and fracture B (a candidate)."""
    from core.store import registry

    with workspace.connect() as store:
        registry.register(store, _sidecar("radinet-1", "body_part", "body-part", reason="accuracy fine"),
                          "models/radinet-1.safetensors", "test")
        registry.register(store, _sidecar("fracture-A", parent="radinet-1", auc=0.7, ci=(0.5, 0.9), promote=True,
                                          reason="published as the first model"), "models/a.safetensors", "test")
        registry.promote(store, "fracture-A", "published as the first model", "test")
        registry.register(store, _sidecar("fracture-B", parent="radinet-1"), "models/b.safetensors", "test")
        registry.reject(store, "fracture-B", RULE_REASON, "test")
    return workspace


def _panel(qtbot, workspace, **kw):
    from gui.widgets.models_panel import ModelsPanel

    panel = ModelsPanel(workspace, author="dr.test", **kw)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.refresh()
    qtbot.waitUntil(lambda: not panel.busy() and panel.table.rowCount() == 3, timeout=10_000)
    return panel


def _select(panel, *model_ids):
    panel.table.clearSelection()
    from PySide6.QtCore import QItemSelectionModel

    for i, m in enumerate(panel.models):
        if m.model_id in model_ids:
            panel.table.selectionModel().select(panel.table.model().index(i, 0),
                                                QItemSelectionModel.SelectionFlag.Select
                                                | QItemSelectionModel.SelectionFlag.Rows)


def _champion(workspace):
    from core.store import registry

    with workspace.connect() as store:
        return registry.champion_id(store, "fracture")


def test_every_model_is_listed_with_parent_figure_and_data(qtbot, registered):
    panel = _panel(qtbot, registered)
    rows = {panel.table.item(i, 1).text(): [panel.table.item(i, j).text() for j in range(panel.table.columnCount())]
            for i in range(panel.table.rowCount())}
    assert set(rows) == {"radinet-1", "fracture-A", "fracture-B"}
    assert rows["fracture-A"][0] == "★" and rows["fracture-B"][0] == ""
    assert rows["fracture-B"][6] == "radinet-1"
    assert rows["fracture-B"][3] == "AUC 0.800 (95 % CI 0.60–0.95)"
    assert "42 training images" in rows["fracture-B"][4] and "12 validation studies: 5 positive, 7 negative" in \
        rows["fracture-B"][4] and "split abc123" in rows["fracture-B"][4]
    assert rows["fracture-B"][8].startswith("reject: validation AUC 0.80")


def test_publish_shows_the_ci_and_the_rules_reason_and_cancel_publishes_nothing(qtbot, registered):
    calls, asked = [], []

    def fake_publish(ws, model_id, reason, author, stop):
        from core.store import registry

        calls.append(model_id)
        with ws.connect() as store:
            registry.promote(store, model_id, reason, author)
        return {"promoted": model_id}

    panel = _panel(qtbot, registered, publish_fn=fake_publish)
    panel.confirm = lambda title, text: asked.append(text) or False
    _select(panel, "fracture-B")
    assert panel.publish_button.isEnabled()
    assert not panel.publish_selected()
    assert "95 % CI 0.60–0.95" in asked[0] and RULE_REASON in asked[0]
    assert calls == [] and _champion(registered) == "fracture-A"

    panel.confirm = lambda title, text: True
    with qtbot.waitSignal(panel.models_changed, timeout=10_000):
        assert panel.publish_selected()
    qtbot.waitUntil(lambda: not panel.busy() and any(m.published and m.model_id == "fracture-B"
                                                     for m in panel.models), timeout=10_000)
    assert calls == ["fracture-B"] and _champion(registered) == "fracture-B"
    assert "fracture-B is now the published fracture model" in panel.status.text()


def test_roll_back_hands_the_task_back_to_the_previous_model(qtbot, registered):
    from core.store import registry

    with registered.connect() as store:
        registry.promote(store, "fracture-B", "by hand", "test")
    panel = _panel(qtbot, registered)
    _select(panel, "fracture-A")
    assert not panel.rollback_button.isEnabled()          # A is not the published one any more
    _select(panel, "fracture-B")
    panel.confirm = lambda title, text: False
    assert not panel.rollback_selected() and _champion(registered) == "fracture-B"
    panel.confirm = lambda title, text: True
    with qtbot.waitSignal(panel.models_changed, timeout=10_000):
        assert panel.rollback_selected()
    qtbot.waitUntil(lambda: not panel.busy() and _champion(registered) == "fracture-A", timeout=10_000)


class PathPredictor:
    """predict_image(image) -> a probability looked up by the image's file: A separates, B is noise."""

    def __init__(self, table: dict):
        self.table = table

    def predict_image(self, image, image_id=None, heatmap=True):
        from types import SimpleNamespace

        return SimpleNamespace(probability=self.table[image.source_path])


def _tables(workspace):
    from core.evaluation.selection import labelled_views

    with workspace.connect() as store:
        views = labelled_views(store, "all", None, 0)
    rng = np.random.default_rng(1)
    good = {v.source_path: 0.2 + 0.6 * v.label + 0.1 * rng.random() for v in views}
    noise = {v.source_path: float(rng.random()) for v in views}
    return views, {"fracture-A": good, "fracture-B": noise}


def test_compare_scores_both_models_on_the_same_studies(registered):
    from core.evaluation.bootstrap import binary_with_ci
    from core.evaluation.metrics import study_level
    from core.evaluation.compare import compare_models

    views, tables = _tables(registered)
    result = compare_models(registered, "fracture-A", "fracture-B", split="all",
                            make_predictor=lambda ws, m: PathPredictor(tables[m]))
    ids, y, pb = study_level(np.array([v.study_id for v in views]), np.array([v.label for v in views]),
                             np.array([tables["fracture-B"][v.source_path] for v in views]))
    assert result["n_studies"] == len(ids) and result["images"] == len(views)
    assert result["n_positive"] == int(y.sum()) and result["n_negative"] == int((1 - y).sum())
    assert result["auc_a"] == pytest.approx(1.0)
    assert result["auc_b"] == pytest.approx(binary_with_ci(y, pb, resamples=0)["auc"])
    assert result["diff"] == pytest.approx(result["auc_a"] - result["auc_b"])
    assert result["diff_ci"][0] <= result["diff"] <= result["diff_ci"][1]


def test_compare_refuses_models_that_share_no_studies(registered):
    from core.errors import InputError
    from core.store import registry
    from core.evaluation.compare import compare_models

    with registered.connect() as store:
        registry.register(store, _sidecar("fracture-wrist", body_part="wrist"), "models/w.safetensors", "test")
        registry.register(store, _sidecar("fracture-hand", body_part="hand"), "models/h.safetensors", "test")
    with pytest.raises(InputError, match="share no studies"):
        compare_models(registered, "fracture-wrist", "fracture-hand", make_predictor=lambda ws, m: None)
    with pytest.raises(InputError, match="fracture models"):
        compare_models(registered, "radinet-1", "fracture-A", make_predictor=lambda ws, m: None)


def test_compare_from_the_panel_runs_off_the_gui_thread_and_can_be_cancelled(qtbot, registered):
    import threading

    from core.evaluation.compare import compare_models

    views, tables = _tables(registered)
    threads = set()
    gate = threading.Event()

    class Slow(PathPredictor):
        def predict_image(self, image, image_id=None, heatmap=True):
            threads.add(threading.get_ident())
            gate.wait(5)
            return super().predict_image(image)

    fn = functools.partial(compare_models, make_predictor=lambda ws, m: Slow(tables[m]))
    panel = _panel(qtbot, registered, compare_fn=fn)
    panel.split_box.setCurrentIndex(panel.split_box.findData("all"))
    _select(panel, "fracture-A", "fracture-B")
    assert panel.compare_button.isEnabled()
    assert panel.compare_selected()
    assert panel.cancel_button.isVisible()
    panel.cancel()
    gate.set()
    qtbot.waitUntil(lambda: not panel.busy() and "cancelled" in panel.status.text(), timeout=10_000)
    assert panel.last_comparison is None
    assert threading.get_ident() not in threads

    assert panel.compare_selected()
    qtbot.waitUntil(lambda: panel.last_comparison is not None, timeout=20_000)
    assert "Difference A − B" in panel.details.toPlainText()
    assert panel.last_comparison["n_studies"] > 0


def test_cancelled_publish_says_what_is_true(registered):
    """A cancel before the child publishes leaves the published model; the sentence says so."""
    import threading

    from core.errors import InputError
    from gui.workers import model_jobs

    stop = threading.Event()
    stop.set()
    with pytest.raises(InputError, match="unchanged"):
        model_jobs.publish_by_hand(registered, "fracture-B", "test", "dr.test", stop)
    assert _champion(registered) == "fracture-A"
