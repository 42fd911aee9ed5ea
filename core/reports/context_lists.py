"""The context analysis's phrase lists, read from ``resources/phrases/<lang>_<kind>.txt`` and normalised
as a report's words are (core.reports.context).

A trigger or mention list also matches its phrases without their stop words, for reports whose stop
words were removed before they reached us (PadChest's: "sin derram observ fractur"); which lists do,
and when a report counts as such, is decided here. Every list is read once per language and kept.
"""

from __future__ import annotations

import functools

from core.reports.normalise import fold_accents, normalise_words
from core.reports.phrases import NOT_MENTION, TARGET_CATEGORIES, read_phrases

# Context class -> the cue name of its phrase files (resources/phrases/<lang>_<cue>_pre|post.txt).
CLASS_CUES = {"negated": "negation", "uncertain": "uncertainty", "historical": "healed",
              "postop": "postop", "hypothetical": "hypothetical", "device": "device"}
# The context classes, in the order the analysis decides them (core.reports.context).
CONTEXT_CLASSES = tuple(CLASS_CUES)
# The lists whose phrases also match without stop words: triggers, pseudo-triggers, mentions.
_VARIED_KINDS = frozenset([f"{cue}_{way}" for cue in CLASS_CUES.values() for way in ("pre", "post")]
                          + ["pseudo", "pseudo_healing", "uncertainty_probable", NOT_MENTION]
                          + [f"target_{category}" for category in TARGET_CATEGORIES])
# The terminations only in a report that has no stop words (:func:`stopwords_removed`). In text written
# in full, "se evidencia" without "se" is the noun of a negated phrase: "no hay evidencia de fractura"
# would end its negation at "evidencia". Without stop words that phrase is "no evident fractur", whose
# trigger "no evident" holds the termination (so it ends nothing), and the termination is what is left
# of "pero se observa" in "sin derrame, pero se observa fractura" -> "sin derram observ fractur".
# The comparisons too (<lang>_comparison.txt): written in full, "en estudio previo" needs its "en"
# ("no ha presentado en los días previos fiebre" denies), but a report without stop words has none to
# keep, and "fractur costal no visualiz estudi previ" is a new fracture as the same sentence in full is.
VARIED_WHERE_REMOVED = frozenset(["termination", "comparison"])
# The lists whose stop-word-free variants compete with the varied lists for the same words: a variant
# already a phrase of another varied list is left to that list (stopword_free_variants). Not the
# comparisons, which are only looked for after a negation.
_MATCHED_KINDS = _VARIED_KINDS | {"termination"}
# A report of at least so many words, of which at most this share are stop words, has had them removed.
_REMOVED_MIN_WORDS, _REMOVED_MAX_SHARE = 3, 0.05


def listed_phrase(words: tuple[str, ...], language: str) -> str:
    """A list's phrase normalised as the report's words are for the context analysis: a word with a
    diacritic accent ("sí") as written, every other word normalised (core.reports.context._with_diacritics)."""
    kept = diacritic_words(language)
    return " ".join(w if w in kept else n for w, n in zip(words, normalise_words(words, language)))


def phrases(language: str, kind: str, stopwords_removed: bool = False) -> list[str]:
    """Phrases of one list, each normalised for ``language`` and joined by spaces; a trigger or
    mention list also holds its phrases without stop words (:func:`stopword_free_variants`), and so
    does a termination list for a report whose stop words were removed."""
    phrases = {listed_phrase(words, language) for words in read_phrases(language, kind)}
    if kind in _VARIED_KINDS or (stopwords_removed and kind in VARIED_WHERE_REMOVED):
        phrases |= stopword_free_variants(language, kind)
    return sorted(phrases)


def written_words(language: str, kind: str) -> frozenset[str] | None:
    """The words of one list, accents folded, to compare with a report's words as written (lower
    case, accents folded) rather than normalised; None where the language has no such list."""
    listed = read_phrases(language, kind)
    return frozenset(fold_accents(w) for phrase in listed for w in phrase) if listed else None


@functools.lru_cache(maxsize=4)
def stopwords(language: str) -> frozenset[str]:
    """``<lang>_stopwords.txt``, accents folded (the words are compared as written, lower case)."""
    return written_words(language, "stopwords") or frozenset()


def stopwords_removed(words: list[str], language: str) -> bool:
    """Whether a report's words (as written, lower case) read as text whose stop words were removed
    before it reached us, as PadChest's reports were ("sin derram pleural observ fractur costal"):
    at least 3 words, at most 5 % of them stop words. Text written in full has a third or more
    ("de", "la", "se", "y"); a stem that happens to be spelt as a stop word is allowed for."""
    stop = stopwords(language)
    if not stop or len(words) < _REMOVED_MIN_WORDS:
        return False
    return sum(fold_accents(w) in stop for w in words) <= _REMOVED_MAX_SHARE * len(words)


