"""Report features: n-grams per sentence, marked with the context of the sentence's fracture mention."""

from core.reports.context import analyse
from core.reports.features import sentence_marks, sentence_terms


def terms_of(text, language="en"):
    analysis = analyse(text, language)
    return analysis, sentence_terms(analysis)


def test_ngrams_of_a_hedged_sentence_are_marked_and_share_nothing_with_a_stated_one():
    _, (hedged,) = terms_of("Possible displaced rib fractures.")
    _, (stated,) = terms_of("Displaced rib fractures.")
    assert "uncertain:displaced rib fractures" in hedged
    assert "displaced rib fractures" in stated
    ngrams = lambda terms: {t for t in terms if not t.startswith("fracture_")}
    assert not ngrams(hedged) & ngrams(stated)
    assert "fracture_uncertain" in hedged and "fracture_affirmed" in stated


def test_a_mention_in_two_classes_marks_its_sentence_with_both():
    _, (terms,) = terms_of("Possibly old rib fractures.")
    assert "historical+uncertain:old rib fractures" in terms


def test_sentences_without_a_fracture_mention_or_with_a_stated_one_stay_plain():
    analysis, terms = terms_of("Lungs are clear. Acute fracture of the distal radius. No effusion.")
    assert sentence_marks(analysis) == {}
    assert terms[0] == ["lungs", "are", "clear", "lungs are", "are clear", "lungs are clear"]


def test_a_sentence_with_mentions_in_two_contexts_is_marked_with_both():
    analysis, _ = terms_of("No acute fracture, old healed rib fractures.")
    assert sentence_marks(analysis) == {0: "historical|negated"}


def test_spanish_negated_sentence_is_marked_on_stems():
    analysis, (terms,) = terms_of("Sin fracturas.", "es")
    assert sentence_marks(analysis) == {0: "negated"}
    assert all(t.startswith("negated:") for t in terms if not t.startswith("fracture_"))


def test_a_fracture_named_in_the_reason_for_the_examination_is_marked_apart_from_a_finding():
    analysis, (reason, finding) = terms_of("INDICATION: Preop for forearm fracture.\nFINDINGS: Forearm fracture.")
    assert [s.section for s in analysis.sentences] == ["indication", "findings"]
    assert sentence_marks(analysis) == {0: "affirmed|reason"}
    assert "reason:fracture_affirmed" in reason and "fracture_affirmed" not in reason
    assert "fracture_affirmed" in finding and "forearm fracture" in finding
    assert not set(reason) & set(finding)


def test_words_of_the_reason_for_the_examination_and_of_the_examination_are_kept_apart_from_findings():
    analysis, terms = terms_of("Motivo de consulta: dolor torácico. Fractura de cadera.\n"
                               "Técnica: proyección PA.\nHallazgos: dolor torácico. Sin fracturas.", "es")
    assert [analysis.section_role(i) for i in range(5)] == ["reason", "reason", "exam", None, None]
    assert sentence_marks(analysis) == {1: "affirmed|reason", 4: "negated"}
    assert "reason:dolor torac" in terms[0] and "dolor torac" in terms[3]
    assert "reason:fracture_affirmed" in terms[1]
    assert all(t.startswith("exam:") for t in terms[2])
