"""Open a DICOM file safely: by content, quietly, with bounded memory.

Every DICOM read in RadiNet Studio goes through :func:`read_dataset`, which
turns pydicom's many exception types into the project's one-sentence errors
and never allocates a value larger than the file itself: values above
``DEFER_BYTES`` are deferred (pydicom records offset and length and seeks
past them), and :func:`check_declared_lengths` compares those declared
lengths with the file size before anything touches them.
"""

from __future__ import annotations

import contextlib
import os
import stat
import warnings
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

# Pixel Data, Float Pixel Data, Double Float Pixel Data. A frozenset: the
# membership test runs once per element read and must not call BaseTag.__eq__.
PIXEL_TAGS = frozenset((0x7FE00010, 0x7FE00008, 0x7FE00009))

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"

@contextlib.contextmanager
def damaged_file_guard(path: str):
    """Turn any non-project exception raised while interpreting a parsed file into one sentence.

    Untrusted bytes reach many pydicom value converters; whichever one fails,
    the user learns which file is damaged rather than seeing a traceback.
    """
    from core.errors import RadinetError

    try:
        yield
    except RadinetError:
        raise
    except MemoryError:
        raise CorruptDicomError(path, "the DICOM header declares impossible sizes") from None
    except Exception as err:  # noqa: BLE001 - boundary between untrusted files and the app
        raise CorruptDicomError(path, f"the DICOM data is damaged ({_short(err)})") from None


@dataclass(frozen=True)
class OpenedDataset:
    """A parsed dataset plus what the checks need to know about the file."""

    dataset: pydicom.Dataset
    path: str
    file_size: int
    pixel_tag_seen: bool  # a non-empty pixel data element was found
    pixel_element_lost: bool = False  # its tag was read but the value ran past the end of the file
    ended_cleanly: bool = True  # parsing stopped at the end of the last element, not mid-way
    # Where the top-level pixel data value starts in the file and its declared length
    # (0xFFFFFFFF: encapsulated); None when unknown (no pixel data, or a deflated file).
    pixel_value_tell: int | None = None
    pixel_length: int | None = None


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


def special_file_reason(mode: int) -> str | None:
    """Why a path with this st_mode is not read as an image (None for a regular file).

    Opening a named pipe blocks until a writer appears (an import would hang
    forever) and reading a device can return endless data, so only regular
    files are ever opened.
    """
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file; skipped"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file; skipped"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file; skipped"
    return "is not a regular file; skipped"


def read_head(path: str, n: int = 132) -> bytes:
    """The first ``n`` bytes of a regular file (DicomError for a pipe, device, folder or unreadable file)."""
    try:
        reason = special_file_reason(os.stat(path).st_mode)
        if reason:
            raise DicomError(path, reason)
        # O_NONBLOCK: should the path become a pipe after the check, opening it still returns at once.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            reason = special_file_reason(os.fstat(fd).st_mode)
            if reason:
                raise DicomError(path, reason)
            return os.read(fd, n)   # a regular file returns n bytes unless it is shorter
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise DicomError(path, "the file does not exist") from None
    except IsADirectoryError:
        raise DicomError(path, "is a folder, not a file") from None
    except OSError as err:
        raise DicomError(path, f"the file cannot be read ({err.strerror or err})") from None


