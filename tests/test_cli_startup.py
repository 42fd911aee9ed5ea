"""CLI contract: scripted commands stay light (no torch, no Qt) and fail in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
sys.path.insert(0, {repo!r})
import main
code = main.main({argv!r})
heavy = sorted(m for m in ("torch", "torchvision", "PySide6", "pytorch_grad_cam", "sklearn") if m in sys.modules)
print("PROBE" + json.dumps({{"code": code, "heavy": heavy}}))
"""


def _probe(argv: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(repo=str(REPO), argv=argv)],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    line = [l for l in proc.stdout.splitlines() if l.startswith("PROBE")]
    assert line, proc.stdout + proc.stderr
    return json.loads(line[-1][5:])


@pytest.mark.parametrize("command", ["render", "import", "demo"])
def test_light_commands_do_not_import_torch_or_qt(command, tmp_path):
    ct = get_testdata_file("CT_small.dcm")
    argv = {
        "render": ["render", ct, "--out", str(tmp_path / "o.png")],
        "import": ["import", ct, "--workspace", str(tmp_path / "w"), "--json"],
        "demo": ["demo", "--workspace", str(tmp_path / "w"), "--studies", "3", "--json"],
    }[command]
    result = _probe(argv)
    assert result["code"] == 0
    assert result["heavy"] == []


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    bogus = tmp_path / "x.dcm"
    bogus.write_bytes(b"\x00" * 10)
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "render", str(bogus), "--out", str(tmp_path / "o.png")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_help_lists_every_command():
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    for name in ("gui", "demo", "import", "render", "reports", "train", "predict"):
        assert name in proc.stdout


def test_predict_with_a_published_model_does_not_import_torch_or_qt(tmp_path):
    """predict runs the published ONNX model through onnxruntime; torch is for training only."""
    from core.demo.workspace import build_demo_workspace
    from core.store.workspace import Workspace
    from tests.interop.conftest import publish_tiny_model

    ws = Workspace.open(tmp_path / "w")
    build_demo_workspace(ws, n_studies=2, seed=1)
    publish_tiny_model(ws)
    with ws.connect() as store:
        accession = store.execute("SELECT accession FROM studies ORDER BY id LIMIT 1").fetchone()[0]
    result = _probe(["predict", accession, "--workspace", str(ws.path), "--json"])
    assert result["code"] == 0
    assert result["heavy"] == []
