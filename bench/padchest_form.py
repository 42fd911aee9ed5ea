"""Spanish report text as PadChest ships it: the form issue 13's Spanish collection arrives in.

PadChest's authors (Bustos et al. 2020) published their preprocessing as report_preprocessor.ipynb in
github.com/auriml/Rx-thorax-automatic-captioning. This is that notebook's pipeline, step by step, so
that the benches that simulate the collection (bench_reports.py's es-padchest, nubes_reports_csv.py's
stemmed column) show the labeller the text the collection has:

1. lower case;
2. accents removed (the notebook's ``unidecode``; here NFKD with the combining marks dropped, then
   ASCII, which gives the same letters for Spanish: "húmero" -> "humero", "5ª" -> "5a", "ñ" -> "n");
3. every character but a-z, 0-9 and the full stop becomes a space; a full stop becomes " . " (the
   notebook keeps it "as this define sentences"): "4,5 cm" -> "4 5 cm", "fractura." -> "fractura .";
4. NLTK's Spanish stop words less "sin", "no", "ni", "con" removed (resources/phrases/es_stopwords.txt),
   compared with the word as it now is, without accents: the list's accented words ("más", "está")
   no longer match, so "mas" stays, while "esta" goes because the list also has the demonstrative;
5. each word stemmed once with Snowball's Spanish stemmer, except "masa" and "masas" (which it would
   make "mas").
"""

from __future__ import annotations

import functools
import re
import unicodedata

_NOT_KEPT = re.compile(r"[^a-z0-9.]")
_UNSTEMMED = frozenset({"masa", "masas"})


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


@functools.lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from core.reports.phrases import read_phrases

    return frozenset(p[0] for p in read_phrases("es", "stopwords"))


@functools.lru_cache(maxsize=1)
def _stem():
    import snowballstemmer

    return snowballstemmer.stemmer("spanish").stemWord


def padchest_form(text: str) -> str:
    """"No se aprecian fracturas costales." -> "no aprec fractur costal ." """
    cleaned = _NOT_KEPT.sub(" ", _ascii(text.lower())).replace(".", " . ")
    stop, stem = _stop_words(), _stem()
    return " ".join(w if w in _UNSTEMMED else stem(w) for w in cleaned.split() if w not in stop)
