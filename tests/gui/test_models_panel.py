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


def _panel(qtbot, workspace, rows=3, **kw):
    from gui.widgets.models_panel import ModelsPanel

    panel = ModelsPanel(workspace, author="dr.test", **kw)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.refresh()
    qtbot.waitUntil(lambda: not panel.busy() and panel.table.rowCount() == rows, timeout=10_000)
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
    assert panel.last_comparison["metric"] == "auc" and "AUC" in panel.details.toPlainText()


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


# ------------------------------------------------------------------ body-part models
class PartPredictor:
    """class_probabilities(image) -> (probabilities, class names) looked up by the image's file."""

    def __init__(self, table: dict):
        self.table = table

    def class_probabilities(self, image):
        return self.table[image.source_path]


def _register(workspace, model_id, task="body_part", stage="body-part", split_seed=0):
    from core.store import registry

    sidecar = _sidecar(model_id, task, stage, reason="accuracy fine")
    sidecar["split_seed"] = split_seed
    with workspace.connect() as store:
        registry.register(store, sidecar, f"models/{model_id}.safetensors", "test")


@pytest.fixture
def body_parts(registered):
    """radinet-1 and radinet-2 (body part). The first study's images lose their own body part (the study's
    is then the truth), the second study has none at all (not scored), one image of the third cannot be
    read (left out for both models), and the fourth study says 'knee' while its images keep their own part
    (the image's wins). Returns (workspace, ids of those four studies, the unreadable path)."""
    _register(registered, "radinet-2")
    with registered.connect() as store:
        first, second, third, fourth = (s["id"] for s in store.studies()[:4])
        broken = str(registered.path / "moved-away.dcm")
        with store.transaction():
            store.execute("UPDATE images SET body_part = NULL WHERE study_id IN (?, ?)", (first, second))
            store.execute("UPDATE studies SET body_part = NULL WHERE id = ?", (second,))
            store.execute("UPDATE studies SET body_part = 'knee' WHERE id = ?", (fourth,))
            image = store.images(third)[0]["id"]
            store.execute("UPDATE images SET source_path = ? WHERE id = ?", (broken, image))
    return registered, (first, second, third, fourth), broken


def _truth(workspace, split="all"):
    """(file, study id, true part) of every image the body-part stage trains on (trainer.data.collect)."""
    from trainer.data import collect

    with workspace.connect() as store:
        data = collect(store, "body_part", 0)
    return [(s.source_path, s.study_id, s.body_part) for s in data.samples if split in ("all", s.split)]


def _calls(truth, classes, wrong=lambda i: False) -> dict:
    """Each image's (probabilities over ``classes``, classes): the true part at 0.7, or, for the images
    ``wrong(i)`` and those whose part is not in ``classes``, another class at 0.7."""
    table = {}
    for i, (path, _, part) in enumerate(truth):
        k = classes.index(part) if part in classes else 0
        if wrong(i) and part in classes:
            k = (k + 1) % len(classes)
        p = np.full(len(classes), 0.3 / (len(classes) - 1))
        p[k] = 0.7
        table[path] = (p, list(classes))
    return table


def test_body_part_studies_are_the_training_truth_on_the_locked_split(body_parts):
    from core.errors import InputError
    from core.evaluation.compare import body_part_views

    ws, (first, second, _, fourth), _ = body_parts
    with ws.connect() as store:
        for split in ("val", "test", "all"):
            views = body_part_views(store, split, 0)
            assert [(v.source_path, v.study_id, v.part) for v in views] == _truth(ws, split), split
        every = {v.study_id: v.part for v in body_part_views(store, "all", 0)}
        study_part = {s["id"]: s["body_part"] for s in store.studies()}
        image_part = store.images(fourth)[0]["body_part"]
        with pytest.raises(InputError, match="split must be one of"):
            body_part_views(store, "train", 0)
    assert every[first] == study_part[first].lower() and second not in every
    assert every[fourth] == image_part.lower() != "knee"


