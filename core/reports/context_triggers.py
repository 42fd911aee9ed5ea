"""Which matched trigger phrases win, and where each context class's scope ends (core.reports.context).

negspacy decides a scope one class at a time, from that class's own trigger lists. The analysis
matches every class's phrases in ONE spaCy PhraseMatcher pass instead, and :func:`resolve_triggers`
turns that pass into each class's (preceding, following, terminating) matches in negspacy's format,
deciding across the classes in stages that each read the one before:

1. :func:`_matched_phrases` -- the targets apart from the triggers, the trigger words checked against
   their written form, a healing pseudo-trigger kept only where it is about a fracture;
2. :func:`_longest_phrases`, :func:`_winning_triggers` -- where phrases overlap the longest wins
   (NegEx); a negation that places the finding in an earlier examination, or stands in a question,
   denies nothing;
3. :func:`_set_off_healed_words` -- a healed word that closes the sentence after a comma is about
   what comes before it, and what :func:`core.reports.context._reaches_back` needs to know of the
   healed post-triggers;
4. :func:`_terminations` -- the phrases that end every class's scope ("but", "pero"), and where they
   end nothing;
5. :func:`_forward_only` -- the triggers of both directions that govern only what follows them;
6. :func:`_scope_ends` -- where each class's scope also ends: at other classes' triggers, at a new
   phrase after a comma, at the words the scope rules of core.reports.context_scopes find.

Every function reads one sentence's spaCy Doc (its words normalised; what the analysis found stored
in ``doc.user_data``). A match is ``(label, start, end)`` in words, label "<class>|pre",
"<class>|post", "termination", "pseudo", "acute" or "target|<category>".
"""

from __future__ import annotations

from dataclasses import dataclass

from core.reports import context_scopes as scopes
from core.reports import context_written as written_rules
from core.reports.context_lists import CONTEXT_CLASSES
from core.reports.phrases import FRACTURE_CATEGORIES, QUESTION_MARKS

# Which other classes' pre-triggers end a class's scope: a new trigger opens a new scope.
# Historical ones end a negation only as :func:`_scope_ends` decides.
_STOPPED_BY = {
    "negated": ("uncertain", "hypothetical", "postop"),
    "uncertain": ("negated", "hypothetical", "postop", "historical"),
    "historical": ("negated", "uncertain", "postop", "hypothetical"),
    "postop": ("negated", "uncertain", "hypothetical"),
    "hypothetical": ("negated", "uncertain"),
    # "The screw is not fractured": a device's fracture denied is still a device's.
    "device": (),
}
# Classes whose both-way triggers govern only forward where a mention follows them (_forward_only).
_FORWARD_WHEN_FOLLOWED = frozenset(["negated", "uncertain", "hypothetical"])
# Classes whose scope a mention said to be acute or new (<lang>_acute.txt) leaves (_acute_ends).
_ENDED_BY_ACUTE = frozenset(["historical", "postop"])


@dataclass(frozen=True)
class _Phrases:
    """One sentence's matched phrases (:func:`_matched_phrases`) and the spans that won (:func:`_longest_phrases`)."""

    found: list             # (label, start, end) of every phrase that is no target
    targets: list           # (start, end) of every mention
    fracture_targets: list  # (start, end) of the fracture mentions (core.reports.phrases.FRACTURE_CATEGORIES)
    winners: set            # (start, end) of the phrases that won where phrases overlap (_longest_phrases)


