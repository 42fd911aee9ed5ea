"""Which fracture-mention contexts the labelled reports have taught the labeller.

The classifier learns what a context means ("fracture_historical": positive in a
collection that counts old fractures, negative in one that counts acute ones only)
from the labelled reports it is given. A context that too few of them contain has
taught it nothing: its vocabulary drops a feature it never saw, so a report like
"Status post ORIF of a distal radius fracture." would be decided by its plain words
("radius fracture") alone. Such a report is not labelled automatically; it goes to
the review queue, whatever its probability, until enough labelled reports show what
that context means in this workspace. The same holds for words that imply a vertebral
compression fracture ("wedge deformity", "aplastamiento") and for the signs of a
fracture on the cortex ("cortical disruption", "solución de continuidad"): whether this
workspace counts them is learnt from its labels, so until 5 labelled reports show them
in a context, a report that has them goes to review.

A mention in the reason for the examination or in the description of the examination
is a context of its own ("reason:fracture_affirmed", ReportAnalysis.mention_features),
as the classifier sees it: "HISTORY: preop for forearm fracture" teaches nothing about
"Forearm fracture." among the findings, nor the other way round.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from core.reports.context import ReportAnalysis
from core.reports.phrases import FRACTURE_CATEGORIES

# A context seen in fewer labelled reports than this is "unfamiliar".
MIN_LABELLED_REPORTS_WITH_CONTEXT = 5


def mention_contexts(analysis: ReportAnalysis) -> set[str]:
    """The report's mention features of the fracture categories (core.reports.phrases.FRACTURE_CATEGORIES):
    ``fracture_negated``, ``compression_affirmed``, ``cortical_negated``,
    ``reason:fracture_affirmed`` …"""
    return {f for m in analysis.mentions if m.category in FRACTURE_CATEGORIES for f in analysis.mention_features(m)}


def context_counts(analyses: Iterable[ReportAnalysis]) -> Counter:
    """How many of the reports contain each fracture-mention context (a report counts once per context)."""
    counts: Counter = Counter()
    for analysis in analyses:
        counts.update(mention_contexts(analysis))
    return counts


# A mention in one of these classes says no fracture is there (or asks whether one is).
_NOT_THERE = frozenset({"negated", "hypothetical"})
# A context the labelled reports call positive at least this often "states a fracture" here. Even odds
# is a judgement, not a tuned value: below it the labels themselves say the context mostly means "no".
STATED_POSITIVE_SHARE = 0.5


def positive_shares(analyses: Iterable[ReportAnalysis], labels: Iterable[int], counts: Counter) -> dict[str, float]:
    """For each mention context of the fracture categories, the share of the labelled reports containing
    it that are labelled positive (``counts``: :func:`context_counts` of the same reports)."""
    positive: Counter = Counter()
    for analysis, label in zip(analyses, labels):
        if label:
            positive.update(mention_contexts(analysis))
    return {f: positive[f] / n for f, n in counts.items()}


def stated_fracture(analysis: ReportAnalysis, shares: dict[str, float],
                    at_least: float = STATED_POSITIVE_SHARE) -> int | None:
    """The sentence index of the report's first mention of a fracture category that states a fracture
    here -- neither negated nor hypothetical, with a context (any of its classes: "old" in "probable old
    fracture") that the labelled reports call positive at least ``at_least`` of the time (a context they
    never show counts as one) -- or None.

    Such a report is never labelled NEGATIVE automatically, whatever the classifier's probability: with
    fractures in 2 % of reports, a negative threshold for 98 % precision is met by the base rate alone,
    and on 1,900 public chest reports the classifier wrote "negative" on "An age-indeterminate fracture is
    present in the lower thoracic vertebra." A reader decides it instead. What a context means is still
    learnt: where the labelled reports call old fractures negative, an old one may be labelled negative."""
    for mention in analysis.mentions:
        if mention.category in FRACTURE_CATEGORIES and not (mention.classes & _NOT_THERE) and any(
                shares.get(f, 1.0) >= at_least for f in analysis.mention_features(mention)):
            return mention.sentence
    return None


def unfamiliar_mention(analysis: ReportAnalysis, counts: Counter,
                       minimum: int = MIN_LABELLED_REPORTS_WITH_CONTEXT) -> tuple[int, str] | None:
    """(sentence index, context) of the report's first mention of a fracture category whose context fewer
    than ``minimum`` labelled reports contain, or None when every mention's context is familiar."""
    for mention in analysis.mentions:
        if mention.category not in FRACTURE_CATEGORIES:
            continue
        for feature in analysis.mention_features(mention):
            if counts.get(feature, 0) < minimum:
                return mention.sentence, feature
    return None


# Each mention context in words, for the labelling summary and the report panel's tooltips.
CONTEXT_WORDS = {"affirmed": "stated", "negated": "negated", "uncertain": "uncertain or asked", "probable": "probable",
             "historical": "old or healed", "postop": "post-operative", "hypothetical": "hypothetical",
             "device": "of a device (a screw, wire, lead or catheter)"}


_NOUNS = {"fracture": "a fracture", "compression": "a vertebral compression deformity",
          "cortical": "a sign of a fracture on the cortex"}
# Where a mention stands, for a section with a role (core.reports.cleaning.SECTION_ROLES).
SECTION_WORDS = {"reason": "in the reason for the examination", "exam": "in the description of the examination"}


def unfamiliar_sentence(unfamiliar: dict[str, int]) -> str:
    """'N of them mention a fracture that is post-operative (2), … which fewer than 5 labelled reports
    do, …', or '' when there were none."""
    if not unfamiliar:
        return ""
    by_category: dict[tuple[str, str], list[str]] = {}
    for feature, n in sorted(unfamiliar.items()):
        role, _, feature = feature.rpartition(":")
        category, _, context = feature.partition("_")
        by_category.setdefault((category, role), []).append(f"{CONTEXT_WORDS.get(context, context)} ({n})")
    what = "; or ".join(f"{_NOUNS.get(c, c)}{' named ' + SECTION_WORDS[role] if role else ''} that is {', '.join(parts)}"
                        for (c, role), parts in by_category.items())
    return (f"{sum(unfamiliar.values())} of them mention {what}, which fewer than "
            f"{MIN_LABELLED_REPORTS_WITH_CONTEXT} labelled reports do, so the labelled data has not shown "
            f"what it means here")


def stated_sentence(n: int) -> str:
    """'N of them the labeller would have called negative, but the report states a fracture …', or ''."""
    if not n:
        return ""
    return f"{n} of them the labeller would have called negative, but the report states a fracture, so a reader decides"


def review_reasons(summary: dict) -> str:
    """' (why some of the reports sent to review went there)' for label_workspace's ``summary``, or ''."""
    parts = [p for p in (unfamiliar_sentence(summary.get("unfamiliar_context") or {}),
                         stated_sentence(summary.get("stated_fracture_to_review") or 0)) if p]
    return f" ({'. '.join(parts)})" if parts else ""
