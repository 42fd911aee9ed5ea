"""Mention-level context (ConText/NegEx) of fracture and finding mentions, English and Spanish.

For every mention of a fracture ("fracture", "fx", "fractura", stemmed "fractur")
or another finding ("effusion", "derrame") the report says whether it is
negated, uncertain, historical (old, healed), post-operative or hypothetical
("rule out fracture") -- or none of these: affirmed.

Built on negspacy's NegEx component (``negspacy.negation.Negex``) on a blank
spaCy pipeline, no model download: one Negex instance per context class, each
with its own trigger lists from ``resources/phrases/<lang>_<kind>.txt`` and
its own span extension. negspacy decides the scope: a pre-trigger governs the
mentions after it, a post-trigger those before it, within a clause that ends
at the sentence boundary or a termination phrase ("but", "however", "pero",
"sin embargo"). What our subclass adds, by hand because negspacy treats each
class alone: all classes' phrases are matched in ONE spaCy PhraseMatcher pass
and overlaps are resolved across classes, the longest phrase winning as in
NegEx ("no se descarta" is uncertainty, not the negation "no"; "cannot be
excluded" is not the negation "excluded"); a termination phrase inside a
longer trigger does not cut it ("no se observa" holds "se observa"); and a
class's scope also ends where another class's pre-trigger starts ("no
displaced fracture, possible nondisplaced fracture": the second mention is
uncertain, not negated), and where its own pre-trigger starts ("acute fracture
or old fracture deformity": "deformity" is about the second mention only). A
phrase in both a _pre and a _post list governs both ways ("consolidada").
A historical trigger ends an uncertainty only where it opens a new phrase
after a mention the uncertainty governs ("possible fracture of the radius, old
fracture of the ulna"); before one it qualifies what is hedged ("questionable
old rib fractures", "may represent a healed fracture": uncertain AND historical).
A historical trigger ends a negation only where it opens a new phrase, not
inside the negated list: "No acute fracture, old fracture" but "no fracture
or old fracture deformity", "no old healed fracture" (the list's joining
words are ``resources/phrases/<lang>_coordination.txt``). A joining word that
is a negation trigger ("ni", "nor") right before another class's trigger
("sin fracturas agudas ni antiguas") goes on with the list and ends no scope.
A negation also ends where, after a comma, a new mention of a finding it
already governs starts ("sin fractura aguda, fractura antigua de costilla")
unless the list goes on with a joining word ("no fracture of the radius,
fracture of the ulna or dislocation"); another finding after a comma is one
more item of the negated list ("sin fracturas, luxaciones ni derrame"). A
healed post-trigger ("antigua", "consolidadas") is about the nearest mention
of each category before it, not about one across another such mention -- unless
it is plural (``<lang>_plural.txt``, matched on the words as written: stems lose
the number) after a singular mention joined to the ones before it by "y" / "and"
(``<lang>_conjunction.txt``): "fractura de radio y fractura de cúbito
consolidadas" is about both, "... consolidada" about the second only.
A comma that opens a new mention's own phrase (the mention right after the
comma, with words of its own after it: "fractura antigua de costilla", not the
bare list item "luxaciones") ends a negation that governs a mention before it
("sin derrame, fractura antigua de costilla") and any healed scope across it
("healed fracture of the radius, fracture of the ulna"), unless the list goes
on with a joining word.
A list of three or more ("A, B y C", "A, B and C": commas, then the conjunction
before its last item) is coordinated too: a plural healed post-trigger after it
is about each item ("fractura de radio, fractura de cúbito y fractura de
escafoides consolidadas"), and the list's commas end no healed scope before it.
A healed word of the pre-trigger list only (English puts "healed", "old" before
their noun) that closes the sentence set off by a comma is a post-trigger there,
about the whole coordinated list before it: "fracture of the radius, fracture of
the ulna and fracture of the scaphoid, healed".
A fracture said to be acute or new (``<lang>_acute.txt``: "acute", "new", "aguda", "reciente") opens
a phrase of its own that ends an old/healed or post-operative scope after a mention and a trigger of
that scope, or right after a comma: "old healed rib fracture, new fracture of the radius", "fractura
antigua de clavícula y fractura aguda de radio" -- not "status post ORIF of an acute fracture".
A fracture of a device -- a broken screw, wire, lead or catheter -- is its own class,
"device": a device word governs a fracture mention a few words away either way
("the lateral screw is fractured", "broken sternotomy wires", "fracture of the
distal locking screw"), not to the clause's end, and its scope ends at words that
leave the device ("with", "intact": "fracture of the radius fixed with a plate") and at
a comma ("femoral shaft fracture, hardware intact"). Spanish says a device broke only as the
fracture's object ("fractura del tornillo") or with a participle after the device ("tornillo
fracturado"); a device word beside the noun otherwise is the bone's treatment ("clavo gamma por
fractura pertrocantérea"), and governs nothing (core.reports.context_device).
Whether a collection counts it is learnt from its labels, like every class.
A question -- a sentence ending in "?" that opens with an interrogative word
(``<lang>_question.txt``: "is there a fracture?", "any fracture?"), at its start,
after a colon or after a comma ("wrist pain, is there a fracture?") -- is
uncertain about what it mentions: its "?" is moved before that word, where a
leading question mark is already an uncertainty trigger, as "¿" is in Spanish.
So is a sentence without such a word whose last clause (after its last comma
or colon, or the whole sentence) opens with a mention and ends with "?"
("Fracture?", "fractura de escafoides?", "wrist pain, fracture?"), or holds one
after other words ("no fracture?", "no hay fractura?", "old fracture?"): a
sentence ending in "?" is a question, whatever opens it -- but a word that takes
what it mentions as given (``<lang>_question_given.txt``: "where is the
fracture?") opens none about it. A Spanish "¿" opens one to the end of its
sentence even without its closing "?" ("¿no hay fractura"). A question is one
sentence: "No fracture. Dislocation?" asks about the dislocation only. A termination phrase right after a leading question mark
ends nothing ("¿hay fractura?", "¿se observa fractura?"): the question is about
what follows. A question negates nothing: from its opening mark on, negation
triggers are no triggers ("is there no fracture?", "¿no hay fractura?" are
uncertain: a question never gives a confident negative); nor does another
class's trigger in it end its uncertainty ("is there an old fracture?" is
historical and uncertain, as "¿hay una fractura antigua?" is: a question about
an old fracture is still a question).
A healed word that closes a sentence set off by a comma is not about a negated
mention: "no acute fracture, healed" denies the acute fracture and reports a
healed one, elided -- negated, not "historical, negated" (a denied old fracture,
"no old fracture").

A fracture the patient is at risk of has not happened: "risk" ("riesgo", "prone to") is a
hypothetical trigger about its object only (``<lang>_hypothetical_object.txt``): "lytic lesion
with risk of pathologic fracture", "existe riesgo importante de fractura" are hypothetical; "risk
of displacement of the fracture fragments", "riesgo de desplazamiento secundario de la fractura"
are not -- a second preposition (``<lang>_preposition.txt``) starts the object's own complement.
A fall risk and a risk factor are pseudo-triggers. "Impending" / "inminente" also make a fracture
hypothetical. "Fracture risk", the risk after its noun, names no fracture at all
(``<lang>_not_mention.txt``, as "fracture clinic" does): a post-trigger "risk" would reach back to
"comminuted fracture, high risk of nonunion"; a not-a-mention phrase never spans a comma.

A mention offered as one of alternatives is uncertain (``<lang>_alternative.txt``; the CheXpert
labeller's "XXX or YYY" rule): the one right before "or" / "and/or" / "vs" ("atelectasis or
pneumonia", "fracture vs. nutrient channel"), and a mention right after it that follows another
("atelectasis or early pneumonia") -- not words joined that are not mentions ("acute or subacute
fracture", "the fifth or sixth rib"), nor a denied or asked-for list ("no fracture or dislocation").
A hedge inside a denied list is a word of one of its items, not a new phrase: "no consolidation or
suspicious opacity", "no consolidation, suspicious opacity, effusion, or pneumothorax" deny all;
"no displaced fracture, possible nondisplaced fracture" hedges the second.

What is set apart as "other" is not what was named before: a negation or hedge of both directions right
before "otros" / "other" (``<lang>_other.txt``), or before a noun that says nothing was found
(``<lang>_nothing_found.txt``: "hallazgos", "alteraciones"), is about what follows it only -- "fractura de
arco costal, no se observan otros hallazgos" and PadChest's "callo fractur arc costal no evident hallazg"
(its "otros" went with the stop words) deny no fracture. Where the stop words went, the colons went too: a
negation that found nothing ("sin hallazgos") ends at the next examination's name (``<lang>_examination.txt``),
whose findings follow -- "tac cerebral sin hallazg tac sacr pelvic ... fractur".

A negative word before the verb denies the whole sentence in Spanish (negative concord,
``es_negation_concord.txt``): a termination after one that opens its clause's negation ends nothing --
"tampoco se observan fracturas", "en ninguno de los niveles se identifica fractura" (not "no se
identifica ninguna lesión y el TAC evidenció una fractura": there it follows the verb).

A hedge has a strength. A mention in a sentence whose every uncertainty trigger says the
finding is probably there (``<lang>_uncertainty_probable.txt``: "probable", "likely",
"suspicious for", "sugestivo de") is "probable" instead of "uncertain": Panicek and
Hricak's lexicon of certainty (AJR 2016;207:2-3) puts "probably" and "suspicious for"
near 75 %, "possibly" near 50 %. Collections differ on whether a probable fracture
counts (OpenI's indexers tagged "probable old rib fractures" and not "possibly old
fractures"), so it is a class of its own that the labels weigh. One weak hedge in the
sentence ("probable fracture, possibly old") or a question keeps it "uncertain".

medspaCy's ConText was the first choice, but on Python 3.11 medspaCy 1.3 pins
spaCy < 3.8, whose thinc fails to import with numpy 2 (which this project uses).

The phrase lists are read and normalised by core.reports.context_lists, the scope ends beyond
negspacy's clause boundaries are decided in core.reports.context_scopes, and trigger words are checked
against their written form in core.reports.context_written; this module runs the analysis.

Reports are tokenised by core.reports.cleaning (offsets into the original text,
sections, de-identification placeholders blanked) and each word is normalised
for its language (core.reports.normalise): rules and targets are normalised the
same way, so Spanish raw text, accent-less text and Snowball-stemmed text all match.
Text whose stop words were removed before it reached us (PadChest's reports: "sin derram
observ fractur") matches too: every trigger and mention phrase also matches without its
stop words, and in such a report (:func:`stopwords_removed`) so does every termination; its commas
and brackets went too, so there a post-trigger reaches back eight words at most (a NegEx window).
Punctuation is dropped, except a question mark before a word ("?fracture", "? fracture",
"¿fractura?"), radiologists' shorthand for "possible": it is kept as a word of the
context analysis (an uncertainty trigger), though not of the features.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from core.reports import context_lists as rules
from core.reports import context_triggers as triggers
from core.reports.cleaning import SECTION_ROLES, Token, split_sentences
from core.reports.context_device import device_governs
from core.reports.context_lists import CLASS_CUES, CONTEXT_CLASSES, stopwords_removed
from core.reports.normalise import LANGUAGES, fold_accents, normalise_words
from core.reports.phrases import FRACTURE_CATEGORIES, NOT_MENTION, QUESTION_MARKS, TARGET_CATEGORIES
from core.reports.spacy_import import import_spacy

AFFIRMED = "affirmed"
# "uncertain" graded by its hedges' strength (module docstring): not a trigger list of its own.
PROBABLE = "probable"
# A device word governs a fracture mention at most this many words away, either way (its scope is
# counted in words, not run to the clause's end): "the lateral most screw is fractured", "fracture
# of the lateral most fixation screw"; and it ends at the words of <lang>_device_stop.txt ("with",
# "intact"): not "fracture of the distal radius fixed with a plate".
DEVICE_REACH = 5
# Classes whose triggers reach a mention only within so many words (the others: to the clause's end).
_REACH = {"device": DEVICE_REACH}
# Where a report's stop words and punctuation were removed (PadChest's form), its commas, brackets and
# subordinate words ("que", "porque") are gone with them, and a clause runs to the full stop: a
# post-trigger there reaches back over at most so many words between it and the mention, a window as
# NegEx's own ("<indexed term> * <negation phrase>", the asterisk up to five words; Chapman et al. 2001)
# but wide enough for the Spanish noun phrase, whose kind, displacement and site follow the noun: "fractur
# conminut minim desplaz terci distal radi izquierd descart" is 7 words. "fractur cader subcapital gard iv
# proced intervencion ver descripcion biopsi hues no evident enfermed neoplas" was "Fractura de cadera
# (subcapital garden IV) ... biopsia de hueso (no evidencia de enfermedad neoplásica)": 10 words, the
# brackets lost. Pre-triggers keep the clause: a denied list runs on ("sin derram pleural neumotorax
# fractur costal"), and the name of an examination ends a negation that found nothing (context_scopes).
REMOVED_POST_REACH = 8
# The historical and post-operative components read the negated one's result (_reaches_back; a denied
# fracture was not operated on): negation runs first.
assert CONTEXT_CLASSES.index("negated") < min(CONTEXT_CLASSES.index("historical"), CONTEXT_CLASSES.index("postop"))


def _extension(cls: str) -> str:
    """The spaCy Span extension that marks a mention of context class ``cls``."""
    return f"radinet_{cls}"


# Classes whose post-triggers reach back only to the nearest mention of a category
# ("sin fractura aguda, fractura antigua": "antigua" is about the second mention only).
_NEAREST_MENTION_ONLY = ("historical",)


@dataclass(frozen=True)
class Mention:
    category: str                 # fracture | compression | cortical | finding (core.reports.phrases.TARGET_CATEGORIES)
    classes: frozenset[str]       # subset of CONTEXT_CLASSES ("uncertain" may be PROBABLE); empty = affirmed
    sentence: int                 # index into ReportAnalysis.sentences
    start: int                    # offsets into the original report text
    end: int

    @property
    def features(self) -> list[str]:
        """``fracture_negated``, ``fracture_historical`` … or ``fracture_affirmed``."""
        if not self.classes:
            return [f"{self.category}_{AFFIRMED}"]
        return [f"{self.category}_{c}" for c in sorted(self.classes)]


@dataclass(frozen=True)
class ContextCue:
    """A trigger phrase found in a sentence that mentions a target, with its offsets in the report."""

    kind: str        # a context class
    start: int
    end: int

    def as_dict(self, text: str) -> dict:
        return {"kind": self.kind, "text": text[self.start:self.end], "start": self.start, "end": self.end}


@dataclass(frozen=True)
class AnalysedSentence:
    start: int
    end: int
    section: str | None
    words: tuple[str, ...]      # normalised words (feature tokens)


@dataclass(frozen=True)
class ReportAnalysis:
    language: str
    sentences: tuple[AnalysedSentence, ...]
    mentions: tuple[Mention, ...]
    cues: tuple[ContextCue, ...]

    def classes_of(self, category: str = "fracture") -> list[frozenset[str]]:
        return [m.classes for m in self.mentions if m.category == category]

    def section_role(self, sentence: int) -> str | None:
        """"reason" or "exam" for a sentence in a section with that role (core.reports.cleaning.SECTION_ROLES),
        None for one that holds what the examination showed."""
        return SECTION_ROLES.get(self.sentences[sentence].section)

    def mention_features(self, mention: Mention) -> list[str]:
        """A mention's context features (``fracture_negated``), marked with its section's role where it
        has one (``reason:fracture_affirmed``): what the classifier sees (core.reports.features) and what
        coverage counts (core.reports.coverage)."""
        role = self.section_role(mention.sentence)
        return [f"{role}:{f}" for f in mention.features] if role else mention.features


# A question mark before a word ("?fracture", "wrist pain ? fracture"), not after one ("fracture? no").
_LEADING_QUESTION = re.compile(r"(?<![^\W_])(?<![?¿])([?¿])[?¿]*[ \t]*(?=[^\W_])")


class _WhitespaceTokenizer:
    """Our words are already tokenised and normalised: spaCy must not split them again
    (its English tokenizer splits "cannot" into "can" + "not")."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text):
        from spacy.tokens import Doc

        return Doc(self.vocab, words=text.split())

    def pipe(self, texts, batch_size=1000):
        for text in texts:
            yield self(text)


