"""Report text cleaning that keeps character offsets into the original text.

The GUI highlights cue phrases in the report as the radiologist wrote it, so
nothing here shortens or reorders the text: placeholders and section headers
are blanked with spaces, case is folded character by character, and every
sentence and token carries its (start, end) in the original string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

# De-identification placeholders: "XXXX" (Open-i / IU X-ray), "[** ... **]" (MIMIC),
# "<NAME>", "***". Blanked so they neither become features nor split sentences.
_PLACEHOLDER = re.compile(r"\bX{2,}\b|\[\*\*.*?\*\*\]|<[A-Z_]{2,}>|\*{3,}")

# Section headers at the start of a line (or of the text), optionally followed by ':'.
SECTION_NAMES = (
    "findings", "impression", "conclusion", "conclusions", "history", "clinical history",
    "clinical information", "clinical indication", "indication", "indications", "comparison",
    "technique", "procedure", "exam", "examination", "report", "opinion", "summary", "reason for exam",
    # Spanish reports
    "hallazgos", "conclusión", "conclusion", "conclusiones", "impresión", "impresion", "antecedentes",
    "datos clínicos", "datos clinicos", "historia clínica", "historia clinica", "indicación", "indicacion",
    "motivo de consulta", "técnica", "tecnica", "comparación", "comparacion", "informe", "diagnóstico",
    "diagnostico", "juicio diagnóstico", "juicio diagnostico", "exploración", "exploracion",
)
# What a section holds where it is not what the examination showed: the reason for the examination
# ("HISTORY: fall, rib fracture", "Indicación: fractura de cadera, preoperatorio") or the examination
# itself ("COMPARISON: chest radiographs", "Técnica: proyección PA"). Every other section (findings,
# impression, conclusión ...) and the text before any header holds what it showed.
SECTION_ROLES = {
    **{name: "reason" for name in (
        "history", "clinical history", "clinical information", "clinical indication", "indication", "indications",
        "reason for exam", "antecedentes", "datos clínicos", "datos clinicos", "historia clínica",
        "historia clinica", "indicación", "indicacion", "motivo de consulta")},
    **{name: "exam" for name in (
        "comparison", "technique", "procedure", "exam", "examination", "técnica", "tecnica", "comparación",
        "comparacion", "exploración", "exploracion")},
}
assert set(SECTION_ROLES) <= set(SECTION_NAMES)
_SECTION = re.compile(
    r"(?im)^[ \t]*(" + "|".join(sorted((re.escape(n) for n in SECTION_NAMES), key=len, reverse=True))
    + r")[ \t]*(?::|$)"
)

# A sentence ends at . ! ? ; followed by white space or the end, but not inside "2.5 cm";
# a blank line, or a line break followed by a capital or a list marker, also ends one. So does a
# full stop with no space after it between a word in lower case and a capitalised one, as text pasted
# from another system runs sentences together ("fase arterial.Fractura de apófisis"): not "Dr.Smith",
# "e.g.The" (one lower-case letter before the stop) or "2.5".
_SENTENCE_END = re.compile(r"(?<!\d)[.!?;](?=\s|$)|[.!?;](?=\s+[A-Z])|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)"
                           r"|(?<=[a-záéíóúüñ]{2})\.(?=[A-ZÁÉÍÓÚÜÑ][a-záéíóúüñ])")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Abbreviations whose full stop ends no sentence when a lower-case word or a number follows it: "fracture
# vs. nutrient channel", "displaced approx. 5 mm", "e.g. of the radius", "aprox. 3 mm". Split there, the
# hedge "vs" was cut from what it offers and "approx" from its measure. Not side or name abbreviations
# ("der.", "Dr."): a report may end a sentence with "der." and start the next one in lower case.
_ABBREVIATIONS = frozenset(["vs", "e.g", "i.e", "approx", "cf", "incl", "esp", "resp", "fig",
                            "aprox", "p.ej", "ej"])
_ABBREVIATION_BEFORE = re.compile(r"(?<![^\W\d_])[^\W\d_]+(?:\.[^\W\d_]+)*\Z")
_CONTINUES = re.compile(r"\s+[a-z\d]")


class Token(NamedTuple):
    """A NamedTuple, not a dataclass: reports have tens of words and a frozen
    dataclass's __init__ made tokenising 30,000 reports take twice as long."""

    text: str   # lower-cased word
    start: int  # offset into the original report
    end: int


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    section: str | None       # lower-case section name ("findings", "impression"), None before any header
    tokens: tuple[Token, ...]


def fold_case(text: str) -> str:
    """Lower-case ``text`` without changing its length (offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters (e.g. 'İ') grow when lower-cased; fold those one by one.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def blank_placeholders(text: str) -> str:
    """Replace de-identification placeholders (``XXXX``, ``[**Name**]``) with spaces."""
    return _PLACEHOLDER.sub(lambda m: " " * len(m.group()), text)


def section_spans(text: str) -> list[tuple[int, int, str]]:
    """The section headers found: (header start, header end, normalised name)."""
    return [(m.start(1), m.end(), " ".join(m.group(1).lower().split())) for m in _SECTION.finditer(text)]


def clean_text(text: str) -> str:
    """The report as the n-gram features see it: lower case, placeholders and
    headers removed, white space collapsed. Used for the paper's baseline too."""
    return " ".join(t.text for s in split_sentences(text) for t in s.tokens)


def _abbreviation_stop(text: str, i: int) -> bool:
    """Whether the full stop at ``i`` closes an abbreviation (:data:`_ABBREVIATIONS`) with a
    lower-case word or a number after it: the sentence goes on."""
    if text[i] != ".":
        return False
    word = _ABBREVIATION_BEFORE.search(text, max(0, i - 12), i)
    return bool(word) and word.group().lower() in _ABBREVIATIONS and bool(_CONTINUES.match(text, i + 1))


def split_sentences(text: str) -> list[Sentence]:
    """Split a report into sentences of lower-case word tokens with original offsets."""
    if not text:
        return []
    work = blank_placeholders(text)
    headers = section_spans(work)
    for start, end, _ in headers:
        work = work[:start] + " " * (end - start) + work[end:]
    # Boundaries: sentence punctuation (found before case folding: "C5. Fracture" needs
    # the capital) plus every header position (a header starts a new sentence).
    cuts = {0, len(work)}
    for m in _SENTENCE_END.finditer(work):
        if not _abbreviation_stop(work, m.start()):
            cuts.add(m.end())
    work = fold_case(work)
    for start, end, _ in headers:
        cuts.update((start, end))
    bounds = sorted(cuts)

    sentences: list[Sentence] = []
    header_iter = sorted(headers)
    for a, b in zip(bounds, bounds[1:]):
        tokens = tuple(Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(work, a, b))
        if not tokens:
            continue
        section = None
        for h_start, _, name in header_iter:
            if h_start <= tokens[0].start:
                section = name
        sentences.append(Sentence(tokens[0].start, tokens[-1].end, section, tokens))
    return sentences
