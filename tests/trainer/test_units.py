"""Fast unit tests: models, splits, metrics, operating points, tiers, heatmap colouring."""

from __future__ import annotations

import numpy as np
import pytest

from core.inference.predictor import tier
from trainer.metrics import binary_metrics, operating_points, study_level
from trainer.splits import split_of


def test_greyscale_imagenet_weights_equal_rgb_input(tmp_path):
    import torch
    import torchvision

    from trainer.models import build_model, load_imagenet_state_dict

    torch.manual_seed(0)
    reference = torchvision.models.resnet18(weights=None).eval()
    path = tmp_path / "resnet18.pth"
    torch.save(reference.state_dict(), path)
    model = build_model("resnet18", 1)
    load_imagenet_state_dict(model, path)
    model.eval()
    x = torch.rand(2, 1, 64, 64)
    ours = model.features(model.normalise(x))
    trunk = torch.nn.Sequential(*list(reference.children())[:-2])
    theirs = trunk(model.normalise(x).repeat(1, 3, 1, 1))  # grey image fed three times
    assert model.features[0].in_channels == 1
    assert torch.allclose(ours, theirs, atol=1e-4)


def test_build_starts_from_imagenet_weights_with_the_asked_pooling_and_refuses_an_unknown_init(tmp_path):
    import torch
    import torchvision

    from core.errors import InputError
    from trainer.config import TrainConfig
    from trainer.fit import build

    reference = torchvision.models.resnet18(weights=None)
    path = tmp_path / "resnet18.pth"
    torch.save(reference.state_dict(), path)
    model, init, parent = build(None, None, TrainConfig(init=f"imagenet:{path}", pooling="max"), "fracture", ["yes"])
    assert parent == "imagenet:resnet18.pth" and model.pooling == "max"
    assert torch.equal(model.features.conv1.weight, reference.conv1.weight.sum(dim=1, keepdim=True))
    with pytest.raises(InputError, match="Unknown --init"):
        build(None, None, TrainConfig(init="hub:resnet18"), "fracture", ["yes"])


def test_imagenet_file_of_wrong_kind_is_a_model_file_error(tmp_path):
    import torch

    from core.errors import ModelFileError
    from trainer.models import build_model, load_imagenet_state_dict

    path = tmp_path / "other.pth"
    torch.save({"conv1.weight": torch.zeros(3, 3)}, path)
    with pytest.raises(ModelFileError):
        load_imagenet_state_dict(build_model("resnet18", 1), path)


@pytest.mark.parametrize("architecture", ["resnet18", "densenet121", "mobilenet_v3_large"])
def test_cam_mean_is_the_logit(architecture):
    import torch

    from trainer.models import build_model

    model = build_model(architecture, 1).eval()
    with torch.no_grad():
        logits, cam = model.logits_and_cam(torch.rand(2, 1, 48, 48))
    assert torch.allclose(cam.mean(dim=(2, 3)), logits, atol=1e-4)


@pytest.mark.parametrize("architecture", ["resnet18", "densenet121"])
def test_max_pooled_logit_is_the_cam_peak(architecture):
    import torch

    from trainer.models import build_model

    model = build_model(architecture, 1, pooling="max").eval()
    with torch.no_grad():
        logits, cam = model.logits_and_cam(torch.rand(2, 1, 96, 96))   # a 3x3 map: its peak is not its mean
    assert cam.shape[2:] == (3, 3)
    assert torch.allclose(cam.amax(dim=(2, 3)), logits, atol=1e-5)
    assert not torch.allclose(cam.mean(dim=(2, 3)), logits, atol=1e-3)   # not the average model's logit


def test_unknown_pooling_is_refused():
    from core.errors import InputError
    from trainer.config import TrainConfig, validate
    from trainer.models import build_model

    with pytest.raises(InputError, match="pooling"):
        build_model("resnet18", 1, pooling="mean")
    with pytest.raises(InputError, match="pooling"):
        validate(TrainConfig(pooling="mean"))


def test_split_is_stable_and_roughly_80_10_10():
    keys = [f"P{i}" for i in range(3000)]
    first = {k: split_of(k) for k in keys}
    again = {k: split_of(k) for k in keys[::-1]}  # order and population do not matter
    assert first == again
    share = {s: sum(v == s for v in first.values()) / len(keys) for s in ("train", "val", "test")}
    assert 0.77 < share["train"] < 0.83 and 0.08 < share["val"] < 0.12
    reseeded = sum(split_of(k, seed=1) != first[k] for k in keys)
    assert reseeded > len(keys) * 0.2  # the seed does change the assignment


def test_study_probability_is_mean_of_views():
    ids, y, p = study_level(np.array([5, 5, 7]), np.array([1, 1, 0]), np.array([0.2, 0.6, 0.3]))
    assert ids.tolist() == [5, 7] and y.tolist() == [1, 0]
    assert p.tolist() == pytest.approx([0.4, 0.3])


