"""`radinet render`: PNG written, native vs --size, exit 2 with one line, no torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from main import main
from core.imaging.display import render
from tests.core.dicom_reference import bundled_file, write_dicom

ROOT = Path(__file__).resolve().parents[2]


def _mr(tmp_path) -> str:
    path = bundled_file("MR_small.dcm")
    if path is None:
        pytest.skip("MR_small.dcm not bundled")
    return path


def test_render_writes_native_size_greyscale_png(tmp_path):
    src = _mr(tmp_path)
    out = tmp_path / "out.png"
    assert main(["render", src, "--out", str(out)]) == 0
    written = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint8 and written.shape == (64, 64)
    np.testing.assert_array_equal(written, render(src))
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # no temporary file left behind


def test_render_size_fits_the_long_side(tmp_path):
    src = write_dicom(tmp_path / "tall.dcm", np.zeros((200, 50), np.uint16))
    out = tmp_path / "small.png"
    assert main(["render", src, "--out", str(out), "--size", "40"]) == 0
    assert cv2.imread(str(out), cv2.IMREAD_UNCHANGED).shape == (40, 10)


def test_render_window_and_frame_and_json(tmp_path, capsys):
    src = bundled_file("rtdose.dcm")
    if src is None:
        pytest.skip("rtdose.dcm not bundled")
    out = tmp_path / "f.png"
    assert main(["render", src, "--out", str(out), "--frame", "14", "--window", "1000000", "500000", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["frame"] == 14 and (payload["height"], payload["width"]) == (10, 10)
    np.testing.assert_array_equal(cv2.imread(str(out), cv2.IMREAD_UNCHANGED),
                                  render(src, frame=14, window=(1000000, 500000)))


def _cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys, main; sys.exit(main.main(sys.argv[1:]))", *args],
                          cwd=cwd or ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def bad_inputs(tmp_path):
    mr = bundled_file("MR_small.dcm")
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.dcm"
    noise.write_bytes(np.random.default_rng(3).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    cases = {"empty": ([str(empty)], "empty"), "noise": ([str(noise)], "not a DICOM file"),
             "missing": ([str(tmp_path / "nope.dcm")], "does not exist")}
    if mr:
        cut = tmp_path / "cut.dcm"
        cut.write_bytes(Path(mr).read_bytes()[:-700])
        cases["truncated"] = ([str(cut)], "truncated")
        cases["frame"] = ([mr, "--frame", "3"], "frame 3 does not exist")
        cases["size"] = ([mr, "--size", "0"], "--size")
    lossless = bundled_file("SC_rgb_jpeg_gdcm.dcm")
    if lossless:
        # GDCM's libjpeg prints "Corrupt JPEG data: ..." on fd 2; the CLI must still print one line.
        data = bytearray(Path(lossless).read_bytes())
        data[-1000:-984] = b"\x13" * 16
        damaged = tmp_path / "damaged.dcm"
        damaged.write_bytes(bytes(data))
        cases["damaged_jpeg"] = ([str(damaged)], "JPEG data is truncated or damaged")
    return cases


def test_bad_input_exits_2_with_one_line(tmp_path, bad_inputs):
    out = tmp_path / "x.png"
    for name, (args, phrase) in bad_inputs.items():
        result = _cli("render", *args, "--out", str(out))
        assert result.returncode == 2, name
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (name, result.stderr)  # no traceback, no pydicom warnings
        assert lines[0].startswith("radinet render: ") and phrase in lines[0], (name, lines[0])
        assert not out.exists()


def test_render_does_not_import_torch_or_qt(tmp_path):
    src = _mr(tmp_path)
    code = (
        "import sys, main\n"
        f"rc = main.main(['render', {src!r}, '--out', {str(tmp_path / 'a.png')!r}])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'PySide6'))\n"
        "print(rc, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout + result.stderr
