"""The images of one training run, decoded once: arrays, targets, weights and study groups per split.

Images that cannot be decoded (a truncated or damaged file that slipped past
import) are skipped with their reason and counted; the rest still train.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from core.errors import InputError
from trainer.config import TASK_OF_STAGE, TrainConfig
from trainer.data import Sample, collect, model_ready_arrays_checked

CHUNK = 32


@dataclass
class SplitData:
    samples: list[Sample]
    arrays: np.ndarray          # (N, S, S) float16 in [0, 1]
    targets: np.ndarray         # (N,) int64 class index
    weights: np.ndarray         # (N,) float32 label-source weight
    study_of: np.ndarray        # (N,) index of the image's study in study_ids
    study_ids: np.ndarray       # (M,) workspace study ids

    @classmethod
    def build(cls, samples: list[Sample], arrays: np.ndarray) -> "SplitData":
        ids, study_of = np.unique(np.array([s.study_id for s in samples], dtype=np.int64), return_inverse=True)
        return cls(samples, arrays, np.array([s.target for s in samples], dtype=np.int64),
                   np.array([s.weight for s in samples], dtype=np.float32), study_of.astype(np.int64), ids)

    def __len__(self) -> int:
        return len(self.samples)

    def study_groups(self) -> list[np.ndarray]:
        """Image indices of each study, in study_ids order."""
        order = np.argsort(self.study_of, kind="stable")
        bounds = np.searchsorted(self.study_of[order], np.arange(len(self.study_ids) + 1))
        return [order[bounds[i]:bounds[i + 1]] for i in range(len(self.study_ids))]

    def study_targets(self) -> np.ndarray:
        """A study's class: the label every one of its views carries (study labels apply to all views)."""
        out = np.zeros(len(self.study_ids), dtype=np.int64)
        out[self.study_of] = self.targets
        return out

    def study_weights(self) -> np.ndarray:
        out = np.zeros(len(self.study_ids), dtype=np.float32)
        out[self.study_of] = self.weights
        return out


@dataclass
class RunData:
    task: str
    classes: list[str]
    split_hash: str
    splits: dict[str, SplitData]
    skipped: list[dict] = field(default_factory=list)   # [{"image_id", "reason"}]

    def __getitem__(self, split: str) -> SplitData:
        return self.splits[split]


def preprocessing_of(config: TrainConfig) -> dict:
    """What a model-ready array is for this run; recorded in the model's sidecar and ONNX."""
    return {"size": config.image_size, "clahe": config.clahe, "crop": config.crop, "denoise": config.denoise}


def _arrays(workspace, samples: list[Sample], prep: dict, skipped: list[dict]) -> tuple[np.ndarray, list[int]]:
    """Arrays of the samples that decode and their indices; the others are added to ``skipped`` with
    their reason (trainer.data.model_ready_arrays_checked: no file names, a full disk still stops)."""
    arrays, kept, failed = model_ready_arrays_checked(workspace, samples, prep["size"], prep["clahe"],
                                                      crop=prep["crop"], denoise=prep["denoise"])
    skipped.extend({"image_id": samples[i].image_id, "reason": reason} for i, reason in failed)
    return arrays, kept


def prepare(workspace, store, config: TrainConfig, stop, make_event, stopped_exc) -> Iterator:
    """Yields progress events; returns (via StopIteration.value) the RunData."""
    task = TASK_OF_STAGE[config.stage]
    data = collect(store, task, config.split_seed, body_part=config.body_part if task == "fracture" else "all")
    by_split = {name: data.of_split(name) for name in ("train", "val", "test")}
    train = by_split["train"]
    if config.max_images is not None and len(train) > config.max_images:
        keep = np.random.default_rng(config.seed).permutation(len(train))[:config.max_images]
        by_split["train"] = [train[i] for i in sorted(keep)]
    if task != "pretrain":
        scope = "" if config.body_part == "all" else f" of the {config.body_part}"
        if len(data.classes) < 2 or len({s.target for s in by_split["train"]}) < 2:
            what = ("fracture labels (positive and negative)" if task == "fracture" else "body parts (two or more)")
            raise InputError(f"The workspace has too few training images{scope} with {what} to train the "
                             f"{config.stage} model.")
        if not by_split["val"]:
            raise InputError(f"The workspace has no validation images{scope} yet; import or label more studies "
                             f"before training.")
    elif not by_split["train"]:
        raise InputError("The workspace has no images to pretrain on; import studies first.")
    prep = preprocessing_of(config)
    total, done, skipped, splits = sum(len(v) for v in by_split.values()), 0, [], {}
    for name, samples in by_split.items():
        parts, kept_samples = [], []
        for start in range(0, len(samples), CHUNK):
            if stop.is_set():
                raise stopped_exc
            chunk = samples[start:start + CHUNK]
            arrays, kept = _arrays(workspace, chunk, prep, skipped)
            parts.append(arrays)
            kept_samples.extend(chunk[i] for i in kept)
            done += len(chunk)
            yield make_event("log", batch=done, batches=total, message=f"preparing images {done}/{total}")
        arrays = np.concatenate(parts) if parts else np.zeros((0, prep["size"], prep["size"]), np.float16)
        splits[name] = SplitData.build(kept_samples, arrays)
    if skipped:
        yield make_event("log", message=f"skipped {len(skipped)} image(s) that could not be decoded; "
                                        f"first: {skipped[0]['reason']}")
    return RunData(task, data.classes, data.split_hash, splits, skipped)
