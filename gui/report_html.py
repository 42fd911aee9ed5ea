"""Report text as HTML with the labeller's cue phrases highlighted (Qt-free).

Cue phrases come from the report labeller's own lists (core.reports.phrases),
so what the reader sees highlighted is what the labeller reacts to.
"""

from __future__ import annotations

import functools
import html
import re

CUE_COLOURS = {
    "negation": "#4caf50",
    "uncertainty": "#ffb300",
    "healed": "#29b6f6",
    "finding": "#ef5350",
}
FINDING_WORDS = ("fracture", "fractures", "fractured", "break", "avulsion", "displaced", "comminuted")


@functools.lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern, dict[str, str]] | None:
    try:
        from core.reports.phrases import load_triggers

        triggers = load_triggers(("en",))
    except Exception:  # noqa: BLE001 - no phrase lists: show the plain report
        triggers = {}
    kinds: dict[str, str] = {}
    for words, trigger in triggers.items():
        if trigger.cue in CUE_COLOURS:
            kinds[" ".join(words)] = trigger.cue
    for word in FINDING_WORDS:
        kinds.setdefault(word, "finding")
    phrases = sorted(kinds, key=len, reverse=True)    # longest first: "no evidence of" before "no"
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases)
    return re.compile(rf"(?<!\w)({body})(?!\w)", re.IGNORECASE), kinds


def report_html(text: str | None) -> str:
    if not text:
        return "<i>No report for this study.</i>"
    pattern, kinds = _pattern()
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last:m.start()]))
        cue = kinds.get(" ".join(m.group(1).lower().split()), "finding")
        out.append(f'<span style="background:{CUE_COLOURS[cue]}; color:#000" title="{cue}">'
                   f"{html.escape(m.group(1))}</span>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out).replace("\n", "<br>")
