"""Human names for (0002,0010) Transfer Syntax UID and whether we can decode it."""

from __future__ import annotations

import re

from pydicom.uid import UID

# (0002,0010) is a UI value: digits and dots, at most 64 characters (PS3.5 9.1).
_UID_SHAPE = re.compile(r"[0-9.]{1,64}")

# Transfer syntaxes newer than the installed pydicom's UID dictionary; without
# this table the user would read a bare number instead of a format name.
_EXTRA_NAMES = {
    "1.2.840.10008.1.2.4.110": "JPEG XL Lossless",
    "1.2.840.10008.1.2.4.111": "JPEG XL JPEG Recompression",
    "1.2.840.10008.1.2.4.112": "JPEG XL",
}

# Short family names used in error sentences ("the JPEG 2000 data is truncated").
_FAMILIES = (
    ("JPEG XL", "JPEG XL"),
    ("JPEG 2000", "JPEG 2000"),
    ("JPEG-LS", "JPEG-LS"),
    ("JPEG", "JPEG"),
    ("RLE", "RLE"),
    ("Deflate", "deflated"),
    ("MPEG", "video"),
)


def transfer_syntax_name(uid: str | None) -> str:
    """Readable name of a (0002,0010) Transfer Syntax UID, e.g. 'JPEG 2000 Image Compression'."""
    if not uid:
        return "an unspecified transfer syntax"
    uid = str(uid).strip()
    if not _UID_SHAPE.fullmatch(uid):
        # Never echo a damaged value into a message (control characters, text that is not a UID).
        return "an invalid transfer syntax (its UID is damaged)"
    if uid in _EXTRA_NAMES:
        return _EXTRA_NAMES[uid]
    name = UID(uid).name
    return name if name != uid else f"an unknown transfer syntax ({uid})"


def compression_family(uid: str | None) -> str:
    """Short family name for error sentences: 'JPEG 2000', 'JPEG', 'RLE', or 'pixel'."""
    name = transfer_syntax_name(uid)
    for needle, family in _FAMILIES:
        if needle in name:
            return family
    return "pixel"


def is_compressed(uid: str | None) -> bool:
    """True when pixel data under this transfer syntax is encapsulated (compressed)."""
    if not uid:
        return False
    if str(uid) in _EXTRA_NAMES:
        return True
    u = UID(str(uid))
    return bool(u.is_transfer_syntax and u.is_compressed)


def can_decode(uid: str | None) -> bool:
    """True when an installed pydicom decoder plugin handles this transfer syntax."""
    if not uid:
        return True  # native data with a missing meta header: pydicom reads it as stored
    from pydicom.pixels import get_decoder

    try:
        return bool(get_decoder(str(uid)).is_available)
    except (NotImplementedError, ValueError):
        return False