def resolve_triggers(doc, matches, strings, coordinators, commas=(),
                     question: int = -1) -> dict[str, tuple[list, list, list]]:
    """Every class's (preceding, following, terminating) matches in negspacy's format, from
    one PhraseMatcher pass (``matches``: spaCy's ``(match_id, start, end)``, ``strings`` the
    vocabulary's, to read a match's label) over all classes' lists.

    Where phrases overlap, the longest wins (NegEx); phrases with the same span
    all win (a phrase of two classes' lists), and a pseudo-trigger only wins
    where no trigger has its span. A termination phrase inside a longer winning
    trigger is dropped ("no se observa" holds the termination "se observa").
    A class's scope also ends at the winning pre-triggers of the classes in
    ``_STOPPED_BY[class]`` and at its own pre-triggers; a negation's at the
    historical pre-triggers that open a new phrase (``coordinators``: the words
    that join a list, after which the negated list goes on); a negation's and a
    healed scope's at a new phrase after a comma (``commas``: the words a comma
    stands before; :func:`_phrase_breaks`). A negation trigger that is a joining
    word ("ni") right before another class's trigger ends no scope of that class.
    A termination phrase right after a leading question mark ends nothing, nor does one right
    after a hedge or a hypothetical pre-trigger, with no comma between ("possibly also a fracture",
    "possibly there is a fracture", "posiblemente existe fractura", "to determine if there is"):
    the trigger governs the phrase it opens.
    From ``question`` on (the index of a question's opening mark; -1: none) negation
    triggers are dropped: a question negates nothing; and no other class's pre-trigger ends
    an uncertainty scope there: the question asks about all it holds ("is there an old
    fracture?" is historical AND uncertain, as "¿hay una fractura antigua?" is).
    A healed pre-trigger that closes the sentence right after a comma is a post-trigger
    too. Stores the starts of the healed post-triggers that are plural (a word of
    ``doc.user_data["plural_words"]``) or so set off, and of every healed post-trigger that
    closes the sentence right after a comma, for :func:`core.reports.context._reaches_back`.
    """
    found, targets, fracture_targets = _matched_phrases(doc, matches, strings, commas, coordinators)
    phrases = _Phrases(found, targets, fracture_targets, _longest_phrases(doc, found))
    won = _winning_triggers(doc, phrases, commas, question)
    won = _set_off_healed_words(doc, won, commas)
    negations = [(s, e) for label, s, e in won if label == "negated|pre"]
    terminating = _terminations(doc, phrases, won, negations, commas)
    forward_only = _forward_only(doc, phrases, won, commas)
    return _scope_ends(doc, phrases, won, negations, terminating, forward_only, coordinators, commas, question)


def _matched_phrases(doc, matches, strings, commas, coordinators) -> tuple[list, list, list]:
    """The pass's matches as ``(label, start, end)`` of every phrase that is no target, each trigger word
    checked against its written form (core.reports.context_written), a healing pseudo-trigger made a plain
    pseudo-trigger or dropped; and ``(start, end)`` of every mention and of the fracture mentions."""
    found = [(strings[m], s, e) for m, s, e in matches if not strings[m].startswith("target|")]
    found = written_rules.as_written(found, doc)
    targets = [(s, e) for m, s, e in matches if strings[m].startswith("target|")]
    fracture_targets = [(s, e) for m, s, e in matches
                        if strings[m].startswith("target|") and strings[m][7:] in FRACTURE_CATEGORIES]
    # A healing pseudo-trigger ("sin consolidación") is one only about a fracture: after a fracture mention,
    # or with no comma or joining word after it. Opening a list it denies: "sin consolidaciones, derrame ni
    # fracturas" is a chest report's lung consolidation.
    found = [("pseudo" if label == "pseudo_healing" else label, s, e) for label, s, e in found
             if label != "pseudo_healing" or any(fe <= s for _, fe in fracture_targets)
             or not (e in commas or e < len(doc) and doc[e].text in coordinators)]
    return found, targets, fracture_targets


def _longest_phrases(doc, found) -> set[tuple[int, int]]:
    """The spans of the phrases that win where phrases overlap: the longest, then the earliest (NegEx).
    A termination or acute word takes no words from a trigger: it is weighed later, against the winners."""
    candidates = sorted({(s, e) for label, s, e in found if label not in ("termination", "acute")},
                        key=lambda x: (x[0] - x[1], x[0]))
    taken = [False] * len(doc)
    winners = set()
    for s, e in candidates:
        if not any(taken[s:e]):
            winners.add((s, e))
            taken[s:e] = [True] * (e - s)
    return winners


