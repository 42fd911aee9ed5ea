"""Word normalisation per report language: what rules match and what n-grams count.

English words are only lower-cased and accent-folded: the paper's n-grams were
unstemmed, and stemming English would merge "consolidation" (a lung finding)
with "consolidated" (a healed fracture).

Spanish words are accent-folded and then reduced with the Snowball Spanish
stemmer (the snowballstemmer package). Folded first, as PadChest's reports were
(bench/padchest_form.py): the stemmer reads "podría" and "podria" differently
("podr", "podri"), so a list's "podría estar en relación con" missed PadChest's
"podri relacion con" and every report typed without accents; in the NUBes
clinical notes 73 "neumonia" written so were no "neumonía" mention. Some Spanish
reports arrive already stemmed ("fractur de radi"), so the stemmer is applied
until the word stops changing: stemming is not idempotent ("consolidada" ->
"consolid" -> "consol"), and iterating to the fixed point makes raw text and
text stemmed once by the same algorithm meet at the same form.
"""

from __future__ import annotations

import functools
import unicodedata

LANGUAGES = ("en", "es")
_SNOWBALL_NAMES = {"es": "spanish"}


def fold_accents(word: str) -> str:
    """"Fractúra" -> "fractura": drop combining marks after Unicode decomposition (NFKD)."""
    if word.isascii():      # most words of most reports: nothing to decompose
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=4)
def _stemmer(language: str):
    import snowballstemmer

    return snowballstemmer.stemmer(_SNOWBALL_NAMES[language])


@functools.lru_cache(maxsize=200_000)
def normalise_word(word: str, language: str) -> str:
    """The form rules match and features count for one lower-case word."""
    word = fold_accents(word.lower())
    if language not in _SNOWBALL_NAMES:
        return word
    stem = _stemmer(language).stemWord
    for _ in range(5):   # the fixed point is reached in two or three steps
        nxt = stem(word)
        if nxt == word:
            break
        word = nxt
    return word          # the stemmer only shortens: a folded word stays folded


def normalise_words(words, language: str) -> list[str]:
    return [normalise_word(w, language) for w in words]
