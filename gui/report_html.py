"""Report text as HTML with the labeller's cues highlighted (Qt-free).

Two ways to find the cues. With ``analysis`` (core.reports.context's analysis of
this very text, made on a worker thread: gui.workers.report_analysis) the panel
paints exactly what the labeller found: each trigger at its offsets, in the
colour of its context class (a hedge graded "probable" in its own), and each
fracture mention with its context in words as a tooltip ("fracture: old or
healed, probable"). Only sentences that mention a fracture carry cues, as only
their context counts for the labeller. Until the analysis arrives (or where it
fails) the cue phrases of the labeller's lists (core.reports.phrases), English
and Spanish, are painted where they are written; pseudo-triggers
("age-indeterminate", "no desplazada") are left plain, as the labeller leaves
the trigger inside them alone. Those lists match as written (the labeller
matches Spanish on stems), so an inflection missing from them is painted only
from the analysis. With ``deciding`` (core.reports.queue.deciding_sentence's
dict) the sentence that decided the labeller's suggestion is underlined and
quoted above the report.
"""

from __future__ import annotations

import functools
import html
import re

CUE_COLOURS = {
    "negation": "#4caf50",
    "uncertainty": "#ffb300",
    "probable": "#fb8c00",
    "healed": "#29b6f6",
    "postop": "#ce93d8",
    "hypothetical": "#bdbdbd",
    "device": "#bcaaa4",
    "finding": "#ef5350",
}
FINDING_WORDS = ("fracture", "fractures", "fractured", "break", "avulsion", "displaced", "comminuted",
                 "fractura", "fracturas", "fracturado", "fracturada", "fracturados", "fracturadas", "fisura",
                 "fisuras", "desplazada", "desplazado", "conminuta")
# What the tooltip calls each kind of cue.
CUE_TITLES = {"probable": "probable (a strong hedge)", "healed": "old / healed", "postop": "post-operative",
              "device": "of a device"}
LANGUAGES = ("en", "es")
_SEPARATOR = re.compile(r"[\s-]+")


# The labeller's fracture categories (core.reports.phrases.FRACTURE_CATEGORIES), as the tooltip names them.
_PAINTED_CATEGORIES = {"fracture": "fracture", "compression": "vertebral compression",
                       "cortical": "sign on the cortex"}


@functools.lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern, dict[str, str]] | None:
    try:
        from core.reports.phrases import load_triggers, read_phrases

        triggers = load_triggers(LANGUAGES)
        # The mention lists too: "wedge deformity" implies a fracture as "fracture" names one.
        mentions = [" ".join(p) for lang in LANGUAGES for category in _PAINTED_CATEGORIES
                    for p in read_phrases(lang, f"target_{category}")]
        probable = [" ".join(p) for lang in LANGUAGES for p in read_phrases(lang, "uncertainty_probable")]
    except Exception:  # noqa: BLE001 - no phrase lists: show the plain report
        triggers, mentions, probable = {}, [], []
    kinds: dict[str, str] = {}
    for words, trigger in triggers.items():
        if trigger.cue in CUE_COLOURS or trigger.cue == "pseudo":
            kinds[" ".join(words)] = trigger.cue
    # The hedges that say "probably" (the labeller's "probable" class) in their own colour.
    for phrase in probable:
        if kinds.get(phrase) == "uncertainty":
            kinds[phrase] = "probable"
    for word in (*FINDING_WORDS, *mentions):
        kinds.setdefault(word, "finding")
    # A cue of punctuation only ("?" in "?fracture") counts, for the labeller, only before a word;
    # shown the same way, so a question mark after a word is not painted as a hedge it is not.
    marks = sorted(p for p in kinds if not re.search(r"\w", p))
    phrases = sorted((p for p in kinds if p not in marks), key=len, reverse=True)  # "no evidence of" before "no"
    # Words as the labeller splits them: at spaces and hyphens ("age-indeterminate", "K-wire").
    body = "|".join(r"[\s-]+".join(re.escape(w) for w in p.split()) for p in phrases)
    alternatives = [rf"(?<!\w)(?:{body})(?!\w)"] + [rf"(?<!\w){re.escape(m)}(?=\s*\w)" for m in marks]
    return re.compile("(" + "|".join(alternatives) + ")", re.IGNORECASE), kinds


Span = tuple[int, int, str, str]     # start, end (offsets into the report), cue kind (colour), tooltip


