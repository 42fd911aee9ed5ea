"""`radinet render FILE --out PNG`: the display pipeline to an 8-bit greyscale PNG.

No workspace, no torch: decode -> Modality LUT -> VOI -> MONOCHROME1 -> 8 bit.
"""

from __future__ import annotations

import contextlib
import os
import sys

from core.atomic_file import atomic_write
from core.commands.common import add_json_argument, emit
from core.errors import InputError

HELP = "write the display image of a DICOM/PNG/JPEG radiograph as an 8-bit greyscale PNG"


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="DICOM file (or PNG/JPEG radiograph)")
    parser.add_argument("--out", metavar="PNG", required=True, help="PNG file to write")
    parser.add_argument("--frame", metavar="K", type=int, default=0, help="frame of a multi-frame file (from 0)")
    parser.add_argument("--window", metavar=("C", "W"), nargs=2, type=float, default=None,
                        help="window center and width (default: the file's first window, else automatic)")
    parser.add_argument("--size", metavar="N", type=int, default=None,
                        help="fit the long side to N pixels (default: native size)")
    add_json_argument(parser)


def _write_png(path: str, img8) -> None:
    """Encode first, then write through core.atomic_file: never half-written."""
    import cv2

    ok, buf = cv2.imencode(".png", img8)
    if not ok:
        raise InputError(f"The image could not be encoded as PNG for {os.path.basename(path)}.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"The output folder {folder} does not exist.")
    atomic_write(path, buf.tobytes(), f"writing {os.path.basename(path)}")


@contextlib.contextmanager
def native_stderr_silenced():
    """Silence what C decoders (libjpeg inside GDCM, OpenJPEG) print straight to file descriptor 2.

    The CLI promises one line on stderr; our own sentence is printed after
    this block by main.py. Process-wide, so only for the single-threaded CLI.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # pytest capture, embedded interpreters
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def run(args) -> int:
    from core.imaging.display import render

    if args.size is not None and args.size < 1:
        raise InputError("--size must be a positive number of pixels.")
    if args.window is not None and args.window[1] <= 0:
        raise InputError("The window width must be greater than zero.")
    if not str(args.out).lower().endswith(".png"):
        raise InputError(f"The output file {os.path.basename(args.out)} must end in .png.")
    with native_stderr_silenced():
        img8 = render(args.file, frame=args.frame, window=tuple(args.window) if args.window else None, size=args.size)
    _write_png(args.out, img8)
    payload = {"path": os.path.abspath(args.out), "height": int(img8.shape[0]), "width": int(img8.shape[1]),
               "frame": args.frame}
    emit(args, payload, f"wrote {args.out} ({img8.shape[1]} x {img8.shape[0]})")
    return 0
