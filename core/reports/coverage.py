"""Which fracture-mention contexts the labelled reports have taught the labeller.

The classifier learns what a context means ("fracture_historical": positive in a
collection that counts old fractures, negative in one that counts acute ones only)
from the labelled reports it is given. A context that too few of them contain has
taught it nothing: its vocabulary drops a feature it never saw, so a report like
"Status post ORIF of a distal radius fracture." would be decided by its plain words
("radius fracture") alone. Such a report is not labelled automatically; it goes to
the review queue, whatever its probability, until enough labelled reports show what
that context means in this workspace.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from core.reports.context import ReportAnalysis

# A context seen in fewer labelled reports than this is "unfamiliar".
MIN_LABELLED_REPORTS_WITH_CONTEXT = 5
TARGET_CATEGORY = "fracture"


def mention_contexts(analysis: ReportAnalysis) -> set[str]:
    """The report's fracture-mention features: ``fracture_negated``, ``fracture_affirmed`` …"""
    return {f for m in analysis.mentions if m.category == TARGET_CATEGORY for f in m.features}


def context_counts(analyses: Iterable[ReportAnalysis]) -> Counter:
    """How many of the reports contain each fracture-mention context (a report counts once per context)."""
    counts: Counter = Counter()
    for analysis in analyses:
        counts.update(mention_contexts(analysis))
    return counts


def unfamiliar_mention(analysis: ReportAnalysis, counts: Counter,
                       minimum: int = MIN_LABELLED_REPORTS_WITH_CONTEXT) -> tuple[int, str] | None:
    """(sentence index, context) of the report's first fracture mention whose context fewer than ``minimum``
    labelled reports contain, or None when every mention's context is familiar."""
    for mention in analysis.mentions:
        if mention.category != TARGET_CATEGORY:
            continue
        for feature in mention.features:
            if counts.get(feature, 0) < minimum:
                return mention.sentence, feature
    return None


_READABLE = {"affirmed": "stated", "negated": "negated", "uncertain": "uncertain or asked",
             "historical": "old or healed", "postop": "post-operative", "hypothetical": "hypothetical",
             "device": "of a device (a screw, wire, lead or catheter)"}


def unfamiliar_sentence(unfamiliar: dict[str, int]) -> str:
    """' (N of them mention a fracture that is post-operative (2), … which fewer than 5 labelled reports
    do)' for the summary, or '' when there were none."""
    if not unfamiliar:
        return ""
    parts = [f"{_READABLE.get(f.split('_', 1)[-1], f)} ({n})" for f, n in sorted(unfamiliar.items())]
    return (f" ({sum(unfamiliar.values())} of them mention a fracture that is {', '.join(parts)}, which fewer "
            f"than {MIN_LABELLED_REPORTS_WITH_CONTEXT} labelled reports do, so the labelled data has not shown "
            f"what it means here)")
