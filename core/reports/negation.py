"""NegEx-style negation, uncertainty and old/healed-fracture scopes.

A trigger phrase ("no", "cannot exclude", "old healed") opens a scope that runs
forward to the end of its sentence, or backward to the start of it for
post-triggers ("fracture is excluded"); a termination phrase ("but",
"however", "which") or another trigger ends it earlier. Each word inside a
scope gets the mark of the nearest trigger covering it, so "no acute fracture
but a healed fracture" marks the first fracture NEG and the second HEALED.
Pseudo-triggers ("no change") are matched first and open nothing. At each
word the longest phrase wins, so "cannot be excluded" is uncertainty although
"excluded" alone is a negation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from core.reports.cleaning import Sentence, split_sentences
from core.reports.phrases import Trigger, load_triggers

MARK_PREFIX = {"negation": "NEG", "uncertainty": "UNC", "healed": "HEALED"}
# Which triggers end a scope of a given cue: a healed cue inside "no old or new
# fracture" must not end the negation, but a negation ends a healed scope.
_STOPS = {
    "negation": {"negation", "uncertainty", "termination"},
    "uncertainty": {"negation", "uncertainty", "termination"},
    "healed": {"negation", "uncertainty", "healed", "termination"},
}


@dataclass(frozen=True)
class Cue:
    """One trigger phrase found in a report, with offsets into the original text."""

    kind: str          # negation | uncertainty | healed | termination
    text: str          # the phrase as written in the report
    start: int
    end: int
    scope_start: int | None = None  # the words it governs (None for termination)
    scope_end: int | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "start": self.start, "end": self.end,
                "scope_start": self.scope_start, "scope_end": self.scope_end}


@dataclass(frozen=True)
class AnnotatedSentence:
    sentence: Sentence
    marks: tuple[str | None, ...]   # per token: NEG | UNC | HEALED | None

    @property
    def words(self) -> list[str]:
        return [t.text for t in self.sentence.tokens]


@dataclass(frozen=True)
class Annotation:
    text: str
    sentences: tuple[AnnotatedSentence, ...]
    cues: tuple[Cue, ...]

    def marked_words(self, word: str) -> list[str | None]:
        """The marks of every occurrence of ``word`` (e.g. "fracture"), in order."""
        return [m for s in self.sentences for t, m in zip(s.sentence.tokens, s.marks) if t.text == word]


def _match_triggers(words: list[str], triggers: dict[tuple[str, ...], Trigger], longest: int):
    """Left-to-right, longest-first, non-overlapping matches: [(first, after_last, trigger)]."""
    found, i, n = [], 0, len(words)
    while i < n:
        for length in range(min(longest, n - i), 0, -1):
            trig = triggers.get(tuple(words[i:i + length]))
            if trig is not None:
                found.append((i, i + length, trig))
                i += length
                break
        else:
            i += 1
    return found


def annotate_sentence(sentence: Sentence, triggers: dict[tuple[str, ...], Trigger], longest: int,
                      text: str) -> tuple[AnnotatedSentence, list[Cue]]:
    words = [t.text for t in sentence.tokens]
    tokens = sentence.tokens
    matches = [m for m in _match_triggers(words, triggers, longest) if m[2].cue != "pseudo"]
    best: list[tuple[int, str] | None] = [None] * len(words)   # (distance, mark) of nearest trigger
    cues: list[Cue] = []
    for idx, (a, b, trig) in enumerate(matches):
        if trig.cue == "termination":
            cues.append(Cue("termination", text[tokens[a].start:tokens[b - 1].end], tokens[a].start, tokens[b - 1].end))
            continue
        stops = _STOPS[trig.cue]
        if trig.direction == "forward":
            end = len(words)
            for a2, _, t2 in matches[idx + 1:]:
                if t2.cue in stops:
                    end = a2
                    break
            scope = range(b, end)
            distance = lambda i: i - b  # noqa: E731
        else:
            start = 0
            for _, b2, t2 in reversed(matches[:idx]):
                if t2.cue in stops:
                    start = b2
                    break
            scope = range(start, a)
            distance = lambda i: a - 1 - i  # noqa: E731
        for i in scope:
            d = distance(i)
            if best[i] is None or d < best[i][0]:
                best[i] = (d, MARK_PREFIX[trig.cue])
        scope_start = tokens[scope[0]].start if len(scope) else None
        scope_end = tokens[scope[-1]].end if len(scope) else None
        cues.append(Cue(trig.cue, text[tokens[a].start:tokens[b - 1].end], tokens[a].start, tokens[b - 1].end,
                        scope_start, scope_end))
    marks = tuple(None if m is None else m[1] for m in best)
    return AnnotatedSentence(sentence, marks), cues


@functools.lru_cache(maxsize=8)
def _longest_phrase(languages: tuple[str, ...]) -> int:
    return max((len(k) for k in load_triggers(languages)), default=1)


def annotate(text: str, languages: tuple[str, ...] = ("en",)) -> Annotation:
    """Sentences, per-word scope marks and trigger cues of one report."""
    triggers = load_triggers(tuple(languages))
    longest = _longest_phrase(tuple(languages))
    sentences, cues = [], []
    for sentence in split_sentences(text):
        annotated, found = annotate_sentence(sentence, triggers, longest, text)
        sentences.append(annotated)
        cues.extend(found)
    return Annotation(text, tuple(sentences), tuple(cues))
