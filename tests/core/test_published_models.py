"""Per-body-part prediction: which published model predicts which study (resolver, triage queue, worklist)."""

from __future__ import annotations

import pytest

from core.store.workspace import Workspace


@pytest.fixture
def store(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    with ws.connect() as s:
        yield s


def _publish(store, model_id, body_part=None):
    from core.store import registry

    sidecar = {"model_id": model_id, "task": "fracture", "scope": registry.scope("fracture", body_part),
               "stage": "target", "architecture": "fake", "body_part": body_part or "all",
               "operating_points": {"high_sensitivity": 0.3, "high_specificity": 0.7}}
    registry.register(store, sidecar, f"models/{model_id}.safetensors", "test")
    registry.promote(store, model_id, "test", "test")


def _study(store, key, date, body_part):
    pid = store.upsert_patient(f"P-{key}")
    sid, _ = store.upsert_study(key, pid, study_date=date, body_part=body_part)
    store.add_image(sid, f"{key}.1", f"/nowhere/{key}.dcm")
    return sid


def test_pick_takes_the_parts_own_model_then_the_all_parts_one_then_none():
    from core.store.published import pick_model, pick_scope

    both = {"fracture": "all-1", "fracture:wrist": "wrist-1"}
    assert pick_scope(both, "fracture", "wrist") == "fracture:wrist" and pick_model(both, "fracture", "wrist") == "wrist-1"
    assert pick_model(both, "fracture", "Wrist ") == "wrist-1"            # the registry's spelling rule
    assert pick_scope(both, "fracture", "elbow") == "fracture" and pick_model(both, "fracture", "elbow") == "all-1"
    assert pick_model(both, "fracture", "") == "all-1" and pick_model(both, "fracture", None) == "all-1"
    wrist_only = {"fracture:wrist": "wrist-1"}
    assert pick_model(wrist_only, "fracture", "wrist") == "wrist-1"
    assert pick_model(wrist_only, "fracture", "elbow") is None and pick_model(wrist_only, "fracture", None) is None
    assert pick_model({}, "fracture", "wrist") is None


def test_published_models_are_every_scopes_champion_in_one_mapping(store):
    from core.store import registry
    from core.store.published import describe, no_model_sentence, published_models, which_model

    assert published_models(store) == {}
    _publish(store, "all-1")
    _publish(store, "wrist-1", "wrist")
    _publish(store, "wrist-2", "wrist")
    _publish(store, "hand-1", "hand")
    registry.rollback(store, "fracture:wrist", "test")                # back to wrist-1
    registry.register(store, {"model_id": "bp-1", "task": "body_part", "stage": "body-part",
                              "architecture": "fake"}, "models/bp-1.safetensors", "test")
    registry.promote(store, "bp-1", "test", "test")                    # another task: not a fracture model
    models = published_models(store)
    assert models == {"fracture": "all-1", "fracture:wrist": "wrist-1", "fracture:hand": "hand-1"}
    assert models == {s: registry.champion_id(store, s) for s in models}
    assert published_models(store, "body_part") == {"body_part": "bp-1"}
    assert describe(models) == "all parts all-1; hand hand-1; wrist wrist-1"
    assert describe({"fracture": "all-1"}) == "all-1" and describe({}) == ""
    assert which_model("fracture", "fracture:wrist", "wrist", "wrist-1") == "wrist model wrist-1"
    assert which_model("fracture", "fracture", "elbow", "all-1") == "all-parts model all-1 (no elbow model is published)"
    assert which_model("fracture", "fracture", "", "all-1") == "all-parts model all-1"
    assert no_model_sentence({"fracture:wrist": "w", "fracture:hand": "h"}, "fracture", "elbow") == (
        "No fracture model is published for elbow studies (published: hand, wrist). "
        "Train one from the Training dock (Ctrl+T).")


def test_triage_queue_predicts_wrist_studies_with_the_wrist_model_and_others_with_all_parts(store):
    from core.store.triage import count_predicted, count_up_to_date, studies_to_predict

    wrist = _study(store, "1.1", "20240101", "wrist")
    elbow = _study(store, "1.2", "20230101", "elbow")
    unknown = _study(store, "1.3", "20220101", None)
    models = {"fracture": "all-1", "fracture:wrist": "wrist-1"}
    assert studies_to_predict(store, models) == [(wrist, "wrist-1"), (elbow, "all-1"), (unknown, "all-1")]
    # The all-parts model's row does not count for a wrist study: its own model has not seen it.
    store.add_predictions([{"study_id": wrist, "model_id": "all-1", "task": "fracture", "probability": 0.2},
                           {"study_id": elbow, "model_id": "all-1", "task": "fracture", "probability": 0.4}])
    assert studies_to_predict(store, models) == [(wrist, "wrist-1"), (unknown, "all-1")]
    assert count_up_to_date(store, models) == 1 and count_predicted(store, "all-1") == 2
    store.add_predictions([{"study_id": wrist, "model_id": "wrist-1", "task": "fracture", "probability": 0.9}])
    assert studies_to_predict(store, models) == [(unknown, "all-1")]
    # Only a wrist model: the other studies wait for one of their own.
    assert studies_to_predict(store, {"fracture:wrist": "wrist-1"}) == []
    assert studies_to_predict(store, {"fracture:wrist": "wrist-2"}) == [(wrist, "wrist-2")]


def test_worklist_rows_carry_their_own_models_probability_and_tier(store):
    from core.store.worklist import load_rows

    wrist = _study(store, "1.1", "20240101", "wrist")
    elbow = _study(store, "1.2", "20230101", "elbow")
    store.add_predictions([{"study_id": wrist, "model_id": "all-1", "task": "fracture", "probability": 0.2},
                           {"study_id": wrist, "model_id": "wrist-1", "task": "fracture", "probability": 0.9},
                           {"study_id": elbow, "model_id": "all-1", "task": "fracture", "probability": 0.4},
                           {"study_id": elbow, "model_id": "old-0", "task": "fracture", "probability": 0.99}])
    models = {"fracture": "all-1", "fracture:wrist": "wrist-1"}
    rows = {r.study_id: r for r in load_rows(store, models, tier=lambda p, m: f"{m}:{p}")}
    assert (rows[wrist].model_id, rows[wrist].probability, rows[wrist].tier) == ("wrist-1", 0.9, "wrist-1:0.9")
    assert (rows[elbow].model_id, rows[elbow].probability, rows[elbow].tier) == ("all-1", 0.4, "all-1:0.4")
    rows = {r.study_id: r for r in load_rows(store, {"fracture:wrist": "wrist-1"})}
    assert rows[wrist].probability == 0.9 and rows[elbow].probability is None and rows[elbow].model_id is None
    assert all(r.probability is None for r in load_rows(store, None))
