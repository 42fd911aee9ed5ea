"""The one place an onnxruntime InferenceSession is created: telemetry off, self-contained models only.

RadiNet Studio runs offline and sends nothing anywhere (DESIGN.md: no
telemetry). onnxruntime's official wheels contain Microsoft's 1DS telemetry:
*importing* the module (not only creating a session) writes
``~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db}``
and starts an uploader to ``mobile.events.data.microsoft.com`` (measured with
onnxruntime 1.32 and an empty HOME). ``disable_telemetry_events()`` alone does
not stop it -- the files still appear; only ``ORT_DISABLE_TELEMETRY=1`` set
*before the first import* does (onnxruntime's Privacy.md, "Disabling
Telemetry"). ``core/__init__.py`` sets it as soon as any part of RadiNet
Studio is imported, and :func:`onnxruntime_module` sets it again before its
own import; the events API is switched off as well where the build has it.
tests/security/test_no_telemetry.py proves it (no file outside an empty HOME,
no connect/sendto/DNS under strace).

A model reaches onnxruntime as bytes, never as a path: an ONNX file may name
"external data" files (``data_location = EXTERNAL``) that onnxruntime would
read from anywhere on the disk. Such models are refused before onnxruntime
sees them. Keeping one constructor also keeps the providers and log level the
same for the predictor, the export parity check and evaluation.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import ModelFileError

PREFERRED_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")
TELEMETRY_VARIABLE = "ORT_DISABLE_TELEMETRY"


def onnxruntime_module():
    """``import onnxruntime`` with every telemetry channel off (always "1": a user's "0" does not switch it on)."""
    os.environ[TELEMETRY_VARIABLE] = "1"
    import onnxruntime as ort

    if hasattr(ort, "disable_telemetry_events"):
        ort.disable_telemetry_events()
    return ort


def uses_external_data(model_bytes: bytes) -> bool:
    """True when any tensor of the graph (or a subgraph) is stored in another file (TensorProto.EXTERNAL).

    A model that cannot be parsed is not judged here (onnxruntime refuses it next).
    """
    import onnx

    try:
        model = onnx.load_model_from_string(model_bytes)
    except Exception:  # noqa: BLE001 - protobuf's DecodeError and others: not an ONNX file at all
        return False

    def graphs(graph):
        yield graph
        for node in graph.node:
            for attribute in node.attribute:
                if attribute.type == onnx.AttributeProto.GRAPH:
                    yield from graphs(attribute.g)
                elif attribute.type == onnx.AttributeProto.GRAPHS:
                    for sub in attribute.graphs:
                        yield from graphs(sub)

    for graph in graphs(model.graph):
        tensors = list(graph.initializer) + [s.values for s in graph.sparse_initializer]
        for node in graph.node:
            tensors += [a.t for a in node.attribute if a.type == onnx.AttributeProto.TENSOR]
        if any(t.data_location == onnx.TensorProto.EXTERNAL or len(t.external_data) for t in tensors):
            return True
    return False


def new_session(path_or_bytes: str | os.PathLike | bytes, providers: list[str] | None = None,
                name: str | None = None):
    """An ``onnxruntime.InferenceSession`` over a model file or its bytes, telemetry off.

    ``providers`` defaults to CUDA when this onnxruntime build has it, else the CPU.
    A path is read here and handed over as bytes. A model keeping weights in
    external files raises ModelFileError. With ``name`` (the file's name as the
    user knows it), a file onnxruntime cannot load raises ModelFileError naming
    it; without, onnxruntime's own exception propagates.
    """
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
    else:
        path = Path(path_or_bytes)
        name = name or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError as err:
            raise ModelFileError(f"The ONNX model {name} is missing.") from err
        except OSError as err:
            raise ModelFileError(f"The ONNX model {name} cannot be read ({err.strerror or 'read error'}).") from err
    if uses_external_data(data):
        raise ModelFileError(f"{name or 'The ONNX model'} keeps its weights in separate files; RadiNet Studio only "
                             f"loads self-contained ONNX models.")
    ort = onnxruntime_module()
    if providers is None:
        available = ort.get_available_providers()
        providers = [p for p in PREFERRED_PROVIDERS if p in available] or ["CPUExecutionProvider"]
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: warnings would be noise on a user's console
    if name is None:
        return ort.InferenceSession(data, sess_options=options, providers=providers)
    try:
        return ort.InferenceSession(data, sess_options=options, providers=providers)
    except Exception as err:  # onnxruntime raises its own exception types (InvalidProtobuf, Fail, ...)
        raise ModelFileError(f"{name} is not a usable ONNX model (damaged, or not an ONNX file).") from err