def test_compare_two_body_part_models_on_the_same_images(body_parts):
    from core.evaluation.bootstrap import multiclass_with_ci, paired_accuracy_difference
    from core.evaluation.compare import compare_models, describe_comparison

    ws, _, broken = body_parts
    truth = _truth(ws)
    readable = [t for t in truth if t[0] != broken]
    parts = sorted({t[2] for t in readable})
    first_study = readable[0][1]
    tables = {"radinet-1": _calls(readable, parts, lambda i: readable[i][1] == first_study),  # one study wrong
              "radinet-2": _calls(readable, parts, lambda i: i % 3 == 0)}                    # every third image
    n = len(readable)
    wrong_a, wrong_b = sum(t[1] == first_study for t in readable), len(range(0, n, 3))
    seen = []
    result = compare_models(ws, "radinet-1", "radinet-2", split="all", progress=lambda *a: seen.append(a),
                            make_predictor=lambda w, m: PartPredictor(tables[m]))
    assert (result["metric"], result["task"], result["body_part"], result["split"]) == \
        ("accuracy", "body_part", "all", "all")
    assert result["images"] == n and result["skipped_images"] == 1 and len(truth) == n + 1
    assert result["n_studies"] == len({t[1] for t in readable})
    assert (result["correct_a"], result["correct_b"]) == (n - wrong_a, n - wrong_b)
    assert result["accuracy_a"] == pytest.approx((n - wrong_a) / n)
    assert result["accuracy_b"] == pytest.approx((n - wrong_b) / n)
    assert result["diff"] == pytest.approx((wrong_b - wrong_a) / n)
    assert seen[-1][:2] == (n + 1, n + 1)
    # The intervals resample studies whole: the same as the bootstrap's own functions given the studies.
    y = np.array([parts.index(t[2]) for t in readable])
    groups = np.array([t[1] for t in readable])
    pa, pb = (np.array([tables[m][t[0]][0] for t in readable]) for m in ("radinet-1", "radinet-2"))
    clustered = multiclass_with_ci(y, pa, groups=groups)["accuracy_ci"]
    assert result["accuracy_a_ci"] == pytest.approx(clustered)
    assert result["accuracy_b_ci"] == pytest.approx(multiclass_with_ci(y, pb, groups=groups)["accuracy_ci"])
    assert clustered != pytest.approx(multiclass_with_ci(y, pa)["accuracy_ci"])   # images alone would differ
    paired = paired_accuracy_difference(y, pa, pb, groups=groups)
    assert result["diff_ci"] == pytest.approx([paired["lo"], paired["hi"]])
    assert result["diff_ci"][0] <= result["diff"] <= result["diff_ci"][1]
    text = describe_comparison(result)
    assert text.startswith(f"{result['n_studies']} studies of the whole workspace with a known body part "
                           f"({n} images: ")
    assert "1 unreadable left out" in text
    assert f"A radinet-1: accuracy {result['accuracy_a']:.3f} (95 % CI {clustered[0]:.2f}–{clustered[1]:.2f})" \
           f", body part right on {n - wrong_a} of {n} images" in text
    assert f"Difference A − B: {result['diff']:+.3f} (95 % CI" in text and "no class for" not in text
    assert "AUC" not in text


