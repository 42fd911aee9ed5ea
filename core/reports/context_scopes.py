"""Where a context trigger's scope ends, beyond negspacy's clause boundaries (core.reports.context).

Each function reads one sentence's spaCy Doc -- its words normalised, what the analysis found stored
in ``doc.user_data`` -- and the trigger matches that won (``(label, start, end)``, label
"<class>|pre" or "<class>|post") and returns the word spans where a scope ends, or the triggers that
govern nothing of their own. core.reports.context_triggers.resolve_triggers decides with them which trigger
reaches which mention.
"""

from __future__ import annotations

from core.reports.phrases import QUESTION_MARKS

# How far after a negation trigger a comparison may start (<lang>_comparison.txt): its first word within
# so many words; each next word of it right after the one before, or one word (an article) later.
_COMPARISON_REACH = 3


def compares_with_earlier(doc, end: int, mention_words: set[int], commas) -> bool:
    """Whether a negation trigger ending at word ``end`` says what an EARLIER examination did not show:
    "new rib fracture, not seen on the prior study", "not present on previous radiographs", "not
    previously seen", "pérdida de altura de D11, no visto en TAC previo", "no se veía en el TAC
    previo" -- a finding new since then, not one denied. ``<lang>_comparison.txt`` lists the phrases:
    a one-word one (an adverb, "previously") must come within two words of the trigger with no mention
    right after it ("no previously described fracture" is denied); a longer one starts within
    :data:`_COMPARISON_REACH` words of the trigger, an article may stand between its words ("on the
    prior"). A mention or a comma before it ends the search: "no fracture on the prior study" denies
    the fracture. "No previous fracture" and "no ha presentado en los días previos fiebre" hold no
    listed phrase: they deny."""
    listed = doc.user_data.get("comparisons", ())
    if not listed:
        return False
    words = []
    for i in range(end, min(end + 3 * _COMPARISON_REACH, len(doc))):
        if i in mention_words or (i in commas and i > end):
            break
        words.append(doc[i].text)
    for phrase in listed:
        first, *rest = phrase
        for k in range(min(_COMPARISON_REACH, len(words))):
            if words[k] != first:
                continue
            if not rest:
                if k < 2 and not any(j in mention_words for j in range(end + k + 1, end + k + 4)):
                    return True
                continue
            at = k
            for word in rest:
                at = next((j for j in (at + 1, at + 2) if j < len(words) and words[j] == word), None)
                if at is None:
                    break
            if at is not None:
                return True
    return False


def hedged_phrase_ends(doc, won, commas) -> list[tuple[int, int]]:
    """Where a hedge's scope ends at a comma: after the words it hedges, a comma followed by a word that
    opens a phrase of its own (``<lang>_clause_opening.txt``: "que", "con", "which", "with") or by a
    healed pre-trigger -- "probable osteoporosis severa, con aplastamiento D6", "probable
    adenoescamoso, que condicionaba atelectasia", "densities most suggestive of artifacts, healed
    rib fracture noted". On the NUBes corpus 17 of the 18 mentions a hedge reached across a comma were
    not uncertain to its annotators. A list goes on: "differential diagnosis includes infection,
    aspiration, pulmonary edema"; "possible effusion, atelectasis, or pneumonia". A hedge right before
    the comma ("possibly, a fracture") hedges what follows it, and a question's mark asks about all its
    sentence holds."""
    openers = doc.user_data.get("clause_openers", frozenset())
    hedges = [(s, e) for label, s, e in won if label == "uncertain|pre" and doc[s].text not in QUESTION_MARKS]
    if not hedges or not commas:
        return []
    healed = {s for label, s, _ in won if label == "historical|pre"}
    ends = set()
    for s, e in hedges:
        c = next((x for x in sorted(commas) if x > e and (doc[x].text in openers or x in healed)), None)
        if c is not None:
            ends.add((c, c + 1))
    return sorted(ends)


