"""Spreadsheet-safe CSV cells (CSV / formula injection).

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage
return, which some spreadsheets skip before parsing) is run as a formula
when the CSV is opened in Excel or LibreOffice. Such text cells are prefixed
with a single quote, the OWASP recommendation, so they are shown as text.
Numbers are written as numbers and never escaped.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """The value to write into a CSV cell: text starting a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
