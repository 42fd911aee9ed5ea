"""What kind of file is this? Decided by content, not by the file name."""

from __future__ import annotations

import os
import struct
from pathlib import Path

from core.dicom.reading import file_kind, read_head, special_file_reason
from core.errors import DicomError


def sniff(path: Path) -> str:
    """'dicom' | 'png' | 'jpeg' | 'csv' | 'empty' | 'unknown' | 'unreadable' | 'special' from the first bytes.

    Files without the DICOM preamble (raw datasets) come back 'unknown' and are
    left to the DICOM reader to accept or refuse. 'special': a named pipe, a
    device or a socket (never opened: see core.dicom.reading.special_file_reason).
    """
    try:
        if special_file_reason(os.stat(path).st_mode):
            return "special"
        head = read_head(os.fspath(path))
    except (OSError, DicomError):
        return "unreadable"
    kind = file_kind(head)
    if kind == "unknown" and path.suffix.lower() in (".csv", ".tsv"):
        return "csv"
    return kind


def bitmap_size(path: Path, kind: str) -> tuple[int, int] | None:
    """(rows, columns) of a PNG or JPEG read from its header, without decoding pixels."""
    try:
        with open(path, "rb") as fh:
            if kind == "png":
                head = fh.read(24)  # signature + IHDR length/type + width + height
                width, height = struct.unpack(">II", head[16:24])
                return height, width
            if kind == "jpeg":
                return _jpeg_size(fh)
    except (OSError, struct.error):
        return None
    return None


def _jpeg_size(fh) -> tuple[int, int] | None:
    fh.read(2)  # SOI
    while True:
        marker = fh.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        code = marker[1]
        if code in (0xD8, 0x01) or 0xD0 <= code <= 0xD7:
            continue
        length = struct.unpack(">H", fh.read(2))[0]
        # SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC) carry the frame size.
        if 0xC0 <= code <= 0xCF and code not in (0xC4, 0xC8, 0xCC):
            _precision, height, width = struct.unpack(">BHH", fh.read(5))
            return height, width
        fh.seek(length - 2, 1)
