"""Report text as HTML with the labeller's cue phrases highlighted (Qt-free).

Cue phrases come from the report labeller's own lists (core.reports.phrases), in
English and Spanish, so what the reader sees highlighted is what the labeller
reacts to; its pseudo-triggers ("age-indeterminate", "no desplazada") are matched
too and left plain, as the labeller leaves the trigger inside them alone. The
phrases are matched as written (the labeller matches Spanish on stems), so an
inflection missing from the lists is not painted. With
``deciding`` (core.reports.queue.deciding_sentence's dict) the sentence that
decided the labeller's suggestion is underlined and quoted above the report.
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


@functools.lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern, dict[str, str]] | None:
    try:
        from core.reports.phrases import load_triggers, read_phrases

        triggers = load_triggers(LANGUAGES)
        # The mention lists too: "wedge deformity" implies a fracture as "fracture" names one.
        mentions = [" ".join(p) for lang in LANGUAGES for category in ("fracture", "compression")
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


def _highlight(text: str) -> str:
    pattern, kinds = _pattern()
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last:m.start()]))
        cue = kinds.get(" ".join(_SEPARATOR.split(m.group(1).lower().strip())), "finding")
        if cue == "pseudo":      # looks like a cue, is none: shown plain
            out.append(html.escape(m.group(1)))
            last = m.end()
            continue
        out.append(f'<span style="background:{CUE_COLOURS[cue]}; color:#000" title="{CUE_TITLES.get(cue, cue)}">'
                   f"{html.escape(m.group(1))}</span>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def deciding_html(deciding: dict) -> str:
    """One line: what the report labeller suggested, how sure, and the sentence that decided it."""
    status = "labelled" if deciding.get("status") == "applied" else "sent to review"
    return (f"<p><b>Report labeller:</b> {html.escape(str(deciding.get('value')))} "
            f"(p = {float(deciding.get('probability') or 0):.2f}, {status}); decided by: "
            f"<i>\u201c{html.escape(' '.join(deciding['sentence'].split()))}\u201d</i></p>")


def report_html(text: str | None, deciding: dict | None = None) -> str:
    """The report with its cue phrases highlighted; with ``deciding`` (a dict with
    ``sentence``, ``start``, ``end``, ``value``, ``probability``, ``status``) the deciding
    sentence quoted above it and underlined in place where the offsets still match the text."""
    if not text:
        return "<i>No report for this study.</i>"
    head = ""
    if deciding and deciding.get("sentence"):
        head = deciding_html(deciding)
        start, end = deciding.get("start"), deciding.get("end")
        if start is not None and end is not None and text[start:end] == deciding["sentence"]:
            body = (_highlight(text[:start]) + '<span style="text-decoration: underline" title="deciding sentence">'
                    + _highlight(text[start:end]) + "</span>" + _highlight(text[end:]))
            return head + body.replace("\n", "<br>")
    return head + _highlight(text).replace("\n", "<br>")
