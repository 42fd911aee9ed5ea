"""The training run, top to bottom: data -> model -> epochs -> best weights -> publish.

    for event in fit(TrainConfig(stage="target", body_part="wrist"), workspace, stop):
        ...

A plain generator of ProgressEvents: the CLI prints them, the GUI runs the
generator in a QThread, torchrun runs it on several processes (DDP; only
rank 0 writes files and registry rows). Epochs: a warm-up with a learnt
backbone frozen (its BatchNorm statistics too), then everything trains; Adam;
the plateau (or cosine) schedule and early stopping on the validation loss,
both pure functions in trainer.schedule, counting epochs only from the one
whose validation loss leaves the constant prediction's (a random start sits
there for a few epochs before it learns) and never a frozen warm-up epoch;
the best epoch's weights are kept (best: lowest validation loss, or highest
AUC with select_on="auc", among the epochs that trained everything; with
ema_decay the moving average of the weights is what is validated and kept).
The pretrain stage trains the backbone on reconstruction (trainer.pretrain).
Importing this module imports torch.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import math
import os
import threading
from collections.abc import Iterator
from dataclasses import asdict

import numpy as np
import torch

from core.errors import InputError
from core.store import registry
from trainer import checkpoints
from trainer.config import TASK_OF_STAGE, ProgressEvent, TrainConfig, default_lr, validate
from trainer.data import augment
from trainer.epoch import batch_plan, run_epoch
from trainer.evaluate import loss_on, metrics_of, predict_logits, public, with_confidence_intervals
from trainer.losses import constant_logits, loss_spec
from trainer.precision import autocast_dtype, grad_scaler
from core.evaluation.metrics import operating_points
from trainer.models import ARCHITECTURES, RadiNetModel, build_model, load_imagenet_state_dict
from trainer.publish import base_sidecar, publish
from trainer.run_data import RunData, prepare, preprocessing_of
from trainer.schedule import (PlateauState, cosine_warm_restarts_lr, left_constant_prediction, plateau_step,
                              should_stop_early)


class Stopped(Exception):
    """The stop flag was raised before training started."""


def distributed() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("No CUDA GPU is available on this machine; use --device cpu or auto.")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise InputError(f"Unknown device {name!r}; use auto, cpu or cuda.")
    return torch.device(name)


def resolve_init(store, config: TrainConfig) -> str:
    """--init auto follows the chain: pretrain -> body part (RadiNet) -> target -> fast refresh.

    Each stage starts from the published model of the stage before it; when a
    stage's models are all still candidates (a small validation split cannot
    pass the promotion rule), from its newest candidate, so the fracture model
    never starts from random weights while a RadiNet exists. A fast refresh
    refreshes what predicts today, so it takes published models only.
    """
    if config.init != "auto":
        return config.init
    order = {"pretrain": [],
             "body-part": [("pretrain", "all")],
             "target": [("body_part", "all"), ("pretrain", "all")],
             "fast-refresh": [("fracture", config.body_part), ("fracture", "all")]}[config.stage]
    for task, part in order:
        cid = registry.champion_id(store, registry.scope(task, part))
        if cid:
            return f"model:{cid}"
        newest = registry.latest(store, registry.scope(task, part)) if config.stage != "fast-refresh" else None
        if newest is not None:
            return f"model:{newest['id']}"
    if config.stage == "fast-refresh":
        raise InputError("A fast refresh needs a published fracture model; train one first (radinet train --stage target).")
    return "random"


def build(store, workspace, config: TrainConfig, task: str, classes: list[str]) -> tuple[RadiNetModel, str, str | None]:
    """(model, resolved init, parent id) with the backbone (and a matching head) taken from the parent.

    A fast refresh refreshes its parent, so it keeps the parent's head and pooling
    whatever the config says; other stages build what the config asks for.
    """
    outputs = len(classes) if task == "body_part" else 1
    init = resolve_init(store, config)
    if init != "random" and not init.startswith(("imagenet:", "model:")):
        raise InputError(f"Unknown --init {init!r}; use auto, random, imagenet:PATH or model:ID.")
    parent = sidecar = parent_id = None
    if init.startswith("model:"):
        parent_id = init.split(":", 1)[1]
        parent, sidecar = checkpoints.load_model(registry.model_file(workspace, registry.get(store, parent_id)))
        if parent.architecture != config.architecture:
            raise InputError(f"Model {parent_id} is a {parent.architecture}; train with --architecture "
                             f"{parent.architecture} to start from it.")
    head, pooling = ((parent.head_kind, parent.pooling) if parent is not None and config.stage == "fast-refresh"
                     else (config.head, config.pooling))
    model = build_model(config.architecture, outputs, head, pooling)
    if init.startswith("imagenet:"):
        path = init.split(":", 1)[1]
        load_imagenet_state_dict(model, path)
        return model, init, f"imagenet:{os.path.basename(path)}"
    if parent is not None:
        model.features.load_state_dict(parent.features.state_dict())
        # A head learnt on averaged features is not one for the peak location (or the reverse).
        if (parent.head_kind, parent.pooling) == (head, pooling) and sidecar.get("classes") == classes \
                and parent.num_outputs == outputs:
            model.head.load_state_dict(parent.head.state_dict())
    return model, init, parent_id


def run_key(config: TrainConfig, split_hash: str, n_train: int) -> str:
    """Identifies 'the same run' for resuming: everything but how and how long it runs."""
    relevant = {k: v for k, v in asdict(config).items()
                if k not in ("device", "threads", "resume", "promote", "export_onnx", "author", "epochs")}
    return hashlib.sha256(json.dumps([relevant, split_hash, n_train], sort_keys=True).encode()).hexdigest()[:16]


class _FastForward(torch.nn.Module):
    """Fast refresh: logits from cached early-layer outputs (tail + pooling + head)."""

    def __init__(self, model: RadiNetModel):
        super().__init__()
        self.model = model

    def forward(self, stem_out):
        return self.model.forward_from_maps(self.model.tail()(stem_out))


class Run:
    """One training run; :meth:`events` is the generator behind :func:`fit`."""

    def __init__(self, config: TrainConfig, workspace, stop: threading.Event):
        validate(config)
        if config.architecture not in ARCHITECTURES:
            raise InputError(f"Unknown architecture {config.architecture!r}; choose one of {', '.join(ARCHITECTURES)}.")
        self.c, self.ws, self.stop = config, workspace, stop
        self.task = TASK_OF_STAGE[config.stage]
        # The fast refresh's cached early layers; a full-depth refresh trains on the images like a target run.
        self.fast = config.stage == "fast-refresh" and config.refresh_depth == "tail"
        self.rank, self.world = distributed()
        self.device = pick_device(config.device)
        self.author = config.author or _user()

    def ev(self, kind: str, **kw) -> ProgressEvent:
        return ProgressEvent(kind=kind, stage=self.c.stage, epochs=self.c.epochs, **kw)

    def done_without_model(self, reason: str, **extra) -> ProgressEvent:
        result = {"model_id": None, "stage": self.c.stage, "promoted": False, "stopped": True, "reason": reason,
                  "val": None, **extra}
        return self.ev("done", message=reason, result=result)

    # ------------------------------------------------------------------ run
    def events(self) -> Iterator[ProgressEvent]:
        c = self.c
        yield self.ev("start", message=f"{c.stage}{'' if c.body_part == 'all' else ' (' + c.body_part + ')'}: "
                                       f"{c.architecture} at {c.image_size} px on {self.device.type}")
        if self.device.type == "cpu":
            torch.set_num_threads(c.threads or max(1, (os.cpu_count() or 1) // self.world))
            torch.set_flush_denormal(True)  # denormal floats late in training are very slow on x86 CPUs
        torch.manual_seed(c.seed)
        if self.rank == 0:
            # Model files a killed publish left behind (unregistered, older than this run) are removed.
            from core.store.model_gc import startup_check

            startup_check(self.ws)
        self.store = self.ws.connect()
        try:
            self.data: RunData = yield from prepare(self.ws, self.store, c, self.stop, self.ev, Stopped())
            self.model, self.init, self.parent_id = build(self.store, self.ws, c, self.task, self.data.classes)
            self.model.to(self.device)
            self.lr = c.lr if c.lr is not None else default_lr(self.init, c.stage)
            yield self.ev("log", message=f"initialised from {self.init}; learning rate {self.lr:g}")
            if self.task == "pretrain":
                yield from self.pretrain()
            else:
                if self.fast:
                    yield from self.cache_stem_outputs()
                yield from self.epochs()
            if self.stopped:
                yield self.done_without_model("stopped before the end; run the same command again to resume",
                                              val=public(self.best_val))
                return
            result = self.finish()
            yield self.ev("done", epoch=self.epoch, val=result.get("val"), result=result,
                          message=f"{result['model_id']}: {result['reason']}")
        except Stopped:
            yield self.done_without_model("stopped before training started")
        finally:
            self.store.close()

    # ------------------------------------------------------------- pretrain
    def pretrain(self) -> Iterator[ProgressEvent]:
        from trainer.pretrain import pretrain_features

        c = self.c
        self.epoch, self.stopped, self.best_val, self.history = 0, False, None, []
        self.images_per_second = []
        arrays = self.data["train"].arrays
        for item in pretrain_features(self.model, arrays, epochs=c.epochs, lr=self.lr, batch_size=c.batch_size,
                                      device=self.device, stop=self.stop, seed=c.seed, objective=c.pretrain_objective,
                                      precision=c.precision):
            if self.stop.is_set():
                self.stopped = True
                return
            kind = item.get("kind")
            if kind == "epoch":
                self.epoch = int(item.get("epoch", self.epoch + 1))
                self.history.append({"epoch": self.epoch, "loss": item.get("loss")})
                yield self.ev("epoch", epoch=self.epoch, loss=item.get("loss"), lr=self.lr,
                              val={"reconstruction_loss": item.get("loss")}, eta_s=item.get("eta_s"))
            elif kind == "batch":
                yield self.ev("batch", epoch=int(item.get("epoch", self.epoch + 1)), batch=int(item.get("batch", 0)),
                              batches=int(item.get("batches", 0)), loss=item.get("loss"), lr=self.lr,
                              eta_s=item.get("eta_s"))
        self.stopped = self.stop.is_set()

    @torch.no_grad()
    def cache_stem_outputs(self) -> Iterator[ProgressEvent]:
        """Fast refresh: the frozen early layers run once per image (and its mirror image)."""
        stem = self.model.stem().eval()
        for p in stem.parameters():
            p.requires_grad_(False)
        self.stem_out = {}
        for name, split in self.data.splits.items():
            outs, flips = [], []
            for start in range(0, len(split), 32):
                if self.stop.is_set():
                    raise Stopped
                x = torch.from_numpy(split.arrays[start:start + 32].astype(np.float32))[:, None].to(self.device)
                outs.append(stem(self.model.normalise(x)).half().cpu())
                if name == "train" and self.c.augment:
                    flips.append(stem(self.model.normalise(torch.flip(x, dims=[3]))).half().cpu())
                yield self.ev("log", message=f"caching early-layer outputs ({name})")
            self.stem_out[name] = (torch.cat(outs) if outs else None, torch.cat(flips) if flips else None)

    # --------------------------------------------------------------- epochs
    def train_module(self, frozen_backbone: bool):
        """The module whose forward gives training logits (frozen parts set; DDP-wrapped when distributed)."""
        self.model.set_backbone_trainable(not frozen_backbone)
        if self.fast:
            for p in self.model.stem().parameters():
                p.requires_grad_(False)
        module = _FastForward(self.model) if self.fast else self.model
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            module = DDP(module, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        return module

    def batch_input(self, idx: np.ndarray, gen: torch.Generator) -> torch.Tensor:
        if self.fast:
            plain, flipped = self.stem_out["train"]
            x = plain[idx]
            if flipped is not None:
                use_flip = torch.rand(len(idx), generator=gen) < 0.5
                x = torch.where(use_flip.view(-1, 1, 1, 1), flipped[idx], x)
            return x.float().to(self.device, non_blocking=True)
        x = torch.from_numpy(self.data["train"].arrays[idx].astype(np.float32))[:, None]
        if self.c.augment:
            x = augment(x, gen, shift=self.c.shift)
        return x.to(self.device, non_blocking=True)

    def evaluate(self, split: str, model: RadiNetModel | None = None) -> dict:
        model = model or self.model
        maps = self.stem_out[split][0] if (self.fast and model is self.model) else None
        logits = predict_logits(model, self.data[split].arrays, self.device, from_maps=maps)
        return metrics_of(self.task, self.data[split], logits, self.spec, self.study_level)

    def epochs(self) -> Iterator[ProgressEvent]:
        c, train = self.c, self.data["train"]
        self.study_level = bool(c.study_level and self.task == "fracture")
        self.spec = loss_spec(self.task, train.targets, train.weights, max(len(self.data.classes), 2),
                              class_weights=c.class_weights, weighted_sampling=c.weighted_sampling)
        self.constant_loss = self.constant_prediction_loss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.lr, betas=(0.9, 0.999))
        self.plateau = PlateauState(lr=self.lr)
        amp_dtype = autocast_dtype(self.device, c.precision)
        scaler = grad_scaler(self.device, amp_dtype)
        self.epoch, self.best_loss, self.best_val, self.best_state, self.bad_epochs = 0, math.inf, None, None, 0
        self.history, self.stopped, self.images_per_second = [], False, []
        self.onset_epoch = None  # the first epoch whose validation loss left the constant prediction's
        self.key = run_key(c, self.data.split_hash, len(train))
        # With ema_decay, the moving average of the weights is what is validated and kept; a resumed run
        # continues the average it saved.
        self.ema = None
        if c.ema_decay:
            from torch.optim.swa_utils import AveragedModel

            from trainer.averaging import ema_with_running_mean_start

            self.ema = AveragedModel(self.model, multi_avg_fn=ema_with_running_mean_start(c.ema_decay),
                                     use_buffers=True)
        start_epoch = self.try_resume()
        if start_epoch:
            # The workstation's dock recognises this prefix ("resumed after epoch") and offers a fresh start.
            yield self.ev("log", epoch=start_epoch, message=f"resumed after epoch {start_epoch} (an interrupted run "
                                                            f"with the same settings; --no-resume starts afresh)")
        # A learnt backbone is protected from a random head for the warm-up; a random one has nothing to protect.
        # A refresh starts from a whole fracture model (its head included): nothing new to protect the backbone from.
        warmup = 0 if (c.stage == "fast-refresh" or self.init == "random") else min(c.warmup_epochs, c.epochs - 1)
        module, module_frozen = None, None
        for epoch in range(start_epoch, c.epochs):
            self.epoch = epoch + 1
            lr = (cosine_warm_restarts_lr(self.lr, epoch) if c.schedule == "cosine" else self.plateau.lr)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            frozen = epoch < warmup
            if module is None or module_frozen != frozen:
                module, module_frozen = self.train_module(frozen), frozen
            gen = torch.Generator().manual_seed(c.seed * 1000 + epoch)
            batches = batch_plan(train, batch_size=c.batch_size, seed=c.seed, epoch=epoch,
                                 study_level=self.study_level, weighted_sampling=c.weighted_sampling,
                                 n_classes=len(self.data.classes), rank=self.rank, world=self.world)
            summary = None
            for step in run_epoch(module, self.optimizer, scaler, self.spec, train, batches,
                                  lambda idx: self.batch_input(idx, gen), self.device, self.stop,
                                  study_level=self.study_level, amp_dtype=amp_dtype):
                if step.get("stopped"):
                    self.stopped = True
                    self.save_resume(epoch)  # this epoch starts again on resume
                    return
                if step.get("done"):
                    summary = step
                    break
                if self.ema is not None:
                    self.ema.update_parameters(self.model)
                remaining = (step["batches"] - step["batch"]) + (c.epochs - epoch - 1) * step["batches"]
                yield self.ev("batch", epoch=self.epoch, batch=step["batch"], batches=step["batches"],
                              loss=step["loss"], lr=lr, eta_s=remaining * step["seconds_per_batch"])
            if epoch >= 1:  # the first epoch pays one-off costs
                self.images_per_second.append(summary["seen"] * self.world / max(summary["seconds"], 1e-9))
            validated = self.model if self.ema is None else self.ema.module
            val = self.evaluate("val", validated)
            val["train_loss"] = summary["train_loss"]
            learning = self.onset_epoch is not None
            if not learning and left_constant_prediction(val["loss"], self.constant_loss):
                self.onset_epoch, learning = self.epoch, True
                if self.epoch > 1:
                    yield self.ev("log", epoch=self.epoch, message=(
                        f"learning from the images since epoch {self.epoch}: validation loss {val['loss']:.3f}, "
                        f"below the constant prediction's {self.constant_loss:.3f}"))
            # Before the onset the rate is held and no epoch counts towards early stopping (trainer.schedule).
            # Nor does a frozen warm-up epoch: the probe's loss is no baseline for the whole network, whose
            # loss rises for an epoch or two after unfreezing (the rate was cut at epoch 6 for that).
            if learning and not frozen:
                self.plateau = plateau_step(self.plateau, val["loss"], patience=c.plateau_patience)
            # best_loss holds the figure epochs are chosen on: the loss, or minus the AUC with select_on="auc".
            score = -val["auc"] if (c.select_on == "auc" and val.get("auc") is not None) else val["loss"]
            # A warm-up epoch (backbone frozen) only fits the new head to the parent's features: a linear probe
            # of RadiNet's body-part features, not yet a fracture model. It is never the model kept, and early
            # stopping waits for the first epoch that trained everything. On the wrist target (24 validation
            # studies) 5 of 29 runs kept the probe, whose loss was a hair lower, and scored 0.45-0.50 on fresh
            # studies (issue 11 note).
            improved = not frozen and score < self.best_loss - 1e-6
            if improved:
                self.best_loss, self.best_val = score, val
                self.best_state = {k: v.detach().cpu().clone() for k, v in validated.state_dict().items()}
            self.bad_epochs = 0 if (improved or not learning or frozen) else self.bad_epochs + 1
            self.history.append({"epoch": self.epoch, "lr": lr, "best": improved, "learning": learning,
                                 **{k: val.get(k) for k in ("loss", "auc", "accuracy", "train_loss")}})
            self.save_resume(epoch + 1)
            yield self.ev("epoch", epoch=self.epoch, batches=len(batches), loss=val["train_loss"], lr=lr,
                          val=public(val), eta_s=(c.epochs - epoch - 1) * summary["seconds"])
            if should_stop_early(self.bad_epochs, c.early_stopping_patience):
                yield self.ev("log", epoch=self.epoch, message="early stopping: validation loss stopped improving")
                break
        if self.onset_epoch is None and self.epoch == c.epochs and not self.stopped:
            yield self.ev("log", epoch=self.epoch, message=(
                f"the validation loss never went below the constant prediction's ({self.constant_loss:.3f}): "
                f"the model has not yet learnt from the images; more labelled studies or more epochs may help"))
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)

    def constant_prediction_loss(self) -> float:
        """Validation loss of the best image-blind prediction on the training split (trainer.losses)."""
        train, val = self.data["train"], self.data["val"]
        if len(val) == 0:
            return math.inf
        if self.study_level:
            const = constant_logits(self.spec, train.study_targets(), train.study_weights(), self.model.num_outputs)
        else:
            const = constant_logits(self.spec, train.targets, train.weights, self.model.num_outputs)
        return loss_on(self.spec, val, np.tile(const, (len(val), 1)), self.study_level)

    # ------------------------------------------------------------ resuming
    def save_resume(self, next_epoch: int) -> None:
        if self.rank != 0:
            return
        state = {"next_epoch": next_epoch, "best_loss": self.best_loss if math.isfinite(self.best_loss) else None,
                 "best_val": self.best_val, "bad_epochs": self.bad_epochs, "onset_epoch": self.onset_epoch,
                 "history": self.history, "init": self.init, "parent_id": self.parent_id, "lr": self.lr,
                 "plateau": self.plateau.as_dict()}
        checkpoints.save_resume(self.ws.models_dir, self.key, self.model, self.optimizer, state, self.best_state,
                                averaged=self.ema)

    def try_resume(self) -> int:
        if not self.c.resume:
            return 0
        found = checkpoints.load_resume(self.ws.models_dir, self.key)
        if found is None:
            return 0
        meta, saved = found
        model_t, best_t, opt_t = saved["model"], saved["best"] or None, saved["opt"]
        try:
            self.model.load_state_dict(model_t)
            if self.ema is not None and saved["averaged"]:
                # The interrupted run's average. Without one it starts afresh: an AveragedModel that has
                # averaged nothing copies the weights (here the resumed ones) at its first update.
                self.ema.load_state_dict(saved["averaged"])
            opt_state = {"state": {}, "param_groups": []}
            for key, value in opt_t.items():
                idx, name = key.split(".", 1)
                opt_state["state"].setdefault(int(idx), {})[name] = value
            groups = self.optimizer.state_dict()["param_groups"]
            for g, saved in zip(groups, meta["param_groups"]):
                opt_state["param_groups"].append({**saved, "params": g["params"]})
            self.optimizer.load_state_dict(opt_state)
            self.plateau = PlateauState.from_dict(meta["plateau"])
        except (RuntimeError, KeyError, ValueError, TypeError):
            return 0  # incompatible leftovers: start afresh
        self.best_loss = meta["best_loss"] if meta["best_loss"] is not None else math.inf
        self.best_val, self.bad_epochs, self.history = meta["best_val"], meta["bad_epochs"], meta["history"]
        self.onset_epoch = meta.get("onset_epoch")
        self.best_state = best_t
        self.init, self.parent_id = meta.get("init", self.init), meta.get("parent_id", self.parent_id)
        self.lr = meta.get("lr", self.lr)
        return int(meta["next_epoch"])

    # ----------------------------------------------------------- publishing
    def finish(self) -> dict:
        c = self.c
        prep = preprocessing_of(c)
        training = {"epochs_run": self.epoch, "images": len(self.data["train"]),
                    "learning_from_epoch": getattr(self, "onset_epoch", None), "device": self.device.type,
                    "processes": self.world, "images_per_second": self.images_per_second, "lr": self.lr,
                    "skipped_images": self.data.skipped}
        if self.task == "pretrain":
            val, test, ops = None, None, {}
            metrics = {"history": self.history}
        else:
            n_boot = c.bootstrap_resamples
            val = with_confidence_intervals(self.task, self.best_val or self.evaluate("val"), n_boot, c.seed)
            test = with_confidence_intervals(self.task, self.evaluate("test"), n_boot, c.seed)
            ops = (operating_points(np.array(val.get("_study_y", [])), np.array(val.get("_study_p", [])))
                   if self.task == "fracture" else {})
            metrics = {"val": public(val), "test": public(test), "history": self.history}
        sidecar = base_sidecar(c, self.task, self.data.classes, prep, self.parent_id, self.init,
                               self.data.split_hash, metrics, ops, training)
        decision = {"model_id": None, "promoted": False, "reason": "not decided"}
        if self.rank == 0:
            decision = publish(self.ws, self.store, self.model, c, sidecar, self.data["val"], val or {}, self.author,
                               self.device)
            if self.task != "pretrain":
                checkpoints.clear_resume(self.ws.models_dir, self.key)
        result = {**decision, "stage": c.stage, "task": self.task, "body_part": c.body_part,
                  "val": public(val), "test": public(test), "parent_id": self.parent_id, "init": self.init,
                  "skipped_images": len(self.data.skipped),
                  "images_per_second": float(np.mean(self.images_per_second)) if self.images_per_second else None}
        if self.world > 1:
            shared = [result]
            torch.distributed.broadcast_object_list(shared, src=0)
            result = shared[0]
            # Every rank has the result before any leaves: a rank that tears the group down while another
            # still has a collective in flight can abort both processes (gloo).
            torch.distributed.barrier()
        return result


def _user() -> str:
    try:
        from core.store.workspace import current_user

        return current_user()
    except Exception:  # noqa: BLE001
        return getpass.getuser()


def fit(config: TrainConfig, workspace, stop: threading.Event | None = None) -> Iterator[ProgressEvent]:
    """Train one stage; yields progress events, the last one of kind "done" with the result."""
    return Run(config, workspace, stop or threading.Event()).events()
