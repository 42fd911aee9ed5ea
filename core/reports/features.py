"""Report features: the paper's word 1-3-gram counts, plus scope-marked n-grams.

The paper (Karam et al.) counted word uni-, bi- and trigrams of the report
and fed them to logistic regression. That cannot tell "fracture" from "no
evidence of an acute displaced fracture": the trigger is more than three
words away. The scoped features add, for every word inside a negation,
uncertainty or old-fracture scope, a marked copy (``NEG_fracture``,
``UNC_fracture``, ``HEALED_fracture``) and marked bigrams, so a linear model
can weigh a negated mention against an affirmed one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sklearn.feature_extraction.text import CountVectorizer

from core.reports.negation import Annotation, annotate

NGRAM_RANGE = (1, 3)


def plain_ngrams(words: Sequence[str], n_max: int = 3) -> list[str]:
    """Word 1..n_max-grams of one sentence, joined by spaces (CountVectorizer's format)."""
    out = list(words)
    for n in range(2, n_max + 1):
        out.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return out


def scoped_terms(annotation: Annotation) -> list[str]:
    """All feature terms of one annotated report (plain n-grams within sentences
    plus ``MARK_word`` unigrams and bigrams of words sharing a scope mark)."""
    terms: list[str] = []
    for s in annotation.sentences:
        words = s.words
        terms.extend(plain_ngrams(words, NGRAM_RANGE[1]))
        marked = [f"{m}_{w}" if m else None for w, m in zip(words, s.marks)]
        terms.extend(t for t in marked if t)
        terms.extend(f"{a} {b}" for a, b, ma, mb in zip(marked, marked[1:], s.marks, s.marks[1:])
                     if a and b and ma == mb)
    return terms


def analyse_reports(texts: Iterable[str], languages: tuple[str, ...] = ("en",)) -> list[list[str]]:
    """Scoped feature terms of every report (done once, reused across folds)."""
    return [scoped_terms(annotate(t, languages)) for t in texts]


def _identity(terms):
    return terms


def scoped_vectorizer() -> CountVectorizer:
    """Counts of pre-analysed terms (input: the lists from :func:`analyse_reports`)."""
    return CountVectorizer(analyzer=_identity, lowercase=False)


def baseline_vectorizer() -> CountVectorizer:
    """The paper's features: word 1-3-gram counts of the raw report text."""
    return CountVectorizer(ngram_range=NGRAM_RANGE, lowercase=True)
