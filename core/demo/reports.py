"""Free-text radiology reports for demo studies.

The report labeller (core/reports) learns from these, so they carry the
phrasings real reports use: plain positive findings, negations ("No acute
fracture"), hedges ("Cannot exclude a subtle fracture"), mixed sentences
(a negated finding next to a positive one, "healed fracture" in a normal
study), FINDINGS:/IMPRESSION: sections and XXXX de-identification
placeholders. A few reports disagree with the ground truth on purpose, as
real ones sometimes do.
"""

from __future__ import annotations

import numpy as np

# Report kinds and how often each occurs, by ground truth.
# 'discordant' reports state the opposite of the truth (a missed or over-called fracture).
KINDS_FRACTURE_EASY = (("positive", 0.74), ("mixed", 0.14), ("hedged", 0.09), ("discordant", 0.03))
KINDS_FRACTURE_DIFFICULT = (("positive", 0.5), ("mixed", 0.1), ("hedged", 0.32), ("discordant", 0.08))
KINDS_NORMAL = (("negative", 0.72), ("healed", 0.08), ("mixed", 0.1), ("hedged", 0.08), ("discordant", 0.02))

# Report kinds whose wording states the study's true fracture label.
AGREEING_KINDS = ("positive", "negative", "mixed", "healed")

_PATTERNS = ("Transverse", "Oblique", "Minimally displaced", "Nondisplaced", "Comminuted", "Spiral",
             "Impacted", "Buckle")
_EXTRAS_POSITIVE = (
    "with slight dorsal angulation", "with mild volar angulation", "with 2 mm of displacement",
    "without significant displacement", "with slight lateral displacement", "extending to the articular surface",
    "with adjacent soft tissue swelling",
)
_NEGATIVE = (
    "No acute fracture or dislocation.", "No fracture identified.", "No acute osseous abnormality.",
    "No evidence of fracture.", "Negative for fracture or dislocation.", "Bones are intact. No fracture seen.",
    "Normal radiographs of the {part}.", "No acute bony injury.",
)
_NORMAL_EXTRA = (
    "Joint spaces are preserved.", "Alignment is anatomic.", "Soft tissues are unremarkable.",
    "Bone mineralisation is normal.", "No radiopaque foreign body.", "Mild degenerative change.",
)
_HEDGED = (
    "Cannot exclude a subtle fracture of the {site}.",
    "Questionable lucency in the {site}; a nondisplaced fracture cannot be excluded.",
    "Possible subtle fracture of the {site}. Recommend follow-up radiographs in 10 days.",
    "Equivocal cortical irregularity of the {site}, which may represent a fracture.",
    "Findings suspicious for but not diagnostic of a fracture of the {site}; consider CT.",
)
_HEALED = (
    "Healed fracture of the {site}. No acute fracture.",
    "Old healed fracture deformity of the {site}. No acute osseous injury.",
    "Remote healed fracture of the {site} with mature callus. No new fracture.",
)
_MIXED_NORMAL = (
    "No fracture or dislocation. Soft tissue swelling over the {part}.",
    "No fracture. Mild degenerative change at the {part}.",
    "The previously questioned fracture of the {site} is not confirmed; no fracture is seen.",
)
_MIXED_FRACTURE = (
    "No dislocation. {Pattern} fracture of the {site}.",
    "No joint effusion. There is {a_pattern} fracture of the {site} {extra}.",
    "No other fracture seen. {Pattern} fracture of the {site}.",
)
_POSITIVE = (
    "{Pattern} fracture of the {site} {extra}.",
    "There is {a_pattern} fracture of the {site}.",
    "Acute {pattern} fracture through the {site} {extra}.",
    "Fracture of the {site}, {pattern_lower_adj}.",
)
_GROWTH_PLATES = ("Open growth plates, normal for age.", "Physes are open.", "Skeletally immature.")
_HISTORY = ("XXXX fell on outstretched hand.", "Pain after fall.", "Trauma XXXX. Pain and swelling.",
            "Injury while playing XXXX.", "Pain, rule out fracture.", "XXXX-year-old with pain.")


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def choose_kind(rng: np.random.Generator, fracture: bool, difficulty: str | None) -> str:
    table = KINDS_NORMAL if not fracture else (
        KINDS_FRACTURE_DIFFICULT if difficulty == "difficult" else KINDS_FRACTURE_EASY)
    names, weights = zip(*table)
    return names[int(rng.choice(len(names), p=np.array(weights) / sum(weights)))]


_IMPRESSION = {
    "positive": ("{Pattern} fracture of the {site}.", "Acute fracture of the {site}."),
    "negative": ("No acute fracture.", "Normal study.", "No acute osseous injury."),
    "hedged": ("Possible subtle fracture of the {site}.", "Fracture of the {site} not excluded."),
    "healed": ("No acute fracture. Healed fracture of the {site}.",),
}


def _impression(rng, kind: str, fracture: bool, site: str) -> str:
    if kind == "discordant":
        kind = "negative" if fracture else "positive"
    if kind == "mixed":
        kind = "positive" if fracture else "negative"
    pattern = _pick(rng, _PATTERNS)
    return _pick(rng, _IMPRESSION[kind]).format(site=site, Pattern=pattern)


def _findings(rng, kind: str, fracture: bool, site: str, part: str) -> str:
    pattern = _pick(rng, _PATTERNS)
    article = "an" if pattern.lower()[0] in "aeiou" else "a"
    fields = dict(site=site, part=part, pattern=pattern.lower(), Pattern=pattern, a_pattern=f"{article} {pattern.lower()}",
                  extra=_pick(rng, _EXTRAS_POSITIVE), pattern_lower_adj=pattern.lower())
    if kind == "discordant":
        kind = "negative" if fracture else "positive"
    if kind == "positive":
        return _pick(rng, _POSITIVE).format(**fields).replace(" .", ".")
    if kind == "negative":
        return _pick(rng, _NEGATIVE).format(**fields)
    if kind == "hedged":
        return _pick(rng, _HEDGED).format(**fields)
    if kind == "healed":
        return _pick(rng, _HEALED).format(**fields)
    if kind == "mixed":
        return _pick(rng, _MIXED_FRACTURE if fracture else _MIXED_NORMAL).format(**fields).replace(" .", ".")
    raise ValueError(kind)


def write_report(rng: np.random.Generator, *, kind: str, fracture: bool, site: str, body_part: str,
                 views: int, side: str, child: bool) -> str:
    """One report; ``site`` is where the fracture is (or a plausible site for normal studies)."""
    side_word = "right" if side == "R" else "left"
    part = f"{side_word} {body_part}"
    findings = _findings(rng, kind, fracture, site, part)
    if rng.random() < 0.5:
        findings += " " + _pick(rng, _NORMAL_EXTRA)
    if child and rng.random() < 0.6:
        findings += " " + _pick(rng, _GROWTH_PLATES)
    style = rng.random()
    if style < 0.35:
        return findings
    exam = f"XR {body_part.upper()} {views} VIEWS {side_word.upper()}"
    if style < 0.75:
        impression = _impression(rng, kind, fracture, site)
        return (f"EXAM: {exam}. CLINICAL HISTORY: {_pick(rng, _HISTORY)} "
                f"FINDINGS: {findings} IMPRESSION: {impression}")
    return f"{exam}. COMPARISON: None. FINDINGS: {findings}"
