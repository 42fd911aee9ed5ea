"""Checkpoints: safetensors weights + a JSON sidecar, written atomically.

    models/<id>.safetensors   weights (no pickles: safetensors cannot run code)
    models/<id>.json          sidecar: architecture, head, stage, task, classes,
                              preprocessing, parent, split hash, metrics,
                              operating points, SHA-256 of the weights file
    models/<id>.onnx          export with (logit, CAM) outputs, for published models
    models/resume/<run>.*     the state of an unfinished run, to resume after a kill

Each file goes to a temporary name, is fsynced and renamed into place, so a
crash leaves either the old file or the new one. Reading the sidecar needs no
torch (the onnxruntime predictor uses it).
"""

from __future__ import annotations

import json
from pathlib import Path

from core.errors import InputError, ModelFileError
# The torch-free half of a model file (paths, sidecar, hash, atomic write) lives
# in core so the onnxruntime predictor can read models without the trainer.
from core.inference.model_files import (  # noqa: F401 - re-exported for the trainer
    FORMAT, atomic_write, onnx_path, read_sidecar, read_verified_weights, sha256_bytes, sidecar_path,
    weights_path, write_sidecar,
)


def state_tensors(module) -> dict:
    """CPU contiguous tensors of a module's state dict (what safetensors stores)."""
    return {k: v.detach().to("cpu").contiguous() for k, v in module.state_dict().items()}


def save_checkpoint(models_dir: Path, model_id: str, model, sidecar: dict) -> dict:
    """Write weights then sidecar (the sidecar, holding the hash, is the commit point)."""
    from safetensors.torch import save

    data = save(state_tensors(model), metadata={"format": FORMAT, "model_id": model_id})
    wpath = weights_path(models_dir, model_id)
    atomic_write(wpath, data)
    sidecar = {**sidecar, "format": FORMAT, "model_id": model_id, "weights_file": wpath.name,
               "weights_sha256": sha256_bytes(data), "architecture": model.architecture,
               "head": model.head_kind, "pooling": model.pooling, "num_outputs": model.num_outputs}
    atomic_write(sidecar_path(models_dir, model_id), json.dumps(sidecar, indent=2, sort_keys=True).encode())
    return sidecar


def load_model(path: Path):
    """(model in eval mode, sidecar) from ``<id>.safetensors`` or ``<id>.json``.

    Never unpickles anything; a foreign, truncated or altered file raises
    ModelFileError with one sentence.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load

    from trainer.models import build_model

    path = Path(path)
    sidecar = read_sidecar(path)
    wpath = path.with_suffix(".safetensors")  # weights and sidecar always sit side by side
    data = read_verified_weights(wpath, sidecar)
    try:
        tensors = load(data)
    except (SafetensorError, ValueError, Exception) as err:
        raise ModelFileError(f"{wpath.name} is not a safetensors model file.") from err
    try:
        # Models saved before pooling was a choice all averaged.
        model = build_model(sidecar["architecture"], int(sidecar["num_outputs"]), sidecar.get("head", "linear"),
                            sidecar.get("pooling", "avg"))
        model.load_state_dict(tensors, strict=True)
    except (KeyError, RuntimeError, TypeError, InputError) as err:   # InputError: an unknown head or pooling
        raise ModelFileError(f"{wpath.name} does not hold the {sidecar.get('architecture', 'declared')} model its description names.") from err
    model.eval()
    return model, sidecar


# ------------------------------------------------------------------ resuming
def resume_paths(models_dir: Path, run_key: str) -> tuple[Path, Path]:
    folder = Path(models_dir) / "resume"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{run_key}.safetensors", folder / f"{run_key}.json"


def save_resume(models_dir: Path, run_key: str, model, optimizer, state: dict, best_model_state: dict | None,
                averaged=None) -> None:
    """Model, Adam moments and loop state after an epoch (or a stop), to continue later.

    ``averaged``: the moving average of the weights (torch.optim.swa_utils.AveragedModel), when the run
    keeps one; without it a resumed run would restart the average from the resumed weights."""
    import torch
    from safetensors.torch import save

    tensors = {f"model.{k}": v for k, v in state_tensors(model).items()}
    if best_model_state is not None:
        tensors.update({f"best.{k}": v.contiguous() for k, v in best_model_state.items()})
    if averaged is not None:
        tensors.update({f"averaged.{k}": v for k, v in state_tensors(averaged).items()})
    opt = optimizer.state_dict()
    for idx, st in opt["state"].items():
        for name, value in st.items():
            tensors[f"opt.{idx}.{name}"] = (value if torch.is_tensor(value) else torch.tensor(value)).detach().cpu().contiguous()
    data = save(tensors)
    wpath, jpath = resume_paths(models_dir, run_key)
    # The file is named by the run's internal key; the user is told what it is for.
    what = "saving the point this training would resume from after a stop"
    atomic_write(wpath, data, what)
    meta = {**state, "sha256": sha256_bytes(data), "param_groups": [
        {k: v for k, v in g.items() if k != "params"} for g in opt["param_groups"]]}
    atomic_write(jpath, json.dumps(meta).encode(), what)


def load_resume(models_dir: Path, run_key: str):
    """(state, {"model", "best", "opt", "averaged"} tensors; the last three may be empty) or None when nothing
    to resume."""
    from safetensors.torch import load

    wpath, jpath = resume_paths(models_dir, run_key)
    if not (wpath.exists() and jpath.exists()):
        return None
    try:
        meta = json.loads(jpath.read_text())
        data = wpath.read_bytes()
        if sha256_bytes(data) != meta.get("sha256"):
            return None  # a resume file from an interrupted write: start over
        tensors = load(data)
    except Exception:
        return None
    split = {"model": {}, "best": {}, "opt": {}, "averaged": {}}
    for key, value in tensors.items():
        head, _, rest = key.partition(".")
        if head not in split:
            return None  # written by another version of the trainer: start over
        split[head][rest] = value
    return meta, split


def clear_resume(models_dir: Path, run_key: str) -> None:
    for p in resume_paths(models_dir, run_key):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