def _pre_reaches(doc, start: int, end: int, mention: int, context_class: str) -> bool:
    """Whether a pre-trigger (words ``start:end``) reaches a mention at ``mention`` across the colons and
    brackets between them (``doc.user_data["marks"]``).

    A trigger inside brackets ends at their closing bracket: "TAC abdominal (sin alteraciones), TAC
    torácico: fractura costal" -- an aside denies nothing outside it. A negation that has denied words
    of its own ends at a colon: "hombro: sin hallazgos, Rx lumbar: fractura-aplastamiento de L1" -- the
    colon opens what the next examination showed. One right before the colon still governs what it
    introduces ("negative for: fracture"), and other classes go on across it ("antecedentes: fractura
    de cadera", "motivo de consulta: fractura", "rule out: fracture")."""
    depth = 0
    for i, mark in doc.user_data["marks"]:
        if i <= start:
            depth += {"(": 1, ")": -1}.get(mark, 0)
            depth = max(depth, 0)
        elif end <= i <= mention:
            if mark == ")" and depth > 0:
                return False
            if mark == ":" and context_class == "negated" and i > end:
                return False
    return True


def _same_kind(a: str, b: str) -> bool:
    """Two mention categories a nearest-only post-trigger tells apart: a finding from a fracture, but not
    a fracture from a vertebral compression or a cortical sign, which are fractures too ("fractura aguda
    sobre aplastamiento crónico": "crónico" is about the compression only)."""
    return a == b or (a in FRACTURE_CATEGORIES and b in FRACTURE_CATEGORIES)


