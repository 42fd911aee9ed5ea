"""Backbones, heads and class activation maps for greyscale radiographs.

Every model is ``RadiNetModel``: ``features`` (a torchvision backbone cut
before its pooling, ending in the last feature maps), a spatial pooling and a
head. ``avg`` pools the feature maps and then applies the head (torchvision's
classifier); ``max`` applies the head at every location (the class activation
map) and keeps the highest one, so a small local finding such as a cortical
break is not averaged with the rest of the film (multiple-instance pooling
over locations). Input is one channel in [0, 1] (the output of
``core.imaging.preprocess.model_input``); the ImageNet normalisation lives
inside the model so the exported ONNX graph takes the same input.

Greyscale without wasting compute: the first convolution has one input
channel; 3-channel ImageNet weights are summed over RGB when loaded, which
gives the same response as feeding the grey image three times.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from trainer.config import ARCHITECTURES, HEADS, POOLINGS  # kept torch-free there for the GUI's settings and the CLI

# Grey-level mean/std of ImageNet (mean of the RGB statistics).
GREY_MEAN, GREY_STD = 0.449, 0.226


def _backbone(architecture: str) -> tuple[nn.Sequential, int, str, int | tuple[int, int]]:
    """(features, channels, name of the first conv in a torchvision state dict, fast-refresh split index).

    The split index is where ``features`` is cut for the fast refresh: layers
    before it are frozen and cached, layers from it on are trained; (i, j)
    cuts inside block i after its j-th sub-block.
    """
    import torchvision.models as tvm

    if architecture not in ARCHITECTURES:
        from core.errors import InputError

        raise InputError(f"Unknown architecture {architecture!r}; choose one of {', '.join(ARCHITECTURES)}.")
    m = getattr(tvm, architecture)(weights=None)
    if architecture.startswith("resnet"):
        names = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"]
        feats = nn.Sequential(OrderedDict((n, getattr(m, n)) for n in names))
        # Fast refresh trains only the last residual block (layer4[1:]).
        return feats, m.fc.in_features, "conv1.weight", (7, 1)
    if architecture.startswith("densenet"):
        # torchvision applies the final ReLU in forward(); make it part of the features.
        feats = nn.Sequential(OrderedDict([*m.features.named_children(), ("relu5", nn.ReLU(inplace=False))]))
        # Fast refresh trains the second half of the last dense block, norm5 and the head.
        return feats, m.classifier.in_features, "features.conv0.weight", (10, len(m.features.denseblock4) // 2)
    if architecture == "efficientnet_b0":
        return nn.Sequential(*m.features.children()), m.classifier[1].in_features, "features.0.0.weight", 7
    # mobilenet_v3_large
    return nn.Sequential(*m.features.children()), m.classifier[0].in_features, "features.0.0.weight", 13


def _greyscale_first_conv(features: nn.Sequential) -> None:
    """Replace the first 3-channel convolution by a 1-channel one (same geometry)."""
    for parent in features.modules():
        for name, child in parent.named_children():
            if isinstance(child, nn.Conv2d) and child.in_channels == 3:
                conv = nn.Conv2d(1, child.out_channels, child.kernel_size, child.stride, child.padding,
                                 child.dilation, child.groups, child.bias is not None)
                setattr(parent, name, conv)
                return


class RadiNetModel(nn.Module):
    def __init__(self, architecture: str = "resnet18", num_outputs: int = 1, head: str = "linear",
                 pooling: str = "avg"):
        super().__init__()
        if head not in HEADS or pooling not in POOLINGS:
            from core.errors import InputError

            raise InputError(f"Unknown head {head!r} or pooling {pooling!r}; choose a head of "
                             f"{', '.join(HEADS)} and a pooling of {', '.join(POOLINGS)}.")
        self.architecture, self.head_kind, self.num_outputs = architecture, head, num_outputs
        self.pooling = pooling
        self.features, self.channels, self.first_conv_key, self.split_index = _backbone(architecture)
        _greyscale_first_conv(self.features)
        if head == "linear":
            self.head = nn.Linear(self.channels, num_outputs)
        else:
            # The paper's stack of dense layers on top of the pooled features.
            self.head = nn.Sequential(nn.Linear(self.channels, 512), nn.ReLU(), nn.Dropout(0.3),
                                      nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, num_outputs))

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        return (x - GREY_MEAN) / GREY_STD

    def forward_from_maps(self, maps: torch.Tensor) -> torch.Tensor:
        if self.pooling == "max":
            return self.cam_from_maps(maps).flatten(2).amax(2)
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(maps, 1), 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, outputs) for images (N, 1, H, W) in [0, 1]."""
        return self.forward_from_maps(self.features(self.normalise(x)))

    def cam_from_maps(self, maps: torch.Tensor) -> torch.Tensor:
        """Class activation map (N, outputs, h, w): the head applied at each location.

        For the linear head this is Zhou et al.'s CAM (feature maps weighted by
        the classifier weights, plus the bias). With average pooling its spatial
        mean equals the logit exactly, with max pooling its peak does, so either
        way the map is on the same absolute scale as the output.
        """
        per_location = maps.permute(0, 2, 3, 1)  # N, h, w, C
        return self.head(per_location).permute(0, 3, 1, 2)

    def logits_and_cam(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        maps = self.features(self.normalise(x))
        return self.forward_from_maps(maps), self.cam_from_maps(maps)

    # ---------------------------------------------------------------- freezing
    def set_backbone_trainable(self, trainable: bool) -> None:
        for p in self.features.parameters():
            p.requires_grad_(trainable)

    def train(self, mode: bool = True) -> "RadiNetModel":
        """Training mode, except that frozen BatchNorm layers stay in evaluation mode.

        A BatchNorm layer whose weights are frozen (warm-up with the backbone
        frozen, the fast refresh's cached stem) must also keep its running
        statistics: in training mode they would drift towards each batch while
        the layers after it were learnt for the old ones.
        """
        super().train(mode)
        if mode:
            for module in self.features.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm) and module.affine \
                        and not any(p.requires_grad for p in module.parameters(recurse=False)):
                    module.eval()
        return self

    def _split(self) -> tuple[int, int | None]:
        split = self.split_index
        return split if isinstance(split, tuple) else (split, None)

    def stem(self) -> nn.Sequential:
        """Early layers frozen and cached by the fast refresh."""
        index, inner = self._split()
        if inner is None:
            return self.features[:index]
        return nn.Sequential(*self.features[:index], _block_part(self.features[index], 0, inner))

    def tail(self) -> nn.Sequential:
        """Last block(s) trained by the fast refresh."""
        index, inner = self._split()
        if inner is None:
            return self.features[index:]
        return nn.Sequential(_block_part(self.features[index], inner, None), *self.features[index + 1:])

    def grad_cam_target_layer(self) -> nn.Module:
        """Layer pytorch-grad-cam hooks: the last block of the backbone."""
        if self.architecture.startswith("densenet"):
            return self.features[-3]  # last dense block (before norm5 and the final ReLU)
        return self.features[-1]


