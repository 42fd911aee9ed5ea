"""The report labeller: features + classifier, and its per-report output.

    labeller = ReportLabeller(model="lr").fit(texts, labels)
    result = labeller.classify(["No acute fracture."])[0]
    result.value, result.probability, result.mentions, result.deciding_sentence

``features="baseline"`` is the paper's system (word 1-3-gram counts of the raw
text + logistic regression without class weights); ``features="context"``
(default) counts context-marked n-grams and mentions, sublinearly (core.reports.features), and
weights the classes; whether it counts probable and post-operative fractures with the stated ones
(the ``<category>_stated`` back-off feature) it chooses from its training reports when fitted
(core.reports.inner_cv). ``languages`` is ``"auto"`` (detected per report),
``"en"`` or ``"es"``; a list of per-report languages (e.g. a CSV column) can be
passed to :meth:`prepare` and overrides it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import diags
from sklearn.base import clone as sklearn_clone

from core.errors import InputError
from core.reports.context import ContextCue, Mention, ReportAnalysis
from core.reports.features import (STATED, analyse_reports, baseline_vectorizer, context_vectorizer, report_terms,
                                   sentence_contributions, sentence_terms)
from core.reports.inner_cv import INNER_FOLDS, choose_back_off
from core.reports.language import AUTO, report_languages
from core.reports.models import MODEL_NAMES, make_classifier

# Bump when the cleaning, rules or features change in a way that changes labels.
LABELLER_CODE_VERSION = "reports-46-denied-history-phrases"
FEATURE_SETS = ("context", "baseline")


def fold_matrix(X, rows, columns):
    """``X[rows][:, columns]`` with each row's entries in column order, as a vectorizer makes them.
    scipy's column indexing may leave them in the order of ``X``'s columns, and a classifier sums a row
    in its stored order, so the same counts in another order give probabilities that differ in the last
    bits from those of the fold's own counting (ReportLabeller.for_rows)."""
    part = X[rows][:, columns]
    part.sort_indices()
    return part


@dataclass(frozen=True)
class PreparedReport:
    """A report as the context features see it (analysis kept for the deciding sentence)."""

    text: str
    analysis: ReportAnalysis
    terms: list[str]


@dataclass(frozen=True)
class DecidingSentence:
    """The sentence that pushed the probability furthest towards the decision."""

    text: str
    start: int          # offsets into the report text
    end: int
    weight: float       # its contribution to the log-odds (linear models) or its own probability

    def as_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "weight": round(self.weight, 4)}

    @classmethod
    def of(cls, report: str, sentence, weight: float) -> "DecidingSentence":
        """The analysed ``sentence`` (an AnalysedSentence) of ``report``, as written."""
        return cls(report[sentence.start:sentence.end], sentence.start, sentence.end, weight)


@dataclass(frozen=True)
class ReportLabel:
    value: str            # positive | negative | uncertain
    probability: float    # the classifier's probability that the report describes a fracture
    language: str
    mentions: tuple[Mention, ...] = ()
    cues: tuple[ContextCue, ...] = ()
    deciding_sentence: DecidingSentence | None = None

    def as_dict(self, text: str = "") -> dict:
        return {"value": self.value, "probability": round(self.probability, 4), "language": self.language,
                "mentions": [{"category": m.category, "context": m.features, "start": m.start, "end": m.end}
                             for m in self.mentions],
                "cues": [c.as_dict(text) for c in self.cues] if text else [],
                "deciding_sentence": self.deciding_sentence.as_dict() if self.deciding_sentence else None}


def value_for(probability: float, lower: float, upper: float) -> str:
    """positive at or above ``upper``, negative at or below ``lower``, uncertain between."""
    if probability >= upper:
        return "positive"
    if probability <= lower:
        return "negative"
    return "uncertain"


