"""Open a DICOM file safely: by content, quietly, with bounded memory.

Every DICOM read in RadiNet Studio goes through :func:`read_dataset`, which
turns pydicom's many exception types into the project's one-sentence errors
and never allocates a value larger than the file itself: values above
``DEFER_BYTES`` are deferred (pydicom records offset and length and seeks
past them), and :func:`check_declared_lengths` compares those declared
lengths with the file size before anything touches them.
"""

from __future__ import annotations

import os
import struct
import warnings
import zlib
from dataclasses import dataclass

import pydicom
from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_partial

from core.errors import CorruptDicomError, DicomError, NotDicomError

# pydicom reports recoverable oddities as warnings; the user gets our own
# sentence instead, so keep them off the console (they would repeat per file).
warnings.filterwarnings("ignore", module=r"pydicom(\.|$)")

# Values larger than this are not read while parsing (only their offset and
# declared length are kept), so a header claiming a 4 GB element costs nothing.
DEFER_BYTES = 64 * 1024

PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)  # Pixel Data, Float, Double Float

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"

# Everything pydicom (or the struct/zlib code under it) raises on damaged input.
_DAMAGE = (EOFError, ValueError, struct.error, OverflowError, KeyError, IndexError,
           TypeError, AttributeError, NotImplementedError, zlib.error, UnicodeDecodeError)


@dataclass(frozen=True)
class OpenedDataset:
    """A parsed dataset plus what the checks need to know about the file."""

    dataset: pydicom.Dataset
    path: str
    file_size: int
    pixel_tag_seen: bool


def file_kind(head: bytes) -> str:
    """'dicom' | 'png' | 'jpeg' | 'empty' | 'unknown' from the first 132 bytes."""
    if not head:
        return "empty"
    if head.startswith(_PNG_MAGIC):
        return "png"
    if head.startswith(_JPEG_MAGIC):
        return "jpeg"
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom"
    return "unknown"


def read_head(path: str, n: int = 132) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except FileNotFoundError:
        raise DicomError(path, "the file does not exist") from None
    except IsADirectoryError:
        raise DicomError(path, "is a folder, not a file") from None
    except OSError as err:
        raise DicomError(path, f"the file cannot be read ({err.strerror or err})") from None


def read_dataset(path, *, stop_before_pixels: bool) -> OpenedDataset:
    """Parse a DICOM file (Part 10, or a bare dataset without the 128-byte preamble).

    Raises NotDicomError for anything that is not DICOM (empty, PNG, random
    bytes) and CorruptDicomError for DICOM whose structure is damaged.
    """
    path = os.fspath(path)
    head = read_head(path)
    kind = file_kind(head)
    if kind == "empty":
        raise NotDicomError(path, "the file is empty, not a DICOM file")
    if kind in ("png", "jpeg"):
        raise NotDicomError(path, f"not a DICOM file (it is a {kind.upper()} image)")
    file_size = os.path.getsize(path)
    seen = {"pixels": False}

    def stop_at_pixels(tag, vr, length) -> bool:
        if tag in PIXEL_TAGS:
            seen["pixels"] = length != 0
            return stop_before_pixels
        return False

    force = kind != "dicom"
    try:
        with open(path, "rb") as fh:
            ds = read_partial(fh, stop_when=stop_at_pixels, defer_size=DEFER_BYTES, force=force)
            if not stop_before_pixels:
                seen["pixels"] = any(t in ds for t in PIXEL_TAGS)
    except InvalidDicomError:
        raise NotDicomError(path) from None
    except MemoryError:
        raise CorruptDicomError(path, "the DICOM header declares impossible sizes") from None
    except _DAMAGE as err:
        if force:
            raise NotDicomError(path) from None
        raise CorruptDicomError(path, f"the DICOM structure is damaged or truncated ({_short(err)})") from None
    ds.filename = path  # deferred values are re-read from here
    if force and not _looks_like_dicom(ds):
        raise NotDicomError(path)
    opened = OpenedDataset(ds, path, file_size, seen["pixels"])
    check_declared_lengths(opened)
    return opened


def _looks_like_dicom(ds: pydicom.Dataset) -> bool:
    """A forced read of random bytes yields garbage tags; real datasets carry these."""
    try:
        tags = [int(t) for t in ds.keys()]
    except Exception:  # noqa: BLE001 - garbage in, verdict out
        return False
    if not tags or tags[0] > 0x7FE00010 or tags[0] < 0x00020000:
        return False
    return any(t in ds for t in (0x00080016, 0x00080018, 0x0020000D, 0x00280010))


def check_declared_lengths(opened: OpenedDataset) -> None:
    """Refuse a file whose deferred (large) values claim more bytes than the file holds."""
    for elem in opened.dataset.elements():
        value_tell = getattr(elem, "value_tell", None)
        length = getattr(elem, "length", 0)
        if getattr(elem, "value", True) is None and value_tell is not None and length != 0xFFFFFFFF:
            if value_tell + length > opened.file_size:
                what = "pixel data" if int(elem.tag) in PIXEL_TAGS else f"element {elem.tag}"
                raise CorruptDicomError(
                    opened.path,
                    f"the file is truncated: its {what} declares {length:,} bytes "
                    f"but only {max(0, opened.file_size - value_tell):,} are present",
                )


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:120].rstrip(".")
