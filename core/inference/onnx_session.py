"""The one place an onnxruntime InferenceSession is created.

RadiNet Studio runs offline and sends nothing anywhere (DESIGN.md: no
telemetry). onnxruntime's Windows builds can emit telemetry events, so
every session goes through :func:`new_session`, which switches them off first
(``disable_telemetry_events`` exists only in some builds; elsewhere there is
nothing to switch off). Keeping one constructor also keeps the providers and
log level the same for the predictor, the export parity check and evaluation.
"""

from __future__ import annotations

import os
from pathlib import Path

PREFERRED_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")


def new_session(path_or_bytes: str | os.PathLike | bytes, providers: list[str] | None = None,
                name: str | None = None):
    """An ``onnxruntime.InferenceSession`` over a model file or its bytes, telemetry off.

    ``providers`` defaults to CUDA when this onnxruntime build has it, else the CPU.
    With ``name`` (the file's name as the user knows it), a file onnxruntime
    cannot load raises ModelFileError naming it; without, onnxruntime's own
    exception propagates.
    """
    import onnxruntime as ort

    if hasattr(ort, "disable_telemetry_events"):
        ort.disable_telemetry_events()
    if providers is None:
        available = ort.get_available_providers()
        providers = [p for p in PREFERRED_PROVIDERS if p in available] or ["CPUExecutionProvider"]
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: warnings would be noise on a user's console
    source = path_or_bytes if isinstance(path_or_bytes, bytes) else str(Path(path_or_bytes))
    if name is None:
        return ort.InferenceSession(source, sess_options=options, providers=providers)
    try:
        return ort.InferenceSession(source, sess_options=options, providers=providers)
    except Exception as err:  # onnxruntime raises its own exception types (InvalidProtobuf, Fail, ...)
        from core.errors import ModelFileError

        raise ModelFileError(f"{name} is not a usable ONNX model (damaged, or not an ONNX file).") from err