def _reaches_back(doc, ent, trigger_start: int, inside) -> bool:
    """Whether a nearest-only post-trigger at ``trigger_start`` is about ``ent``: not across another
    mention of its kind (:func:`_same_kind`) between them ("fractura aguda de radio y fractura antigua
    de cúbito"; mentions with no word between, "fractura-aplastamiento", or only a word of
    ``<lang>_compound_joiner.txt``, "fractura por aplastamiento", are one) -- unless the
    mentions from ``ent`` on are one coordinated list, each joined to the next by a conjunction or,
    before a conjunction that joins the last one, by a comma ("A y B", "A, B y C"), and the trigger
    is about the whole list: plural after a singular nearest mention (a plural
    adjective agrees with the coordinated mentions, "fractura de radio y fractura de cúbito
    consolidadas", not with its nearest one), or a healed word set off by a comma at the end of
    the sentence ("fracture of the radius, fracture of the ulna and fracture of the scaphoid,
    healed": set off, it is no adjective of the last item).

    Never, from a healed word that closes the sentence after a comma, to a negated mention: "no
    acute fracture, healed" denies an acute fracture and reports a healed one, elided ("...,
    healed [fracture]"), as "no acute fracture, healed fracture of the ulna" does in full. In
    ConText terms the negation's scope does reach over the comma (a comma ends no scope: "no
    fracture, dislocation or effusion"), but the set-off healed word is no modifier of the
    negated mention -- a fracture the sentence says is not there has no healing to report -- it
    opens a phrase of its own, as a one-word historical pre-trigger after a negated mention does
    ("no acute fracture, old fracture", :func:`core.reports.context_triggers.resolve_triggers`). The mention stays negated
    only, not "historical, negated", which means a denied old fracture ("no old fracture", "sin
    fractura consolidada", where the healed word is inside the negated phrase and still
    applies). Needs the negated class decided first: ``CONTEXT_CLASSES`` runs "negated" before
    "historical"."""
    info = doc.user_data
    if trigger_start in info["closing_triggers"] and ent._.get(_extension("negated")):
        return False
    chain = [ent] + [o for o in inside
                     if _same_kind(o.label_, ent.label_) and ent.end <= o.start and o.end <= trigger_start]
    joiners = info.get("compound_joiners", frozenset())
    if all(all(doc[i].text in joiners for i in range(a.end, b.start)) for a, b in zip(chain, chain[1:])):
        return True     # one mention, or one compound of them ("fractura-aplastamiento", "fractura por aplastamiento")
    if trigger_start not in info["set_off_triggers"] and (
            trigger_start not in info["plural_triggers"] or chain[-1].start in info["plural_mentions"]):
        return False
    links = list(zip(chain, chain[1:]))
    joined = [any(doc[i].text in info["conjunctions"] for i in range(a.end, b.start)) for a, b in links]
    listed = [any(a.end < c <= b.start for c in info["commas"]) for a, b in links]
    return joined[-1] and all(j or c for j, c in zip(joined, listed))


