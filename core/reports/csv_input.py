"""Reading report CSV files exported from a RIS, whatever their encoding.

``read_csv_rows`` is encoding- and delimiter-tolerant and shared with the
importer (study key + report text); ``read_report_csv`` adds the text/label
column checks the report labeller needs. Every problem a user can cause is an
:class:`~core.errors.InputError` whose message names the file and, where there
is one, the line and the value.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import os
from pathlib import Path

from core.errors import InputError

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")   # utf-8-sig reads plain UTF-8 too
MAX_REPORT_CHARS = 20_000                          # longer is an export gone wrong, not a report
FIELD_LIMIT = 1_000_000                            # csv module refuses longer fields
MAX_FILE_BYTES = 2_000_000_000
POSITIVE_WORDS = {"1", "1.0", "yes", "y", "true", "t", "positive", "pos", "abnormal"}
NEGATIVE_WORDS = {"0", "0.0", "no", "n", "false", "f", "negative", "neg", "normal"}
CHUNK_BYTES = 1 << 20       # the file is read in pieces of this size, never whole
SNIFF_BYTES = 65536

# Byte-order marks, longest first (UTF-32 LE starts like UTF-16 LE). Excel's
# "Unicode Text" export is UTF-16 LE with a BOM, tab-delimited.
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))

# What a binary file most likely is, from its first bytes, for the error sentence.
_BINARY_KINDS = ((b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
                 (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls) or another Office document"),
                 (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                 (b"SQLite format 3", "an SQLite database"))


def _binary_description(head: bytes) -> str:
    """What was wrong with a file that has zero bytes and no byte-order mark, in words."""
    for magic, kind in _BINARY_KINDS:
        if head.startswith(magic):
            return f"it is {kind}, not text"
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "it is a DICOM file, not text"
    even, odd = head[0::2], head[1::2]
    if even and odd and (odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even)):
        return "it looks like UTF-16 text without a byte-order mark"
    return f"it contains binary data (a zero byte at position {head.index(0):,})"


def _detect_encoding(path: Path, name: str) -> str:
    """The file's encoding: a BOM's, else the first of ENCODINGS that decodes every byte.

    Decodes chunk by chunk with an incremental decoder and keeps nothing, so
    memory stays at one chunk whatever the file size.
    """
    import codecs

    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head:
        raise InputError(f"{name} is not a text file: {_binary_description(head)}; "
                         f"export the reports as CSV (UTF-8 or Unicode text).")
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(CHUNK_BYTES):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise InputError(f"{name} is not readable as UTF-8, Windows-1252 or Latin-1 text.")  # latin-1 never fails


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


class CsvRow(list):
    """The cells of one CSV row (a list of str) that also knows its line in the file."""

    def __init__(self, cells, line: int):
        super().__init__(cells)
        self.line = line


def read_csv_rows(path: str | os.PathLike) -> tuple[list[str], list[CsvRow]]:
    """Header and rows of a CSV file, any of the encodings and delimiters below.

    Each row is a list of cell strings with a ``.line`` attribute (its line in
    the file, for messages such as "line 12"). Blank rows are skipped.
    """
    header, rows, _ = read_csv_table(path)
    return header, rows


def read_csv_table(path: str | os.PathLike) -> tuple[list[str], list[CsvRow], dict]:
    """``read_csv_rows`` plus ``meta``: the ``encoding`` and ``delimiter`` found.

    Reads a BOM's encoding (UTF-8, UTF-16, UTF-32), else tries UTF-8, then
    Windows-1252, then Latin-1, and guesses the delimiter (, ; tab |) from the
    header line. Holds every row: large files should use :func:`iter_csv_table`.
    """
    with iter_csv_table(path) as (header, rows, meta):
        return header, list(rows), meta


class iter_csv_table:  # noqa: N801 - used like a function: ``with iter_csv_table(path) as (header, rows, meta)``
    """Stream a CSV: ``with iter_csv_table(path, progress) as (header, rows, meta): for row in rows: ...``.

    Memory stays at one chunk of the file plus one row, whatever the file size.
    ``progress(bytes_read, file_bytes)`` is called about once per megabyte.
    """

    def __init__(self, path: str | os.PathLike, progress=None):
        self.path, self.progress = Path(path), progress
        self._fh = None

    def __enter__(self):
        path, name = self.path, self.path.name
        try:
            if path.is_dir():
                raise InputError(f"{path} is a folder, not a CSV file.")
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise InputError(f"{name} is larger than 2 GB; split it into smaller CSV files.")
            with open(path, "rb") as fh:
                blank = not fh.read(SNIFF_BYTES).strip()
            if blank:
                raise InputError(f"{name} is empty.")
            encoding = _detect_encoding(path, name)
            raw = open(path, "rb")
        except FileNotFoundError as err:
            raise InputError(f"The file {path} does not exist.") from err
        except PermissionError as err:
            raise InputError(f"The file {path} cannot be read (permission denied).") from err
        except OSError as err:
            raise InputError(f"The file {path} cannot be read: {err.strerror or err}.") from err
        self._fh = io.TextIOWrapper(_ProgressReader(raw, size, self.progress), encoding=encoding, newline="")
        try:
            first = self._fh.readline()
            if not first.strip() and size < SNIFF_BYTES:
                raise InputError(f"{name} is empty.")
            delimiter = _delimiter(first)
            header, rows = _parse(itertools.chain([first], self._fh), delimiter, name)
        except UnicodeDecodeError as err:
            self.close()
            raise InputError(f"{name} is not readable as {encoding} text.") from err
        except BaseException:
            self.close()
            raise
        return header, rows, {"encoding": encoding, "delimiter": delimiter}

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class _ProgressReader(io.RawIOBase):
    """A binary file that reports how far it has been read."""

    def __init__(self, raw, total: int, progress):
        self.raw, self.total, self.progress, self.done, self._next = raw, total, progress, 0, CHUNK_BYTES

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.done += n or 0
        if self.progress is not None and (self.done >= self._next or not n):
            self._next = self.done + CHUNK_BYTES
            self.progress(self.done, self.total)
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def _parse(lines, delimiter: str, name: str):
    """(header, generator of CsvRow) over an iterable of text lines; csv errors become InputError."""
    reader = csv.reader(lines, delimiter=delimiter)
    previous_limit = csv.field_size_limit(FIELD_LIMIT)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as err:
        csv.field_size_limit(previous_limit)
        raise _csv_problem(err, name, reader.line_num) from err
    csv.field_size_limit(previous_limit)

    def rows():
        previous_end = reader.line_num
        limit = csv.field_size_limit(FIELD_LIMIT)
        try:
            for cells in reader:
                # A quoted report may span lines: name the line the row starts on.
                start, previous_end = previous_end + 1, reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                yield CsvRow(cells, start)
        except csv.Error as err:
            raise _csv_problem(err, name, reader.line_num) from err
        finally:
            csv.field_size_limit(limit)

    return header, rows()


def _csv_problem(err: csv.Error, name: str, line: int) -> InputError:
    if "field larger than field limit" in str(err):
        return InputError(f"{name}, line {line}: a field is over {FIELD_LIMIT:,} characters long; "
                          "this is not a report (is a closing quote missing?).")
    return InputError(f"{name} is not a well-formed CSV file near line {line}: {err}.")


def find_column(header: list[str], wanted: str, name: str, role: str) -> int:
    """Index of column ``wanted`` (exact, else case-insensitive), or an error listing the columns."""
    if wanted in header:
        return header.index(wanted)
    folded = [h.casefold() for h in header]
    if wanted.casefold() in folded:
        return folded.index(wanted.casefold())
    found = ", ".join(repr(h) for h in header) or "none"
    close = difflib.get_close_matches(wanted, header, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise InputError(f"{name} has no {role} column {wanted!r}; the columns found are {found}.{hint}")


def parse_label(value: str) -> int | None:
    """1 / 0 for the accepted spellings (0/1, yes/no, true/false, positive/negative), else None."""
    v = value.strip().casefold()
    if v in POSITIVE_WORDS:
        return 1
    if v in NEGATIVE_WORDS:
        return 0
    return None


def read_report_csv(path: str | os.PathLike, text_column: str, label_column: str | None = None, progress=None):
    """Report texts (and 0/1 labels) from a CSV: ``(texts, labels or None, meta)``.

    ``meta`` holds ``encoding``, ``delimiter``, ``columns`` and ``lines`` (the
    file line of each report). The file is streamed: memory holds the texts,
    not the file or its other columns. ``progress(bytes_read, file_bytes)``.
    """
    import array

    name = Path(path).name
    with iter_csv_table(path, progress) as (header, rows, meta):
        text_at = find_column(header, text_column, name, "text")
        label_at = find_column(header, label_column, name, "label") if label_column is not None else None
        texts: list[str] = []
        labels = array.array("b") if label_at is not None else None   # 1 byte per label, not 28
        lines = array.array("q")
        for cells in rows:
            line = cells.line
            if text_at >= len(cells) or (label_at is not None and label_at >= len(cells)):
                raise InputError(f"{name}, line {line}: the row has {len(cells)} fields but the header has "
                                 f"{len(header)}; is a report missing its quotes?")
            text = cells[text_at]
            if len(text) > MAX_REPORT_CHARS:
                raise InputError(f"{name}, line {line}: the report is {len(text):,} characters long; reports over "
                                 f"{MAX_REPORT_CHARS:,} characters are refused (is the text column the right one?).")
            if labels is not None:
                value = parse_label(cells[label_at])
                if value is None:
                    raise InputError(f"{name}, line {line}: the label {cells[label_at].strip()[:40]!r} is not "
                                     "readable; use 0/1, yes/no, true/false or positive/negative.")
                labels.append(value)
            texts.append(text)
            lines.append(line)
    if not texts:
        raise InputError(f"{name} has a header line but no reports.")
    meta.update(columns=header, lines=lines.tolist())
    return texts, (labels.tolist() if labels is not None else None), meta