def _winning_triggers(doc, phrases: _Phrases, commas, question: int) -> list[tuple[str, int, int]]:
    """The context triggers whose span won, less the negations that deny nothing here."""
    won = [(label, s, e) for label, s, e in phrases.found
           if (s, e) in phrases.winners and label not in ("termination", "pseudo", "acute")]
    # "Fracture not seen on the prior study": the negation places the finding in an earlier examination,
    # where it was not; in this one it is there (new). It denies nothing (scopes.compares_with_earlier).
    mention_words = {i for s, e in phrases.targets for i in range(s, e)}
    won = [(label, s, e) for label, s, e in won
           if not (label.startswith("negated|") and scopes.compares_with_earlier(doc, e, mention_words, commas))]
    if question >= 0:
        # "Is there no fracture?", "¿No hay fractura?": a question asks, it does not deny -- its
        # negation word would end the question's uncertainty and leave a confident negative. The
        # phrase keeps its span (_longest_phrases), so a termination inside it ("hay") still ends nothing.
        won = [(label, s, e) for label, s, e in won if not (label.startswith("negated|") and s >= question)]
    return won


def _set_off_healed_words(doc, won, commas) -> list[tuple[str, int, int]]:
    """``won`` with a healed pre-trigger that closes the sentence after a comma also a post-trigger;
    stores in ``doc.user_data`` which healed post-triggers are plural, so set off, or closing the
    sentence after a comma, for :func:`core.reports.context._reaches_back`."""
    # "Fracture of the radius, healed.": English puts a healed word before its noun (a pre-trigger
    # only); one that closes the sentence after a comma is about what comes before it. (A Spanish
    # one after its noun is in both lists already, "fractura de radio distal, consolidada".)
    healed_post = {(s, e) for label, s, e in won if label == "historical|post"}
    set_off = [(s, e) for label, s, e in won if label == "historical|pre" and e == len(doc)
               and s in commas and (s, e) not in healed_post]
    won = won + [("historical|post", s, e) for s, e in set_off]
    plural_words = doc.user_data.get("plural_words", set())
    doc.user_data["plural_triggers"] = {s for label, s, e in won if label == "historical|post"
                                        and plural_words.intersection(range(s, e))}
    doc.user_data["set_off_triggers"] = {s for s, _ in set_off}
    # Every healed post-trigger that closes the sentence right after a comma ("no acute fracture,
    # healed"; "sin fractura aguda, consolidada"): set off, not about a negated mention (_reaches_back).
    doc.user_data["closing_triggers"] = {s for label, s, e in won if label == "historical|post"
                                         and e == len(doc) and s in commas}
    doc.user_data["commas"] = commas
    return won


def _terminations(doc, phrases: _Phrases, won, negations, commas) -> list[tuple[int, int]]:
    """The termination phrases that end a scope of every class: not one inside a longer winning
    trigger, nor one that a question, a hedge or a Spanish negative word before the verb carries on."""
    # A question's "¿hay fractura?" / "¿se observa fractura?": the words after the question mark are
    # what it asks about, not a new clause; a termination there would leave the mention affirmed.
    # So is a termination right after a hedge ("possibly also a fracture", "posiblemente existe
    # fractura", "to determine if there is"): the hedge is about the phrase the termination word
    # opens. Not after a healed or device word: "chronic though could reflect edema" contrasts,
    # "catheter is identified without pneumothorax" leaves the device.
    pre_ends = {e for label, s, e in won if label in ("uncertain|pre", "hypothetical|pre")}
    # A negative word before the verb denies the sentence (Spanish negative concord): a termination after
    # one in its clause ends nothing -- "en ninguna proyección se identifica fractura", "tampoco se
    # observan fracturas" (<lang>_negation_concord.txt).
    concord = doc.user_data.get("concord", frozenset())
    concord_negations = [(s, e) for s, e in negations if any(doc[i].text in concord for i in range(s, e))
                         and not any(ns < s and not any(ns < c <= s for c in commas) for ns, _ in negations)]
    return [(s, e) for label, s, e in phrases.found if label == "termination"
            and not any(a <= s and e <= b and b - a > e - s for a, b in phrases.winners)
            and not (s and doc[s - 1].text in QUESTION_MARKS)
            and not (s in pre_ends and s not in commas)
            and not any(ne <= s and not any(ns < c <= s for c in commas)
                        for ns, ne in concord_negations)]


