"""The isolated decoder's child process: decodes frames with GDCM, one request at a time.

Run as ``python -m core.dicom.decode_worker`` by core/dicom/isolated_decode.py,
never imported by the application otherwise. GDCM (python-gdcm) throws C++
exceptions that nothing catches on some damaged streams (the assertion
``PF.GetBitsAllocated() == PF.GetBitsStored()`` on a JPEG Lossless file whose
(0028,0101) Bits Stored was changed), and std::terminate aborts the process
it runs in. Here that process is this child: the parent sees the pipe close
and tells the user the file is damaged.

Protocol on stdin/stdout, each message an 8-byte little-endian length and a
pickle (both ends are this project's code; no file content is ever unpickled):

- child -> parent on start: ``("ready", pid)`` once the decoders are imported;
- parent -> child: ``(path, frame)``;
- child -> parent: ``("ok", ndarray)``, ``("refused", error class name, reason)``
  for the project's own errors, or ``("failed", message)`` for a decoder's
  exception (the parent words it as it words in-process failures).

The child ends when its stdin closes (the parent exited or closed it).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys

HEADER = struct.Struct("<Q")
PLUGIN = "gdcm"


def write_message(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_exactly(stream, n: int) -> bytes | None:
    """``n`` bytes, or None when the other end closed (or died) first."""
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(stream):
    """The next message, or None at end of stream."""
    head = read_exactly(stream, HEADER.size)
    if head is None:
        return None
    body = read_exactly(stream, HEADER.unpack(head)[0])
    return None if body is None else pickle.loads(body)  # noqa: S301 - our own process's message


def decode_with_gdcm(path: str, frame: int):
    """One frame of ``path`` decoded by pydicom's GDCM plugin and nothing else.

    The parent has already checked the header; the budget is checked again
    because the file is read again here.
    """
    from pydicom.pixels import pixel_array

    from core.dicom.pixels import _ensure_transfer_syntax, check_frame, check_pixel_budget, pixel_geometry
    from core.dicom.reading import read_dataset

    opened = read_dataset(path, stop_before_pixels=False)
    _ensure_transfer_syntax(opened.dataset)
    geometry = pixel_geometry(opened.dataset, path)
    check_pixel_budget(geometry, path)
    check_frame(frame, geometry.frames, path)
    # A named plugin: pydicom tries no other decoder when this one fails.
    return pixel_array(opened.dataset, index=frame, decoding_plugin=PLUGIN)


def answer(path: str, frame: int):
    from core.errors import RadinetError

    try:
        return "ok", decode_with_gdcm(path, frame)
    except RadinetError as err:
        return "refused", type(err).__name__, getattr(err, "reason", str(err))
    except MemoryError:
        return "refused", "ImageTooLargeError", "there is not enough memory to decode this image"
    except Exception as err:  # noqa: BLE001 - every decoder failure goes back as text to be worded
        return "failed", f"{type(err).__name__}: {err}"


def main() -> int:
    # Ctrl+C in a terminal reaches the whole process group; the parent decides what stops, and this
    # child ends when its stdin closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but protocol messages may reach the parent's pipe
    import warnings

    warnings.simplefilter("ignore")
    import gdcm  # noqa: F401 - imported before "ready", so a missing decoder is a start-up failure
    import pydicom.pixels  # noqa: F401

    import core.dicom.pixels  # noqa: F401

    write_message(replies, ("ready", os.getpid()))
    while True:
        request = read_message(requests)
        if request is None:
            return 0
        path, frame = request
        write_message(replies, answer(path, frame))


if __name__ == "__main__":
    sys.exit(main())
