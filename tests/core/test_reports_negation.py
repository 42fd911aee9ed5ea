"""Cleaning, sections, negation / uncertainty / healed scopes and cue offsets."""

import pytest

from core.reports.cleaning import clean_text, split_sentences
from core.reports.features import scoped_terms
from core.reports.negation import annotate
from core.reports.phrases import available_languages, load_triggers, parse_phrase_file


def fracture_marks(text):
    return annotate(text).marked_words("fracture")


@pytest.mark.parametrize("text", [
    "No acute fracture.",
    "Without evidence of fracture.",
    "Fracture is excluded.",
    "There is no radiographic evidence of an acute displaced angulated fracture of the radius.",
    "A fracture of the scaphoid is not seen.",
    "Fracture of the distal radius has been ruled out.",
    "NO FRACTURE OR DISLOCATION.",
])
def test_negated_mentions(text):
    assert fracture_marks(text) == ["NEG"]


@pytest.mark.parametrize("text", [
    "Cannot exclude a scaphoid fracture.",
    "Fracture cannot be excluded.",
    "Possible fracture of the fifth metacarpal.",
    "Questionable fracture.",
    "Suspected occult fracture of the scaphoid.",
])
def test_uncertain_mentions(text):
    assert fracture_marks(text) == ["UNC"]


@pytest.mark.parametrize("text", [
    "Old healed fracture of the radius.",
    "Healing fracture of the ulna with callus formation.",
    "The fracture has healed.",
])
def test_healed_fracture_is_its_own_cue(text):
    assert fracture_marks(text) == ["HEALED"]


def test_affirmed_fracture_is_unmarked():
    assert fracture_marks("Acute transverse fracture of the distal radius.") == [None]


def test_termination_word_ends_the_scope():
    assert fracture_marks("No dislocation but there is an acute fracture.") == [None]
    assert fracture_marks("No effusion, however a fracture of the radius is seen.") == [None]
    assert fracture_marks("No dislocation, which is reassuring, fracture of the ulna.") == [None]


def test_scope_ends_at_sentence_end():
    assert fracture_marks("No dislocation. Fracture of the radius.") == [None]


def test_nearest_trigger_wins_between_scopes():
    assert fracture_marks("No acute fracture, old healed fracture of the ulna.") == ["NEG", "HEALED"]


def test_pseudo_trigger_negates_nothing():
    assert fracture_marks("No change in the fracture alignment.") == [None]


def test_longest_trigger_wins():
    cues = annotate("Fracture cannot be excluded.").cues
    assert [(c.kind, c.text) for c in cues] == [("uncertainty", "cannot be excluded")]


def test_cue_offsets_point_into_the_original_text():
    text = "FINDINGS:  XXXX pain.\nThere is NO evidence of fracture. Possible effusion."
    cues = annotate(text).cues
    assert [text[c.start:c.end] for c in cues] == [c.text for c in cues]
    neg = next(c for c in cues if c.kind == "negation")
    assert text[neg.scope_start:neg.scope_end] == "fracture"
    unc = next(c for c in cues if c.kind == "uncertainty")
    assert text[unc.start:unc.end] == "Possible" and text[unc.scope_start:unc.scope_end] == "effusion"


def test_sections_placeholders_and_sentences():
    text = ("HISTORY: XXXX year old, fall.\nFINDINGS: Bone 2.5 cm lesion. No fracture\n\n"
            "IMPRESSION:\n1. Possible fracture; old fracture.")
    sentences = split_sentences(text)
    assert [s.section for s in sentences] == ["history", "findings", "findings", "impression", "impression",
                                              "impression"]
    words = [[t.text for t in s.tokens] for s in sentences]
    assert words[0] == ["year", "old", "fall"]            # header and XXXX gone
    assert words[1] == ["bone", "2", "5", "cm", "lesion"]  # "2.5" does not end a sentence
    assert words[-1] == ["old", "fracture"]
    assert "xxxx" not in clean_text(text) and "findings" not in clean_text(text)
    for s in sentences:
        for t in s.tokens:
            assert text[t.start:t.end].lower() == t.text


def test_case_folding_keeps_offsets():
    text = "İstanbul: NO FRACTURE."
    a = annotate(text)
    assert a.marked_words("fracture") == ["NEG"]
    tok = [t for s in a.sentences for t in s.sentence.tokens if t.text == "fracture"][0]
    assert text[tok.start:tok.end] == "FRACTURE"


def test_scoped_terms_mark_negated_words():
    terms = scoped_terms(annotate("No acute fracture. Fracture of the ulna."))
    assert "NEG_fracture" in terms and "NEG_acute NEG_fracture" in terms
    assert terms.count("fracture") == 2          # the paper's plain n-grams are kept
    assert "no acute fracture" in terms


def test_phrase_lists_load_from_resources():
    assert "en" in available_languages()
    triggers = load_triggers(("en",))
    assert triggers[("no",)].cue == "negation" and triggers[("no",)].direction == "forward"
    assert triggers[("cannot", "be", "excluded")].cue == "uncertainty"
    assert triggers[("but",)].cue == "termination"
    assert parse_phrase_file("# header\n\nNo  Evidence of # comment\n") == [("no", "evidence", "of")]