class _DenseLayers(nn.Module):
    """A run of a torchvision dense block's layers, each fed the concatenation of all earlier maps.

    Splitting a dense block this way is exact: the first part returns the
    concatenation so far, and the second part starts from it.
    """

    def __init__(self, layers: list[nn.Module]):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers:
            features.append(layer(features))
        return torch.cat(features, 1)


def _block_part(block: nn.Module, start: int, stop: int | None) -> nn.Module:
    if isinstance(block, nn.ModuleDict):  # torchvision _DenseBlock
        return _DenseLayers(list(block.values())[start:stop])
    return block[start:stop]


class CamExport(nn.Module):
    """What is exported to ONNX: image -> (logits, CAM) in one forward pass."""

    def __init__(self, model: RadiNetModel):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor):
        return self.model.logits_and_cam(x)


def build_model(architecture: str = "resnet18", num_outputs: int = 1, head: str = "linear",
                pooling: str = "avg") -> RadiNetModel:
    return RadiNetModel(architecture, num_outputs, head, pooling)


def load_imagenet_state_dict(model: RadiNetModel, path) -> None:
    """Load a torchvision ImageNet state dict the user has on disk (never downloaded).

    ``torch.load(weights_only=True)`` only; the first conv is summed over RGB
    and the ImageNet classifier is dropped.
    """
    from core.errors import ModelFileError

    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except FileNotFoundError as err:
        raise ModelFileError(f"The ImageNet weights file {path} does not exist.") from err
    except Exception as err:
        raise ModelFileError(f"{path} is not a PyTorch state dict that can be loaded safely.") from err
    if not isinstance(state, dict):
        raise ModelFileError(f"{path} is not a torchvision state dict.")
    new_state = {}
    for key, tensor in state.items():
        # torchvision names: resnet 'conv1.weight', 'layer1...'; others 'features.conv0.weight', ...
        feat_key = key[len("features."):] if key.startswith("features.") else key
        if not isinstance(tensor, torch.Tensor) or feat_key not in model.features.state_dict():
            continue
        if key == model.first_conv_key and tensor.dim() == 4 and tensor.shape[1] == 3:
            tensor = tensor.sum(dim=1, keepdim=True)
        new_state[feat_key] = tensor
    expected = model.features.state_dict()
    if not new_state or any(expected[k].shape != v.shape for k, v in new_state.items()):
        raise ModelFileError(f"{path} does not hold {model.architecture} ImageNet weights.")
    model.features.load_state_dict(new_state, strict=False)
