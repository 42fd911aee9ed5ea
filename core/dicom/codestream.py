"""The image size a compressed frame's own codestream declares, read before any decoder runs.

pydicom sizes its output array from the header's (0028,0010) Rows and
(0028,0011) Columns before it decodes a frame, so a 5 KB JPEG file whose
header claims 19,999 x 19,999 pixels made it reserve about 760 MB. The
codestream carries its own size, and PS3.5 8.2 requires the two to agree:

- JPEG and JPEG-LS: the frame header (SOFn, ISO/IEC 10918-1 B.2.2; SOF55,
  ISO/IEC 14495-1 C.2.2), parsed by pydicom's own reader;
- JPEG 2000 and HTJ2K: the image and tile size marker (SIZ, ISO/IEC 15444-1
  A.5.1), Xsiz - XOsiz columns by Ysiz - YOsiz rows, parsed here because
  pydicom's get_j2k_parameters reads only the precision.

A header declaring more pixels than its first frame's codestream holds is
refused with one sentence. Where the codestream cannot be read (no frame
header in its first 64 KB, a JPEG height left to a DNL marker) nothing is
decided here and the decoder's own checks apply; the pixel budget still caps
what any file may declare.
"""

from __future__ import annotations

import struct

from core.errors import CorruptDicomError

# PS3.5 A.4: every encapsulated item starts with this tag; an undefined length is 0xFFFFFFFF.
# (core.dicom.completeness walks the same items and uses these.)
ITEM_TAG = (0xFFFE, 0xE000)
UNDEFINED_LENGTH = 0xFFFFFFFF
FIRST_BYTES = 64 * 1024            # frame headers follow at most a few tables and APP segments
_J2K_START = b"\xff\x4f\xff\x51"   # SOC then SIZ: SIZ is always the second marker (15444-1 A.3)
_JP2_SIGNATURE = b"\x00\x00\x00\x0c\x6a\x50\x20\x20"


def first_fragment(path: str, value_tell: int, limit: int = FIRST_BYTES) -> bytes:
    """Up to ``limit`` bytes of the first fragment after the Basic Offset Table item (PS3.5 A.4); b"" if none."""
    with open(path, "rb") as fh:
        position = value_tell
        for index in range(2):          # item 0: the offset table, item 1: the first fragment
            fh.seek(position)
            head = fh.read(8)
            if len(head) < 8:
                return b""
            group, element, length = struct.unpack("<HHL", head)
            if (group, element) != ITEM_TAG or length == UNDEFINED_LENGTH:
                return b""
            if index == 1:
                return fh.read(min(length, limit))
            position += 8 + length
    return b""


def _j2k_size(data: bytes) -> tuple[int, int] | None:
    start = data.find(_J2K_START, 0, FIRST_BYTES) if data.startswith(_JP2_SIGNATURE) else 0
    if start < 0 or data[start:start + 4] != _J2K_START or len(data) < start + 24:
        return None
    # After SIZ's marker: Lsiz (2), Rsiz (2), Xsiz, Ysiz, XOsiz, YOsiz (4 each, big endian).
    xsiz, ysiz, xosiz, yosiz = struct.unpack(">4L", data[start + 8:start + 24])
    if xsiz <= xosiz or ysiz <= yosiz:
        return None
    return ysiz - yosiz, xsiz - xosiz


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    try:   # pydicom's frame-header reader (the one its decoders use); private, so guarded
        from pydicom.pixels.utils import _get_jpg_parameters
    except ImportError:
        return None
    info = _get_jpg_parameters(data)
    height, width = info.get("height"), info.get("width")
    return (height, width) if height and width else None   # height 0: defined later by a DNL marker


def codestream_size(data: bytes, family: str) -> tuple[int, int] | None:
    """(rows, columns) the codestream declares, for family 'JPEG 2000', 'JPEG' or 'JPEG-LS'; None if unknown."""
    if family == "JPEG 2000":
        return _j2k_size(data)
    if family in ("JPEG", "JPEG-LS"):
        return _jpeg_size(data)
    return None


def check_codestream_size(path: str, value_tell: int, rows: int, columns: int, family: str) -> None:
    """Refuse a header that declares more pixels than its first frame's codestream holds."""
    if family not in ("JPEG 2000", "JPEG", "JPEG-LS"):
        return
    size = codestream_size(first_fragment(path, value_tell), family)
    if size is None or size[0] * size[1] >= rows * columns:
        return
    raise CorruptDicomError(path, f"the {family} data is damaged: its header declares {rows} x {columns} "
                                  f"pixels but the compressed image holds {size[0]} x {size[1]}")