def test_binary_metrics_and_operating_points():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.7, 0.8, 0.9])
    m = binary_metrics(y, p)
    assert m["auc"] == pytest.approx(15 / 16)
    ops = operating_points(y, p)
    assert ops["high_sensitivity"] <= 0.4  # catches every fracture in this set
    assert ops["high_specificity"] >= 0.6  # no false positive at or above it
    assert tier(0.05, ops) == "negative" and tier(0.95, ops) == "positive" and tier(0.5, ops) == "doubt"


def test_heatmap_overlay_uses_an_absolute_scale():
    from core.imaging.heatmap import overlay

    grey = np.full((8, 8), 100, np.uint8)
    cold = overlay(grey, np.full((8, 8), 0.2, np.float32))
    hot = overlay(grey, np.full((8, 8), 0.95, np.float32))
    assert (cold == 100).all()  # a confident negative leaves the image untouched
    assert np.abs(hot.astype(int) - 100).max() > 40


def test_augment_keeps_shape_and_range():
    import torch

    from trainer.data import augment

    x = torch.rand(4, 1, 32, 32)
    y = augment(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and float(y.min()) >= 0 and float(y.max()) <= 1
    assert not torch.allclose(x, y)


def test_default_augment_interpolates_no_pixel():
    """The default augmentation keeps a one-pixel line exactly one pixel wide (flip and intensity only):
    the resampling of rotation and scaling smoothed such lines and the fracture model stopped learning."""
    import torch

    from trainer.data import augment

    x = torch.zeros(32, 1, 16, 16)
    x[:, :, :, 5] = 0.5                                  # a one-pixel vertical line
    y = augment(x, torch.Generator().manual_seed(0), brightness=0.0, contrast=(1.0, 1.0))
    columns = (y[:, 0] > 0.25).sum(1)                   # (N, W): line pixels per column
    assert ((columns == 16).sum(1) == 1).all()          # every sample: exactly one full column ...
    assert set(torch.nonzero(columns[:, :] == 16)[:, 1].tolist()) == {5, 10}   # ... the line or its mirror
    assert (y.unique() == torch.tensor([0.0, 0.5])).all()   # no interpolated grey levels
    rotated = augment(x, torch.Generator().manual_seed(0), max_rotation_deg=30.0, brightness=0.0,
                      contrast=(1.0, 1.0))
    assert rotated.unique().numel() > 2                 # asked for, rotation still resamples


def test_unsaturated_augment_keeps_a_lucent_line_in_bright_bone():
    """Brightness/contrast jitter clipped to [0, 1] can whiten a fracture line inside bright bone;
    saturate=False keeps it (the line is 0.07 darker than bone at 0.97)."""
    import torch

    from trainer.data import augment

    x = torch.full((64, 1, 16, 16), 0.97)
    x[:, :, 8, :] = 0.90
    line_contrast = lambda y: (y[:, 0, 4, :].mean(1) - y[:, 0, 8, :].mean(1))  # noqa: E731
    flat = dict(max_rotation_deg=0.0, scale=(1.0, 1.0))
    clipped = line_contrast(augment(x.clone(), torch.Generator().manual_seed(0), **flat))
    kept = line_contrast(augment(x.clone(), torch.Generator().manual_seed(0), saturate=False, **flat))
    assert float(clipped.min()) < 0.01          # some samples lost the line to white
    assert float(kept.min()) > 0.05             # none do without clipping (contrast >= 0.8 of 0.07)


@pytest.mark.parametrize("architecture", ["resnet18", "densenet121"])
def test_fast_refresh_split_is_exact(architecture):
    """Cached early layers + trained tail compute exactly the backbone (dense blocks split mid-way)."""
    import torch

    from trainer.models import build_model

    model = build_model(architecture, 1).eval()
    x = model.normalise(torch.rand(1, 1, 48, 48))
    with torch.no_grad():
        assert torch.allclose(model.tail()(model.stem()(x)), model.features(x), atol=1e-5)
    tail_params = {id(p) for p in model.tail().parameters()}
    assert tail_params and tail_params < {id(p) for p in model.features.parameters()}
    assert not tail_params & {id(p) for p in model.stem().parameters()}


def test_shift_moves_each_image_by_whole_pixels():
    """The shift augmentation translates without resampling: a one-pixel line stays one pixel wide, each image
    by its own offset within the bound, the edge repeated."""
    import torch

    from trainer.data import shifted

    x = torch.zeros(8, 1, 32, 32)
    x[:, :, 10:22, 16] = 1.0   # a vertical one-pixel line
    y = shifted(x, 3, torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    assert set(torch.unique(y).tolist()) <= {0.0, 1.0}
    columns = [int(torch.nonzero(y[i, 0].sum(0)).flatten()[0]) for i in range(8)]
    assert all(abs(c - 16) <= 3 for c in columns) and len(set(columns)) > 1
    assert all(int(y[i, 0].sum()) == 12 for i in range(8))  # the whole line, one pixel wide
