"""Turn the public Indiana University chest X-ray reports (OpenI) into a `reports evaluate` CSV.

    .venv/bin/python bench/openi_reports_csv.py indiana_reports.csv /somewhere/outside/iu_en.csv
    .venv/bin/python main.py reports evaluate --csv /somewhere/outside/iu_en.csv --text-column text \
        --label-column fracture        # or --label-column abnormal

The input is the reports table as it circulates publicly (columns uid, MeSH, Problems,
image, indication, comparison, findings, impression; 3,851 reports in the copy this was
written against). Issue 13's English chest collection has 3,927 reports with 84
fractures; this copy is close to it, not the same. It is a yardstick only: it stays
outside the repository and nothing is trained on it for the product.

Each report with findings or an impression becomes one row:
  text      "FINDINGS: …" and "IMPRESSION: …" (the indication and comparison are left out:
            they hold the reason for the examination, not what it showed)
  fracture  1 where the indexers' MeSH terms hold "Fractures, Bone" (healed ones included,
            as that collection counts them), else 0
  abnormal  1 where the Problems column is not "normal", else 0
"""

from __future__ import annotations

import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._yardstick_csv import convert  # noqa: E402


def rows(path: str):
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            parts = [f"{name.upper()}: {(r.get(name) or '').strip()}" for name in ("findings", "impression")
                     if (r.get(name) or "").strip()]
            if not parts:
                continue
            yield {"uid": r["uid"], "text": "\n".join(parts),
                   "fracture": int("fracture" in (r.get("MeSH") or "").lower()),
                   "abnormal": int((r.get("Problems") or "").strip().lower() != "normal")}


def main(argv=None) -> int:
    return convert(argv, __doc__, "indiana_reports.csv", rows, ["uid", "text", "fracture", "abnormal"],
                   lambda out: f"{len(out)} reports, {sum(r['fracture'] for r in out)} with a fracture, "
                               f"{sum(r['abnormal'] for r in out)} abnormal",
                   "the OpenI reports table")


if __name__ == "__main__":
    sys.exit(main())