def healed_object_ends(doc, won, fracture_targets, commas, coordinators) -> list[tuple[int, int]]:
    """Where the scope of a healed pre-trigger that names the healing (``<lang>_healed_object.txt``:
    "consolidación de", "signos de consolidación") ends: at the first comma or joining word after it
    where no fracture mention comes first. Such a trigger is about its object, the phrase it opens --
    "consolidación de la fractura de radio", "consolidación del foco de fractura" -- and a chest report's
    consolidation is the lung's: "consolidación de la língula y fractura costal" reports a fresh rib
    fracture. (With the stop words removed, as in PadChest's reports, "consolid" is also the participle
    and "y" is gone: those read as before.)"""
    listed = doc.user_data.get("healed_objects", frozenset())
    if not listed:
        return []
    joining = coordinators | doc.user_data["conjunctions"]
    ends = []
    for label, s, e in won:
        if label != "historical|pre" or " ".join(t.text for t in doc[s:e]) not in listed:
            continue
        stop = next((i for i in range(e, len(doc)) if i in commas or doc[i].text in joining), None)
        if stop is not None and not any(e <= ts < stop for ts, _ in fracture_targets):
            ends.append((stop, stop + 1))
    return ends


# A denied noun that says nothing was found (<lang>_nothing_found.txt) stands at most so many words after its
# negation trigger: "sin hallazg", "sin alter patologi agud", "no observ hallazg".
_NOTHING_FOUND_REACH = 2


def nothing_found_ends(doc, negations, targets) -> list[tuple[int, int]]:
    """Where a negation that found nothing ends, in a report whose stop words and punctuation were
    removed: at the name of the next examination (``<lang>_examination.txt``). "Sin hallazgos",
    "sin alteraciones de patología aguda" are complete statements; what follows an examination's name
    is what THAT examination showed, once after a colon now lost: "tac cerebral sin hallazg tac sacr
    pelvic dos pequen imagen solucion continu fractur", "sin hallazg rx lumb fx aplast" (NUBes: the
    fracture was there in all three such sentences). A negation that names a finding before the
    examination ("sin hallazg fractur rx") keeps its scope, as does one of another kind ("no observ rx
    fractur": the examination is where nothing was seen). The lists are empty for text written in full
    (core.reports.context.pipeline), whose colons and full stops end the statement."""
    found_nothing = doc.user_data.get("nothing_found", frozenset())
    examinations = doc.user_data.get("examinations", frozenset())
    if not found_nothing or not examinations:
        return []
    mention_starts = [ts for ts, _ in targets]
    ends = []
    for s, e in negations:
        # The noun may be the trigger's own last word ("sin hallazgos" is a trigger of its own).
        noun = next((i for i in range(s + 1, min(e + _NOTHING_FOUND_REACH, len(doc)))
                     if doc[i].text in found_nothing), None)
        if noun is None or any(e <= ts < noun for ts in mention_starts):
            continue
        exam = next((i for i in range(noun + 1, len(doc)) if doc[i].text in examinations), None)
        if exam is not None and not any(noun < ts < exam for ts in mention_starts):
            ends.append((exam, exam + 1))
    return ends


# A trigger about its object (<lang>_hypothetical_object.txt) finds that object after a preposition
# (<lang>_preposition.txt) at most so many words after it ("riesgo importante de", "risk for", "valorar
# adecuadamente la presencia de"); without one, its object is the next _OBJECT_WORDS words (as where a
# report's stop words were removed).
_OBJECT_HEAD_REACH = 4
_OBJECT_WORDS = 2


