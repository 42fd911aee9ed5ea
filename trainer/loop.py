"""The training loop: a plain generator yielding progress events.

    for event in train(TrainConfig(stage="target"), workspace, stop_event):
        ...

The CLI iterates it, the GUI runs it inside a QThread, torchrun runs it on
several processes (DistributedDataParallel; only rank 0 writes files and the
registry). Read top to bottom: data -> model -> epochs (warm-up with the
backbone frozen, then full fine-tuning) -> checkpoint -> promotion decision.

As in the paper: Adam (lr 1e-4, betas 0.9/0.999), ReduceLROnPlateau (factor
0.1, patience 3, floor 1e-7) and early stopping on the validation loss, the
best epoch's weights kept. ``stage="fast-refresh"`` freezes the early layers,
computes their outputs once per image and trains only the last block and the
head on them.

Importing this module imports torch.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.errors import InputError
from core.store import registry
from trainer import checkpoints
from trainer.data import TASK_OF_STAGE, augment, collect, model_ready_arrays
from trainer.export_onnx import probabilities
from trainer.metrics import binary_metrics, multiclass_metrics, operating_points, study_level
from trainer.models import ARCHITECTURES, RadiNetModel, build_model, load_imagenet_state_dict

STAGES = ("body-part", "target", "fast-refresh")


@dataclass
class TrainConfig:
    stage: str = "target"            # "body-part" | "target" | "fast-refresh"
    architecture: str = "resnet18"
    head: str = "linear"
    image_size: int = 320
    epochs: int = 10
    batch_size: int = 16
    init: str = "auto"               # auto | random | imagenet:PATH | model:ID
    device: str = "auto"             # auto | cpu | cuda
    max_images: int | None = None    # cap on training images (quick runs, benchmarks)
    seed: int = 0
    clahe: bool = False
    lr: float = 1e-4
    warmup_epochs: int = 1           # epochs with the backbone frozen (target stage)
    plateau_patience: int = 3
    early_stopping_patience: int = 5
    class_weights: bool = True
    weighted_sampling: bool = False
    augment: bool = True
    threads: int | None = None       # CPU threads (default: cores / processes)
    resume: bool = True
    promote: bool = True             # publish when not worse than the champion
    export_onnx: bool = True         # every published model gets its ONNX next to it
    author: str | None = None
    split_seed: int = 0              # patient split seed (keep fixed: it locks the validation split)


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


def _distributed() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("No CUDA GPU is available on this machine; use --device cpu or auto.")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise InputError(f"Unknown device {name!r}; use auto, cpu or cuda.")
    return torch.device(name)


def _model_id(stage: str, architecture: str) -> str:
    prefix = {"body-part": "radinet", "target": "fracture", "fast-refresh": "fracture-refresh"}[stage]
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{prefix}-{architecture}-{stamp}-{secrets.token_hex(2)}"


def _run_key(config: TrainConfig, split_hash: str, n_train: int) -> str:
    relevant = {k: v for k, v in asdict(config).items()
                if k not in ("device", "threads", "resume", "promote", "export_onnx", "author", "epochs")}
    return hashlib.sha256(json.dumps([relevant, split_hash, n_train], sort_keys=True).encode()).hexdigest()[:16]


class _Stopped(Exception):
    pass


class _Trainer:
    """State of one run; ``events()`` is the generator behind :func:`train`."""

    def __init__(self, config: TrainConfig, workspace, stop: threading.Event):
        if config.stage not in STAGES:
            raise InputError(f"Unknown stage {config.stage!r}; use body-part, target or fast-refresh.")
        if config.architecture not in ARCHITECTURES:
            raise InputError(f"Unknown architecture {config.architecture!r}; choose one of {', '.join(ARCHITECTURES)}.")
        if config.epochs < 1 or config.batch_size < 1 or config.image_size < 32:
            raise InputError("Epochs and batch size must be at least 1 and the image size at least 32 pixels.")
        self.c, self.ws, self.stop = config, workspace, stop or threading.Event()
        self.task = TASK_OF_STAGE[config.stage]
        self.fast = config.stage == "fast-refresh"
        self.rank, self.world = _distributed()
        self.device = _device(config.device)
        self.author = config.author or _user()

    def ev(self, kind: str, **kw) -> ProgressEvent:
        return ProgressEvent(kind=kind, stage=self.c.stage, epochs=self.c.epochs, **kw)

    # ------------------------------------------------------------------ run
    def events(self) -> Iterator[ProgressEvent]:
        c = self.c
        yield self.ev("start", message=f"{c.stage}: {c.architecture} at {c.image_size} px on {self.device.type}")
        if self.device.type == "cpu":
            torch.set_num_threads(c.threads or max(1, (os.cpu_count() or 1) // self.world))
            # Denormal floats (tiny gradients late in training) are very slow on x86 CPUs.
            torch.set_flush_denormal(True)
        torch.manual_seed(c.seed)
        self.store = self.ws.connect()
        try:
            yield from self._prepare_data()
            yield from self._build_model()
            yield from self._epochs()
            if self.stopped:
                yield self.ev("done", epoch=self.epoch, message="stopped; run the same command again to resume",
                              result={"model_id": None, "stage": c.stage, "promoted": False, "stopped": True,
                                      "reason": "stopped before the end; the run can be resumed",
                                      "val": self._public(self.best_val) if self.best_val else None})
                return
            result = self._finish()
            yield self.ev("done", epoch=self.epoch, val=result["val"], result=result,
                          message=f"{result['model_id']}: {result['reason']}")
        except _Stopped:
            yield self.ev("done", message="stopped while preparing data",
                          result={"model_id": None, "stage": c.stage, "promoted": False, "stopped": True,
                                  "reason": "stopped before training started", "val": None})
        finally:
            self.store.close()

    # ----------------------------------------------------------------- data
    def _prepare_data(self) -> Iterator[ProgressEvent]:
        c = self.c
        data = collect(self.store, self.task, c.split_seed)
        self.classes, self.split_hash = data.classes, data.split_hash
        train = data.of_split("train")
        if c.max_images is not None and len(train) > c.max_images:
            keep = np.random.default_rng(c.seed).permutation(len(train))[:c.max_images]
            train = [train[i] for i in sorted(keep)]
        val, test = data.of_split("val"), data.of_split("test")
        if len(self.classes) < 2 or len({s.target for s in train}) < 2:
            what = "fracture labels (positive and negative)" if self.task == "fracture" else "body parts (two or more)"
            raise InputError(f"The workspace has too few training images with {what} to train the {c.stage} model.")
        if not val:
            raise InputError("The workspace has no validation images yet; import or label more studies before training.")
        self.samples = {"train": train, "val": val, "test": test}
        self.arrays = {}
        total = sum(len(v) for v in self.samples.values())
        done = 0
        for split, samples in self.samples.items():
            parts = []
            for start in range(0, len(samples), 32):
                if self.stop.is_set():
                    raise _Stopped
                parts.append(model_ready_arrays(self.ws, samples[start:start + 32], c.image_size, c.clahe))
                done += len(parts[-1])
                yield self.ev("log", batch=done, batches=total, message=f"preparing images {done}/{total}")
            self.arrays[split] = np.concatenate(parts) if parts else np.zeros((0, c.image_size, c.image_size), np.float16)
        self.targets = {k: np.array([s.target for s in v], dtype=np.int64) for k, v in self.samples.items()}
        self.weights = {k: np.array([s.weight for s in v], dtype=np.float32) for k, v in self.samples.items()}

    # ---------------------------------------------------------------- model
    def _resolve_init(self) -> str:
        init = self.c.init
        if init != "auto":
            return init
        if self.c.stage == "body-part":
            return "random"
        order = ["fracture", "body_part"] if self.fast else ["body_part"]
        for task in order:
            cid = registry.champion_id(self.store, task)
            if cid:
                return f"model:{cid}"
        if self.fast:
            raise InputError("A fast refresh needs a published fracture or RadiNet model; train one first.")
        return "random"

    def _build_model(self) -> Iterator[ProgressEvent]:
        c = self.c
        outputs = 1 if self.task == "fracture" else len(self.classes)
        model = build_model(c.architecture, outputs, c.head)
        self.init = self._resolve_init()
        self.parent_id = None
        if self.init.startswith("imagenet:"):
            path = self.init.split(":", 1)[1]
            load_imagenet_state_dict(model, path)
            self.parent_id = f"imagenet:{os.path.basename(path)}"
        elif self.init.startswith("model:"):
            parent_id = self.init.split(":", 1)[1]
            row = registry.get(self.store, parent_id)
            parent, sidecar = checkpoints.load_model(registry.model_file(self.ws, row))
            if parent.architecture != c.architecture:
                raise InputError(f"Model {parent_id} is a {parent.architecture}; train with --architecture "
                                 f"{parent.architecture} to start from it.")
            model.features.load_state_dict(parent.features.state_dict())
            if parent.head_kind == c.head and sidecar.get("classes") == self.classes and parent.num_outputs == outputs:
                model.head.load_state_dict(parent.head.state_dict())
            self.parent_id = parent_id
        elif self.init != "random":
            raise InputError(f"Unknown --init {self.init!r}; use auto, random, imagenet:PATH or model:ID.")
        self.model = model.to(self.device)
        self.run_key = _run_key(c, self.split_hash, len(self.samples["train"]))
        if self.fast:
            yield from self._cache_stem_outputs()
        yield self.ev("log", message=f"initialised from {self.init}")

    @torch.no_grad()
    def _cache_stem_outputs(self) -> Iterator[ProgressEvent]:
        """Fast refresh: the frozen early layers run once per image (and its mirror image)."""
        stem = self.model.stem().eval()
        for p in stem.parameters():
            p.requires_grad_(False)
        self.stem_out = {}
        for split, arr in self.arrays.items():
            outs, flips = [], []
            for start in range(0, len(arr), 32):
                if self.stop.is_set():
                    raise _Stopped
                x = torch.from_numpy(arr[start:start + 32].astype(np.float32))[:, None].to(self.device)
                outs.append(stem(self.model.normalise(x)).half().cpu())
                if split == "train" and self.c.augment:
                    flips.append(stem(self.model.normalise(torch.flip(x, dims=[3]))).half().cpu())
                yield self.ev("log", message=f"caching early-layer outputs ({split})")
            self.stem_out[split] = (torch.cat(outs) if outs else None, torch.cat(flips) if flips else None)

    # --------------------------------------------------------------- epochs
    def _loss_fn(self):
        t, w = self.targets["train"], self.weights["train"]
        if self.task == "fracture":
            pos = float((w * (t == 1)).sum()); neg = float((w * (t == 0)).sum())
            pos_weight = torch.tensor([neg / pos if (self.c.class_weights and pos > 0) else 1.0], device=self.device)

            def loss(logits, target, weight):
                raw = F.binary_cross_entropy_with_logits(logits[:, 0], target.float(), reduction="none",
                                                         pos_weight=pos_weight)
                return (raw * weight).sum() / weight.sum().clamp_min(1e-6)
            return loss
        counts = np.bincount(t, minlength=len(self.classes)).astype(np.float64)
        cw = np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / len(self.classes), 0.0)
        class_weight = torch.tensor(cw if self.c.class_weights else np.ones_like(cw), dtype=torch.float32,
                                    device=self.device)

        def loss(logits, target, weight):
            raw = F.cross_entropy(logits, target, weight=class_weight, reduction="none")
            return (raw * weight).sum() / weight.sum().clamp_min(1e-6)
        return loss

    def _epoch_order(self, epoch: int) -> np.ndarray:
        n = len(self.samples["train"])
        rng = np.random.default_rng([self.c.seed, epoch])
        if self.c.weighted_sampling:
            t = self.targets["train"]
            freq = np.bincount(t, minlength=len(self.classes))[t]
            p = self.weights["train"] / np.maximum(freq, 1)
            order = rng.choice(n, size=n, replace=True, p=p / p.sum())
        else:
            order = rng.permutation(n)
        # Every process gets the same number of batches (DDP needs them in step).
        per_rank = len(order) // self.world if self.world > 1 else len(order)
        return order[self.rank::self.world][:per_rank]

    def _train_module(self, frozen_backbone: bool):
        """The module whose forward gives logits for a training batch, wrapped in DDP when distributed."""
        self.model.set_backbone_trainable(not frozen_backbone)
        if self.fast:
            for p in self.model.stem().parameters():
                p.requires_grad_(False)
        module = self.model
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            module = _FastForward(self.model) if self.fast else self.model
            module = DDP(module, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        elif self.fast:
            module = _FastForward(self.model)
        return module

    def _batch_input(self, idx: np.ndarray, gen: torch.Generator) -> torch.Tensor:
        if self.fast:
            plain, flipped = self.stem_out["train"]
            x = plain[idx]
            if flipped is not None:
                use_flip = torch.rand(len(idx), generator=gen) < 0.5
                x = torch.where(use_flip.view(-1, 1, 1, 1), flipped[idx], x)
            return x.float().to(self.device, non_blocking=True)
        x = torch.from_numpy(self.arrays["train"][idx].astype(np.float32))[:, None]
        if self.c.augment:
            x = augment(x, gen)
        return x.to(self.device, non_blocking=True)

    def _epochs(self) -> Iterator[ProgressEvent]:
        c = self.c
        params = [p for p in self.model.parameters()]
        self.optimizer = torch.optim.Adam(params, lr=c.lr, betas=(0.9, 0.999))
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.optimizer, mode="min", factor=0.1, patience=c.plateau_patience, min_lr=1e-7)
        loss_fn = self._loss_fn()
        use_amp = self.device.type == "cuda"
        scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
        self.epoch, self.best_loss, self.best_val, self.best_state, self.bad_epochs = 0, math.inf, None, None, 0
        self.history: list[dict] = []
        self.stopped = False
        self.images_per_second: list[float] = []
        start_epoch = self._try_resume()
        if start_epoch:
            yield self.ev("log", epoch=start_epoch, message=f"resumed after epoch {start_epoch}")
        warmup = 0 if self.fast else min(c.warmup_epochs, c.epochs - 1)
        module, module_frozen = None, None
        seconds_per_batch = None
        for epoch in range(start_epoch, c.epochs):
            self.epoch = epoch + 1
            frozen = epoch < warmup
            if module is None or module_frozen != frozen:
                module, module_frozen = self._train_module(frozen), frozen
            module.train()
            if self.fast:
                self.model.stem().eval()  # frozen BatchNorm statistics of the cached layers
            gen = torch.Generator().manual_seed(c.seed * 1000 + epoch)
            order = self._epoch_order(epoch)
            batches = max(1, len(order) // c.batch_size) if len(order) >= c.batch_size else 1
            running, seen, t0 = 0.0, 0, time.perf_counter()
            for b in range(batches):
                if self.stop.is_set():
                    self.stopped = True
                    self._save_resume(epoch)  # restart this epoch on resume
                    return
                idx = order[b * c.batch_size:(b + 1) * c.batch_size]
                if len(idx) < 2 and not self.fast:
                    continue  # BatchNorm needs two samples
                x = self._batch_input(idx, gen)
                y = torch.from_numpy(self.targets["train"][idx]).to(self.device)
                w = torch.from_numpy(self.weights["train"][idx]).to(self.device)
                self.optimizer.zero_grad(set_to_none=True)
                with torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=use_amp):
                    loss = loss_fn(module(x), y, w)
                scaler.scale(loss).backward()
                scaler.step(self.optimizer)
                scaler.update()
                running += float(loss.detach()) * len(idx)
                seen += len(idx)
                elapsed = time.perf_counter() - t0
                seconds_per_batch = elapsed / (b + 1)
                remaining = (batches - b - 1) + (c.epochs - epoch - 1) * batches
                yield self.ev("batch", epoch=self.epoch, batch=b + 1, batches=batches, loss=float(loss.detach()),
                              lr=self.optimizer.param_groups[0]["lr"], eta_s=remaining * seconds_per_batch)
            epoch_seconds = time.perf_counter() - t0
            if epoch >= 1:  # from the second epoch on (the first pays one-off costs)
                self.images_per_second.append(seen * self.world / max(epoch_seconds, 1e-9))
            val = self._evaluate("val")
            val["train_loss"] = running / max(seen, 1)
            self.scheduler.step(val["loss"])
            improved = val["loss"] < self.best_loss - 1e-6
            if improved:
                self.best_loss, self.best_val, self.bad_epochs = val["loss"], val, 0
                self.best_state = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
            else:
                self.bad_epochs += 1
            self.history.append({"epoch": self.epoch, **{k: val.get(k) for k in ("loss", "auc", "accuracy", "train_loss")}})
            self._save_resume(epoch + 1)
            yield self.ev("epoch", epoch=self.epoch, batches=batches, loss=val["train_loss"],
                          lr=self.optimizer.param_groups[0]["lr"], val=self._public(val),
                          eta_s=(c.epochs - epoch - 1) * batches * (seconds_per_batch or 0))
            if self.bad_epochs >= c.early_stopping_patience:
                yield self.ev("log", epoch=self.epoch, message="early stopping: validation loss stopped improving")
                break
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)

    # ------------------------------------------------------------ resuming
    def _save_resume(self, next_epoch: int) -> None:
        if self.rank != 0:
            return
        state = {"next_epoch": next_epoch, "best_loss": self.best_loss if math.isfinite(self.best_loss) else None,
                 "best_val": self.best_val, "bad_epochs": self.bad_epochs, "history": self.history,
                 "init": self.init, "parent_id": self.parent_id,
                 # ReduceLROnPlateau's counters (best loss, bad epochs, current lr): plain numbers.
                 "scheduler": self.scheduler.state_dict()}
        checkpoints.save_resume(self.ws.models_dir, self.run_key, self.model, self.optimizer, state, self.best_state)

    def _try_resume(self) -> int:
        if not self.c.resume:
            return 0
        found = checkpoints.load_resume(self.ws.models_dir, self.run_key)
        if found is None:
            return 0
        meta, model_t, best_t, opt_t = found
        try:
            self.model.load_state_dict(model_t)
            opt_state = {"state": {}, "param_groups": []}
            for key, value in opt_t.items():
                idx, name = key.split(".", 1)
                opt_state["state"].setdefault(int(idx), {})[name] = value
            groups = self.optimizer.state_dict()["param_groups"]
            for g, saved in zip(groups, meta["param_groups"]):
                opt_state["param_groups"].append({**saved, "params": g["params"]})
            self.optimizer.load_state_dict(opt_state)
            if "scheduler" in meta:
                self.scheduler.load_state_dict(meta["scheduler"])
        except (RuntimeError, KeyError, ValueError, TypeError):
            return 0  # incompatible leftovers: start afresh
        self.best_loss = meta["best_loss"] if meta["best_loss"] is not None else math.inf
        self.best_val, self.bad_epochs, self.history = meta["best_val"], meta["bad_epochs"], meta["history"]
        self.best_state = best_t
        self.init, self.parent_id = meta.get("init", self.init), meta.get("parent_id", self.parent_id)
        return int(meta["next_epoch"])

    # ------------------------------------------------------------ evaluation
    @torch.no_grad()
    def _predict(self, split: str, model: RadiNetModel | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(logits, probabilities) for every image of a split."""
        model = model or self.model
        model.eval()
        logits = []
        arr = self.arrays[split]
        for start in range(0, len(arr), 64):
            if self.fast and model is self.model:
                maps = self.model.tail()(self.stem_out[split][0][start:start + 64].float().to(self.device))
                logits.append(self.model.forward_from_maps(maps).float().cpu())
            else:
                x = torch.from_numpy(arr[start:start + 64].astype(np.float32))[:, None].to(self.device)
                logits.append(model(x).float().cpu())
        out = torch.cat(logits).numpy() if logits else np.zeros((0, model.num_outputs), np.float32)
        return out, probabilities(out)

    def _evaluate(self, split: str, model: RadiNetModel | None = None) -> dict:
        logits, probs = self._predict(split, model)
        y = self.targets[split]
        if len(y) == 0:
            return {"n": 0, "auc": None, "loss": None}
        if self.task == "fracture":
            loss = float(F.binary_cross_entropy_with_logits(torch.from_numpy(logits[:, 0]), torch.from_numpy(y).float()))
            image = binary_metrics(y, probs[:, 0])
            study_ids = np.array([s.study_id for s in self.samples[split]])
            _, sy, sp = study_level(study_ids, y, probs[:, 0])
            study = binary_metrics(sy, sp)
            return {**study, "loss": loss, "level": "study", "image": image,
                    "_study_y": sy.tolist(), "_study_p": sp.tolist()}
        loss = float(F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(y)))
        return {**multiclass_metrics(y, probs), "loss": loss, "level": "image"}

    # ----------------------------------------------------------- publishing
    def _finish(self) -> dict:
        c = self.c
        model_id = _model_id(c.stage, c.architecture)
        val = self._public(self.best_val or self._evaluate("val"))
        test = self._public(self._evaluate("test"))
        full_val = self.best_val or {}
        ops = (operating_points(np.array(full_val.get("_study_y", [])), np.array(full_val.get("_study_p", [])))
               if self.task == "fracture" else {})
        decision = registry.Decision(False, "not decided")
        promoted = False
        if self.rank == 0:
            champion = registry.champion(self.store, self.task)
            champion_auc = self._champion_auc(champion) if champion is not None else None
            decision = registry.decide(val.get("auc"), champion_auc, champion["id"] if champion else None)
            sidecar = {
                "task": self.task, "stage": c.stage, "classes": self.classes,
                "preprocessing": {"size": c.image_size, "clahe": c.clahe},
                "parent_id": self.parent_id, "init": self.init, "split_hash": self.split_hash,
                "split_seed": c.split_seed,
                "metrics": {"val": val, "test": test, "history": self.history},
                "operating_points": ops,
                # Heatmap = sigmoid(CAM logit): an absolute scale shared by all images.
                "heatmap": {"scale": "sigmoid", "output": "logit of the predicted class"},
                "training": {"epochs_run": self.epoch, "images": len(self.samples["train"]),
                             "device": self.device.type, "processes": self.world,
                             "images_per_second": self.images_per_second, "config": asdict(c)},
                "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            }
            self.model.cpu()
            sidecar = checkpoints.save_checkpoint(self.ws.models_dir, model_id, self.model, sidecar)
            promoted = decision.promote and c.promote
            if promoted and c.export_onnx:
                from trainer.export_onnx import export

                report = export(self.model, c.image_size, checkpoints.onnx_path(self.ws.models_dir, model_id))
                sidecar["onnx_file"] = checkpoints.onnx_path(self.ws.models_dir, model_id).name
                sidecar["onnx_parity"] = report
                checkpoints.write_sidecar(self.ws.models_dir, sidecar)
            rel = os.path.relpath(checkpoints.weights_path(self.ws.models_dir, model_id), self.ws.path)
            registry.register(self.store, sidecar, rel, self.author)
            if promoted:
                registry.promote(self.store, model_id, decision.reason, self.author)
            else:
                reason = decision.reason if c.promote else "publishing was not requested"
                registry.reject(self.store, model_id, reason, self.author)
                decision = registry.Decision(False, reason)
            checkpoints.clear_resume(self.ws.models_dir, self.run_key)
        result = {"model_id": model_id, "stage": c.stage, "task": self.task, "promoted": promoted,
                  "reason": decision.reason, "val": val, "test": test, "parent_id": self.parent_id,
                  "images_per_second": (float(np.mean(self.images_per_second)) if self.images_per_second else None)}
        if self.world > 1:
            shared = [result]
            torch.distributed.broadcast_object_list(shared, src=0)
            result = shared[0]
        return result

    def _champion_auc(self, champion) -> float | None:
        """The champion's AUC on today's locked validation split (same images as the candidate)."""
        sidecar = registry.sidecar_of(champion)
        recorded = ((sidecar.get("metrics") or {}).get("val") or {}).get("auc")
        same_input = sidecar.get("preprocessing") == {"size": self.c.image_size, "clahe": self.c.clahe}
        if not same_input or sidecar.get("classes") != self.classes:
            return recorded
        try:
            model, _ = checkpoints.load_model(registry.model_file(self.ws, champion))
        except Exception:
            return None  # a damaged champion does not block a good new model
        return self._evaluate("val", model.to(self.device)).get("auc")

    @staticmethod
    def _public(metrics: dict) -> dict:
        return {k: v for k, v in metrics.items() if not k.startswith("_")}


class _FastForward(torch.nn.Module):
    """Fast refresh: logits from cached early-layer outputs (tail + pooling + head)."""

    def __init__(self, model: RadiNetModel):
        super().__init__()
        self.model = model

    def forward(self, stem_out):
        return self.model.forward_from_maps(self.model.tail()(stem_out))


def _user() -> str:
    from core.store.workspace import current_user

    return current_user()


def train(config: TrainConfig, workspace, stop: threading.Event | None = None) -> Iterator[ProgressEvent]:
    """Train one stage; yields progress events, the last one of kind "done" with the result."""
    return _Trainer(config, workspace, stop or threading.Event()).events()
