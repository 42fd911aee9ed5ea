"""The GDCM decode child's command line, and the application acting as that child in a packaged build.

A PyInstaller bundle's sys.executable is the bundle's radinet binary, which runs no ``-m``: there the
child is the application itself started with the private first argument ``--decode-worker``.
The bundle itself is exercised by installer/smoke_bundle.sh (tests/test_bundle.py, opt-in).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.dicom import isolated_decode
from core.dicom.decode_worker import read_message, write_message
from tests.core.dicom_reference import bundled_file

ROOT = Path(__file__).resolve().parents[2]
LOSSLESS = "SC_rgb_jpeg_gdcm.dcm"   # JPEG Lossless Process 14 SV1: only GDCM decodes it here


def _lossless_path() -> str:
    path = bundled_file(LOSSLESS)
    if path is None:
        pytest.skip(f"{LOSSLESS} is not bundled with this pydicom")
    return path


def test_from_source_the_child_is_python_running_the_worker_module(monkeypatch):
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert isolated_decode.worker_command() == [sys.executable, "-m", "core.dicom.decode_worker"]


def test_in_a_packaged_build_the_child_is_the_application_with_the_private_argument(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/RadiNetStudio/radinet")
    assert isolated_decode.worker_command() == ["/opt/RadiNetStudio/radinet", "--decode-worker"]


def test_main_with_the_private_argument_speaks_the_worker_protocol():
    """What the bundle's binary runs as the child: ready, one decoded frame, then it ends when stdin closes."""
    path = _lossless_path()
    child = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--decode-worker"], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert read_message(child.stdout) == ("ready", child.pid)
        write_message(child.stdin, (path, 0))
        kind, pixels = read_message(child.stdout)
        child.stdin.close()
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
    assert kind == "ok" and pixels.shape == (100, 100, 3)


def test_a_packaged_build_decodes_through_itself(monkeypatch, tmp_path):
    """sys.frozen set and sys.executable a stand-in for the bundle's binary (this checkout's main.py):
    a GDCM-only file decodes through the child, as it does from source."""
    path = _lossless_path()
    launcher = tmp_path / "radinet"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "main.py"}" "$@"\n')
    launcher.chmod(0o755)
    isolated_decode.shutdown()   # a child started from source by an earlier test would be reused
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(launcher))
    try:
        frozen_pixels = isolated_decode.decode_isolated(path, 0, "JPEG", "JPEG Lossless")
        assert isolated_decode.child_pid() not in (None, os.getpid())
    finally:
        isolated_decode.shutdown()
    monkeypatch.undo()
    np.testing.assert_array_equal(frozen_pixels, isolated_decode.decode_isolated(path, 0, "JPEG", "JPEG Lossless"))


def test_help_does_not_show_the_private_argument():
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0
    assert "decode-worker" not in done.stdout
