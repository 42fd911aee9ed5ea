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

import hashlib
import json
import os
from pathlib import Path

from core.errors import ModelFileError, describe_os_error

FORMAT = "radinet-model/1"


def atomic_write(path: Path, data: bytes) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        try:  # make the rename itself durable
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:
            pass
    except OSError as err:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise describe_os_error(err, f"writing the model file {path.name}") from err


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def weights_path(models_dir: Path, model_id: str) -> Path:
    return Path(models_dir) / f"{model_id}.safetensors"


def sidecar_path(models_dir: Path, model_id: str) -> Path:
    return Path(models_dir) / f"{model_id}.json"


def onnx_path(models_dir: Path, model_id: str) -> Path:
    return Path(models_dir) / f"{model_id}.onnx"


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
               "head": model.head_kind, "num_outputs": model.num_outputs}
    atomic_write(sidecar_path(models_dir, model_id), json.dumps(sidecar, indent=2, sort_keys=True).encode())
    return sidecar


def write_sidecar(models_dir: Path, sidecar: dict) -> None:
    atomic_write(sidecar_path(models_dir, sidecar["model_id"]), json.dumps(sidecar, indent=2, sort_keys=True).encode())


def read_sidecar(path: Path) -> dict:
    """The sidecar of a model file (``.json``, or the ``.safetensors``/``.onnx`` next to it)."""
    path = Path(path)
    if path.suffix != ".json":
        path = path.with_suffix(".json")
    try:
        sidecar = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ModelFileError(f"The model description {path.name} is missing.") from err
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise ModelFileError(f"{path.name} is not a RadiNet model description (unreadable or damaged).") from err
    if not isinstance(sidecar, dict) or sidecar.get("format") != FORMAT:
        raise ModelFileError(f"{path.name} is not a RadiNet model description.")
    return sidecar


def read_verified_weights(path: Path, sidecar: dict) -> bytes:
    """The weights file's bytes after checking its SHA-256 against the sidecar."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise ModelFileError(f"The model weights file {path.name} is missing.") from err
    except OSError as err:
        raise ModelFileError(f"The model weights file {path.name} cannot be read.") from err
    if sha256_bytes(data) != sidecar.get("weights_sha256"):
        raise ModelFileError(
            f"The model weights file {path.name} does not match its recorded checksum (truncated, damaged or replaced).")
    return data


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
        model = build_model(sidecar["architecture"], int(sidecar["num_outputs"]), sidecar.get("head", "linear"))
        model.load_state_dict(tensors, strict=True)
    except (KeyError, RuntimeError, TypeError) as err:
        raise ModelFileError(f"{wpath.name} does not hold the {sidecar.get('architecture', 'declared')} model its description names.") from err
    model.eval()
    return model, sidecar


# ------------------------------------------------------------------ resuming
def resume_paths(models_dir: Path, run_key: str) -> tuple[Path, Path]:
    folder = Path(models_dir) / "resume"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{run_key}.safetensors", folder / f"{run_key}.json"


def save_resume(models_dir: Path, run_key: str, model, optimizer, state: dict, best_model_state: dict | None) -> None:
    """Model, Adam moments and loop state after an epoch (or a stop), to continue later."""
    import torch
    from safetensors.torch import save

    tensors = {f"model.{k}": v for k, v in state_tensors(model).items()}
    if best_model_state is not None:
        tensors.update({f"best.{k}": v.contiguous() for k, v in best_model_state.items()})
    opt = optimizer.state_dict()
    for idx, st in opt["state"].items():
        for name, value in st.items():
            tensors[f"opt.{idx}.{name}"] = (value if torch.is_tensor(value) else torch.tensor(value)).detach().cpu().contiguous()
    data = save(tensors)
    wpath, jpath = resume_paths(models_dir, run_key)
    atomic_write(wpath, data)
    meta = {**state, "sha256": sha256_bytes(data), "param_groups": [
        {k: v for k, v in g.items() if k != "params"} for g in opt["param_groups"]]}
    atomic_write(jpath, json.dumps(meta).encode())


def load_resume(models_dir: Path, run_key: str):
    """(state, model tensors, best tensors or None, optimizer tensors) or None when nothing to resume."""
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
    split = {"model": {}, "best": {}, "opt": {}}
    for key, value in tensors.items():
        head, _, rest = key.partition(".")
        split[head][rest] = value
    return meta, split["model"], split["best"] or None, split["opt"]


def clear_resume(models_dir: Path, run_key: str) -> None:
    for p in resume_paths(models_dir, run_key):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
