"""Trigger phrase lists (NegEx style) read from ``resources/phrases/<lang>_<kind>.txt``.

Each file holds one lower-case phrase per line; ``#`` starts a comment. A
language adds its own files (``de_negation_pre.txt`` …); lists of several
languages are merged, so a mixed-language department can use both.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass

# kind -> (what the phrase does, which way its scope runs)
KINDS = {
    "pseudo": ("pseudo", None),
    "negation_pre": ("negation", "forward"),
    "negation_post": ("negation", "backward"),
    "uncertainty_pre": ("uncertainty", "forward"),
    "uncertainty_post": ("uncertainty", "backward"),
    "healed_pre": ("healed", "forward"),
    "healed_post": ("healed", "backward"),
    "postop_pre": ("postop", "forward"),
    "postop_post": ("postop", "backward"),
    "hypothetical_pre": ("hypothetical", "forward"),
    "hypothetical_post": ("hypothetical", "backward"),
    "device_pre": ("device", "forward"),
    "device_post": ("device", "backward"),
    "termination": ("termination", None),
}
# Mention lists: the words whose context is analysed (<lang>_target_<category>.txt).
TARGET_CATEGORIES = ("fracture", "compression", "cortical", "finding")
# Phrases that hold a mention word but name no finding: "fracture clinic", "unidad de fracturas"
# (<lang>_not_mention.txt). Their words are no mention.
NOT_MENTION = "not_mention"
# The categories the fracture label is about: a fracture named, a vertebral compression that implies one,
# or a sign of one on the cortex ("cortical disruption", "solución de continuidad").
FRACTURE_CATEGORIES = ("fracture", "compression", "cortical")

# A question mark is a phrase word too: the context analysis keeps one that stands before a word ("?fracture").
QUESTION_MARKS = ("?", "¿")
_WORD = re.compile(r"[^\W_]+|[?¿]", re.UNICODE)


@dataclass(frozen=True)
class Trigger:
    words: tuple[str, ...]
    cue: str              # negation | uncertainty | healed | postop | hypothetical | device | termination | pseudo
    direction: str | None  # forward | backward | None


def parse_phrase_file(text: str) -> list[tuple[str, ...]]:
    """Phrases of one list file as word tuples (comments and blank lines skipped)."""
    phrases = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        words = tuple(_WORD.findall(line.lower()))
        if words:
            phrases.append(words)
    return phrases


def read_phrases(language: str, kind: str) -> list[tuple[str, ...]]:
    """The phrases of one list (``kind`` as in :data:`KINDS`, ``target_<category>`` or
    ``coordination``, the words that join a list: "or", "ni"); [] if absent."""
    path = importlib.resources.files("resources") / "phrases" / f"{language}_{kind}.txt"
    return parse_phrase_file(path.read_text(encoding="utf-8")) if path.is_file() else []


def available_languages() -> list[str]:
    folder = importlib.resources.files("resources") / "phrases"
    return sorted({p.name.split("_", 1)[0] for p in folder.iterdir() if p.name.endswith(".txt") and "_" in p.name})


@functools.lru_cache(maxsize=8)
def load_triggers(languages: tuple[str, ...] = ("en",)) -> dict[tuple[str, ...], Trigger]:
    """All trigger phrases of ``languages`` keyed by their word tuple.

    Where the same phrase appears in two lists the first kind in :data:`KINDS`
    order wins (pseudo before negation before uncertainty …).
    """
    folder = importlib.resources.files("resources") / "phrases"
    triggers: dict[tuple[str, ...], Trigger] = {}
    for lang in languages:
        for kind, (cue, direction) in KINDS.items():
            path = folder / f"{lang}_{kind}.txt"
            if not path.is_file():
                continue
            for words in parse_phrase_file(path.read_text(encoding="utf-8")):
                triggers.setdefault(words, Trigger(words, cue, direction))
    return triggers
