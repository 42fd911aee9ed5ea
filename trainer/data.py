"""Training data: which images, which labels and weights, model-ready arrays, augmentation.

Label sources (issue 4): radiologist and imported labels at full weight,
report-derived (nlp) labels weighted by their confidence, model labels never
(``Store.current_labels`` already ignores them). Study labels apply to all
the study's images. Model-ready arrays come from the same preprocessing as
inference (``core.imaging.preprocess.model_input``) and are cached in the
workspace so that epochs after the first decode no DICOM.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.evaluation.selection import body_part_of
from trainer.config import TASK_OF_STAGE  # noqa: F401 - re-exported (older imports)
from trainer.splits import split_hash, split_of

FRACTURE_CLASSES = ["negative", "positive"]
# Bump when core.imaging.preprocess changes what a model-ready array is.
CACHE_VERSION = 3


@dataclass(frozen=True)
class Sample:
    image_id: int
    study_id: int
    source_path: str
    sop_uid: str
    target: int          # class index (fracture: 1 = positive)
    weight: float        # per-sample loss weight from the label's source
    split: str           # train | val | test
    body_part: str = ""  # lower-case body part of the image (or its study), "" when unknown


@dataclass
class TaskData:
    task: str
    classes: list[str]
    samples: list[Sample]
    split_hash: str

    def of_split(self, split: str) -> list[Sample]:
        return [s for s in self.samples if s.split == split]


def label_weight(source: str, confidence: float | None) -> float:
    """radiologist/import: 1; nlp: its confidence; model: never used (0)."""
    if source == "model":
        return 0.0
    if source == "nlp":
        return float(confidence) if confidence is not None else 0.5
    return 1.0


def collect(store, task: str, seed: int = 0, body_part: str = "all") -> TaskData:
    """Every usable image of ``task`` with its class, weight and locked split.

    ``body_part`` (fracture task): only images of that body part (RadiNet_wrist);
    "all" keeps every body part. ``task="pretrain"``: every image, labelled or not.
    """
    studies = {row["id"]: row for row in store.studies()}
    images = store.images()
    samples: list[Sample] = []
    if task == "pretrain":
        classes = []
        for img in images:
            study = studies[img["study_id"]]
            samples.append(Sample(img["id"], img["study_id"], img["source_path"], img["sop_uid"], 0, 1.0,
                                  split_of(study["patient_key"], seed), body_part_of(img, study)))
    elif task == "fracture":
        classes = list(FRACTURE_CLASSES)
        labels = store.current_labels("fracture")
        for img in images:
            label = labels.get(img["study_id"])
            if label is None or label.value not in classes:
                continue  # unlabelled or 'uncertain'
            weight = label_weight(label.source, label.confidence)
            if weight <= 0:
                continue
            study = studies[img["study_id"]]
            part = body_part_of(img, study)
            if body_part != "all" and part != body_part:
                continue
            samples.append(Sample(img["id"], img["study_id"], img["source_path"], img["sop_uid"],
                                  classes.index(label.value), weight, split_of(study["patient_key"], seed), part))
    elif task == "body_part":
        part_of = {}
        for img in images:
            part = body_part_of(img, studies[img["study_id"]])
            if part:
                part_of[img["id"]] = part
        classes = sorted(set(part_of.values()))
        for img in images:
            if img["id"] not in part_of:
                continue
            study = studies[img["study_id"]]
            samples.append(Sample(img["id"], img["study_id"], img["source_path"], img["sop_uid"],
                                  classes.index(part_of[img["id"]]), 1.0, split_of(study["patient_key"], seed),
                                  part_of[img["id"]]))
    else:
        raise ValueError(f"unknown task {task!r}")
    digest = split_hash((s.sop_uid, s.split) for s in samples)
    return TaskData(task, classes, samples, digest)


# ------------------------------------------------------------ model-ready cache
def load_model_input(source_path: str, size: int, clahe: bool, crop: str = "border",
                     denoise: str = "none") -> np.ndarray:
    """Decode and preprocess one image exactly as the predictor does."""
    from core.imaging.image import load_image
    from core.inference.preprocessing import model_ready

    return model_ready(load_image(source_path), size, clahe, crop, denoise)[0]


def cache_folder(workspace, size: int, clahe: bool, crop: str = "border", denoise: str = "none"):
    name = (f"model-input-v{CACHE_VERSION}-{size}{'-clahe' if clahe else ''}"
            f"{'-body' if crop == 'body' else ''}{'' if denoise == 'none' else '-' + denoise}")
    folder = workspace.cache_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _cache_name(sample: Sample) -> str:
    return hashlib.sha1(f"{sample.sop_uid}\t{sample.source_path}".encode()).hexdigest()[:20] + ".npy"


def model_ready_arrays(workspace, samples: list[Sample], size: int, clahe: bool,
                       progress: Callable[[int, int], None] | None = None,
                       stop=None, loader: Callable = load_model_input, crop: str = "border",
                       denoise: str = "none") -> np.ndarray:
    """(N, size, size) float16 arrays in [0, 1]; decoded once, then read from the cache.

    Writes each cached array to a temporary file and renames it, so a killed
    run never leaves a half-written cache entry.
    """
    folder = cache_folder(workspace, size, clahe, crop, denoise)
    out = np.empty((len(samples), size, size), dtype=np.float16)
    for i, sample in enumerate(samples):
        if stop is not None and stop.is_set():
            raise InterruptedError
        path = folder / _cache_name(sample)
        arr = None
        if path.exists():
            try:
                arr = np.load(path, allow_pickle=False)
                if arr.shape != (size, size):
                    arr = None
            except (OSError, ValueError):
                arr = None
        if arr is None:
            arr = loader(sample.source_path, size, clahe, crop, denoise).astype(np.float16)
            _save_cached(path, arr)
        out[i] = arr
        if progress:
            progress(i + 1, len(samples))
    return out


def _save_cached(path, arr: np.ndarray) -> None:
    """Write one cache entry to a temporary file and rename it.

    On any write error (a full disk above all) the temporary file is removed and
    the project's error is raised with one sentence (DiskFullError for ENOSPC);
    the database and the published model are never touched here.
    """
    from core.errors import describe_os_error

    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)
        os.replace(tmp, path)
    except OSError as err:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise describe_os_error(err, "writing the training image cache") from err


def _load_cached(path, size: int) -> np.ndarray | None:
    """A cached (size, size) array, or None when absent, unreadable or of another size."""
    if not path.exists():
        return None
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return arr if arr.shape == (size, size) else None


def _skip_reason(err: BaseException) -> str:
    """One sentence without the file name (file names can carry patient names)."""
    from core.errors import DicomError, RadinetError

    if isinstance(err, DicomError):
        return err.reason
    if isinstance(err, RadinetError):
        return str(err)
    if isinstance(err, OSError):
        return f"the file cannot be read ({err.strerror or type(err).__name__})"
    return f"the image could not be decoded ({type(err).__name__})"


def model_ready_arrays_checked(workspace, samples: list[Sample], size: int, clahe: bool,
                               progress: Callable[[int, int], None] | None = None, stop=None,
                               loader: Callable = load_model_input, **options,
                               ) -> tuple[np.ndarray, list[int], list[tuple[int, str]]]:
    """Like :func:`model_ready_arrays`, but an image that cannot be decoded is skipped, not fatal.

    Returns (arrays of the images that decoded, their indices in ``samples``,
    [(index, one-sentence reason)] of those skipped). ``options`` (e.g. crop,
    denoise) go to the cache folder and the loader. A full disk while writing
    the cache still stops the run (DiskFullError: nothing could be cached).
    """
    import logging

    from core.errors import WorkspaceError

    log = logging.getLogger(__name__)
    folder = cache_folder(workspace, size, clahe, **options)
    out = np.empty((len(samples), size, size), dtype=np.float16)
    kept: list[int] = []
    skipped: list[tuple[int, str]] = []
    for i, sample in enumerate(samples):
        if stop is not None and stop.is_set():
            raise InterruptedError
        path = folder / _cache_name(sample)
        arr = _load_cached(path, size)
        if arr is None:
            try:
                arr = loader(sample.source_path, size, clahe, **options).astype(np.float16)
            except (InterruptedError, KeyboardInterrupt, WorkspaceError):
                raise
            except Exception as err:  # noqa: BLE001 - one damaged image must not stop a training run
                reason = _skip_reason(err)
                log.warning("training skips image %d (image id %s): %s", i, sample.image_id, reason)
                skipped.append((i, reason))
                if progress:
                    progress(i + 1, len(samples))
                continue
            _save_cached(path, arr)
        out[len(kept)] = arr
        kept.append(i)
        if progress:
            progress(i + 1, len(samples))
    return out[:len(kept)], kept, skipped


# ----------------------------------------------------------------- augmentation
def augment(x, generator, max_rotation_deg: float = 0.0, scale=(1.0, 1.0),
            brightness: float = 0.1, contrast=(0.8, 1.2), saturate: bool = True, shift: int = 0):
    """Random horizontal flip and brightness/contrast on a batch; rotation and scaling only when asked.

    No rotation or scaling by default, because both resample the image (bilinear), and
    resampling smooths the one-pixel detail a fracture line is at the model's input size.
    With the former default (rotation up to +-30 deg, scale 0.9-1.1) the fracture model did
    not learn one body part at all; with flips and intensity only it did
    (bench/bench_single_part.py, forearm, 1,000 demo studies all labelled, 128 px, 14 epochs,
    judged on 150 fresh studies of another seed: study AUC 0.441 (0.355-0.530) with rotation
    and scaling, 0.774 (0.691-0.851) without; training loss 0.75 (the constant prediction's)
    vs 0.61). A flip is exact (a mirrored copy), so by default no pixel is interpolated.

    ``saturate`` clips the result to [0, 1]. Bone is the brightest structure of a film, so a
    raised brightness or contrast can clip a lucent line inside it to white. Not clipping
    gave no gain on one body part (bench/bench_single_part.py, forearm, seed 0: fresh AUC
    0.536 (0.426-0.627) unclipped vs 0.569 (0.472-0.667) clipped, n=150), so clipping stays.

    ``shift``: each image moved by a whole number of pixels (up to ``shift`` each way), exact like the flip.

    x: (N, 1, H, W) float tensor in [0, 1]. With rotation or scaling, one
    affine_grid/grid_sample call for the whole batch.
    """
    import math

    import torch
    import torch.nn.functional as F

    n = x.shape[0]
    u = lambda lo, hi: torch.rand(n, generator=generator) * (hi - lo) + lo  # noqa: E731
    flip = torch.rand(n, generator=generator) < 0.5
    if max_rotation_deg or tuple(scale) != (1.0, 1.0):
        angle = u(-max_rotation_deg, max_rotation_deg) * math.pi / 180
        s = u(*scale)
        sign = torch.where(flip, -1.0, 1.0)
        cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
        theta = torch.stack([torch.stack([cos * sign, -sin, torch.zeros(n)], 1),
                             torch.stack([sin * sign, cos, torch.zeros(n)], 1)], 1)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    else:
        x = torch.where(flip.view(n, 1, 1, 1), x.flip(3), x)
    if shift:
        x = shifted(x, shift, generator)
    c = u(*contrast).view(n, 1, 1, 1)
    b = u(-brightness, brightness).view(n, 1, 1, 1)
    mean = x.mean(dim=(2, 3), keepdim=True)
    x = (x - mean) * c + mean + b
    return x.clamp_(0.0, 1.0) if saturate else x


def shifted(x, shift: int, generator):
    """Each image of the batch moved by its own whole-pixel offset in [-shift, shift]; the edge is repeated."""
    import torch
    import torch.nn.functional as F

    n, _, h, w = x.shape
    padded = F.pad(x, (shift, shift, shift, shift), mode="replicate")
    dy = torch.randint(0, 2 * shift + 1, (n,), generator=generator).tolist()
    dx = torch.randint(0, 2 * shift + 1, (n,), generator=generator).tolist()
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
