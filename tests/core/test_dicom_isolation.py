"""GDCM decodes run in a child process: a file that aborts GDCM is a one-sentence error, never a dead application.

The mutant is the one the mutation corpus found (seed 1414, mutant 401):
pydicom's SC_rgb_jpeg_gdcm.dcm (JPEG Lossless, Process 14 SV1, which only
GDCM decodes here) with (0028,0101) Bits Stored changed from 8 to 7. GDCM
then fails its assertion ``PF.GetBitsAllocated() == PF.GetBitsStored()``
with a C++ exception nothing catches, and std::terminate aborts whatever
process decoded it.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from core.errors import CorruptDicomError
from core.imaging.image import load_image
from tests.core.dicom_reference import bundled_file

ROOT = Path(__file__).resolve().parents[2]
LOSSLESS = "SC_rgb_jpeg_gdcm.dcm"
ABORT_SENTENCE = "bits_stored_7.dcm: the JPEG data is damaged and could not be decoded"


def _lossless_path() -> str:
    path = bundled_file(LOSSLESS)
    if path is None:
        pytest.skip(f"{LOSSLESS} is not bundled with this pydicom")
    return path


def write_gdcm_abort_mutant(folder: Path) -> Path:
    """The seed-1414 mutant, built directly: Bits Stored (0028,0101) US 8 -> 7 in explicit VR little endian."""
    data = bytearray(Path(_lossless_path()).read_bytes())
    element = struct.pack("<HH", 0x0028, 0x0101) + b"US\x02\x00"
    at = data.find(element)
    assert at > 0 and struct.unpack_from("<H", data, at + 8)[0] == 8
    struct.pack_into("<H", data, at + 8, 7)
    path = folder / "bits_stored_7.dcm"
    path.write_bytes(bytes(data))
    return path


def test_the_mutant_that_aborts_gdcm_is_refused_and_the_process_goes_on(tmp_path):
    """In a child of pytest, so that a regression fails this test instead of killing the test run."""
    mutant = write_gdcm_abort_mutant(tmp_path)
    code = (
        "import sys\n"
        "from core.errors import CorruptDicomError\n"
        "from core.imaging.image import load_image\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        image = load_image(path)\n"
        "        print('decoded', image.values.shape, round(float(image.values[0, 0]), 3))\n"
        "    except CorruptDicomError as err:\n"
        "        print(err)\n"
    )
    # the mutant twice (a second dead child is restarted too), then the intact file
    done = subprocess.run([sys.executable, "-c", code, str(mutant), str(mutant), _lossless_path()], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the decoding process died (exit {done.returncode}): {done.stderr[-800:]}"
    assert done.stdout.splitlines() == [ABORT_SENTENCE, ABORT_SENTENCE, "decoded (100, 100) 76.245"]
    assert "terminate called" not in done.stderr   # GDCM's C++ diagnostics stay in the child


def test_a_dead_decoder_is_counted_and_the_next_file_decodes(tmp_path):
    from core.dicom import isolated_decode

    mutant = write_gdcm_abort_mutant(tmp_path)
    before = isolated_decode.restarts
    with pytest.raises(CorruptDicomError) as info:
        load_image(mutant)
    assert str(info.value) == ABORT_SENTENCE
    assert isolated_decode.restarts == before + 1
    image = load_image(_lossless_path())
    assert float(image.values[50, 50]) == pytest.approx(142.478, abs=1e-2)


def test_a_decoder_killed_between_requests_is_replaced_without_blaming_a_file():
    from core.dicom import isolated_decode

    path = _lossless_path()
    first = load_image(path).values
    pid = isolated_decode.child_pid()
    assert pid is not None and pid != os.getpid()
    before = isolated_decode.restarts
    os.kill(pid, signal.SIGKILL)
    isolated_decode._child.process.wait(timeout=30)   # gone before the next request, as after an OOM kill
    again = load_image(path).values
    np.testing.assert_array_equal(first, again)
    assert isolated_decode.child_pid() not in (None, pid)
    assert isolated_decode.restarts == before   # nothing was damaged: no restart counted against a file


def test_concurrent_requests_blame_only_the_damaged_file(tmp_path):
    """The GUI decodes on two threads: a child that dies on one file must not fail the other thread's file."""
    mutant, intact = write_gdcm_abort_mutant(tmp_path), _lossless_path()
    outcomes: dict[str, list[str]] = {"mutant": [], "intact": []}

    def decode(name: str, path, rounds: int) -> None:
        for _ in range(rounds):
            try:
                load_image(path)
                outcomes[name].append("decoded")
            except CorruptDicomError as err:
                outcomes[name].append(str(err))

    threads = [threading.Thread(target=decode, args=("mutant", mutant, 1)),
               threading.Thread(target=decode, args=("intact", intact, 4))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert outcomes == {"mutant": [ABORT_SENTENCE], "intact": ["decoded"] * 4}


def test_no_decode_reaches_gdcm_in_this_process(tmp_path, monkeypatch):
    """Every bundled reference file and damaged copies of the compressed ones decode or are refused in-process
    without calling GDCM: the safe plugins are named (pydicom then tries no other), and GDCM runs only in the child."""
    from pydicom.pixels import get_decoder
    from pydicom.pixels.decoders.base import _PIXEL_DATA_DECODERS

    from core.errors import DicomError
    from tests.core.dicom_reference import REFERENCE

    calls = []

    def gdcm_in_process(src, runner):
        calls.append(str(runner.transfer_syntax))
        raise AssertionError("GDCM was called in the application's process")

    for uid in _PIXEL_DATA_DECODERS:
        decoder = get_decoder(uid)
        if "gdcm" in decoder._available:
            monkeypatch.setitem(decoder._available, "gdcm", gdcm_in_process)

    for ref in REFERENCE:
        path = bundled_file(ref.name)
        if path is None:
            continue
        data = Path(path).read_bytes()
        # Damage the compressed stream (the second half of the file) so that the safe plugin fails:
        # pydicom must not then try GDCM.
        damaged = tmp_path / f"damaged_{ref.name}"
        half = len(data) // 2
        damaged.write_bytes(data[:half] + bytes(b ^ 0x5A for b in data[half:half + 64]) + data[half + 64:])
        for candidate in (path, damaged):
            try:
                load_image(candidate)
            except DicomError:
                pass
    assert calls == []


def test_the_child_protocol_carries_arrays_as_data_never_as_pickles():
    """What the decoding child sends back is read as numbers only: an object array, a byte count that does not
    match the shape, or a broken header is refused, and no message can name code to run."""
    import io
    import json

    from core.dicom.decode_worker import HEADER, read_message, write_message

    frames = np.arange(2 * 3 * 4, dtype=">u2").reshape(2, 3, 4)       # big-endian: the byte order travels too
    stream = io.BytesIO()
    write_message(stream, ("ok", frames))
    write_message(stream, ("refused", "CorruptDicomError", "the JPEG data is damaged"))
    stream.seek(0)
    kind, array = read_message(stream)
    assert kind == "ok" and array.dtype == frames.dtype and np.array_equal(array, frames) and array.flags.writeable
    assert read_message(stream) == ("refused", "CorruptDicomError", "the JPEG data is damaged")
    assert read_message(stream) is None                                   # end of stream

    def raw(header: dict, body: bytes | None = None) -> io.BytesIO:
        head = json.dumps(header).encode()
        data = HEADER.pack(len(head)) + head + (b"" if body is None else HEADER.pack(len(body)) + body)
        return io.BytesIO(data)

    with pytest.raises(ValueError, match="cannot be pixel data"):
        read_message(raw({"message": ["ok"], "array": {"dtype": "|O", "shape": [1]}}, b"\0" * 8))
    with pytest.raises(ValueError, match="do not match"):
        read_message(raw({"message": ["ok"], "array": {"dtype": "<u2", "shape": [4, 4]}}, b"\0" * 30))
    for malformed in ([1, 2], {"array": None}, {"message": "ok"}, {"message": ["ok"], "array": {"shape": [1]}}):
        with pytest.raises(ValueError):
            read_message(raw(malformed))
    pickled = b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01."          # pickle.dumps(1)
    with pytest.raises(ValueError):
        read_message(io.BytesIO(HEADER.pack(len(pickled)) + pickled))


def test_the_decoding_child_answers_without_pickle(monkeypatch):
    """A file decoded in the child comes back with pickle unusable in this process."""
    import pickle

    from core.dicom import isolated_decode

    def refuse(*_args, **_kwargs):
        raise AssertionError("a reply from the decoding child was unpickled")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    path = _lossless_path()
    values = isolated_decode.decode_isolated(path, 0, "jpeg", "JPEG Lossless")
    import pydicom

    assert values.shape[:2] == (pydicom.dcmread(path).Rows, pydicom.dcmread(path).Columns)
