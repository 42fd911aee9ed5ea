"""The bench's judging helpers (trainer.experiments): per-grade AUC and the table's columns."""

from __future__ import annotations

from trainer.experiments import judged, table_html

# Easy fractures scored above every normal study, difficult ones below all but one.
ROWS = ([{"y": 0, "p": p, "difficulty": ""} for p in (0.1, 0.2, 0.3, 0.4)]
        + [{"y": 1, "p": p, "difficulty": "easy"} for p in (0.8, 0.9)]
        + [{"y": 1, "p": p, "difficulty": "difficult"} for p in (0.15, 0.05)])


def test_judged_by_grade_keeps_every_normal_study_and_only_that_grades_fractures():
    easy, difficult, every = (judged(ROWS, resamples=50, difficulty="easy"),
                              judged(ROWS, resamples=50, difficulty="difficult"), judged(ROWS, resamples=50))
    assert (easy["n"], easy["n_positive"], easy["auc"]) == (6, 2, 1.0)
    assert (difficult["n"], difficult["n_positive"]) == (6, 2)
    assert abs(difficult["auc"] - 1 / 8) < 1e-9          # 0.15 beats 0.1 only: 1 of 8 pairs
    assert abs(every["auc"] - (8 + 1) / 16) < 1e-9


def test_table_shows_the_body_parts_easy_and_difficult_columns():
    row = {"row": "WristNet", "chain": "random", "model_id": "m1", "val_auc": 0.7,
           "fresh": judged(ROWS, resamples=50), "fresh_easy": judged(ROWS, resamples=50, difficulty="easy"),
           "fresh_difficult": judged(ROWS, resamples=50, difficulty="difficult")}
    page = table_html([row], {"size": 128})
    assert "easy fractures (body part)" in page and "difficult (body part)" in page
    assert "1.000 (" in page and "0.125 (" in page


def _registered(workspace, model_id: str, stage: str) -> None:
    from core.store import registry

    sidecar = {"model_id": model_id, "task": "body_part" if stage == "body-part" else "fracture", "stage": stage,
               "architecture": "resnet18"}
    with workspace.connect() as store:
        registry.register(store, sidecar, f"models/{model_id}.safetensors", "test")


def test_table2_rows_start_from_an_earlier_radinet_without_training_pretrain_or_radinet_again(tmp_path, monkeypatch):
    import pytest

    from core.errors import InputError
    from core.store.workspace import Workspace
    from trainer import experiments

    ws = Workspace.open(tmp_path / "ws")
    _registered(ws, "radinet-earlier", "body-part")
    _registered(ws, "fracture-earlier", "target")
    trained = []

    def fake_run(config, workspace, stop, log):
        trained.append((config.stage, config.body_part, config.init))
        return {"model_id": f"m{len(trained)}"}

    monkeypatch.setattr(experiments, "_run", fake_run)
    monkeypatch.setattr(experiments, "predict_fresh", lambda *args, **kwargs: ROWS)
    rows = experiments.table2(ws, None, rows=("radinet_part", "radinet_all"), radinet="radinet-earlier",
                              log=lambda m: None)
    assert trained == [("target", "wrist", "model:radinet-earlier"), ("target", "all", "model:radinet-earlier")]
    assert [r["row"] for r in rows] == ["RadiNet_wrist", "RadiNet_all"]

    trained.clear()
    for wrong in ("fracture-earlier", "no-such-model"):
        with pytest.raises(InputError):
            experiments.table2(ws, None, rows=("radinet_part",), radinet=wrong, log=lambda m: None)
    assert trained == []
    # Without it, the pretrained rows train their own pretrain and RadiNet first.
    experiments.table2(ws, None, rows=("radinet_part",), log=lambda m: None)
    assert [stage for stage, _, _ in trained] == ["pretrain", "body-part", "target"]


def test_withhold_labels_keeps_that_many_training_studies_of_the_part_and_undoes_the_rest_by_retraction(tmp_path):
    """The corrections bench starts a clinic with few labels: the undone ones stay in the history."""
    from core.demo.workspace import build_demo_workspace
    from core.store.workspace import Workspace
    from trainer.experiments import ground_truth, label_withheld_studies, withhold_labels
    from trainer.splits import split_of

    ws = Workspace.open(tmp_path / "ws")
    build_demo_workspace(ws, n_studies=40, seed=3, body_parts=("wrist", "forearm"))
    label_withheld_studies(ws, author="test")
    truth = ground_truth(ws)

    def labelled_by_split_and_part():
        with ws.connect() as store:
            labels = store.current_labels("fracture")
            counts = {}
            for s in store.studies():
                if s["id"] in labels:
                    key = (split_of(s["patient_key"]), truth[s["study_uid"]]["body_part"])
                    counts[key] = counts.get(key, 0) + 1
            return counts, store.execute("SELECT COUNT(*) FROM labels WHERE retracts IS NULL").fetchone()[0]

    before, rows_before = labelled_by_split_and_part()
    assert before[("train", "wrist")] > 3
    undone = withhold_labels(ws, "wrist", keep=3, seed=1, author="test")
    after, rows_after = labelled_by_split_and_part()
    assert undone == before[("train", "wrist")] - 3
    assert after[("train", "wrist")] == 3
    assert {k: v for k, v in after.items() if k != ("train", "wrist")} == \
           {k: v for k, v in before.items() if k != ("train", "wrist")}
    assert rows_after == rows_before   # nothing deleted: the original label rows are still there
    # Relabelling from the ground truth brings them back, as the bench's corrections do.
    assert label_withheld_studies(ws, author="test") == undone
    assert labelled_by_split_and_part()[0] == before