def _forward_only(doc, phrases: _Phrases, won, commas) -> dict[str, set[tuple[int, int]]]:
    """Per class, the post-triggers (of ``_FORWARD_WHEN_FOLLOWED``'s classes) that govern no mention
    before them: what they are about comes after them."""
    # A trigger of both directions ("se descarta", "no se descarta") that a mention follows in its clause
    # governs that mention, not the one before a comma: "cardiomegalia, se descartó derrame pericárdico";
    # nor does one that has other words of its own after it, past a comma.
    # A one-word hedge after a mention with a plain word right after it is about that word, as Spanish
    # puts an adverb or adjective before what it qualifies: "fractura L1 probablemente benigna" hedges
    # the benignity, "fractura de cadera (en probable relación a caída)" the cause -- "fractura
    # probable", "fractura probable de cadera" stay hedged. (English lists no such one-word hedge after
    # its noun: "fracture, likely pathologic" has none; and it has no stop-word list to tell plain words.)
    targets = phrases.targets
    clause_stops = sorted({s for label, s, _ in phrases.found if label == "termination"} | set(commas) | {len(doc)})
    stop_words = doc.user_data.get("stop_words", frozenset())
    starts = {s for _, s, _ in phrases.found} | {ts for ts, _ in targets}
    written = doc.user_data.get("written") or ()
    forward_only = {cls: set() for cls in CONTEXT_CLASSES}
    others = doc.user_data.get("others", frozenset())
    found_nothing = doc.user_data.get("nothing_found", frozenset())

    def plain_word_after(e):
        """A word right after a trigger, in its clause, that no list names and no stop word is."""
        return bool(stop_words) and e < len(doc) and e not in commas and e not in starts \
            and len(written) > e and written[e] not in stop_words
    for label, s, e in won:
        cls, _, way = label.partition("|")
        if way != "post" or cls not in _FORWARD_WHEN_FOLLOWED:
            continue
        end = next(x for x in clause_stops if x > e or x == len(doc))
        both_ways = (f"{cls}|pre", s, e) in won
        before = max((te for _, te in targets if te <= s), default=None)
        if both_ways and any(e <= ts < end for ts, _ in targets):
            forward_only[cls].add((s, e))
        elif both_ways and plain_word_after(e) and before is not None and any(before <= c <= s for c in commas):
            # An object of its own after it, and a comma between it and the mention before: it opens a
            # clause about that object ("líneas de fractura, con edema óseo, no se visualiza
            # hipointensidad en T2") -- "fractura de escafoides, no se descarta en la proyección oblicua"
            # has none.
            forward_only[cls].add((s, e))
        elif cls == "uncertain" and e - s == 1 and plain_word_after(e):
            forward_only[cls].add((s, e))
        elif e < len(doc) and e not in commas and (doc[e].text in others or doc[e].text in found_nothing):
            # "Fractura de arco costal, no se observan otros hallazgos": what it denies or doubts are the
            # OTHER findings, not those named before; so in PadChest's form, which dropped "otros" with
            # the stop words: "callo fractur arc costal no evident hallazg" denies findings, no fracture.
            forward_only[cls].add((s, e))
    return forward_only


