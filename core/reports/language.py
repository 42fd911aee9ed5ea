"""Which language a report is written in: English or Spanish.

Detection counts the report's words that are stop words of one language and
not of the other, with spaCy's own stop-word lists (``spacy.lang.en`` /
``spacy.lang.es``). A statistical detector (langdetect, lingua) was not used:
langdetect is random unless seeded and took milliseconds per report, which is
minutes for 30,000 reports, and function words decide between these two
languages reliably, including Spanish text that was stemmed (stop words are
short and mostly survive stemming: "de", "la", "se", "sin", "con").

Where the stop words were removed too (PadChest ships "fractur radi distal ."),
the words of our own phrase lists decide, Spanish ones also in their stemmed
form ("fractur", "consolid"); and a report with no telling word at all
("cardiomegali .") takes the language most reports of its collection have.
"""

from __future__ import annotations

import functools
import re

from core.errors import InputError
from core.reports.normalise import LANGUAGES, fold_accents, normalise_word

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
AUTO = "auto"


@functools.lru_cache(maxsize=1)
def _exclusive_stop_words() -> tuple[frozenset[str], frozenset[str]]:
    from core.reports.spacy_import import import_spacy

    import_spacy()
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.es.stop_words import STOP_WORDS as ES

    en = {fold_accents(w) for w in EN}
    es = {fold_accents(w) for w in ES}
    return frozenset(en - es), frozenset(es - en)


@functools.lru_cache(maxsize=1)
def _exclusive_rule_words() -> tuple[frozenset[str], frozenset[str]]:
    """Words of our own phrase lists (resources/phrases) found in one language's lists only."""
    from core.reports.phrases import KINDS, TARGET_CATEGORIES, read_phrases

    kinds = list(KINDS) + [f"target_{c}" for c in TARGET_CATEGORIES]
    words = {lang: {fold_accents(w) for kind in kinds for p in read_phrases(lang, kind) for w in p}
             for lang in LANGUAGES}
    # Stemmed Spanish too ("fractur", "derram"): some collections arrive stemmed, without stop words.
    words["es"] |= {normalise_word(w, "es") for w in words["es"]}
    return frozenset(words["en"] - words["es"]), frozenset(words["es"] - words["en"])


def detect_language(text: str, default: str | None = "en") -> str | None:
    """'en' or 'es': the language with more exclusive stop words in ``text``; on a tie, more
    exclusive words of our phrase lists ("fracture" / "fractura" / "fractur"); ``default`` on a
    second tie."""
    words = [fold_accents(w) for w in _WORD.findall(text.lower())]
    for en, es in (_exclusive_stop_words(), _exclusive_rule_words()):
        n_en = sum(w in en for w in words)
        n_es = sum(w in es for w in words)
        if n_en != n_es:
            return "en" if n_en > n_es else "es"
    return default


def parse_language(value: str, where: str = "") -> str:
    """A language code from a CSV cell or an option: en/english/inglés, es/spanish/español."""
    v = fold_accents(value.strip().lower())
    aliases = {"en": "en", "eng": "en", "english": "en", "ingles": "en",
               "es": "es", "spa": "es", "spanish": "es", "espanol": "es", "castellano": "es"}
    if v in aliases:
        return aliases[v]
    raise InputError(f"{where}the language {value.strip()[:20]!r} is not one RadiNet Studio reads reports in; "
                     f"use one of {', '.join(LANGUAGES)}.")


def report_languages(texts, setting: str = AUTO, given=None) -> list[str]:
    """Language of every report: from ``given`` (e.g. a CSV column) where present,
    else ``setting`` ('auto' detects per report, 'en' / 'es' forces one)."""
    out = []
    for i, text in enumerate(texts):
        if given is not None and given[i]:
            out.append(given[i])
        elif setting == AUTO:
            out.append(detect_language(text, default=None))
        else:
            out.append(setting)
    # A report with no telling word ("cardiomegali .") takes its collection's usual language.
    decided = [lang for lang in out if lang is not None]
    usual = max(LANGUAGES, key=decided.count) if decided else "en"
    return [usual if lang is None else lang for lang in out]