@functools.lru_cache(maxsize=4)
def listed_phrases(language: str) -> dict[str, frozenset[str]]:
    """Every phrase of the varied lists as written, normalised (no variants), by list."""
    return {kind: frozenset(listed_phrase(words, language) for words in read_phrases(language, kind))
            for kind in _VARIED_KINDS}


def same_cue(kind: str) -> frozenset[str]:
    """A list and the other direction of its cue: "negation_pre" -> {"negation_pre", "negation_post"}."""
    cue, _, way = kind.rpartition("_")
    return frozenset([f"{cue}_pre", f"{cue}_post"] if way in ("pre", "post") else [kind])


@functools.lru_cache(maxsize=64)
def stopword_free_variants(language: str, kind: str) -> frozenset[str]:
    """The phrases of one list without the words of ``<lang>_stopwords.txt``, normalised.

    Some collections arrive with their function words removed (PadChest's reports: "ausenci
    fractur", "sospech fractur escafoid", "secuel fractur"), where "ausencia de", "sospecha de" and
    "secuelas de" would never match. A variant is left out where it is empty, where it is a phrase of
    some list already (that list decides: "no hay" is not a second "no"), or where
    ``<lang>_stopword_free_exclude.txt`` says the words left mean something else ("ya visible").
    A phrase of the same cue's other direction does not decide: "no (hay) evidencia (de)" and "(fractura)
    no evidente" both come out "no evident", a negation after the mention and before it -- kept in
    both lists, it governs both ways, as "consolidada" does.
    """
    stop = {words[0] for words in read_phrases(language, "stopwords")}
    if not stop:
        return frozenset()
    excluded = set(read_phrases(language, "stopword_free_exclude"))
    out = set()
    for words in read_phrases(language, kind):
        free = tuple(w for w in words if w not in stop)
        if free and free != words and words not in excluded:
            variant = listed_phrase(free, language)
            listed = listed_phrases(language)
            # "estudi previ" is a pseudo-trigger and a comparison, and both hold.
            if kind not in _MATCHED_KINDS or not any(variant in listed[other]
                                                     for other in _VARIED_KINDS - same_cue(kind)):
                out.add(variant)
    return frozenset(out)


def written_forms(language: str, kind: str) -> dict[str, frozenset[tuple[str, ...]]]:
    """A trigger list's phrases as written (accents folded), by their normalised form."""
    out: dict[str, set] = {}
    for words in read_phrases(language, kind):
        out.setdefault(listed_phrase(words, language), set()).add(tuple(fold_accents(w) for w in words))
    return {k: frozenset(v) for k, v in out.items()}


@functools.lru_cache(maxsize=1)
def target_first_words(language: str) -> frozenset[str]:
    return frozenset(p.split(" ", 1)[0] for category in TARGET_CATEGORIES
                     for p in phrases(language, f"target_{category}"))


@functools.lru_cache(maxsize=4)
def target_phrases(language: str) -> frozenset[tuple[str, ...]]:
    """Every target phrase of ``language`` as a tuple of normalised words; no spaCy pipeline needed."""
    return frozenset(tuple(p.split(" ")) for category in TARGET_CATEGORIES
                     for p in phrases(language, f"target_{category}"))


@functools.lru_cache(maxsize=4)
def question_words(language: str) -> frozenset[str]:
    """Words that open a question ("is", "hay"), normalised; no spaCy pipeline needed."""
    return frozenset(phrases(language, "question"))


@functools.lru_cache(maxsize=4)
def given_question_words(language: str) -> frozenset[str]:
    """Words that open a question taking its mentions as given ("where", "dónde"), normalised."""
    return frozenset(phrases(language, "question_given"))


@functools.lru_cache(maxsize=4)
def alternative_phrases(language: str) -> tuple[tuple[str, ...], ...]:
    """``<lang>_alternative.txt``, normalised, the longest first ("and or" before "or")."""
    return tuple(sorted((tuple(p.split(" ")) for p in phrases(language, "alternative")), key=len, reverse=True))


@functools.lru_cache(maxsize=4)
def probable_phrases(language: str) -> frozenset[str]:
    return frozenset(phrases(language, "uncertainty_probable"))


@functools.lru_cache(maxsize=4)
def diacritic_words(language: str) -> frozenset[str]:
    """``<lang>_diacritic.txt``: words whose written accent sets them apart from a listed word without it."""
    return frozenset(words[0] for words in read_phrases(language, "diacritic"))
