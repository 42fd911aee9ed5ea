"""Bench helper: the command line every yardstick converter shares (a public collection -> a
`reports evaluate` CSV kept outside the repository)."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable


def convert(argv, doc: str, source_help: str, read_rows: Callable[[str], Iterable[dict]], fieldnames: list[str],
            summary: Callable[[list[dict]], str], what_source: str) -> int:
    """Parse ``source out``, read the rows, write them; a source that is not what the converter reads
    (a column missing, a cell it cannot read, nothing in it) gets one sentence and exit status 2."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    parser.add_argument("source", help=source_help)
    parser.add_argument("out", help="CSV to write (keep it outside the repository)")
    args = parser.parse_args(argv)
    try:
        out = list(read_rows(args.source))
    except KeyError as err:
        print(f"{args.source} has no column {err}; is it {what_source}?", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"{args.source}, {err}.", file=sys.stderr)
        return 2
    if not out:
        print(f"Nothing to convert in {args.source}; is it {what_source}?", file=sys.stderr)
        return 2
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(out)
    print(f"{summary(out)} -> {args.out}")
    return 0
