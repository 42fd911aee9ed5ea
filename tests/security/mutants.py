"""Deterministic DICOM mutants from pydicom's bundled files: truncations, length lies, wrong transfer syntax,
header value lies, byte flips.

Used by tests/security/test_mutation_corpus.py (>= 1,000 per run) and
bench/fuzz_dicom.py (long runs). Each mutant is (name, bytes); the same seed
gives the same corpus, so a failure names a mutant that can be rebuilt.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from pathlib import Path

SEED_FILES = [
    "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm", "CT_small.dcm",
    "JPEG2000.dcm", "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm", "JPGExtended.dcm",
    "SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_rle_2frame.dcm", "SC_rgb_jpeg_gdcm.dcm", "JPEGLSNearLossless_16.dcm",
]

TRANSFER_SYNTAXES = [
    b"1.2.840.10008.1.2", b"1.2.840.10008.1.2.1", b"1.2.840.10008.1.2.2", b"1.2.840.10008.1.2.5",
    b"1.2.840.10008.1.2.4.50", b"1.2.840.10008.1.2.4.51", b"1.2.840.10008.1.2.4.57", b"1.2.840.10008.1.2.4.70",
    b"1.2.840.10008.1.2.4.80", b"1.2.840.10008.1.2.4.90", b"1.2.840.10008.1.2.4.91", b"1.2.840.10008.1.2.1.99",
    b"1.2.840.10008.1.2.4.201", b"9.9.9",
]

# (group, element) of header values worth lying about: Rows, Columns, Bits Allocated, Bits Stored,
# High Bit, Pixel Representation, Samples per Pixel, Planar Configuration.
US_TAGS = [(0x0028, 0x0010), (0x0028, 0x0011), (0x0028, 0x0100), (0x0028, 0x0101), (0x0028, 0x0102),
           (0x0028, 0x0103), (0x0028, 0x0002), (0x0028, 0x0006)]
US_LIES = [0, 1, 7, 8, 12, 15, 16, 17, 32, 33, 64, 255, 256, 4096, 30000, 65535]


def seed_files() -> list[tuple[str, bytes]]:
    from pydicom.data import get_testdata_file

    out = []
    for name in SEED_FILES:
        try:
            path = get_testdata_file(name, download=False)
        except (ValueError, OSError):
            path = None
        if path:
            out.append((name, Path(path).read_bytes()))
    return out


def _us_offsets(data: bytes, tag: tuple[int, int]) -> list[int]:
    """Value offsets of an explicit-VR little-endian US element (header lies only need one encoding)."""
    needle = struct.pack("<HH", *tag) + b"US\x02\x00"
    out, at = [], data.find(needle)
    while at >= 0:
        out.append(at + 8)
        at = data.find(needle, at + 1)
    return out


def _length_fields(data: bytes) -> list[tuple[int, int]]:
    """(offset, size) of plausible explicit-VR length fields: 2-byte after short VRs, 4-byte after OB/OW/SQ/UN/UT."""
    out = []
    for vr in (b"OB", b"OW", b"SQ", b"UN", b"UT"):
        at = data.find(vr + b"\x00\x00")
        while at >= 0:
            out.append((at + 4, 4))
            at = data.find(vr + b"\x00\x00", at + 1)
    for vr in (b"US", b"UI", b"CS", b"DS", b"IS", b"LO", b"SH", b"PN", b"DA"):
        at = data.find(vr, 132)
        while at >= 0 and len(out) < 200:
            out.append((at + 2, 2))
            at = data.find(vr, at + 1)
    # Item tags (FFFE,E000) carry 4-byte lengths: fragments and sequence items.
    at = data.find(b"\xfe\xff\x00\xe0")
    while at >= 0:
        out.append((at + 4, 4))
        at = data.find(b"\xfe\xff\x00\xe0", at + 1)
    return out


def _with_transfer_syntax(data: bytes, uid: bytes) -> bytes | None:
    needle = b"\x02\x00\x10\x00UI"
    at = data.find(needle)
    if at < 0:
        return None
    old_len = struct.unpack_from("<H", data, at + 6)[0]
    value = uid + (b"\0" if len(uid) % 2 else b"")
    return data[:at + 6] + struct.pack("<H", len(value)) + value + data[at + 8 + old_len:]


def mutate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """One mutant of ``data`` and the name of what was done."""
    kind = rng.choice(["truncate", "truncate", "length", "length", "ts", "header", "flip", "zero-tail"])
    if kind == "truncate":
        cut = rng.choice([rng.randrange(0, 400), rng.randrange(0, len(data)), len(data) - rng.randrange(1, 64)])
        return f"truncate@{cut}", data[:max(0, cut)]
    if kind == "length":
        fields = _length_fields(data)
        if fields:
            at, size = rng.choice(fields)
            lie = rng.choice([0, 1, 2, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFE, 0xFFFFFFFF, rng.randrange(0, 1 << 16)])
            lie &= (1 << (8 * size)) - 1
            fmt = "<H" if size == 2 else "<L"
            out = bytearray(data)
            struct.pack_into(fmt, out, at, lie)
            return f"length@{at}={lie}", bytes(out)
    if kind == "ts":
        uid = rng.choice(TRANSFER_SYNTAXES)
        out = _with_transfer_syntax(data, uid)
        if out is not None:
            return f"ts={uid.decode()}", out
    if kind == "header":
        tag = rng.choice(US_TAGS)
        offsets = _us_offsets(data, tag)
        if offsets:
            value = rng.choice(US_LIES)
            out = bytearray(data)
            struct.pack_into("<H", out, offsets[0], value)
            return f"us({tag[0]:04X},{tag[1]:04X})={value}", bytes(out)
    if kind == "zero-tail":
        at = rng.randrange(132, len(data))
        return f"zero-tail@{at}", data[:at] + b"\0" * (len(data) - at)
    out = bytearray(data)
    for _ in range(rng.randrange(1, 9)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return "flip", bytes(out)


def mutants(n: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """``n`` mutants spread over the seed files, deterministic for a seed."""
    files = seed_files()
    rng = random.Random(seed)
    for i in range(n):
        name, data = files[i % len(files)]
        what, mutant = mutate(rng, data)
        yield f"{i:05d}-{name}-{what}", mutant
