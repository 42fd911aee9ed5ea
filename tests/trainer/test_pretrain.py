"""Self-supervised pretraining (trainer/pretrain.py) on the demo's own radiographs.

One short pretraining run on the 40-study demo workspace (64 px) is shared by
the tests that check what it did: the reconstruction loss falls, the features
change, BatchNorm statistics describe clean images, the decoder is gone, and a
linear probe of the body part does better on the pretrained features than on a
random backbone.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

SIZE = 64
EPOCHS = 6


@pytest.fixture(scope="module")
def demo_arrays(demo_workspace):
    from trainer.data import collect, model_ready_arrays

    with demo_workspace.connect() as store:
        body = collect(store, "body_part")
    arrays = model_ready_arrays(demo_workspace, body.samples, SIZE, clahe=False)
    studies = np.array([s.study_id for s in body.samples])
    return arrays, np.array([s.target for s in body.samples]), studies


def _model(seed: int = 0):
    import torch

    from trainer.models import build_model

    torch.manual_seed(seed)
    return build_model("resnet18", 1)


@pytest.fixture(scope="module")
def pretrained(demo_arrays):
    import torch

    from trainer.pretrain import pretrain_features

    torch.set_num_threads(1)
    arrays = demo_arrays[0]
    model = _model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    events = list(pretrain_features(model, arrays, epochs=EPOCHS, lr=2e-3, batch_size=16,
                                    device=torch.device("cpu"), stop=threading.Event(), seed=0,
                                    objective="masked"))
    return model, before, events


def test_reconstruction_loss_falls(pretrained):
    _, _, events = pretrained
    epochs = [e for e in events if e["kind"] == "epoch"]
    assert [e["epoch"] for e in epochs] == list(range(1, EPOCHS + 1))
    assert all(np.isfinite(e["loss"]) for e in events)
    assert epochs[-1]["loss"] < 0.8 * epochs[0]["loss"], [round(e["loss"], 3) for e in epochs]
    batches = [e for e in events if e["kind"] == "batch"]
    assert batches and set(batches[0]) >= {"kind", "epoch", "epochs", "batch", "batches", "loss", "eta_s"}
    assert batches[-1]["eta_s"] == pytest.approx(0.0, abs=1e-6) and batches[0]["eta_s"] > 0


def test_features_change_and_head_and_state_dict_keys_do_not(pretrained):
    import torch

    model, before, _ = pretrained
    after = model.state_dict()
    assert list(after) == list(before)  # the decoder is not part of the model
    changed = [k for k in before if k.startswith("features.") and before[k].is_floating_point()
               and not torch.equal(before[k], after[k])]
    assert len(changed) > 0.9 * sum(1 for k in before if k.startswith("features.") and before[k].is_floating_point())
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("head."))
    assert all(p.requires_grad for p in model.parameters())


def test_batchnorm_statistics_describe_clean_images(pretrained, demo_arrays):
    """The first BatchNorm's running statistics equal the conv1 output statistics of the clean images."""
    import torch

    model, _, _ = pretrained
    x = torch.from_numpy(demo_arrays[0].astype(np.float32))[:, None]
    with torch.no_grad():
        out = model.features.conv1(model.normalise(x))
    mean, var = out.mean(dim=(0, 2, 3)), out.var(dim=(0, 2, 3))
    bn = model.features.bn1
    assert torch.allclose(bn.running_mean, mean, rtol=0.02, atol=1e-3 * float(var.sqrt().mean()))
    assert torch.allclose(bn.running_var, var, rtol=0.05, atol=1e-6)


