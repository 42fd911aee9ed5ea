"""The report labeller: features + classifier, and its per-report output.

    labeller = ReportLabeller(model="lr").fit(texts, labels)
    result = labeller.classify(["No acute fracture."])[0]
    result.value, result.probability, result.cues   # 'negative', 0.03, [Cue(kind='negation', ...)]

``features="baseline"`` gives the paper's system (word 1-3-gram counts of the
raw text); ``features="scoped"`` (default) adds the negation, uncertainty and
old-fracture scope marks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.errors import InputError
from core.reports.features import analyse_reports, baseline_vectorizer, scoped_vectorizer
from core.reports.models import MODEL_NAMES, make_classifier
from core.reports.negation import Cue, annotate

# Bump when the cleaning, triggers or features change in a way that changes labels.
LABELLER_CODE_VERSION = "reports-1"


@dataclass(frozen=True)
class Driver:
    """An n-gram that pushed the probability, and where it occurs in the report."""

    term: str
    weight: float                     # contribution to the log-odds (coefficient x count)
    spans: tuple[tuple[int, int], ...]  # (start, end) offsets of its words in the report

    def as_dict(self) -> dict:
        return {"term": self.term, "weight": round(self.weight, 4), "spans": [list(s) for s in self.spans]}


@dataclass(frozen=True)
class ReportLabel:
    value: str            # positive | negative | uncertain
    probability: float    # calibrated probability that the report describes a fracture
    cues: tuple[Cue, ...] = ()
    drivers: tuple[Driver, ...] = field(default=())

    def as_dict(self) -> dict:
        return {"value": self.value, "probability": round(self.probability, 4),
                "cues": [c.as_dict() for c in self.cues], "drivers": [d.as_dict() for d in self.drivers]}


def value_for(probability: float, lower: float, upper: float) -> str:
    """positive at or above ``upper``, negative at or below ``lower``, uncertain between."""
    if probability >= upper:
        return "positive"
    if probability <= lower:
        return "negative"
    return "uncertain"


class ReportLabeller:
    def __init__(self, model: str = "lr", features: str = "scoped", languages: Sequence[str] = ("en",),
                 seed: int = 0, lower: float = 0.2, upper: float = 0.8):
        if model not in MODEL_NAMES:
            raise ValueError(f"unknown model {model!r}")
        if features not in ("scoped", "baseline"):
            raise ValueError(f"unknown features {features!r}")
        self.model = model
        self.features = features
        self.languages = tuple(languages)
        self.seed = seed
        self.lower, self.upper = lower, upper
        self.vectorizer = None
        self.classifier = None

    # Features ------------------------------------------------------------------
    def prepare(self, texts: Sequence[str]) -> list:
        """What the vectorizer reads: analysed term lists (scoped) or the texts (baseline)."""
        return analyse_reports(texts, self.languages) if self.features == "scoped" else list(texts)

    def new_vectorizer(self):
        return scoped_vectorizer() if self.features == "scoped" else baseline_vectorizer()

    # Training / prediction ------------------------------------------------------
    def fit_prepared(self, docs: Sequence, y: np.ndarray) -> "ReportLabeller":
        self.vectorizer = self.new_vectorizer()
        try:
            X = self.vectorizer.fit_transform(docs)
        except ValueError as err:   # "empty vocabulary": no report holds a word
            raise InputError("The reports contain no words to learn from; is the text column the right one?") from err
        self.classifier = make_classifier(self.model, self.seed).fit(X, np.asarray(y, dtype=int))
        return self

    def predict_prepared(self, docs: Sequence) -> np.ndarray:
        if self.classifier is None:
            raise RuntimeError("the labeller is not trained")
        return self.classifier.predict_proba(self.vectorizer.transform(docs))[:, 1]

    def fit(self, texts: Sequence[str], y) -> "ReportLabeller":
        return self.fit_prepared(self.prepare(texts), y)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each report describes a fracture."""
        return self.predict_prepared(self.prepare(texts))

    def classify(self, texts: Sequence[str], top_drivers: int = 5) -> list[ReportLabel]:
        """Value, probability, trigger cues and (for linear models) the n-grams that drove it."""
        probs = self.predict_proba(texts)
        out = []
        for text, p in zip(texts, probs):
            annotation = annotate(text, self.languages)
            drivers = self._drivers(text, top_drivers) if top_drivers else ()
            out.append(ReportLabel(value_for(float(p), self.lower, self.upper), float(p), annotation.cues, drivers))
        return out

    def _drivers(self, text: str, k: int) -> tuple[Driver, ...]:
        coef = getattr(self.classifier, "coef_", None)
        if coef is None:
            return ()
        row = self.vectorizer.transform(self.prepare([text])).tocsr()
        contrib = row.data * coef[0, row.indices]
        order = np.argsort(-np.abs(contrib))[:k]
        names = self.vectorizer.get_feature_names_out()
        annotation = annotate(text, self.languages)
        terms = [str(names[row.indices[i]]) for i in order]
        return tuple(Driver(term, float(contrib[i]), _spans_of(term, annotation))
                     for term, i in zip(terms, order) if contrib[i] != 0)

    def version(self, training_fingerprint: str = "") -> str:
        """Labeller version: a hash of the training data fingerprint and every setting."""
        settings = {"code": LABELLER_CODE_VERSION, "model": self.model, "features": self.features,
                    "languages": self.languages, "seed": self.seed, "data": training_fingerprint}
        return "nlp-" + hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]


def _spans_of(term: str, annotation) -> tuple[tuple[int, int], ...]:
    """Offsets of an n-gram ("no acute fracture", "NEG_fracture") in the report."""
    parts = term.split(" ")
    wanted = []
    for part in parts:
        mark, _, word = part.partition("_") if part.split("_", 1)[0] in ("NEG", "UNC", "HEALED") else (None, "", part)
        wanted.append((mark, word))
    spans = []
    for s in annotation.sentences:
        toks, marks = s.sentence.tokens, s.marks
        for i in range(len(toks) - len(wanted) + 1):
            if all(toks[i + j].text == w and (m is None or marks[i + j] == m) for j, (m, w) in enumerate(wanted)):
                spans.append((toks[i].start, toks[i + len(wanted) - 1].end))
    return tuple(spans)