def hypothetical_object_ends(doc, won, fracture_targets, commas) -> list[tuple[int, int]]:
    """Where the scope of a hypothetical pre-trigger about its object ends (``<lang>_hypothetical_object.txt``:
    "risk", "riesgo", "prone to", "valorar"): after that object, where a comma, a word that opens a phrase of its
    own or a second preposition ("of", "de") starts the object's complement -- unless a fracture
    mention comes first. "Lytic lesion with risk of pathologic fracture" and "existe riesgo importante
    de fractura" have no fracture yet; "risk of displacement of the fracture fragments" and "riesgo de
    desplazamiento secundario de la fractura" have one, whose displacement is the risk. A joining word
    goes on with the object: "increased risk of falls and fractures" is a risk of both."""
    listed = doc.user_data.get("hypothetical_objects", frozenset())
    if not listed:
        return []
    heads = doc.user_data.get("prepositions", frozenset())
    stops = doc.user_data.get("clause_openers", frozenset()) | heads
    ends = []
    for label, s, e in won:
        if label != "hypothetical|pre" or " ".join(t.text for t in doc[s:e]) not in listed:
            continue
        # A listed phrase that ends in its preposition ("valoración de") has its object right after it.
        head = e - 1 if doc[e - 1].text in heads else next(
            (i for i in range(e, min(e + _OBJECT_HEAD_REACH, len(doc))) if doc[i].text in heads and i not in commas),
            None)
        if head is None:
            stop = e + _OBJECT_WORDS
        else:
            stop = next((i for i in range(head + 2, len(doc)) if i in commas or doc[i].text in stops), len(doc))
        if stop < len(doc) and not any(e <= ts < stop for ts, _ in fracture_targets):
            ends.append((stop, stop + 1))
    return ends


# A hedge at most so many words after a negation (no mention or comma between) is part of what it denies.
_DENIED_HEDGE_GAP = 2


def denied_hedges(doc, won, found, negations, targets, commas, coordinators) -> set[tuple[int, int]]:
    """The hedge pre-triggers that are part of what a negation denies, not a new phrase: they end no
    negation and hedge nothing.

    A hedge a word or two after the negation, before any mention or comma: "no findings suggestive of
    fracture", "no suspicious nodules", "no se objetivan imágenes sugestivas de fractura" are negated,
    not hedged ("without comparison, this may represent pneumonia" is hedged).

    A hedge that is a word of an item of the negated list: "no focal consolidation or suspicious
    opacity", "no consolidation, suspicious pulmonary opacity, pleural effusion, or pneumothorax" deny
    the opacity and the pneumothorax -- the list's "suspicious" ended the negation and left them
    probable. An item of the list: right after a joining word ("or", "ni"), or after a comma when
    another comma and then a joining word follow it before the next trigger. "No displaced fracture,
    possible nondisplaced fracture" and "no fracture, possible dislocation or subluxation" open a new
    phrase: the hedge stays. Only in the negation's clause (no other trigger or termination between
    them), and at most :data:`_DENIED_HEDGE_GAP` words into its item ("imágenes sospechosas", "nódulos
    sospechosos": Spanish puts it after its noun) -- not a hedge of a clause of its own later on ("no
    effusion identified (blunting ... may represent small effusions)")."""
    out = {(s, e) for label, s, e in won if label == "uncertain|pre" and any(
        0 <= s - ne <= _DENIED_HEDGE_GAP and not any(ne <= ts < s for ts, _ in targets)
        and not any(ne < c <= s for c in commas) for _, ne in negations)}
    triggers = sorted({s for label, s, _ in won} | {s for label, s, _ in found if label == "termination"})
    for label, s, e in won:
        if label != "uncertain|pre":
            continue
        opened = [ne for _, ne in negations if ne <= s]
        if not opened or any(max(opened) <= t < s for t in triggers):
            continue
        # The list item the hedge stands in (Spanish puts it after its noun: "nódulos sospechosos").
        ne = max(opened)
        item = max([c for c in commas if ne < c <= s] + [i + 1 for i in range(ne, s) if doc[i].text in coordinators],
                   default=None)
        if item is None or s - item > _DENIED_HEDGE_GAP:
            continue
        if doc[item - 1].text in coordinators:
            out.add((s, e))
        else:
            # A joining word may be the next trigger itself ("..., derrame ni neumotórax").
            stop = next((t for t in triggers if t >= e), len(doc))
            after = [c for c in commas if e <= c < stop]
            if after and any(doc[i].text in coordinators for i in range(after[0], min(stop + 1, len(doc)))):
                out.add((s, e))
    return out
