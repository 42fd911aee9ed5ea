"""Turn the public NUBes / IULA+ corpus into a `reports evaluate` CSV: a Spanish yardstick on real text.

    .venv/bin/python bench/nubes_reports_csv.py NUBES_DIR /somewhere/outside/nubes_es.csv
    .venv/bin/python main.py reports evaluate --csv /somewhere/outside/nubes_es.csv \
        --text-column text --label-column fracture --language es      # or --text-column stemmed

NUBES_DIR holds the folders NUBes/ and IULA+/ of github.com/Vicomtech/NUBes-negation-uncertainty-
biomedical-corpus (CC BY-SA 3.0 ES): about 33,000 sentences of Spanish hospital records (traumatology
among the specialties) with negation and uncertainty cues and their scopes, annotated by people. It is a
yardstick only: it stays outside the repository and nothing is trained on it for the product.

Each sentence becomes one row (the corpus shuffled its sentences: there are no whole reports):
  text      the sentence as written
  stemmed   the same in PadChest's published form (bench/padchest_form.py: no accents, punctuation
            but the full stop dropped, stop words removed but "no", "sin", "ni" and "con", Snowball
            stems), as issue 13's Spanish collection is
  fracture  1 where a fracture word ("fractura", "fisura", "aplastamiento", "acuñamiento", "fx" and
            their forms; not "fisura anal" or "fisura anular") stands outside every negation and
            uncertainty scope the annotators marked: a fracture the sentence affirms. A sentence that
            only denies, doubts or asks about one is 0.
  source    its file, for reading the errors

The label is ours (made from the annotators' scopes by the rule above), not a label the corpus ships:
what it measures is how well the labeller reads a fracture's context in real Spanish clinical text.
"""

from __future__ import annotations

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._yardstick_csv import convert  # noqa: E402
from bench.bench_context_corpora import nubes_sentences  # noqa: E402
from bench.padchest_form import padchest_form  # noqa: E402

# A fissure that is no bone's ("fisura anal", "fisura anular L4-L5": an intervertebral disc's) is no fracture.
FRACTURE_WORD = re.compile(r"\b(?:fractur\w*|fisur\w*(?!\s+(?:anal|anales|anular|anulares|de\s+ano)\b)|"
                           r"aplastamient\w*|acuñamient\w*|fx)\b", re.IGNORECASE)


def rows(folder: str):
    for path, _, line, start, negation, uncertainty in nubes_sentences(folder):
        scopes = negation + uncertainty
        affirmed = any(not any(x < start + m.end() and start + m.start() < y for x, y in scopes)
                       for m in FRACTURE_WORD.finditer(line))
        yield {"text": line, "stemmed": padchest_form(line), "fracture": int(affirmed),
               "source": os.path.relpath(path, folder)}


def main(argv=None) -> int:
    return convert(argv, __doc__, "the NUBes repository's folder (NUBes/ and IULA+/ inside)", rows,
                   ["text", "stemmed", "fracture", "source"],
                   lambda out: f"{len(out)} sentences, {sum(r['fracture'] for r in out)} affirming a fracture",
                   "a copy of the NUBes repository")


if __name__ == "__main__":
    sys.exit(main())
