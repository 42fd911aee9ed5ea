"""What a training run is asked to do (TrainConfig) and what it reports (ProgressEvent).

Defaults are the ones measured on the demo (see the issue 11 note and
``bench/bench_table2.py``); the paper's Adam at lr 1e-4 suits an ImageNet
start, so the learning rate, when not given, depends on the initialisation
(:func:`default_lr`).
"""

from __future__ import annotations

from dataclasses import dataclass

STAGES = ("pretrain", "body-part", "target", "fast-refresh")
PRECISIONS = ("auto", "fp32", "bf16")   # the training step's arithmetic: trainer.precision
TASK_OF_STAGE = {"pretrain": "pretrain", "body-part": "body_part", "target": "fracture",
                 "fast-refresh": "fracture"}
BODY_PARTS = ("all", "shoulder", "humerus", "elbow", "forearm", "wrist", "hand", "finger")
# The torchvision backbones trainer.models builds; here, torch-free, so the workstation's settings can offer them.
ARCHITECTURES = ("resnet18", "resnet50", "densenet121", "densenet169", "efficientnet_b0", "mobilenet_v3_large")
REFRESH_DEPTHS = ("tail", "full")  # fast refresh: last block on cached early layers | every layer on the images
HEADS = ("linear", "mlp")         # trainer.models: one linear layer | the paper's stack of dense layers
POOLINGS = ("avg", "max")        # trainer.models: average the feature maps | the class activation map's peak


@dataclass
class TrainConfig:
    stage: str = "target"            # pretrain | body-part | target | fast-refresh
    body_part: str = "all"           # target / fast refresh: one body part (RadiNet_wrist) or all
    architecture: str = "resnet18"
    head: str = "linear"
    pooling: str = "avg"             # avg: average the feature maps | max: the highest location of the CAM
    image_size: int = 256
    crop: str = "body"               # body: crop to the body region | border: uniform frame borders only
    epochs: int = 12
    batch_size: int = 16
    init: str = "auto"               # auto | random | imagenet:PATH | model:ID
    device: str = "auto"             # auto | cpu | cuda
    max_images: int | None = None    # cap on training images (quick runs, benchmarks)
    seed: int = 0
    clahe: bool = False
    denoise: str = "none"            # none | median | bilateral (SimpleITK, before resizing)
    lr: float | None = None          # None: default_lr(initialisation)
    schedule: str = "plateau"        # plateau (ReduceLROnPlateau) | cosine (warm restarts)
    warmup_epochs: int = 1           # epochs with the backbone frozen (learnt backbones only)
    # fast refresh: tail trains the last block on cached early-layer outputs (no intensity augmentation);
    # full fine-tunes every layer of the published model on the images, with augmentation, no frozen warm-up.
    # Measured (bench/bench_corrections.py --labelled 100, wrist, 128 px, seeds 0-2; issue 11 note): after 300
    # corrections tail (6 epochs) 0.786 / 0.795 / 0.831, full (4 epochs) 0.857 / 0.859 / 0.850; after the first
    # 50, full was the worse in 2 of 3 seeds (0.706 / 0.634 / 0.764 against 0.676 / 0.713 / 0.784). Both take
    # 14-43 s there, but full pays a whole pass over the images per epoch (minutes on a large workspace at
    # 256 px), so tail stays the default.
    refresh_depth: str = "tail"
    plateau_patience: int = 3
    early_stopping_patience: int = 5
    # fracture: False copies the study's label to each view; True takes the loss on the study's pooled logit
    # (multiple-instance). Measured (bench/bench_single_part.py, forearm, 1,000 studies all labelled, 128 px,
    # 14 epochs, 150 fresh studies): image level 0.796 / 0.847, study level 0.774 / 0.716 (seeds 0 / 1);
    # locked test split 0.849 / 0.833 vs 0.778 / 0.788. Image level also leaves the constant loss sooner.
    study_level: bool = False
    class_weights: bool = True       # fracture: pos_weight = negatives/positives (unless weighted_sampling)
    weighted_sampling: bool = False  # oversample the rarer class instead of weighting the loss
    augment: bool = True
    shift: int = 0                   # augmentation: random whole-pixel translation up to this many pixels
    select_on: str = "loss"          # the epoch kept (and early stopping): lowest validation loss | highest AUC
    # >0: validate and keep a moving average of the weights (trainer.averaging); 0: the weights themselves.
    # 0.99 measured on the Table 2 wrist target (6,000 studies, training seeds 0-2, AUC on 600 fresh studies
    # of a selection set; issue 11 note): RadiNet_wrist 0.783 +- 0.029 -> 0.830 +- 0.009, where the epoch kept
    # had been chosen on a validation loss swinging +-0.04 from epoch to epoch; on 400 training images, no
    # gain (0.745 -> 0.738; random start 0.613 -> 0.582, inside the seeds' spread).
    ema_decay: float = 0.99
    threads: int | None = None       # CPU threads (default: cores / processes)
    precision: str = "auto"          # trainer.precision: auto (CUDA float16, CPU float32) | fp32 | bf16
    resume: bool = True
    promote: bool = True             # publish when the promotion rule allows it
    export_onnx: bool = True         # every registered model gets its ONNX next to it
    author: str | None = None
    split_seed: int = 0              # patient split seed (keep fixed: it locks the validation split)
    # Promotion rule (issue 11 section 4); tests on tiny workspaces lower the minimum.
    min_val_studies_per_class: int = 20
    promotion_margin: float = -0.02
    bootstrap_resamples: int = 1000
    # pretrain stage
    pretrain_objective: str = "autoencoder"  # trainer.pretrain.DEFAULT_OBJECTIVE; objectives within noise (issue 11 note)


