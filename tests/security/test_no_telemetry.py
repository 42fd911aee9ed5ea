"""onnxruntime telemetry is off: no files outside the workspace, no connection or DNS lookup (issue 14 item 0)."""

from __future__ import annotations

import pytest

from tests.security.isolation import run_isolated

# A one-node ONNX model built in the child, then run through the project's session factory.
SESSION_CODE = """
import numpy as np, onnx
from onnx import helper, TensorProto
{import_line}
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
session = {session}
assert session.run(None, {{"x": np.ones(1, np.float32)}})[0][0] == 1.0
import time; time.sleep(3)   # give a background uploader time to start
print("ran")
"""


def test_onnx_session_writes_nothing_and_connects_nowhere(tmp_path):
    code = SESSION_CODE.format(import_line="from core.inference.onnx_session import new_session",
                               session="new_session(model.SerializeToString(), providers=['CPUExecutionProvider'])")
    seen = run_isolated(code, tmp_path / "home", allowed=[])
    assert seen.returncode == 0, seen.output
    assert seen.stray_files == [], f"files written outside the workspace: {seen.stray_files}"
    assert seen.network_calls == [], f"network calls: {seen.network_calls}"


def test_the_check_sees_onnxruntime_telemetry_when_it_is_left_on(tmp_path):
    """Control: plain ``import onnxruntime`` without the variable writes its telemetry files -- the check can fail."""
    code = SESSION_CODE.format(import_line="import onnxruntime as ort",
                               session="ort.InferenceSession(model.SerializeToString(), "
                                       "providers=['CPUExecutionProvider'])")
    seen = run_isolated(code, tmp_path / "home", allowed=[], trace=False)
    assert seen.returncode == 0, seen.output
    if not seen.stray_files:
        pytest.skip("this onnxruntime build has no telemetry; the control has nothing to detect")
    assert any("onnxruntime" in f for f in seen.stray_files)


def test_the_check_sees_a_dns_lookup_made_below_python(tmp_path):
    """Control: a name lookup (getaddrinfo, native code) is reported when strace can watch."""
    from tests.security.isolation import strace_available

    if not strace_available():
        pytest.skip("strace is not available here; the network half of the check is off")
    home = tmp_path / "home"
    code = ("import socket\ntry:\n    socket.getaddrinfo('mobile.events.data.microsoft.com', 443)\n"
            "except OSError:\n    pass\n")
    seen = run_isolated(code, home, allowed=[], timeout=60)
    assert seen.network_calls, "a DNS lookup went unnoticed"