def _make_context_component():
    import_spacy()
    from negspacy.negation import Negex

    class ContextNegex(Negex):
        """negspacy's Negex for one context class; its trigger matches come from the
        shared pass of :func:`core.reports.context_triggers.resolve_triggers` (stored on the Doc) instead of its own matcher."""

        def __init__(self, nlp, name, neg_termset, extension_name, context_class, post_reach=None):
            super().__init__(nlp, name, neg_termset=neg_termset, extension_name=extension_name)
            self.context_class = context_class
            self.nearest_only = context_class in _NEAREST_MENTION_ONLY
            self.reach = _REACH.get(context_class)
            self.post_reach = post_reach    # REMOVED_POST_REACH in the pipeline for stop-word-free text

        def process_negations(self, doc):
            return doc.user_data["context_matches"][self.context_class]

        def termination_boundaries(self, doc, terminating):
            # Sentence starts are known (we built the Doc); doc.sents is slow to rebuild per class.
            starts = sorted(set(doc.user_data["sentence_starts"]) | {t[1] for t in terminating} | {len(doc)})
            return list(zip(starts, starts[1:]))

        def negex(self, doc):
            """negspacy's negex, visiting only the clauses that hold a mention (the same result, faster)."""
            ents = doc.user_data["mention_spans"]   # doc.ents builds new Span objects on every call
            if not ents:
                return doc
            preceding, following, terminating = self.process_negations(doc)
            for start, end in self.termination_boundaries(doc, terminating):
                inside = [e for e in ents if start <= e.start and e.end <= end]
                if not inside:
                    continue
                sub_preceding = [t for t in preceding if start <= t[1] < end]
                sub_following = [t for t in following if start <= t[1] < end]
                for ent in inside:
                    before, after = sub_preceding, sub_following
                    if self.reach is not None:
                        before = [t for t in before if 0 <= ent.start - t[2] <= self.reach]
                        after = [t for t in after if 0 <= t[1] - ent.end <= self.reach]
                    if self.post_reach is not None:
                        after = [t for t in after if t[1] - ent.end <= self.post_reach]
                    if self.context_class == "device":
                        before = [t for t in before if device_governs(doc, ent, t[1], t[2])]
                        after = [t for t in after if device_governs(doc, ent, t[1], t[2])]
                    if doc.user_data.get("marks"):
                        before = [t for t in before if _pre_reaches(doc, t[1], t[2], ent.start, self.context_class)]
                    if self.nearest_only and after:
                        after = [t for t in after if _reaches_back(doc, ent, t[1], inside)]
                    if self.context_class == "postop" and ent._.get(_extension("negated")):
                        # A fracture denied was not operated on: "no acute fracture, status post ORIF of
                        # the radius fracture" -- the operation is about the mention after it.
                        after = []
                    self._apply_negation(ent, before, after)
            return doc

    return ContextNegex