@dataclass
class ProgressEvent:
    kind: str                        # "start" | "batch" | "epoch" | "log" | "done"
    stage: str
    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    loss: float | None = None
    lr: float | None = None
    val: dict | None = None
    eta_s: float | None = None
    message: str = ""
    result: dict | None = None


def init_kind(init: str) -> str:
    """random | imagenet | model (a learnt backbone of ours)."""
    return init.split(":", 1)[0] if ":" in init else init


def default_lr(init: str, stage: str) -> float:
    """Adam learning rate for an initialisation, when the user gives none.

    ImageNet features are fine-tuned gently (the paper's 1e-4); random, our
    own pretrained and RadiNet backbones take 3e-4. Measured for a random start
    (bench/bench_single_part.py, forearm, 1,000 studies all labelled, 128 px):
    at 1e-3 the loss left the constant prediction at epochs 5-12 or not at all
    within 14 epochs (seed 0: epoch 11, fresh AUC 0.677); at 3e-4 at epochs 3-4
    on seeds 0, 1 and 2 (issue 11 note). The pretrain and body-part stages from random take the same
    3e-4 since (1e-3 before, never measured against it); Table 2 of that note ran them so.
    """
    kind = init_kind(init)
    if stage == "fast-refresh":
        return 3e-4
    return {"imagenet": 1e-4}.get(kind, 3e-4)


def validate(config: TrainConfig) -> None:
    from core.errors import InputError

    if config.stage not in STAGES:
        raise InputError(f"Unknown stage {config.stage!r}; use {', '.join(STAGES)}.")
    if config.body_part not in BODY_PARTS:
        raise InputError(f"Unknown body part {config.body_part!r}; use {', '.join(BODY_PARTS)}.")
    if config.body_part != "all" and config.stage in ("pretrain", "body-part"):
        raise InputError(f"The {config.stage} stage learns from every body part; --body-part is for the "
                         f"target and fast-refresh stages.")
    if config.epochs < 1 or config.batch_size < 2 or config.image_size < 32:
        raise InputError("Epochs must be at least 1, the batch size at least 2 and the image size at least 32 pixels.")
    if config.pooling not in POOLINGS:
        raise InputError(f"Unknown pooling {config.pooling!r}; use {' or '.join(POOLINGS)}.")
    if config.crop not in ("body", "border"):
        raise InputError(f"Unknown crop {config.crop!r}; use body or border.")
    if config.denoise not in ("none", "median", "bilateral"):
        raise InputError(f"Unknown denoising {config.denoise!r}; use none, median or bilateral.")
    if config.schedule not in ("plateau", "cosine"):
        raise InputError(f"Unknown schedule {config.schedule!r}; use plateau or cosine.")
    if config.shift < 0 or config.shift * 4 >= config.image_size:
        raise InputError("The shift must be at least 0 and under a quarter of the image size, e.g. 8 pixels.")
    if config.refresh_depth not in REFRESH_DEPTHS:
        raise InputError(f"Unknown refresh depth {config.refresh_depth!r}; use {' or '.join(REFRESH_DEPTHS)}.")
    if config.select_on not in ("loss", "auc"):
        raise InputError(f"Unknown --select-on {config.select_on!r}; use loss or auc.")
    if not 0 <= config.ema_decay < 1:
        raise InputError("The moving-average decay must be at least 0 and below 1, e.g. 0.95 (0: off).")
    if config.lr is not None and not (0 < config.lr < 1):
        raise InputError("The learning rate must be between 0 and 1, e.g. 1e-3.")