def _scope_ends(doc, phrases: _Phrases, won, negations, terminating, forward_only, coordinators, commas,
                question: int) -> dict[str, tuple[list, list, list]]:
    """Each class's (preceding, following, terminating) matches in negspacy's format: its winning
    triggers (less the post-triggers that govern only forward) and every word span where its scope
    ends -- the terminations, the pre-triggers of the classes that stop it (``_STOPPED_BY``) unless
    :func:`_spared_triggers` spares them, its own pre-triggers, and the class's own ends
    (:func:`_class_ends`, :func:`_acute_ends`)."""
    denied_hedges = scopes.denied_hedges(doc, won, phrases.found, negations, phrases.targets, commas, coordinators)
    spared = _spared_triggers(doc, phrases, won, negations, denied_hedges, coordinators, question)
    always, unless_own = _class_ends(doc, phrases, won, negations, terminating, coordinators, commas)
    out = {}
    for cls in CONTEXT_CLASSES:
        pre = [(s, e) for label, s, e in won
               if label == f"{cls}|pre" and not (cls == "uncertain" and (s, e) in denied_hedges)]
        post = [(s, e) for label, s, e in won if label == f"{cls}|post" and (s, e) not in forward_only[cls]]
        mine = set(pre) | set(post)    # another class's phrase in this class's lists too never ends its scope
        # "ni antiguas", "nor old": the list goes on into this class's trigger; "ni" does not end its scope.
        listed = {(s, e) for label, s, e in won if label == "negated|pre" and e - s == 1
                  and doc[s].text in coordinators and any(ts == e for ts, _ in mine)}
        ends = terminating + [(s, e) for label, s, e in won if label.endswith("|pre")
                              and label[:-4] in _STOPPED_BY[cls] and (s, e) not in mine and (s, e) not in listed
                              and (label, s, e) not in spared[cls]]
        # Its own pre-trigger starts a new scope: a post-trigger after it is about the mentions
        # from there on. One that is a post-trigger too ("consolidada") governs both ways.
        ends += sorted(set(pre) - set(post))
        ends += [span for span in unless_own[cls] if span not in mine] + always[cls]
        if cls in _ENDED_BY_ACUTE:
            ends += _acute_ends(phrases, mine, commas)
        out[cls] = ([(0, s, e) for s, e in sorted(pre)], [(0, s, e) for s, e in sorted(post)],
                    [(0, s, e) for s, e in sorted(ends)])
    return out


def _spared_triggers(doc, phrases: _Phrases, won, negations, denied_hedges, coordinators,
                     question: int) -> dict[str, set[tuple[str, int, int]]]:
    """Per class, the winning pre-triggers of the classes that stop it (``_STOPPED_BY``) that end no
    scope of it: they qualify what it governs rather than open a new phrase."""
    targets = phrases.targets
    spared = {cls: set() for cls in CONTEXT_CLASSES}
    # "Is there an old fracture?": the question's mark asks about all the question holds; an
    # "old" in it qualifies what is asked about and must not end the asking (that would leave
    # a confident "old fracture"). A termination ("but") still ends it.
    spared["uncertain"] |= {(label, s, e) for label, s, e in won if 0 <= question <= s}
    # A historical pre-trigger ends an uncertainty only where it opens a new phrase after a mention
    # the uncertainty governs ("possible fracture of the radius, old fracture of the ulna"); before
    # any such mention it qualifies what is hedged: "questionable old rib fractures", "may represent
    # a healed fracture", "possibly healing or old fractures" are uncertain AND historical.
    hedges = [s for label, s, e in won if label == "uncertain|pre"]
    spared["uncertain"] |= {(label, s, e) for label, s, e in won if label == "historical|pre"
                            and not any(h < ts and te <= s for h in hedges for ts, te in targets)}
    # A hedge that governs no mention ("5ª, 6ª y tal vez 7ª, antiguas"; "fractura de radio, quizás
    # antigua") hedges a list item or the healed word, not a new phrase: it ends no healed scope, so
    # the healed post-trigger after it still reaches back to the mention.
    stops_after = sorted({s for _, s, _ in won} | {s for label, s, _ in phrases.found if label == "termination"})
    idle_hedges = set()
    for label, s, e in won:
        if label == "uncertain|pre":
            scope_end = next((t for t in stops_after if t >= e), len(doc))
            if not any(e <= ts < scope_end for ts, _ in targets):
                idle_hedges.add((s, e))
    spared["historical"] |= {(label, s, e) for label, s, e in won if (s, e) in idle_hedges}
    # A post-operative word right after a negation, that a joining word carries on to a mention, is an item
    # of the denied list ("no evidence of hardware failure or periprosthetic fracture"): it ends no
    # negation, as Spanish "ni" goes on with the list ("no hardware complication, fracture of the radius"
    # is not a list). Nor does a hedge the negation denies (scopes.denied_hedges).
    denied_devices = {(s, e) for label, s, e in won if label == "postop|pre" and any(ne == s for _, ne in negations)
                      and any(doc[i].text in coordinators
                              for i in range(e, min([ts for ts, _ in targets if ts >= e], default=e)))}
    spared["negated"] |= {(label, s, e) for label, s, e in won
                          if (s, e) in denied_devices or (s, e) in denied_hedges}
    return spared


