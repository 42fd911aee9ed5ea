"""Report CSVs: UTF-16/32 with a BOM are read, binary files say what they are, reading is streamed
(issue 14 items 9 and 10)."""

from __future__ import annotations

import tracemalloc

import pytest

from core.errors import InputError
from core.reports.csv_input import iter_csv_table, read_csv_rows, read_report_csv

ROWS = [("Fracture of the distal radius, déplacée.", "1"), ("Normal wrist; no fracture.", "0"),
        ("Ulnar styloid fracture ✓", "yes")]


def _excel_unicode_text(rows=ROWS, encoding="utf-16") -> bytes:
    """Excel's "Unicode Text": UTF-16 with a BOM, tab-delimited, CRLF."""
    text = "report\tlabel\r\n" + "".join(f"{t}\t{y}\r\n" for t, y in rows)
    return text.encode(encoding)   # Python's utf-16/utf-32 write a BOM


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_with_a_bom_are_read(tmp_path, encoding):
    data = _excel_unicode_text(encoding=encoding)
    if encoding in ("utf-16-be", "utf-16-le"):
        data = ("\ufeff".encode(encoding)) + data      # explicit-endian codecs write no BOM themselves
    path = tmp_path / "reports.txt"
    path.write_bytes(data)
    texts, labels, meta = read_report_csv(path, "report", "label")
    assert texts == [t for t, _ in ROWS]
    assert labels == [1, 0, 1]
    assert meta["delimiter"] == "\t" and meta["encoding"] in ("utf-16", "utf-32")
    assert meta["lines"] == [2, 3, 4]


@pytest.mark.parametrize("head, expected", [
    (b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 100, "is not a text file: it is a ZIP archive or an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "is not a text file: it is an Excel 97-2003 workbook"),
    ("report,label\nx,1\n".encode("utf-16-le"), "looks like UTF-16 text without a byte-order mark"),
    (b"report,label\n\x00\x01\x02", "it contains binary data (a zero byte at position 13)"),
])
def test_a_binary_file_says_what_was_wrong(tmp_path, head, expected):
    path = tmp_path / "r.csv"
    path.write_bytes(head)
    with pytest.raises(InputError) as info:
        read_report_csv(path, "report", "label")
    text = str(info.value)
    assert expected in text and text.startswith("r.csv ") and "\n" not in text


def test_import_reads_a_utf16_reports_csv(tmp_path):
    """The importer's reader (core.importing.reports_csv) takes the same path."""
    path = tmp_path / "reports.csv"
    path.write_bytes("study\treport\r\nACC1\tNo fracture.\r\n".encode("utf-16"))
    header, rows = read_csv_rows(path)
    assert header == ["study", "report"] and rows == [["ACC1", "No fracture."]]


def test_a_decoding_error_late_in_the_file_falls_back_to_the_next_encoding(tmp_path):
    """Detection reads the whole file (in chunks), not just its start: a cp1252 byte after 2 MB still counts."""
    path = tmp_path / "r.csv"
    body = "report,label\n" + "Normal wrist,0\n" * 150_000 + "Fracture \u2013 radius,1\n"
    path.write_bytes(body.encode("cp1252"))
    texts, labels, meta = read_report_csv(path, "report", "label")
    assert meta["encoding"] == "cp1252" and texts[-1] == "Fracture \u2013 radius" and labels[-1] == 1


def test_streaming_memory_does_not_grow_with_the_file(tmp_path):
    """Rows are read one at a time: iterating a 200,000-row file stays within a few megabytes."""
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("id,report,label\n")
        for i in range(200_000):
            fh.write(f"{i},\"Report {i}: no acute fracture, soft tissues normal.\",{i % 2}\n")
    size = path.stat().st_size
    seen, progress = 0, []
    tracemalloc.start()
    try:
        with iter_csv_table(path, progress=lambda done, total: progress.append((done, total))) as (header, rows, _):
            for row in rows:
                seen += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == 200_000 and header == ["id", "report", "label"]
    assert peak < 4 * 1024 * 1024 < size, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
    assert progress and progress[-1] == (size, size)