@dataclass
class _Pipeline:
    nlp: object
    matcher: object                 # one PhraseMatcher: targets ("target|fracture"), "<class>|pre" …
    coordinators: frozenset[str]    # words that join a list ("or", "ni")
    components: list
    conjunctions: frozenset[str] = frozenset()    # words that join a coordinated pair ("and", "y")
    plural_words: frozenset[str] = frozenset()    # written words that make a healed post-trigger plural
    device_stops: frozenset[str] = frozenset()    # words that end a device word's scope ("with", "intact")
    device_participles: frozenset[str] | None = None    # fracture words a device word before governs (context_device)
    device_object_words: frozenset[str] | None = None    # words between a fracture and the device it is of
    concord: frozenset[str] = frozenset()    # negative words after which a termination ends nothing ("tampoco")
    healed_objects: frozenset[str] = frozenset()    # healed pre-triggers about their object only ("consolidación de")
    hypothetical_objects: frozenset[str] = frozenset()    # hypothetical pre-triggers about their object only ("risk")
    prepositions: frozenset[str] = frozenset()    # words that join a noun to its object ("of", "de")
    compound_joiners: frozenset[str] = frozenset()    # words that join two mentions into one ("por")
    clause_openers: frozenset[str] = frozenset()    # words that open a phrase of their own after a comma ("que")
    comparisons: tuple = ()    # phrases (word tuples) that place a negation in an earlier examination ("on prior")
    nothing_found: frozenset[str] = frozenset()    # denied nouns that say nothing was found ("hallazgos")
    examinations: frozenset[str] = frozenset()    # examination names that open a statement ("tac", "rx"), stop words removed
    others: frozenset[str] = frozenset()    # words that set what follows apart from what came before ("otros")
    written_forms: dict = None    # "<class>|pre" -> normalised phrase -> its phrases as written (written_rules.as_written)


@functools.lru_cache(maxsize=8)
def pipeline(language: str, stopwords_removed: bool = False) -> _Pipeline:
    """The blank spaCy pipeline of one language: one PhraseMatcher for targets and
    triggers, one ContextNegex per context class; ``stopwords_removed``: for reports
    whose stop words were removed (:data:`rules.VARIED_WHERE_REMOVED`)."""
    spacy = import_spacy()
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Span

    if language not in LANGUAGES:
        raise ValueError(f"no context rules for language {language!r}")
    nlp = spacy.blank("xx")
    nlp.tokenizer = _WhitespaceTokenizer(nlp.vocab)
    pre = {cls: rules.phrases(language, f"{cue}_pre") for cls, cue in CLASS_CUES.items()}
    post = {cls: rules.phrases(language, f"{cue}_post") for cls, cue in CLASS_CUES.items()}
    pseudo, termination = rules.phrases(language, "pseudo"), rules.phrases(language, "termination", stopwords_removed)
    pseudo_healing = rules.phrases(language, "pseudo_healing")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    targets = [(f"target|{category}", rules.phrases(language, f"target_{category}")) for category in TARGET_CATEGORIES]
    acute = rules.phrases(language, "acute")
    lists = [("pseudo", pseudo), ("pseudo_healing", pseudo_healing), ("termination", termination), ("acute", acute),
             (NOT_MENTION, rules.phrases(language, NOT_MENTION))]
    for label, phrases in targets + lists + \
            [(f"{cls}|pre", pre[cls]) for cls in CONTEXT_CLASSES] + [(f"{cls}|post", post[cls]) for cls in CONTEXT_CLASSES]:
        if phrases:
            matcher.add(label, list(nlp.tokenizer.pipe(phrases)))
    coordinators = frozenset(rules.phrases(language, "coordination"))
    ContextNegex = _make_context_component()
    components = []
    for cls in CONTEXT_CLASSES:
        termset = {"pseudo_negations": pseudo, "preceding_negations": pre[cls],
                   "following_negations": post[cls], "termination": termination}
        extension = _extension(cls)
        Span.set_extension(extension, default=False, force=True)
        components.append((cls, ContextNegex(nlp, f"context_{cls}", termset, extension, cls,
                                             REMOVED_POST_REACH if stopwords_removed else None)))
    written_forms = {f"{cls}|{way}": rules.written_forms(language, f"{cue}_{way}")
                     for cls, cue in CLASS_CUES.items() for way in ("pre", "post")}
    written_forms["termination"] = rules.written_forms(language, "termination")
    return _Pipeline(nlp, matcher, coordinators, components, written_forms=written_forms,
                     conjunctions=frozenset(rules.phrases(language, "conjunction")),
                     plural_words=rules.written_words(language, "plural") or frozenset(),
                     device_stops=frozenset(rules.phrases(language, "device_stop")),
                     device_participles=rules.written_words(language, "device_participle"),
                     device_object_words=rules.written_words(language, "device_object"),
                     concord=frozenset(rules.phrases(language, "negation_concord")),
                     healed_objects=frozenset(rules.phrases(language, "healed_object")),
                     hypothetical_objects=frozenset(rules.phrases(language, "hypothetical_object")),
                     prepositions=frozenset(rules.phrases(language, "preposition")),
                     compound_joiners=frozenset(rules.phrases(language, "compound_joiner")),
                     clause_openers=frozenset(rules.phrases(language, "clause_opening")),
                     comparisons=tuple(tuple(p.split(" ")) for p in rules.phrases(language, "comparison",
                                                                             stopwords_removed)),
                     nothing_found=frozenset(rules.phrases(language, "nothing_found")),
                     # Only where the colons went with the stop words: written in full, a report's colon
                     # or full stop ends the statement ("TAC cerebral sin hallazgos; TAC sacro: fractura").
                     examinations=frozenset(rules.phrases(language, "examination") if stopwords_removed else ()),
                     others=frozenset(rules.phrases(language, "other")))