def _class_ends(doc, phrases: _Phrases, won, negations, terminating, coordinators,
                commas) -> tuple[dict[str, list], dict[str, list]]:
    """Per class, the word spans beyond its triggers and the terminations where its scope ends:
    those that always do, and those that do unless they are a trigger of the class itself."""
    targets, fracture_targets = phrases.targets, phrases.fracture_targets
    always = {cls: [] for cls in CONTEXT_CLASSES}
    unless_own = {cls: [] for cls in CONTEXT_CLASSES}
    # A historical pre-trigger ends a negation: one of 2+ words ("old healed") always, a single
    # "old" only after a mention the negation governs ("no acute fracture, old fracture";
    # "no old or new fracture" is one negated phrase) -- but neither right after the negation
    # ("no old healed fracture") nor after "or" ("no fracture or old fracture deformity").
    unless_own["negated"] = [(s, e) for label, s, e in won if label == "historical|pre"
                             and (e - s > 1 or any(n < ts and te <= s for n, _ in negations for ts, te in targets))
                             and not (s and (doc[s - 1].text in coordinators or any(ne == s for _, ne in negations)))]
    always["negated"] = scopes.nothing_found_ends(doc, negations, targets)
    always["historical"] = scopes.healed_object_ends(doc, won, fracture_targets, commas, coordinators)
    always["hypothetical"] = scopes.hypothetical_object_ends(doc, won, fracture_targets, commas)
    always["uncertain"] = scopes.hedged_phrase_ends(doc, won, commas)
    if commas:
        # A comma opening a new finding's own phrase ends a negation or healed scope (_phrase_breaks).
        always["negated"] += _phrase_breaks(doc, negations, terminating, commas, coordinators, repeats=True)
        healed = [(s, e) for label, s, e in won if label == "historical|pre"]
        list_wide = doc.user_data["plural_triggers"] | doc.user_data["set_off_triggers"]
        always["historical"] += _phrase_breaks(doc, healed, terminating, commas, coordinators, repeats=False,
                                               lists_to=list_wide)
    # A device word's scope ends at a word that leaves the device ("fracture of the radius fixed
    # with a plate"; "screws intact, new fracture of the ulna"); its reach is DEVICE_REACH words. So
    # does a comma, also right before a device word: "femoral shaft fracture, hardware intact".
    stops = doc.user_data.get("device_stops", frozenset())
    unless_own["device"] = [(i, i + 1) for i in range(len(doc)) if doc[i].text in stops]
    always["device"] = [(c, c + 1) for c in commas]
    return always, unless_own


