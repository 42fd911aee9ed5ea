"""Is the pixel data all there? Checked from the header scan, before a file is imported.

A file cut short (a copy interrupted, a disk error, a transfer that stopped)
still has a complete header, so a header-only import would file it as good
and training would meet it later. These checks read at most a few bytes per
fragment and never the pixel values:

- native (uncompressed) pixel data, PS3.5 A.1: the declared value length of
  (7FE0,0010) Pixel Data fits in the file and holds the bytes that
  Rows x Columns x Frames x Samples x Bits Allocated need;
- encapsulated (compressed) pixel data, PS3.5 A.4: a Basic Offset Table item,
  then at least one fragment item (FFFE,E000) per frame, each inside the file,
  then the Sequence Delimitation Item (FFFE,E0DD).
"""

from __future__ import annotations

import struct

from core.dicom.codestream import ITEM_TAG, UNDEFINED_LENGTH, check_codestream_size
from core.dicom.transfer_syntax import compression_family
from core.errors import CorruptDicomError, ImageTooLargeError

# rows * columns * frames * samples above this is refused before decoding (and at import).
PIXEL_BUDGET = 400_000_000
SEQUENCE_DELIMITER_TAG = (0xFFFE, 0xE0DD)


def native_pixel_bytes(rows: int, columns: int, frames: int, samples: int, bits_allocated: int,
                       photometric: str = "MONOCHROME2") -> int:
    """Bytes native pixel data must hold: (0028,0010) x (0028,0011) x (0028,0008) x (0028,0002) x (0028,0100).

    1-bit images are bit-packed; native YBR_FULL_422 stores two samples per pixel
    (Y Y Cb Cr per pair, PS3.3 C.7.6.3.1.2).
    """
    samples = 2 if photometric.upper() == "YBR_FULL_422" and samples == 3 else samples
    return (rows * columns * frames * samples * bits_allocated + 7) // 8


def check_declared_size(path: str, rows: int, columns: int, frames: int, samples: int,
                        budget: int = PIXEL_BUDGET) -> None:
    """Refuse images whose declared rows x columns x frames x samples exceed ``budget``, before allocating."""
    if rows * columns * frames * samples > budget:
        raise ImageTooLargeError(
            path,
            f"the image declares {rows} x {columns} pixels x {frames} frame(s) "
            f"x {samples} sample(s), more than the {budget // 1_000_000} megapixel limit",
        )


# PS3.5 G.3.1: an RLE replicate run is 2 bytes (a count byte n in -127..-1, and the byte to repeat) that
# decode to at most 1 - n = 128 bytes; a literal run never expands. So RLE data decodes to at most 64 times
# its own length, whatever the image holds.
RLE_MAX_EXPANSION = 64
RLE_LOSSLESS = "1.2.840.10008.1.2.5"


def check_rle_expansion(path: str, compressed_bytes: int, declared_bytes: int) -> None:
    """RLE Lossless (1.2.840.10008.1.2.5): refuse a header declaring more than the data can decode to.

    A 6 KB RLE file claiming 19999 x 19999 pixels otherwise made the decoder
    allocate and fill about 850 MB before finding the data short.
    """
    if declared_bytes > RLE_MAX_EXPANSION * max(0, compressed_bytes):
        raise CorruptDicomError(path, f"the RLE data is damaged: its {compressed_bytes:,} bytes cannot hold the "
                                      f"{declared_bytes:,} bytes of the image its header declares")


def check_native_pixel_data(path: str, file_size: int, value_tell: int, length: int,
                            expected_bytes: int | None) -> None:
    """Native (7FE0,0010): the declared length fits in the file and covers the image."""
    present = max(0, file_size - value_tell)
    if value_tell + length > file_size:
        raise CorruptDicomError(path, f"the file is truncated: its pixel data declares {length:,} bytes "
                                      f"but only {present:,} are present")
    if expected_bytes is not None and length < expected_bytes:
        raise CorruptDicomError(path, f"the pixel data is incomplete: the image needs {expected_bytes:,} bytes "
                                      f"but the file holds {length:,}")


def check_encapsulated_pixel_data(path: str, fh, file_size: int, value_tell: int, frames: int) -> int:
    """Encapsulated (7FE0,0010): walk the items from ``value_tell``; returns the number of fragments.

    Items are always little endian (PS3.5 A.4). Only the 8-byte item headers are
    read; each item's value is skipped with a seek.
    """
    position, items = value_tell, 0
    while True:
        fh.seek(position)
        head = fh.read(8)
        if len(head) < 8:
            raise CorruptDicomError(path, "the file is truncated: its compressed pixel data ends without "
                                          "the end-of-data marker (sequence delimiter)")
        group, element, length = struct.unpack("<HHL", head)
        if (group, element) == SEQUENCE_DELIMITER_TAG:
            break
        if (group, element) != ITEM_TAG or length == UNDEFINED_LENGTH:
            raise CorruptDicomError(path, f"the compressed pixel data is damaged: item {items + 1} is not a "
                                          f"fragment (found ({group:04X},{element:04X}))")
        if position + 8 + length > file_size:
            raise CorruptDicomError(path, f"the file is truncated: fragment {items} of its compressed pixel "
                                          f"data runs past the end of the file")
        position += 8 + length
        items += 1
    fragments = max(0, items - 1)  # the first item is the Basic Offset Table (possibly empty)
    if fragments < max(1, frames):
        raise CorruptDicomError(path, f"the compressed pixel data is incomplete: {fragments} fragment(s) "
                                      f"for {max(1, frames)} frame(s)")
    return fragments


def check_pixel_data_complete(path: str, file_size: int, value_tell: int, length: int, *,
                              rows: int | None, columns: int | None, frames: int, samples: int,
                              bits_allocated: int | None, photometric: str | None,
                              transfer_syntax: str | None = None) -> None:
    """Refuse (CorruptDicomError, one sentence) pixel data that is cut short or missing pieces.

    An image declaring more than the pixel budget is refused first (ImageTooLargeError),
    with the sentence the decoder gives.
    """
    if rows and columns:
        check_declared_size(path, rows, columns, frames, samples)
    if length == UNDEFINED_LENGTH:
        with open(path, "rb") as fh:
            check_encapsulated_pixel_data(path, fh, file_size, value_tell, frames)
        if str(transfer_syntax or "") == RLE_LOSSLESS and rows and columns and bits_allocated:
            check_rle_expansion(path, file_size - value_tell,
                                native_pixel_bytes(rows, columns, frames, samples, bits_allocated, photometric or ""))
        elif rows and columns:
            check_codestream_size(path, value_tell, rows, columns, compression_family(transfer_syntax))
        return
    expected = None
    if rows and columns and bits_allocated:
        expected = native_pixel_bytes(rows, columns, frames, samples, bits_allocated, photometric or "")
    check_native_pixel_data(path, file_size, value_tell, length, expected)
