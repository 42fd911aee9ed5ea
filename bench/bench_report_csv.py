"""Reading a large reports CSV: the streaming reader vs reading the whole file into memory.

Prints time and peak resident memory (each in a fresh process) for
``core.reports.csv_input.read_report_csv`` and for the plain baseline the
reader used before issue 14 (read the bytes, decode, csv.reader into a list of
rows, then pick the columns). Only the CSV step: the n-gram evaluation that
``radinet reports evaluate`` runs afterwards is measured by bench_reports.py.

    python bench/bench_report_csv.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STREAMING = """
import resource, sys, time
t = time.perf_counter()
from core.reports.csv_input import read_report_csv
texts, labels, meta = read_report_csv(sys.argv[1], "report", "label")
print(len(texts), time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

BASELINE = """
import csv, io, resource, sys, time
t = time.perf_counter()
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8-sig")
rows = list(csv.reader(io.StringIO(text, newline="")))
header, rows = rows[0], rows[1:]
texts = [r[1] for r in rows]
labels = [int(r[2]) for r in rows]
print(len(texts), time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

BARE = """
import resource
from core.reports import csv_input
print(0, 0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def write_csv(path: Path, rows: int) -> None:
    phrases = ["No acute fracture. Soft tissues unremarkable.", "Transverse fracture of the distal radius.",
               "Possible hairline fracture of the scaphoid; no displacement."]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("study,report,label\n")
        for i in range(rows):
            fh.write(f"ACC{i:07d},\"{phrases[i % 3]}\",{int(i % 3 != 0)}\n")


def measure(code: str, path: Path) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reports.csv"
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        _, _, bare = measure(BARE, path)
        n1, t1, m1 = measure(STREAMING, path)
        n2, t2, m2 = measure(BASELINE, path)
    assert n1 == n2 == args.rows
    print(f"{args.rows:,} rows, {size_mb:.0f} MB file; interpreter + imports alone: {bare:.0f} MB")
    print(f"{'reader':<34}{'seconds':>9}{'peak RSS MB':>13}")
    print(f"{'read_report_csv (streaming)':<34}{t1:>9.2f}{m1:>13.0f}")
    print(f"{'whole file in memory (baseline)':<34}{t2:>9.2f}{m2:>13.0f}")
    print(f"peak memory above start-up: {m1 - bare:.0f} MB vs {m2 - bare:.0f} MB "
          f"({(m2 - bare) / max(1.0, m1 - bare):.1f}x less)")


if __name__ == "__main__":
    main()