@functools.lru_cache(maxsize=200_000)
def sentence_context(words: tuple[str, ...], language: str, commas: tuple[int, ...] = (),
                     written: tuple[str, ...] = (), question: int = -1, stopwords_removed: bool = False,
                     marks: tuple[tuple[int, str], ...] = ()):
    """Mentions ``(category, first word, after last word, classes)`` and trigger cues
    ``(class, first word, after last word)`` of one sentence of normalised words
    (and leading question marks); ``commas``: the indices of the words a comma stands before;
    ``written``: the same words as written (lower case, accents folded), for their number, which
    Spanish stems lose ("consolidadas" and "consolidada" are one stem); without them no trigger
    is plural; ``question``: the index of the opening mark ("?" or "¿") of a question that runs
    to the end of the sentence, or -1; ``stopwords_removed``: the report's stop words were removed
    (:func:`stopwords_removed`); ``marks``: ``(index, mark)`` of each colon or bracket before a word
    (:func:`_pre_reaches`).

    Context never crosses a sentence boundary (NegEx scopes end there), so each
    sentence is analysed on its own and remembered: report collections repeat
    sentences ("No acute fracture.") thousands of times. Sentences without a
    target word skip the pipeline altogether.
    """
    if not rules.target_first_words(language).intersection(words):
        return (), ()
    import_spacy()
    from spacy.tokens import Doc, Span
    from spacy.util import filter_spans

    pipe = pipeline(language, stopwords_removed)
    doc = Doc(pipe.nlp.vocab, words=list(words))
    doc.user_data["sentence_starts"] = [0]
    strings = pipe.nlp.vocab.strings
    found = pipe.matcher(doc)
    # A phrase that holds a mention word but names no finding ("fracture clinic", "fracture risk",
    # <lang>_not_mention.txt) takes its mention words with it -- not across a comma: "displaced
    # fracture, risk of avascular necrosis" keeps its fracture.
    named = [(s, e) for m, s, e in found if strings[m] == NOT_MENTION and not any(s < c < e for c in commas)]
    if named:
        found = [(m, s, e) for m, s, e in found if strings[m] != NOT_MENTION
                 and not (strings[m].startswith("target|") and any(a <= s and e <= b for a, b in named))]
    # A one-word mention written as a stop word is that word, not the finding whose stem it shares:
    # "más" (more) is no "masa" (mass). Where the report's stop words were removed, it is the finding.
    stop = () if stopwords_removed else rules.stopwords(language)
    targets = filter_spans([Span(doc, s, e, label=strings[m][7:]) for m, s, e in found
                            if strings[m].startswith("target|")
                            and not (e - s == 1 and written and written[s] in stop)])
    if not targets:
        return (), ()
    doc.ents = targets
    doc.user_data["mention_spans"] = targets
    # Number, for a plural healed post-trigger after a coordinated list (_reaches_back).
    doc.user_data["plural_words"] = {i for i, w in enumerate(written) if w in pipe.plural_words}
    doc.user_data["plural_mentions"] = {m.start for m in targets if written and any(
        len(written[i]) > 3 and written[i].endswith("s") for i in range(m.start, m.end))}
    doc.user_data["conjunctions"] = pipe.conjunctions
    doc.user_data["device_stops"] = pipe.device_stops
    doc.user_data["device_participles"] = pipe.device_participles
    doc.user_data["device_object_words"] = pipe.device_object_words
    doc.user_data["written"] = written
    doc.user_data["stop_words"] = rules.stopwords(language)
    doc.user_data["marks"] = marks
    doc.user_data["written_forms"] = pipe.written_forms
    doc.user_data["concord"] = pipe.concord
    doc.user_data["healed_objects"] = pipe.healed_objects
    doc.user_data["hypothetical_objects"] = pipe.hypothetical_objects
    doc.user_data["prepositions"] = pipe.prepositions
    doc.user_data["compound_joiners"] = pipe.compound_joiners
    doc.user_data["comparisons"] = pipe.comparisons
    doc.user_data["clause_openers"] = pipe.clause_openers
    doc.user_data["nothing_found"] = pipe.nothing_found
    doc.user_data["examinations"] = pipe.examinations
    doc.user_data["others"] = pipe.others
    matches = triggers.resolve_triggers(doc, found, strings, pipe.coordinators, commas, question)
    doc.user_data["context_matches"] = matches
    for _, component in pipe.components:
        doc = component(doc)
    hedge = PROBABLE if _hedges_probably(words, matches["uncertain"], language) else "uncertain"
    mentions = tuple((ent.label_, ent.start, ent.end,
                      frozenset(hedge if cls == "uncertain" else cls
                                for cls, comp in pipe.components if ent._.get(comp.extension_name)))
                     for ent in targets)
    given = frozenset().union(*(classes for *_, classes in mentions))
    cues = _one_class_per_trigger({(hedge if cls == "uncertain" else cls, s, e)
                                   for cls, (pre, post, _) in matches.items() for _, s, e in pre + post}, given)
    offered, joining = _offered_as_alternatives(mentions, words, commas, language)
    if offered:
        mentions = tuple((category, s, e, classes | {"uncertain"} if k in offered else classes)
                         for k, (category, s, e, classes) in enumerate(mentions))
        cues |= {("uncertain", s, e) for s, e in joining}
    return mentions, tuple(sorted(cues, key=lambda c: (c[1], c[0])))


