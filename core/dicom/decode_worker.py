"""The isolated decoder's child process: decodes frames with GDCM, one request at a time.

Run as ``python -m core.dicom.decode_worker`` by core/dicom/isolated_decode.py,
never imported by the application otherwise. GDCM (python-gdcm) throws C++
exceptions that nothing catches on some damaged streams (the assertion
``PF.GetBitsAllocated() == PF.GetBitsStored()`` on a JPEG Lossless file whose
(0028,0101) Bits Stored was changed), and std::terminate aborts the process
it runs in. Here that process is this child: the parent sees the pipe close
and tells the user the file is damaged.

Protocol on stdin/stdout. Each message is an 8-byte little-endian length and a
JSON header, then, when the header describes an array (``{"dtype", "shape"}``),
another length and the array's raw bytes. No pickle: the child decodes hostile
files with native code, so what it sends back is read as data only -- plain
numeric dtypes, a shape that matches the byte count -- and never executed.

- child -> parent on start: ``("ready", pid)`` once the decoders are imported;
- parent -> child: ``(path, frame)``;
- child -> parent: ``("ok", ndarray)`` (the array after the header), ``("refused", error class name, reason)``
  for the project's own errors, or ``("failed", message)`` for a decoder's
  exception (the parent words it as it words in-process failures).

The child ends when its stdin closes (the parent exited or closed it).
"""

from __future__ import annotations

import json
import os
import signal
import struct
import sys

import numpy as np

HEADER = struct.Struct("<Q")
PLUGIN = "gdcm"
ARRAY_KINDS = "biuf"          # bool, signed and unsigned integers, floats: what a pixel array can be


def write_message(stream, message: tuple) -> None:
    """``message``: a tuple of JSON values, whose last item may be a numpy array."""
    array = message[-1] if message and isinstance(message[-1], np.ndarray) else None
    fields = list(message[:-1] if array is not None else message)
    spec = None if array is None else {"dtype": array.dtype.str, "shape": list(array.shape)}
    head = json.dumps({"message": fields, "array": spec}).encode("utf-8")
    stream.write(HEADER.pack(len(head)))
    stream.write(head)
    if array is not None:
        body = np.ascontiguousarray(array).tobytes()
        stream.write(HEADER.pack(len(body)))
        stream.write(body)
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


def _read_block(stream) -> bytes | None:
    size = read_exactly(stream, HEADER.size)
    return None if size is None else read_exactly(stream, HEADER.unpack(size)[0])


def read_message(stream):
    """The next message as a tuple (an array last when one was sent), or None at end of stream.

    Raises ValueError on anything that is not a well-formed message of plain numbers.
    """
    head = _read_block(stream)
    if head is None:
        return None
    decoded = json.loads(head.decode("utf-8"))
    try:
        fields, spec = decoded["message"], decoded.get("array")
        if not isinstance(fields, list):
            raise TypeError
        if spec is None:
            return tuple(fields)
        dtype = np.dtype(str(spec["dtype"]))
        shape = tuple(int(n) for n in spec["shape"])
    except (KeyError, TypeError, AttributeError):
        raise ValueError("malformed message") from None
    if dtype.kind not in ARRAY_KINDS or dtype.hasobject or any(n < 0 for n in shape):
        raise ValueError(f"an array of {dtype} cannot be pixel data")
    body = _read_block(stream)
    if body is None:
        return None
    if len(body) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise ValueError("the array's bytes do not match its shape")
    return (*fields, np.frombuffer(body, dtype=dtype).reshape(shape).copy())


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
