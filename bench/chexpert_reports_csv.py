"""Turn a CheXpert-style labelled report table into a `reports evaluate` CSV.

    .venv/bin/python bench/chexpert_reports_csv.py stanford_report_test.csv /somewhere/outside/chexpert_en.csv
    .venv/bin/python bench/bench_report_transfer.py --train iu_en.csv --test /somewhere/outside/chexpert_en.csv \
        --mention-column fracture_mention

The input is a table in the form the CheXpert labeller (Irvin et al., AAAI 2019) reads and writes:
a "Report Impression" column and one column per observation ("Fracture", "No Finding", ...), each
cell 1.0 (the report states it), 0.0 (denies it), -1.0 (is uncertain of it) or empty (does not
mention it). The 1,000 Stanford chest radiograph impressions that radiologists labelled by hand in
that form circulate publicly as ``stanford_report_test.csv`` (course material of the AI for Medicine
specialisation). It is a yardstick only: it stays outside the repository and nothing is trained on it
for the product.

Each report with an impression becomes one row:
  text              the impression as written
  fracture          1 where the Fracture cell is 1.0 (stated, old ones included), else 0
  fracture_mention  the Fracture cell in words: stated, denied, uncertain or "" (not mentioned)
  no_finding        1 where the No Finding cell is 1.0, else 0
"""

from __future__ import annotations

import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._yardstick_csv import convert  # noqa: E402

TEXT = "Report Impression"
MENTION = {"1.0": "stated", "1": "stated", "0.0": "denied", "0": "denied", "-1.0": "uncertain", "-1": "uncertain",
           "": ""}


def rows(path: str):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {TEXT, "Fracture"} - set(reader.fieldnames or ())
        if missing:
            raise KeyError(", ".join(sorted(missing)))
        for i, r in enumerate(reader, start=1):
            text = " ".join((r[TEXT] or "").split())
            if not text:
                continue
            fracture = (r["Fracture"] or "").strip()
            if fracture not in MENTION:
                raise ValueError(f"row {i}: the Fracture cell {fracture!r} is none of 1.0, 0.0, -1.0 or empty")
            yield {"id": (r.get("SimpleTestReportID") or str(i)).strip(), "text": text,
                   "fracture": int(MENTION[fracture] == "stated"), "fracture_mention": MENTION[fracture],
                   "no_finding": int((r.get("No Finding") or "").strip() in ("1.0", "1"))}


def main(argv=None) -> int:
    return convert(argv, __doc__, "a CheXpert-style table with 'Report Impression' and 'Fracture' columns", rows,
                   ["id", "text", "fracture", "fracture_mention", "no_finding"],
                   lambda out: f"{len(out)} reports, {sum(r['fracture'] for r in out)} stating a fracture, "
                               f"{sum(1 for r in out if r['fracture_mention'])} mentioning one",
                   "a CheXpert-style labelled report table")


if __name__ == "__main__":
    sys.exit(main())
