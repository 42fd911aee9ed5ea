"""Report features: word 1-3-gram counts plus context-marked mention counts.

The paper (Karam et al.) counted word uni-, bi- and trigrams and fed them to
logistic regression. N-grams cannot tell "fracture" from "no evidence of an
acute displaced fracture" (the trigger is more than three words away), nor an
old healed fracture from an acute one. So each report also counts its
mentions by context (core.reports.context): ``fracture_affirmed``,
``fracture_negated``, ``fracture_uncertain``, ``fracture_probable``,
``fracture_historical``, ``fracture_postop``, ``fracture_hypothetical``,
``fracture_device`` and the same for ``compression_*`` (words that imply a
vertebral compression fracture), ``cortical_*`` (a sign of a fracture on the
cortex: "cortical disruption", "solución de continuidad") and ``finding_*``.
What counts as positive is left to the classifier: a collection whose
"fracture" includes old healed ones teaches a positive weight for
``fracture_historical``, one that means acute only a negative one.

The n-grams of a sentence whose fracture mention is not affirmed are marked
with its context ("uncertain:possible rib", "negated:rib fractures"), the
negation tagging of Das & Chen (2001) and Pang et al. (2002) applied to every
context class. Unmarked, "possibly old rib fractures" shares its n-grams
"old rib fractures" with a plainly stated one and the n-grams outvote the one
``fracture_uncertain`` count; marked, the classifier learns from the labels
which hedges a collection counts ("probable old …" was tagged a fracture by
OpenI's indexers, "possibly old …" was not). On the public OpenI chest
reports (``reports evaluate``, fracture label, fold seeds 0/1/2) F1 went from
0.545/0.565/0.565 to 0.686/0.638/0.667 at the 0.9 precision target and from
0.867/0.854/0.860 to 0.886/0.880/0.891 at the best-F1 threshold; "abnormal"
moved by at most 0.001.

A section that does not hold what the examination showed marks its words with
its role (core.reports.cleaning.SECTION_ROLES): "reason" for the reason for the
examination (history, indication), "exam" for the examination itself (comparison,
technique). A fracture named there is the referrer's ("INDICATION: preop for
forearm fracture", "HISTORY: rule out rib fracture"), not a finding, and "chest
pain" asked about is not "chest pain" found: the n-grams ("reason:chest pain"),
the mention features ("reason:fracture_affirmed") and the context marks
("affirmed|reason:forearm fracture") keep them apart, and the labels decide what
each is worth. Of the 16 public OpenI reports whose indication names a fracture,
the indexers tagged 5 a fracture. On those reports with their indication and
comparison kept (3,826 reports, fold seeds 0/1/2) "abnormal" F1 went from
0.962/0.963/0.960 to 0.968/0.967/0.966 and the fracture label's best-F1 point
from 0.886/0.857/0.856 to 0.897/0.884/0.885; at the 0.9 precision target, where
each fold's threshold rests on about 66 positives, from 0.787/0.765/0.764 to
0.784/0.735/0.743. Without those sections (findings and impression only) nothing
changes.

Each count c becomes 1 + ln c (scikit-learn's sublinear term frequency, no idf,
no normalisation). With raw counts a long report piles up the words of normal
findings: "no" 4 times, "normal", "heart", "and" each weighed against a single
fracture mention, so a plainly displaced clavicle fracture in a long report
scored 0.53 (out-of-fold, mean of 10 fold seeds; 0.74 now). Sublinear, the
fourth "no" adds little. It does not rescue every such report: "stable
appearance of T9 and T12 fractures" amid a dozen other findings scored 0.01 and
still scores 0.02. On the public OpenI chest reports (``reports
evaluate``, fracture label, fold seeds 0-9, 3 inner folds) F1 at the 0.9
precision target went from 0.780 (P 0.872, R 0.706) to 0.840 (P 0.872, R 0.813)
and the lowest seed from 0.694 to 0.760; the best-F1 point from 0.899 to 0.887;
"abnormal" stayed at 0.9673 (lowest seed 0.9659, now 0.9658); NUBes (Spanish,
fracture, seeds 0-2) went from 0.9675 to 0.9701 raw and from 0.9446 to 0.9434
stemmed. log(1 + c) and sqrt(c) measured the same within the seed spread
(0.849, 0.847); the library's form is used.

Terms are built per sentence (n-grams never cross a sentence boundary), so a
report's counts are the sum of its sentences' counts and each sentence's share
of a feature is its share of the count: with a linear model that splits the
log-odds exactly among the sentences (:func:`sentence_contributions`), which is
how the deciding sentence is found (core.reports.labeller).

N-grams are over normalised words (core.reports.normalise): lower-cased and
accent-folded English, Snowball-stemmed Spanish.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.pipeline import Pipeline

from core.reports.context import AFFIRMED, ReportAnalysis, analyse
from core.reports.phrases import FRACTURE_CATEGORIES

NGRAM_RANGE = (1, 3)
# Mention features are counted 3 times so that L2 regularisation, which shrinks
# each weight towards 0, lets a dozen context columns weigh against 10^5 n-grams
# (after the sublinear scaling one mention is worth 1 + ln 3 = 2.1 n-gram counts).
# 3 is a judgement, NOT tuned: compare 1 and 3 with bench/bench_reports.py before
# changing it (on OpenI a third of that weight took the fracture F1 at P 0.9 from 0.840 to 0.703).
MENTION_REPEAT = 3


def plain_ngrams(words: Sequence[str], n_max: int = 3) -> list[str]:
    """Word 1..n_max-grams of one sentence, joined by spaces (CountVectorizer's format)."""
    out = list(words)
    for n in range(2, n_max + 1):
        out.extend(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return out


def sentence_marks(analysis: ReportAnalysis) -> dict[int, str]:
    """The context mark of each sentence with a fracture mention that is not plainly affirmed,
    or that stands in a section with a role (``ReportAnalysis.section_role``).

    A mention's contexts are joined by "+" ("historical+uncertain"); a sentence
    with mentions in different contexts joins them by "|" ("affirmed|negated"),
    so "no acute fracture, old rib fractures" is neither plain nor negated. A
    sentence in a section with a role adds it ("affirmed|reason").
    """
    contexts: dict[int, set[str]] = {}
    for m in analysis.mentions:
        if m.category in FRACTURE_CATEGORIES:
            contexts.setdefault(m.sentence, set()).add("+".join(sorted(m.classes)) or AFFIRMED)
    for i, c in contexts.items():
        role = analysis.section_role(i)
        if role:
            c.add(role)
    return {i: "|".join(sorted(c)) for i, c in contexts.items() if c != {AFFIRMED}}


# The classes of a mention that does not say its finding is or was there. A mention with none of
# them (affirmed, historical, post-operative, probable) also counts as ``<category>_stated``.
NOT_STATED = frozenset({"negated", "uncertain", "hypothetical", "device"})
STATED = "stated"


def mention_terms(analysis: ReportAnalysis, mention) -> list[str]:
    """A mention's context features (``fracture_historical``, ``fracture_uncertain``), where it
    has two or more classes their conjunction (``fracture_historical+uncertain``), and where it says
    the finding is or was there, ``fracture_stated``.

    ``fracture_stated`` is a back-off feature that the affirmed, historical, post-operative and
    probable mentions share, so that a rare class borrows the weight of the common ones instead of
    being shrunk to nothing by L2: OpenI has 6 reports with a probable fracture (5 tagged a
    fracture) and 2 with a post-operative one, against 53 affirmed and 56 historical; alone,
    ``fracture_probable`` learnt a weight of 0.45 against ``fracture_affirmed``'s 2.70, and
    "Probable lateral right 8th rib fracture", said twice, scored 0.01. A probable fracture is
    grouped with the stated ones because radiologists mean by "probable" a finding more likely
    there than not (Panicek and Hricak, AJR 2016;207:2-3: about 75 %); "possible", "cannot be
    excluded" (uncertain), a risk (hypothetical) and a broken wire (device) are not. That is a prior
    about what a collection counts, and a collection with few probable fractures cannot teach the
    classifier to undo it, so the labeller uses the feature only where its inner cross-validation
    predicts the training labels better with it than without (core.reports.inner_cv, which has the
    figures). Other groupings measured on OpenI (fracture, fold seeds 0-9, F1 at the 0.9 precision
    target; 0.865 without any): every mention not negated 0.876; the stated ones with probable 0.893,
    without it 0.834; both of those, or stated with and without probable side by side, 0.823-0.829
    (their ranking was as good, AUC 0.998-0.999: the difference is where each fold's threshold fell).

    Without the conjunction a linear model adds the classes up: "possibly old
    rib fractures" scored as an old fracture a little less sure, where the
    labels of a collection may treat it as another thing altogether (OpenI's
    indexers tagged none of the 5 reports whose fracture was a hedged old or
    healing one, "possibly old fractures", "could represent healing fracture",
    and all 3 whose was a probable old one, "probable old rib fractures",
    "apparent old rib fractures"). The sentence's n-grams carry the same mark
    (:func:`sentence_marks`), but spread over many words.
    """
    features = analysis.mention_features(mention)
    role = analysis.section_role(mention.sentence)
    if len(mention.classes) > 1:
        conjunction = f"{mention.category}_{'+'.join(sorted(mention.classes))}"
        features = features + [f"{role}:{conjunction}" if role else conjunction]
    if not mention.classes & NOT_STATED:
        stated = f"{mention.category}_{STATED}"
        features = features + [f"{role}:{stated}" if role else stated]
    return features


def sentence_terms(analysis: ReportAnalysis) -> list[list[str]]:
    """Feature terms of each sentence of one analysed report."""
    marks = sentence_marks(analysis)
    terms = []
    for i, sentence in enumerate(analysis.sentences):
        ngrams = plain_ngrams(sentence.words, NGRAM_RANGE[1])
        mark = marks.get(i) or analysis.section_role(i)
        terms.append([f"{mark}:{t}" for t in ngrams] if mark else ngrams)
    for mention in analysis.mentions:
        terms[mention.sentence].extend(mention_terms(analysis, mention) * MENTION_REPEAT)
    return terms


def report_terms(analysis: ReportAnalysis) -> list[str]:
    return [t for sentence in sentence_terms(analysis) for t in sentence]


def analyse_reports(texts: Sequence[str], languages: Sequence[str]) -> list[ReportAnalysis]:
    """Context analysis of every report in its language (done once, reused across folds)."""
    return [analyse(t, lang) for t, lang in zip(texts, languages)]


def _identity(terms):
    return terms


def context_vectorizer() -> Pipeline:
    """Sublinear counts (1 + ln c) of pre-analysed terms (input: lists from :func:`report_terms`)."""
    return Pipeline([("counts", CountVectorizer(analyzer=_identity, lowercase=False)),
                     ("sublinear", TfidfTransformer(norm=None, use_idf=False, sublinear_tf=True))])


def sentence_contributions(vectorizer: Pipeline, sentences: Sequence[Sequence[str]], coef: np.ndarray) -> np.ndarray:
    """Each sentence's exact share of a linear model's log-odds (intercept left out).

    ``sentences`` are one report's per-sentence terms (:func:`sentence_terms`),
    ``vectorizer`` a fitted :func:`context_vectorizer`. A feature's contribution to
    the report, coef_j * f(c_j), is split among the sentences by their share of its
    count c_j; the shares sum to the report's score.
    """
    counts = vectorizer["counts"].transform(sentences)
    report = csr_matrix(counts.sum(axis=0))                       # the report's counts: its sentences' sum
    value = vectorizer["sublinear"].transform(report).toarray()   # f(c), what the model saw
    report = report.toarray()
    per_count = np.divide(coef * value, report, out=np.zeros_like(value), where=report > 0)
    return np.asarray(counts @ per_count.ravel()).ravel()


def baseline_vectorizer() -> CountVectorizer:
    """The paper's features: word 1-3-gram counts of the raw report text."""
    return CountVectorizer(ngram_range=NGRAM_RANGE, lowercase=True)