def _acute_ends(phrases: _Phrases, mine, commas) -> list[tuple[int, int]]:
    """Where a fracture said to be acute or new opens a phrase of its own inside an old/healed or
    post-operative scope (``mine``: the scope's class's triggers)."""
    # "old healed rib fracture, new fracture of the radius", "healed fracture of the clavicle and
    # acute fracture of the radius", "fractura antigua de clavícula y fractura aguda de radio". The phrase
    # starts at the acute word, or at the mention it follows with no comma between (Spanish puts it after
    # its noun); an acute word inside a longer trigger ("no acute") is that trigger's. It ends a scope only
    # after a mention and a trigger of the scope's class, or right after a comma: "status post ORIF of an
    # acute fracture" stays post-operative.
    targets = phrases.targets
    acute_words = [s for label, s, e in phrases.found if label == "acute"
                   and not any(a <= s and e <= b for a, b in phrases.winners)]
    acute_phrases = sorted({next((ts for ts, te in targets if te == s and s not in commas), s) for s in acute_words})
    return [(p, p + 1) for p in acute_phrases
            if any(e <= p for _, e in mine) and (p in commas or any(te <= p for _, te in targets))]


def _term(span) -> tuple[str, ...]:
    """A mention's words, an English plural folded ("fractures" is "fracture"; Spanish words are stems)."""
    return tuple(t.text[:-1] if len(t.text) > 3 and t.text.endswith("s") else t.text for t in span)


def _phrase_breaks(doc, triggers, terminating, commas, coordinators, repeats: bool,
                   lists_to=()) -> list[tuple[int, int]]:
    """Where a scope of one class (its pre-triggers: ``triggers``) ends because a new phrase starts
    after a comma, as a (start, start + 1) span of the first word after the comma.

    ``repeats`` (negation): a new mention of a finding the negation already governs, anywhere in
    the phrase ("sin fractura aguda, fractura antigua"), starts one; so, for negation and healed
    scopes alike, does a mention right after the comma with words of its own after it: a new
    finding's own noun phrase ("sin derrame, fractura antigua de costilla"; "healed fracture of the
    radius, fracture of the ulna"), where a bare mention ("sin fracturas, luxaciones") is one more
    item of a list. A negation ends there only after a mention it governs; a healed scope after
    any mention (a healed post-trigger in the new phrase is not about the mentions before it).
    Not where the phrase starts with a joining word or the list goes on with one before the next
    trigger or termination ("no fracture of the radius, fracture of the ulna or dislocation"):
    that is still the list. Nor (``lists_to``: the starts of healed post-triggers about a whole
    coordinated list, :func:`_reaches_back`) where the list goes on with a conjunction up to such
    a trigger: "fractura de radio, fractura de cúbito y fractura de escafoides consolidadas"."""
    mentions = doc.user_data["mention_spans"]
    stops = sorted({s for s, _ in triggers} | {s for s, _ in terminating} | {len(doc)})
    out = []
    for c in commas:
        if not 0 < c < len(doc) or doc[c].text in coordinators:
            continue
        segment_end = min([x for x in commas if x > c] + [len(doc)])
        stop = min(x for x in stops if x > c)
        if any(doc[i].text in coordinators for i in range(c, stop)):
            continue
        # A comma of a list "A, B y C" before a trigger about the whole list: it ends no scope there.
        reach = min((t for t in lists_to if t > c), default=None)
        if reach is not None and reach <= stop and any(
                doc[i].text in doc.user_data["conjunctions"] for i in range(c, reach)):
            continue
        before = [m for m in mentions if m.end <= c and (not repeats or any(e <= m.start for _, e in triggers))]
        # A negation that denies words we do not list ("sin ascitis, edemas hasta rodillas"; "no IY, edemas
        # en extremidades"): a new finding's own phrase after the comma is no item of its list either.
        if not before and not (repeats and any(e < c for _, e in triggers)):
            continue
        # Another finding's phrase, unless the list goes on with a joining word that is itself the
        # next trigger ("sin fracturas, luxaciones ni derrame": "luxaciones" is still in the list).
        own_phrase = any(m.start == c and m.end < segment_end for m in mentions) and not (
            stop < len(doc) and doc[stop].text in coordinators)
        new = {_term(m) for m in mentions if c <= m.start < segment_end} if repeats else set()
        if own_phrase or any(_term(m) in new for m in before):
            out.append((c, c + 1))
    return out