class ReportLabeller:
    def __init__(self, model: str = "lr", features: str = "context", languages: str = AUTO, seed: int = 0,
                 lower: float = 0.2, upper: float = 0.8):
        if model not in MODEL_NAMES:
            raise ValueError(f"unknown model {model!r}")
        if features not in FEATURE_SETS:
            raise ValueError(f"unknown features {features!r}")
        self.model = model
        self.features = features
        self.languages = languages
        self.seed = seed
        self.lower, self.upper = lower, upper
        self.vectorizer = None
        self.classifier = None
        # Whether the classifier uses the <category>_stated back-off columns (core.reports.features);
        # None: chosen from the training reports when it is fitted (core.reports.inner_cv).
        self.back_off: bool | None = None
        self.back_off_columns = np.zeros(0, dtype=int)    # their columns in the vectorizer's matrix
        self.feature_names = np.zeros(0, dtype=object)    # the vectorizer's, in column order

    def clone(self) -> "ReportLabeller":
        """An untrained labeller with the same settings."""
        return ReportLabeller(self.model, self.features, self.languages, self.seed, self.lower, self.upper)

    def with_back_off(self, back_off: bool) -> "ReportLabeller":
        """An untrained labeller for rows of this one's feature matrix, with the back-off columns or
        without them (inner cross-validation fits these)."""
        other = self.clone()
        other.back_off, other.back_off_columns = back_off, self.back_off_columns
        return other

    # Features ------------------------------------------------------------------
    def prepare(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list:
        """What the vectorizer reads: analysed reports (context) or the raw texts (baseline)."""
        if self.features == "baseline":
            return list(texts)
        langs = report_languages(texts, self.languages, languages)
        return [PreparedReport(t, a, report_terms(a)) for t, a in zip(texts, analyse_reports(texts, langs))]

    def new_vectorizer(self):
        return context_vectorizer() if self.features == "context" else baseline_vectorizer()

    @staticmethod
    def _inputs(docs: Sequence) -> list:
        return [d.terms if isinstance(d, PreparedReport) else d for d in docs]

    def new_classifier(self):
        return make_classifier(self.model, self.seed, "balanced" if self.features == "context" else None)

    # Training / prediction ------------------------------------------------------
    def fit_vectorizer(self, docs: Sequence):
        """Fit the vocabulary on ``docs`` and return their feature matrix."""
        self.vectorizer = self.new_vectorizer()
        try:
            X = self.vectorizer.fit_transform(self._inputs(docs))
        except ValueError as err:   # "empty vocabulary": no report holds a word
            raise InputError("The reports contain no words to learn from; is the text column the right one?") from err
        self._vocabulary_set()
        return X

    def for_rows(self, X, rows) -> tuple["ReportLabeller", np.ndarray]:
        """An untrained labeller for the reports ``rows`` of this one's feature matrix ``X``, and the
        columns of ``X`` its vocabulary keeps: the terms those reports hold, as :meth:`fit_vectorizer`
        on them would find them, in the same order, so ``fold_matrix(X, rows, columns)`` is the matrix
        it would make. Cross-validation counts every report once and gives each fold its training reports'
        share instead of counting them again per fold (the counts and their sublinear scaling are
        per report, so nothing of a test fold reaches its model)."""
        columns = np.flatnonzero(X[rows].getnnz(axis=0))
        other = self.clone()
        vocabulary = list(self.feature_names[columns])
        if self.features == "context":
            other.vectorizer = sklearn_clone(self.vectorizer).set_params(counts__vocabulary=vocabulary).fit([[]])
        else:
            other.vectorizer = sklearn_clone(self.vectorizer).set_params(vocabulary=vocabulary).fit([""])
        other._vocabulary_set()
        return other, columns

    def _vocabulary_set(self) -> None:
        """Find the back-off columns of a new vocabulary; the back-off is to be chosen again."""
        self.feature_names = self.vectorizer.get_feature_names_out()
        self.back_off_columns = np.array([i for i, n in enumerate(self.feature_names) if n.endswith(f"_{STATED}")]
                                         if self.features == "context" else [], dtype=int)
        self.back_off = None

    def choose_back_off(self, X, y, inner_folds: int = INNER_FOLDS, seed: int | None = None) -> np.ndarray | None:
        """Choose whether to use the back-off columns by inner cross-validation on these training
        reports (matrix ``X``); return the inner out-of-fold probabilities of the choice (None where a
        class has too few reports), which also serve to choose a threshold."""
        self.back_off, inner = choose_back_off(self, X, y, inner_folds, self.seed if seed is None else seed)
        return inner

    def fit_matrix(self, X, y) -> "ReportLabeller":
        y = np.asarray(y, dtype=int)
        if self.back_off is None:
            if len(self.back_off_columns):
                self.choose_back_off(X, y)
            else:
                self.back_off = True
        self.classifier = self.new_classifier().fit(self._as_used(X), y)
        return self

    def _as_used(self, X):
        """``X`` as the classifier sees it: without the back-off columns where it does not use them
        (zeroed: a column that is all zero in training gets no weight, so prediction needs no mask)."""
        if self.back_off is not False or not len(self.back_off_columns):
            return X
        keep = np.ones(X.shape[1])
        keep[self.back_off_columns] = 0.0
        return X @ diags(keep)

    def predict_matrix(self, X) -> np.ndarray:
        return self.classifier.predict_proba(self._as_used(X))[:, 1]

    def fit_prepared(self, docs: Sequence, y, back_off: bool | None = None) -> "ReportLabeller":
        """Fit on prepared reports; ``back_off`` as chosen already (by cross-validation on the same
        reports), None to choose it now."""
        X = self.fit_vectorizer(docs)
        self.back_off = back_off
        return self.fit_matrix(X, y)

    def transform(self, docs: Sequence):
        return self.vectorizer.transform(self._inputs(docs))

    def predict_prepared(self, docs: Sequence) -> np.ndarray:
        if self.classifier is None:
            raise RuntimeError("the labeller is not trained")
        return self.predict_matrix(self.transform(docs))

    def fit(self, texts: Sequence[str], y, languages=None) -> "ReportLabeller":
        return self.fit_prepared(self.prepare(texts, languages), y)

    def predict_proba(self, texts: Sequence[str], languages=None) -> np.ndarray:
        """Probability that each report describes a fracture."""
        return self.predict_prepared(self.prepare(texts, languages))

    def classify(self, texts: Sequence[str], languages=None) -> list[ReportLabel]:
        """Value, probability, context-marked mentions, trigger cues and the deciding sentence."""
        docs = self.prepare(texts, languages)
        probs = self.predict_prepared(docs)
        out = []
        for doc, p in zip(docs, probs):
            p = float(p)
            if isinstance(doc, PreparedReport):
                deciding = self.deciding_sentence(doc, positive=p >= 0.5)
                out.append(ReportLabel(value_for(p, self.lower, self.upper), p, doc.analysis.language,
                                       doc.analysis.mentions, doc.analysis.cues, deciding))
            else:
                out.append(ReportLabel(value_for(p, self.lower, self.upper), p, "", ()))
        return out

    def deciding_sentence(self, doc: PreparedReport, positive: bool) -> DecidingSentence | None:
        """The sentence whose terms pushed the decision furthest towards ``positive`` (or negative).

        For a linear model each sentence's score is its exact share of the log-odds
        (:func:`~core.reports.features.sentence_contributions`). Other models score
        each sentence alone.
        """
        return self._furthest(doc, positive, only_if_for_it=False)

    def strongest_for(self, doc: PreparedReport, positive: bool) -> DecidingSentence | None:
        """The sentence that argued furthest for ``positive`` (or negative), where one argued for it at
        all: a share of the log-odds on that side of 0 (linear models), or a probability on that side
        of 0.5 of its own (others). For an error, what the labeller read for the label it missed."""
        return self._furthest(doc, positive, only_if_for_it=True)

    def _furthest(self, doc: PreparedReport, positive: bool, only_if_for_it: bool) -> DecidingSentence | None:
        scored = self._sentence_scores(doc)
        if scored is None:
            return None
        scores, neither = scored
        i = int(np.argmax(scores)) if positive else int(np.argmin(scores))
        if only_if_for_it and not (scores[i] > neither if positive else scores[i] < neither):
            return None
        return DecidingSentence.of(doc.text, doc.analysis.sentences[i], float(scores[i]))

    def _sentence_scores(self, doc: PreparedReport) -> tuple[np.ndarray, float] | None:
        """Each sentence's score for a positive, and the score that argues for neither side: a linear
        model's share of the log-odds (neither: 0), another model's probability of the sentence
        alone (neither: 0.5); None without sentences or a trained classifier."""
        if not doc.analysis.sentences or self.classifier is None:
            return None
        terms = sentence_terms(doc.analysis)
        coef = getattr(self.classifier, "coef_", None)
        if coef is not None:
            return sentence_contributions(self.vectorizer, terms, coef[0]), 0.0
        return self.predict_matrix(self.vectorizer.transform(terms)), 0.5

    def version(self, training_fingerprint: str = "") -> str:
        """Labeller version: a hash of the training data fingerprint and every setting."""
        settings = {"code": LABELLER_CODE_VERSION, "model": self.model, "features": self.features,
                    "languages": self.languages, "seed": self.seed, "data": training_fingerprint}
        return "nlp-" + hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