# The most words between an alternative word and the mention it offers: "atelectasis or early pneumonia",
# "scarring or chronic subsegmental atelectasis".
_ALTERNATIVE_REACH = 2
# Mentions that are not offered as alternatives: denied ("no fracture or dislocation"), asked for
# ("evaluate for fracture or dislocation"), or hedged already.
_NOT_OFFERED = frozenset(["negated", "hypothetical", "uncertain", PROBABLE])


def _offered_as_alternatives(mentions, words, commas, language: str) -> tuple[set[int], set[tuple[int, int]]]:
    """The mentions a sentence offers as one of alternatives, by index, and the spans of the words
    that offer them (``<lang>_alternative.txt``): a mention right before such a word ("atelectasis
    or pneumonia", "fracture or nutrient channel", "effusion and/or atelectasis", "atelectasis vs
    pneumonia"; also after a comma, "scarring, or pneumonia"), and the mention that follows it within
    :data:`_ALTERNATIVE_REACH` words with no comma between ("atelectasis or early pneumonia").
    The CheXpert labeller (Irvin et al., AAAI 2019) reads "XXX or YYY" as uncertain too; a
    radiologist offering a differential has not found either. Words that are not mentions joined by
    "or" offer no finding: "acute or subacute fracture", "fracture of the fifth or sixth rib"; nor do two
    signs of a fracture offered for each other. Where a mention is denied, asked for or hedged already
    the alternative changes nothing."""
    phrases = rules.alternative_phrases(language)
    offered, joining = set(), set()
    for k, (category, _, end, classes) in enumerate(mentions):
        if classes & _NOT_OFFERED:
            continue
        n = next((len(p) for p in phrases if words[end:end + len(p)] == p), 0)
        if not n:
            continue
        after = [j for j, (_, start, _, _) in enumerate(mentions)
                 if end + n <= start <= end + n + _ALTERNATIVE_REACH and not any(end + n <= c <= start for c in commas)]
        # Two signs of a fracture offered for each other still say a fracture: "compression fracture or
        # wedge deformity of T12", "fracture or fracture-dislocation".
        if category in FRACTURE_CATEGORIES and any(mentions[j][0] in FRACTURE_CATEGORIES for j in after):
            continue
        offered.add(k)
        joining.add((end, end + n))
        offered.update(j for j in after if not mentions[j][3] & _NOT_OFFERED)
    return offered, joining


def _one_class_per_trigger(cues: set[tuple[str, int, int]], given: frozenset[str]) -> set[tuple[str, int, int]]:
    """Where the same words are triggers of several classes -- Spanish stems make "descartada" both the
    negation "descartada" and the hypothetical "descartar" -- the cue is the class the sentence's mentions
    were given (both stay where none was: nothing decided between them)."""
    by_words: dict[tuple[int, int], set[str]] = {}
    for cls, start, end in cues:
        by_words.setdefault((start, end), set()).add(cls)
    return {(cls, start, end) for (start, end), classes in by_words.items()
            for cls in (classes & given or classes)}


def _hedges_probably(words, uncertain_matches, language: str) -> bool:
    """Whether every uncertainty trigger of the sentence is one that says "probably" (module docstring)."""
    pre, post, _ = uncertain_matches
    hedges = [" ".join(words[s:e]) for _, s, e in pre + post]
    return bool(hedges) and all(h in rules.probable_phrases(language) for h in hedges)