def test_compare_body_part_models_whose_classes_differ(body_parts):
    """B was trained without one body part and lists its classes in another order: judged by name, and the
    images of the part it does not know are wrong for it."""
    from core.evaluation.compare import compare_models, describe_comparison

    ws, _, broken = body_parts
    readable = [t for t in _truth(ws) if t[0] != broken]
    parts = sorted({t[2] for t in readable})
    missing = parts[-1]
    tables = {"radinet-1": _calls(readable, parts),
              "radinet-2": _calls(readable, [p for p in reversed(parts) if p != missing])}
    n, unknown = len(readable), sum(t[2] == missing for t in readable)
    result = compare_models(ws, "radinet-1", "radinet-2", split="all", resamples=200,
                            make_predictor=lambda w, m: PartPredictor(tables[m]))
    assert result["accuracy_a"] == 1.0 and result["unknown_parts_a"] == []
    assert result["unknown_parts_b"] == [missing] and result["unknown_images_b"] == unknown > 0
    assert result["accuracy_b"] == pytest.approx((n - unknown) / n)
    assert result["diff"] == pytest.approx(unknown / n)
    assert f"B has no class for {missing}: those {unknown} image(s) count as wrong for B." in \
        describe_comparison(result)


def test_compare_refuses_models_of_different_tasks_and_pretrain_models(body_parts):
    from core.errors import InputError
    from core.evaluation.compare import compare_models

    ws = body_parts[0]
    _register(ws, "pretrain-1", task="pretrain", stage="pretrain")
    _register(ws, "radinet-seed1", split_seed=1)
    with pytest.raises(InputError, match="^Model fracture-A is a fracture model and radinet-1 a body-part model; "
                                         "compare two fracture models or two body-part models.$"):
        compare_models(ws, "fracture-A", "radinet-1", make_predictor=lambda w, m: None)
    with pytest.raises(InputError, match="pretrain-1 is a pretraining model and predicts nothing"):
        compare_models(ws, "radinet-1", "pretrain-1", make_predictor=lambda w, m: None)
    with pytest.raises(InputError, match="different patient splits"):
        compare_models(ws, "radinet-1", "radinet-seed1", make_predictor=lambda w, m: None)


def test_a_cancelled_body_part_comparison_measures_nothing(body_parts):
    import threading

    from core.errors import InputError
    from core.evaluation.compare import compare_models

    ws, _, broken = body_parts
    readable = [t for t in _truth(ws) if t[0] != broken]
    parts = sorted({t[2] for t in readable})
    table, stop, calls = _calls(readable, parts), threading.Event(), []

    class Cancelling(PartPredictor):
        def class_probabilities(self, image):
            calls.append(image.source_path)
            stop.set()                      # the user presses Cancel while the first image is predicted
            return super().class_probabilities(image)

    with pytest.raises(InputError, match="cancelled; nothing was measured"):
        compare_models(ws, "radinet-1", "radinet-2", split="all", stop=stop,
                       make_predictor=lambda w, m: Cancelling(table))
    assert len(set(calls)) == 1


def test_compare_two_body_part_models_from_the_panel(qtbot, body_parts):
    import threading

    from core.evaluation.compare import compare_models

    ws, _, broken = body_parts
    readable = [t for t in _truth(ws) if t[0] != broken]
    table = _calls(readable, sorted({t[2] for t in readable}))
    gate = threading.Event()

    class Slow(PartPredictor):
        def class_probabilities(self, image):
            gate.wait(5)
            return super().class_probabilities(image)

    fn = functools.partial(compare_models, make_predictor=lambda w, m: Slow(table), resamples=200)
    panel = _panel(qtbot, ws, rows=4, compare_fn=fn)
    panel.split_box.setCurrentIndex(panel.split_box.findData("all"))
    _select(panel, "radinet-1", "radinet-2")
    assert panel.compare_button.isEnabled() and panel.compare_selected()
    panel.cancel()
    gate.set()
    qtbot.waitUntil(lambda: not panel.busy() and "cancelled" in panel.status.text(), timeout=10_000)
    assert panel.last_comparison is None

    assert panel.compare_selected()
    qtbot.waitUntil(lambda: panel.last_comparison is not None, timeout=20_000)
    shown = panel.details.toPlainText()
    assert panel.last_comparison["metric"] == "accuracy"
    assert f"body part right on {len(readable)} of {len(readable)} images" in shown
    assert "Difference A − B: +0.000" in shown and "No difference is shown" in shown