def phrase_spans(text: str) -> list[Span]:
    """Cue spans found by the labeller's phrase lists, as written (no analysis needed)."""
    pattern, kinds = _pattern()
    spans = []
    for m in pattern.finditer(text):
        cue = kinds.get(" ".join(_SEPARATOR.split(m.group(1).lower().strip())), "finding")
        if cue != "pseudo":      # looks like a cue, is none: shown plain
            spans.append((m.start(1), m.end(1), cue, CUE_TITLES.get(cue, cue)))
    return spans


def analysis_spans(analysis) -> list[Span]:
    """Cue spans of the labeller's own analysis (core.reports.context.ReportAnalysis) of the text."""
    from core.reports.context import AFFIRMED, CLASS_CUES, PROBABLE
    from core.reports.coverage import CONTEXT_WORDS, SECTION_WORDS

    cue_kinds = {**CLASS_CUES, PROBABLE: "probable"}       # a context class -> the cue kind it is painted as
    # One phrase may be the cue of two classes it gave ("No definite rib fracture": negated and
    # uncertain); it is painted once, in the first kind's colour, and its tooltip names both.
    kinds_at: dict[tuple[int, int], list[str]] = {}
    for c in analysis.cues:
        kind = cue_kinds.get(c.kind)
        if kind is None:
            continue
        kinds = kinds_at.setdefault((c.start, c.end), [])
        if kind not in kinds:
            kinds.append(kind)
    spans = [(a, b, kinds[0], " and ".join(CUE_TITLES.get(k, k) for k in kinds))
             for (a, b), kinds in kinds_at.items()]
    for m in analysis.mentions:
        if m.category in _PAINTED_CATEGORIES:
            context = ", ".join(CONTEXT_WORDS.get(c, c) for c in sorted(m.classes) or [AFFIRMED])
            role = analysis.section_role(m.sentence)
            if role:      # "fracture: stated, in the reason for the examination": the referrer's, not a finding
                context += f", {SECTION_WORDS[role]}"
            spans.append((m.start, m.end, "finding", f"{_PAINTED_CATEGORIES[m.category]}: {context}"))
    return spans


def _paint(text: str, start: int, end: int, spans: list[Span]) -> str:
    """HTML of ``text[start:end]`` with the spans inside it painted (an overlapping later span is skipped)."""
    out, last = [], start
    for a, b, cue, title in sorted(spans):
        if a < last or b > end:
            continue
        out.append(html.escape(text[last:a]))
        out.append(f'<span style="background:{CUE_COLOURS[cue]}; color:#000" title="{html.escape(title)}">'
                   f"{html.escape(text[a:b])}</span>")
        last = b
    out.append(html.escape(text[last:end]))
    return "".join(out)


def deciding_html(deciding: dict) -> str:
    """One line: what the report labeller suggested, how sure, and the sentence that decided it."""
    status = "labelled" if deciding.get("status") == "applied" else "sent to review"
    return (f"<p><b>Report labeller:</b> {html.escape(str(deciding.get('value')))} "
            f"(p = {float(deciding.get('probability') or 0):.2f}, {status}); decided by: "
            f"<i>\u201c{html.escape(' '.join(deciding['sentence'].split()))}\u201d</i></p>")


def report_html(text: str | None, deciding: dict | None = None, analysis=None) -> str:
    """The report with its cues highlighted -- from ``analysis`` (the labeller's analysis of this
    text) when given, else from the phrase lists; with ``deciding`` (a dict with ``sentence``,
    ``start``, ``end``, ``value``, ``probability``, ``status``) the deciding sentence quoted above
    it and underlined in place where the offsets still match the text."""
    if not text:
        return "<i>No report for this study.</i>"
    spans = analysis_spans(analysis) if analysis is not None else phrase_spans(text)
    head = ""
    if deciding and deciding.get("sentence"):
        head = deciding_html(deciding)
        start, end = deciding.get("start"), deciding.get("end")
        if start is not None and end is not None and text[start:end] == deciding["sentence"]:
            body = (_paint(text, 0, start, spans)
                    + '<span style="text-decoration: underline" title="deciding sentence">'
                    + _paint(text, start, end, spans) + "</span>" + _paint(text, end, len(text), spans))
            return head + body.replace("\n", "<br>")
    return head + _paint(text, 0, len(text), spans).replace("\n", "<br>")
