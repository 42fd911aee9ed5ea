"""The training dock follows the chain: pretrain if missing -> RadiNet -> the open study's target -> fast refresh."""

from __future__ import annotations

from core.store import registry
from trainer.config import TASK_OF_STAGE, ProgressEvent

CONFIGS: list[dict] = []


def fake_train(config: dict, workspace, stop):
    """Registers a model the way the trainer would (scope, parent from --init auto) and reports it."""
    from core.store.chain import parent_for

    CONFIGS.append(dict(config))
    stage, part = config["stage"], config.get("body_part", "all")
    task = TASK_OF_STAGE[stage]
    yield ProgressEvent(kind="start", stage=stage, message=f"{stage} started")
    with workspace.connect() as store:
        parent, _ = parent_for(store, stage, part)
        model_id = f"{stage}-{part}-{len(CONFIGS)}"
        registry.register(store, {"model_id": model_id, "task": task, "stage": stage, "architecture": "resnet18",
                                  "parent_id": parent, "scope": registry.scope(task, part), "body_part": part},
                          f"models/{model_id}.safetensors", "test")
        if stage in ("pretrain", "body-part"):
            registry.promote(store, model_id, "ok", "test")
    yield ProgressEvent(kind="done", stage=stage, result={"model_id": model_id, "promoted": False,
                                                          "reason": "kept as a candidate (test)"})


def test_chain_runs_pretrain_then_radinet_then_the_studys_target(make_window, qtbot, workspace):
    CONFIGS.clear()
    window = make_window(train_fn=fake_train)
    dock = window.training_dock
    dock.train_in_process = False
    qtbot.waitUntil(lambda: window.current_study is not None, timeout=10_000)
    part = next(r.body_part for r in window.worklist.all_rows if r.study_id == window.current_study)
    assert dock.body_part == part
    dock.show()
    assert dock.stage_box.currentData() == "chain"
    assert "Self-supervised features" in dock.chain_label.text() and "random weights" in dock.chain_label.text()
    dock.chain_through.setChecked(True)
    assert dock.start()
    qtbot.waitUntil(lambda: len(CONFIGS) == 3 and not dock.is_running(), timeout=20_000)
    assert [(c["stage"], c["body_part"]) for c in CONFIGS] == [("pretrain", "all"), ("body-part", "all"),
                                                               ("target", part)]
    assert all(c["init"] == "auto" for c in CONFIGS)
    log = dock.log.toPlainText()
    assert "Chain step: Self-supervised features (pretrain), from random weights" in log
    assert "Chain step: RadiNet (body parts), from pretrain-all-1" in log
    assert f"Chain step: Fracture model — {part}, from body-part-all-2" in log
    with workspace.connect() as store:
        target = registry.latest(store, registry.scope("fracture", part))
        assert registry.sidecar_of(target)["parent_id"] == "body-part-all-2"   # from RadiNet, not random
    # The target is only a candidate: the next step says so instead of a fast refresh.
    qtbot.waitUntil(lambda: "No fracture model is published" in dock.chain_label.text(), timeout=10_000)
    with workspace.connect() as store:
        registry.promote(store, target["id"], "by hand", "test")
    dock.show_chain()
    assert "Fast refresh" in dock.chain_label.text() and target["id"] in dock.chain_label.text()


def test_a_stopped_chain_step_does_not_go_on(make_window, qtbot):
    CONFIGS.clear()

    def failing(config, workspace, stop):
        CONFIGS.append(dict(config))
        yield ProgressEvent(kind="done", stage=config["stage"],
                            result={"model_id": None, "stopped": True, "reason": "stopped"})

    window = make_window(train_fn=failing)
    dock = window.training_dock
    dock.train_in_process = False
    assert dock.start()
    qtbot.waitUntil(lambda: not dock.is_running() and bool(CONFIGS), timeout=10_000)
    qtbot.wait(200)
    assert len(CONFIGS) == 1 and CONFIGS[0]["stage"] == "pretrain"


def test_without_go_on_each_start_runs_one_step_and_names_the_next(make_window, qtbot):
    CONFIGS.clear()
    window = make_window(train_fn=fake_train)
    dock = window.training_dock
    dock.train_in_process = False
    dock.show()
    assert not dock.chain_through.isChecked()
    assert dock.start()
    qtbot.waitUntil(lambda: "RadiNet" in dock.chain_label.text(), timeout=10_000)
    assert [c["stage"] for c in CONFIGS] == ["pretrain"]
    assert "pretrain-all-1 (published)" in dock.chain_label.text()
    assert dock.start()
    qtbot.waitUntil(lambda: "Fracture model" in dock.chain_label.text(), timeout=10_000)
    assert [c["stage"] for c in CONFIGS] == ["pretrain", "body-part"]


def test_the_workstation_trains_with_the_trainers_defaults_until_the_user_changes_them(make_window, settings):
    """'Train' in the workstation and `radinet train` run the same model by default (they once differed:
    320 px and 10 epochs in the GUI against the trainer's 256 px and 12 epochs)."""
    from trainer.config import TrainConfig

    fields = make_window().training_dock.config_fields()
    default = TrainConfig()
    assert (fields["image_size"], fields["epochs"], fields["architecture"], fields["device"]) == \
        (default.image_size, default.epochs, default.architecture, default.device)
    settings.set("image_size", 192)
    settings.set("epochs", 7)
    fields = make_window().training_dock.config_fields()
    assert (fields["image_size"], fields["epochs"]) == (192, 7)
