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
import os
from pathlib import Path

from core.errors import InputError

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")   # utf-8-sig reads plain UTF-8 too
MAX_REPORT_CHARS = 20_000                          # longer is an export gone wrong, not a report
FIELD_LIMIT = 1_000_000                            # csv module refuses longer fields
MAX_FILE_BYTES = 2_000_000_000
POSITIVE_WORDS = {"1", "1.0", "yes", "y", "true", "t", "positive", "pos", "abnormal"}
NEGATIVE_WORDS = {"0", "0.0", "no", "n", "false", "f", "negative", "neg", "normal"}


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    if b"\x00" in raw[:65536]:
        raise InputError(f"{name} is not a text file (it contains binary data); export the reports as CSV.")
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
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

    Tries UTF-8 (with or without BOM), then Windows-1252, then Latin-1, and
    guesses the delimiter (, ; tab |) from the header line.
    """
    path = Path(path)
    name = path.name
    try:
        if path.is_dir():
            raise InputError(f"{path} is a folder, not a CSV file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{name} is larger than 2 GB; split it into smaller CSV files.")
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise InputError(f"The file {path} does not exist.") from err
    except PermissionError as err:
        raise InputError(f"The file {path} cannot be read (permission denied).") from err
    except OSError as err:
        raise InputError(f"The file {path} cannot be read: {err.strerror or err}.") from err
    if not raw.strip():
        raise InputError(f"{name} is empty.")
    text, encoding = _decode(raw, name)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_limit = csv.field_size_limit(FIELD_LIMIT)
    try:
        header = next(reader)
        header = [h.strip() for h in header]
        rows = []
        previous_end = reader.line_num
        for cells in reader:
            # A quoted report may span lines: name the line the row starts on.
            start, previous_end = previous_end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            rows.append(CsvRow(cells, start))
    except csv.Error as err:
        if "field larger than field limit" in str(err):
            raise InputError(f"{name}, line {reader.line_num}: a field is over {FIELD_LIMIT:,} characters long; "
                             "this is not a report (is a closing quote missing?).") from err
        raise InputError(f"{name} is not a well-formed CSV file near line {reader.line_num}: {err}.") from err
    finally:
        csv.field_size_limit(previous_limit)
    return header, rows, {"encoding": encoding, "delimiter": delimiter}


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


def read_report_csv(path: str | os.PathLike, text_column: str, label_column: str | None = None):
    """Report texts (and 0/1 labels) from a CSV: ``(texts, labels or None, meta)``.

    ``meta`` holds ``encoding``, ``delimiter``, ``columns`` and ``lines`` (the
    file line of each report).
    """
    name = Path(path).name
    header, rows, meta = read_csv_table(path)
    text_at = find_column(header, text_column, name, "text")
    label_at = find_column(header, label_column, name, "label") if label_column is not None else None
    if not rows:
        raise InputError(f"{name} has a header line but no reports.")
    texts: list[str] = []
    labels: list[int] | None = [] if label_at is not None else None
    lines: list[int] = []
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
                raise InputError(f"{name}, line {line}: the label {cells[label_at].strip()[:40]!r} is not readable; "
                                 "use 0/1, yes/no, true/false or positive/negative.")
            labels.append(value)
        texts.append(text)
        lines.append(line)
    meta.update(columns=header, lines=lines)
    return texts, labels, meta