def read_dataset(path, *, stop_before_pixels: bool, specific_tags=None) -> OpenedDataset:
    """Parse a DICOM file (Part 10, or a bare dataset without the 128-byte preamble).

    ``specific_tags`` limits parsing to those attributes (faster header scans).

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
    seen = {"pixels": False, "tag": False, "tell": None, "length": None}

    def stop_at_pixels(tag, vr, length) -> bool:
        if tag in PIXEL_TAGS:
            seen["pixels"] = length != 0
            seen["tag"] = length != 0
            if seen["tell"] is None and length != 0:
                # pydicom calls this positioned at the start of the value (it rewinds afterwards).
                seen["tell"], seen["length"] = fh.tell(), length
            return stop_before_pixels
        return False

    force = kind != "dicom"
    try:
        with open(path, "rb") as fh:
            ds = read_partial(fh, stop_when=stop_at_pixels, defer_size=DEFER_BYTES, force=force,
                              specific_tags=specific_tags)
            if not stop_before_pixels:
                seen["pixels"] = any(t in ds for t in PIXEL_TAGS)
    except InvalidDicomError:
        raise NotDicomError(path) from None
    except MemoryError:
        raise CorruptDicomError(path, "the DICOM header declares impossible sizes") from None
    except Exception as err:  # noqa: BLE001 - pydicom's error types on damaged input are open-ended
        if force:
            raise NotDicomError(path) from None
        raise CorruptDicomError(path, f"the DICOM structure is damaged or truncated ({_short(err)})") from None
    if force and not _looks_like_dicom(ds):
        raise NotDicomError(path)
    if _is_deflated(ds):
        # Offsets refer to the inflated stream, so deferred values cannot be re-read from the file.
        return _read_deflated(path, stop_before_pixels, file_size)
    ds.filename = path  # deferred values are re-read from here
    lost = seen["tag"] and not seen["pixels"]  # pydicom drops an undefined-length value cut by EOF
    clean = stop_before_pixels or specific_tags is not None or _ends_at(ds, file_size)
    opened = OpenedDataset(ds, path, file_size, seen["pixels"], lost, clean, seen["tell"], seen["length"])
    check_declared_lengths(opened)
    return opened


def _is_deflated(ds) -> bool:
    meta = getattr(ds, "file_meta", None)
    return meta is not None and str(meta.get("TransferSyntaxUID", "")) == "1.2.840.10008.1.2.1.99"


def _read_deflated(path: str, stop_before_pixels: bool, file_size: int) -> OpenedDataset:
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=stop_before_pixels)
    except Exception as err:  # noqa: BLE001
        raise CorruptDicomError(path, f"the deflated data set is damaged or truncated ({_short(err)})") from None
    has_pixels = any(t in ds for t in PIXEL_TAGS)
    return OpenedDataset(ds, path, file_size, has_pixels or stop_before_pixels, False, True)


def _ends_at(ds, file_size: int) -> bool:
    """True when the last top-level element ends exactly at the end of the file.

    pydicom stops quietly when a file ends inside a tag or a value; comparing
    offsets is how a cut-off file is told apart from a complete one.
    """
    keys = list(ds.keys())
    if not keys:
        return False
    last = ds.get_item(keys[-1], keep_deferred=True)
    tell, length = getattr(last, "value_tell", None), getattr(last, "length", None)
    if tell is None or length is None or length == 0xFFFFFFFF:
        return True  # a sequence or an encapsulated value: its delimiter was found
    return tell + length == file_size


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
    """Refuse a file whose values claim more bytes than the file holds (deferred or cut short)."""
    # Raw elements straight from the dataset's store: get_item() would read deferred values,
    # and converting every element costs more than the whole parse.
    check_element_lengths(opened.path, list(opened.dataset._dict.values()), opened.file_size)


def check_element_lengths(path: str, elements, file_size: int) -> None:
    """check_declared_lengths for the given raw elements of a file of ``file_size`` bytes."""
    for elem in elements:
        value_tell = getattr(elem, "value_tell", None)
        length = getattr(elem, "length", 0)
        value = getattr(elem, "value", None)
        if isinstance(value, bytes) and length != 0xFFFFFFFF and len(value) < length:
            if int(elem.tag) in PIXEL_TAGS:
                continue  # reported with the image geometry by core.dicom.pixels
            raise CorruptDicomError(path, f"the file is truncated inside element {elem.tag}")
        if getattr(elem, "value", True) is None and value_tell is not None and length != 0xFFFFFFFF:
            if value_tell + length > file_size:
                what = "pixel data" if int(elem.tag) in PIXEL_TAGS else f"element {elem.tag}"
                raise CorruptDicomError(
                    path,
                    f"the file is truncated: its {what} declares {length:,} bytes "
                    f"but only {max(0, file_size - value_tell):,} are present",
                )


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:120].rstrip(".")