def test_pretrained_features_beat_random_on_a_body_part_probe(pretrained, demo_arrays):
    """Logistic regression on frozen pooled features, cross-validated by study (no study on both sides)."""
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from trainer.pretrain import pooled_features, recalibrate_batchnorm

    arrays, body_part, studies = demo_arrays
    random_model = _model()
    recalibrate_batchnorm(random_model, arrays, 16, torch.device("cpu"))  # a fair random baseline

    def accuracy(model) -> float:
        feats = pooled_features(model, arrays, torch.device("cpu"))
        probe = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=3000))
        return float(cross_val_score(probe, feats, body_part, groups=studies, cv=GroupKFold(4)).mean())

    chance = np.bincount(body_part).max() / len(body_part)
    pretrained_acc, random_acc = accuracy(pretrained[0]), accuracy(random_model)
    assert pretrained_acc >= max(0.6, chance + 0.2), (pretrained_acc, random_acc, chance)
    assert pretrained_acc >= random_acc + 0.05, (pretrained_acc, random_acc)


def test_stop_event_is_honoured_after_the_current_batch(demo_arrays):
    import torch

    from trainer.pretrain import pretrain_features

    arrays = demo_arrays[0][:32]
    model = _model()
    stop = threading.Event()
    gen = pretrain_features(model, arrays, epochs=5, lr=1e-3, batch_size=8, device=torch.device("cpu"), stop=stop)
    first = next(gen)
    assert first["kind"] == "batch" and first["batch"] == 1
    stop.set()
    assert list(gen) == []  # nothing more: no further batch, no epoch, no BatchNorm pass
    assert model.training  # the model is left in the mode it came in

    stopped_before = _model()
    state = {k: v.clone() for k, v in stopped_before.state_dict().items()}
    assert list(pretrain_features(stopped_before, arrays, epochs=1, lr=1e-3, batch_size=8,
                                  device=torch.device("cpu"), stop=stop)) == []
    assert all(torch.equal(state[k], v) for k, v in stopped_before.state_dict().items())


def test_objectives_corrupt_the_input_as_documented():
    import torch

    from trainer.models import GREY_MEAN
    from trainer.pretrain import MASK_PATCH, MASK_RATIO, corrupt, patch_mask

    gen = torch.Generator().manual_seed(0)
    mask = patch_mask(3, 64, 64, gen)
    cells = (64 // MASK_PATCH) ** 2
    assert mask.shape == (3, 1, 64, 64)
    assert torch.all(mask.sum(dim=(1, 2, 3)) == round(MASK_RATIO * cells) * MASK_PATCH ** 2)
    assert not torch.equal(mask[0], mask[1])  # each image hides other patches
    x = torch.rand(2, 1, 64, 64)
    masked, m = corrupt(x, "masked", gen)
    assert torch.all(masked[m.bool()] == GREY_MEAN) and torch.equal(masked[~m.bool()], x[~m.bool()])
    noisy, none = corrupt(x, "denoising", gen)
    assert none is None and 0.03 < float((noisy - x).abs().mean()) < 0.2 and noisy.min() >= 0 and noisy.max() <= 1
    same, none = corrupt(x, "autoencoder", gen)
    assert none is None and torch.equal(same, x)


def test_learning_rate_warms_up_then_decays_to_zero():
    from trainer.pretrain import learning_rate

    lrs = [learning_rate(s, 100, 1e-3) for s in range(100)]
    assert lrs[0] < lrs[4] == pytest.approx(1e-3)
    assert all(a >= b for a, b in zip(lrs[4:], lrs[5:]))
    assert lrs[-1] < 1e-5


@pytest.mark.parametrize("kwargs, words", [
    ({"objective": "jigsaw"}, "objective"),
    ({"arrays": np.zeros((1, 64, 64), np.float16)}, "at least two images"),
    ({"arrays": np.zeros((4, 64, 32), np.float16)}, "square"),
    ({"epochs": 0}, "at least one epoch"),
])
def test_bad_arguments_are_input_errors_at_the_call(kwargs, words):
    import torch

    from core.errors import InputError
    from trainer.pretrain import pretrain_features

    args = dict(arrays=np.zeros((4, 64, 64), np.float16), epochs=1, lr=1e-3, batch_size=2,
                device=torch.device("cpu"), stop=threading.Event())
    args.update(kwargs)
    with pytest.raises(InputError, match=words):
        pretrain_features(_model(), **args)  # before any event: the CLI can report it at once