def analyse(text: str, language: str = "en") -> ReportAnalysis:
    """Sentences (normalised words), mentions with their context classes, and trigger cues."""
    sentences, mentions, cues = [], [], []
    # Word start -> offset of the question mark before it.
    questions = {m.end(): m.start(1) for m in _LEADING_QUESTION.finditer(text)} if "?" in text or "¿" in text else {}
    split = split_sentences(text)
    removed = stopwords_removed([t.text for sentence in split for t in sentence.tokens], language)
    for sentence in split:
        words = tuple(normalise_words([t.text for t in sentence.tokens], language))
        index = len(sentences)
        sentences.append(AnalysedSentence(sentence.start, sentence.end, sentence.section, words))
        tok = sentence.tokens
        if questions:
            words, tok = _with_questions(words, tok, questions, text)
        commas = tuple(i for i in range(1, len(tok)) if "," in text[tok[i - 1].end:tok[i].start])
        # Colons and brackets before each word, as (word index, mark) in the order written: where a
        # pre-trigger's scope stops (_pre_reaches). Before the first word, the marks that open the sentence.
        gaps = [_OPENING_MARKS.search(text, max(0, tok[0].start - 20), tok[0].start).group() if tok else ""]
        gaps += [text[tok[i - 1].end:tok[i].start] for i in range(1, len(tok))]
        marks = tuple((i, ch) for i, gap in enumerate(gaps) for ch in gap if ch in ":()")
        asked = _question_start(words, tok, text, language) if "?" in text or "¿" in text else None
        question = -1
        if asked is not None:
            question, mark = asked
            if mark is not None:
                # "Is there a fracture?" reads as "? is there a fracture": the trailing "?" (its cue
                # points there) becomes a leading one, the uncertainty trigger, before the word that
                # opens the question.
                k = question
                words = words[:k] + ("?",) + words[k:]
                tok = list(tok[:k]) + [Token("?", mark, mark + 1)] + list(tok[k:])
                commas = tuple(c + 1 if c > k else c for c in commas)
                marks = tuple((i + 1 if i > k else i, mark) for i, mark in marks)
        written = tuple(t.text if t.text.isascii() else fold_accents(t.text) for t in tok)
        found, triggers = sentence_context(_with_diacritics(words, tok, language), language, commas, written,
                                           question, removed, marks)
        mentions.extend(Mention(category, classes, index, tok[a].start, tok[b - 1].end)
                        for category, a, b, classes in found)
        cues.extend(ContextCue(cls, tok[a].start, tok[b - 1].end) for cls, a, b in triggers)
    return ReportAnalysis(language, tuple(sentences), tuple(mentions), tuple(cues))


def _with_diacritics(words, tokens, language: str):
    """The sentence's words for the context analysis, where a word written with a diacritic accent stays
    as written, so that no list's word without the accent matches it: "no se observa luxación pero sí
    fractura de cúbito" affirms the fracture ("sí", yes), "si hay fractura" supposes one ("si", if).
    The lists' words are normalised, accents folded: an accented word left as written matches none.
    A stemmed report (PadChest's) has lost the accent: there the two are one word."""
    kept = rules.diacritic_words(language)
    if not kept:
        return words
    return tuple(t.text.lower() if t.text.lower() in kept else w for w, t in zip(words, tokens))


# The brackets and colons (and white space) right before a sentence's first word.
_OPENING_MARKS = re.compile(r"[\s():]*\Z")
# A question mark right after a sentence's last word (closing quotes or brackets between them).
_TRAILING_QUESTION = re.compile(r"[\s\"'»)\]]*\?")


def _question_start(words, tokens, text, language):
    """Where the question of a sentence that ends with "?" (or holds a "¿") opens, or None.

    ``(index, offset of its "?")`` of the word that opens it, before which the trailing "?" is
    to stand: an interrogative word (``<lang>_question.txt``) that starts the sentence or follows
    a colon ("Question: is there a fracture?") or a comma ("Wrist pain, is there a fracture?");
    failing that, the first word of the sentence's last clause (after its last comma or colon,
    or the whole sentence) where that clause holds a mention: a noun phrase asked about, bare or
    with its modifiers, a negation among them ("Fracture?", "Fracture of the distal radius?",
    "Wrist pain, fracture?", "No fracture?", "No hay fractura?", "Old fracture?"). Only that
    clause is asked about: "fracture of the radius, is it displaced?" and "fracture of the
    radius, displaced?" ask about the displacement (their last clause mentions nothing),
    "fracture of the radius, dislocation?" and "no fracture, no dislocation?" about the
    dislocation. Nor where that clause opens with a word that takes what it mentions as given
    (``<lang>_question_given.txt``: "where is the fracture?").
    ``(index, None)`` where a leading question mark already opens it: the mark before that
    interrogative word, else the sentence's first "¿" ("¿fractura?", "dolor de muñeca, ¿hay
    fractura?"), with or without its closing "?" ("¿no hay fractura")."""
    if not tokens:
        return None
    mark = _TRAILING_QUESTION.match(text, tokens[-1].end)
    if not mark:
        # "¿No hay fractura": a Spanish question is marked where it opens; one whose closing "?" is
        # left off still asks, from its "¿" to the end of the sentence (the one place a "¿" stands).
        return (words.index("¿"), None) if "¿" in words else None

    def opens_clause(k, separators):
        return k == 0 or any(p in text[tokens[k - 1].end:tokens[k].start] for p in separators)

    openers = rules.question_words(language)
    for k, word in enumerate(words):
        if word in openers and opens_clause(k, ":,"):
            if k and words[k - 1] in QUESTION_MARKS:
                return k - 1, None
            return k, mark.end() - 1
    if "¿" in words:
        return words.index("¿"), None
    last = max(k for k in range(len(words)) if opens_clause(k, ":,"))
    if words[last] in rules.given_question_words(language):
        return None
    # The whole last clause is asked about, not only a mention that opens it: the "?" ends the
    # sentence, so "No fracture?" asks whether there is a fracture -- its "no" must not leave a
    # confident negative ("?" goes before "no", where the question's negation is dropped).
    targets = rules.target_phrases(language)
    longest = max(map(len, targets), default=0)
    if any(words[k:k + n] in targets for k in range(last, len(words)) for n in range(1, longest + 1)):
        return last, mark.end() - 1
    return None


def _with_questions(words, tokens, questions, text):
    """The sentence's words and tokens with each leading question mark as a word before its word."""
    out_words, out_tokens = [], []
    for word, token in zip(words, tokens):
        q = questions.get(token.start)
        if q is not None:
            out_words.append(text[q])
            out_tokens.append(Token(text[q], q, q + 1))
        out_words.append(word)
        out_tokens.append(token)
    return tuple(out_words), out_tokens
