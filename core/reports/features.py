"""Report features: word 1-3-gram counts plus context-marked mention counts.

The paper (Karam et al.) counted word uni-, bi- and trigrams and fed them to
logistic regression. N-grams cannot tell "fracture" from "no evidence of an
acute displaced fracture" (the trigger is more than three words away), nor an
old healed fracture from an acute one. So each report also counts its
mentions by context (core.reports.context): ``fracture_affirmed``,
``fracture_negated``, ``fracture_uncertain``, ``fracture_historical``,
``fracture_postop``, ``fracture_hypothetical`` and the same for ``finding_*``.
What counts as positive is left to the classifier: a collection whose
"fracture" includes old healed ones teaches a positive weight for
``fracture_historical``, one that means acute only a negative one.

Terms are built per sentence (n-grams never cross a sentence boundary), so a
report's count vector is the sum of its sentences' vectors: with a linear
model the contribution of each sentence to the decision is exact, which is how
the deciding sentence is found (core.reports.labeller).

N-grams are over normalised words (core.reports.normalise): lower-cased and
accent-folded English, Snowball-stemmed Spanish.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import CountVectorizer

from core.reports.context import ReportAnalysis, analyse

NGRAM_RANGE = (1, 3)
# Mention features are counted 3 times so that L2 regularisation, which shrinks
# each weight towards 0, lets a dozen context columns weigh against 10^5 n-grams
# (the same as a 3x larger feature scale). 3 is a judgement, NOT tuned: compare
# 1 and 3 with bench/bench_reports.py before changing it.
MENTION_REPEAT = 3


def plain_ngrams(words: Sequence[str], n_max: int = 3) -> list[str]:
    """Word 1..n_max-grams of one sentence, joined by spaces (CountVectorizer's format)."""
    out = list(words)
    for n in range(2, n_max + 1):
        out.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return out


def sentence_terms(analysis: ReportAnalysis) -> list[list[str]]:
    """Feature terms of each sentence of one analysed report."""
    terms = [plain_ngrams(s.words, NGRAM_RANGE[1]) for s in analysis.sentences]
    for mention in analysis.mentions:
        terms[mention.sentence].extend(mention.features * MENTION_REPEAT)
    return terms


def report_terms(analysis: ReportAnalysis) -> list[str]:
    return [t for sentence in sentence_terms(analysis) for t in sentence]


def analyse_reports(texts: Sequence[str], languages: Sequence[str]) -> list[ReportAnalysis]:
    """Context analysis of every report in its language (done once, reused across folds)."""
    return [analyse(t, lang) for t, lang in zip(texts, languages)]


def _identity(terms):
    return terms


def context_vectorizer() -> CountVectorizer:
    """Counts of pre-analysed terms (input: lists from :func:`report_terms`)."""
    return CountVectorizer(analyzer=_identity, lowercase=False)


def baseline_vectorizer() -> CountVectorizer:
    """The paper's features: word 1-3-gram counts of the raw report text."""
    return CountVectorizer(ngram_range=NGRAM_RANGE, lowercase=True)
