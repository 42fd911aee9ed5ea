"""Report features: n-grams per sentence, marked with the context of the sentence's fracture mention."""

import math
from collections import Counter

import pytest
from sklearn.linear_model import LogisticRegression

from core.reports.context import analyse
from core.reports.features import (MENTION_REPEAT, context_vectorizer, report_terms, sentence_contributions,
                                   sentence_marks, sentence_terms)


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


@pytest.mark.parametrize("text,stated", [
    ("Displaced rib fractures.", True),
    ("Old healed rib fractures.", True),
    ("Status post ORIF of a distal radius fracture.", True),
    ("Probable rib fracture.", True),
    ("No rib fracture.", False),
    ("Possible rib fracture.", False),
    ("Risk of pathologic fracture.", False),
    ("The sternotomy wire is fractured.", False),
])
def test_a_mention_that_says_its_fracture_is_or_was_there_also_counts_as_stated(text, stated):
    """The back-off feature that affirmed, historical, post-operative and probable mentions share."""
    _, (terms,) = terms_of(text)
    assert ("fracture_stated" in terms) == stated
    _, (reason,) = terms_of("INDICATION: rib fracture.")
    assert "reason:fracture_stated" in reason and "fracture_stated" not in reason


def test_a_mention_in_two_classes_marks_its_sentence_with_both():
    _, (terms,) = terms_of("Possibly old rib fractures.")
    assert "historical+uncertain:old rib fractures" in terms


def test_a_mention_in_two_classes_also_counts_as_their_conjunction():
    """"Possibly old" is a context of its own, not an old fracture plus a hedge; one class is just itself."""
    _, (hedged_old,) = terms_of("Possibly old rib fractures.")
    assert {"fracture_historical", "fracture_uncertain", "fracture_historical+uncertain"} <= set(hedged_old)
    _, (old,) = terms_of("Old rib fractures.")
    assert [t for t in old if t.startswith("fracture_")] == ["fracture_historical", "fracture_stated"] * MENTION_REPEAT
    _, (reason,) = terms_of("INDICATION: possible old rib fracture.")
    assert "reason:fracture_historical+uncertain" in reason


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


def _long_normal_report_with_one_fracture() -> str:
    normal = ("No pneumothorax. No pleural effusion. No focal consolidation. No edema. Normal heart size. "
              "Normal mediastinal contours. The lungs are clear and the heart is normal. ")
    return normal + "Compression fractures of T9 and T12. " + normal


def test_counts_are_sublinear_so_a_long_normal_report_does_not_outvote_its_one_fracture():
    """1 + ln(count): the fourth "no" of a report weighs less than its first."""
    terms = report_terms(analyse(_long_normal_report_with_one_fracture(), "en"))
    vectorizer = context_vectorizer()
    X = vectorizer.fit_transform([terms])
    value = dict(zip(vectorizer[0].get_feature_names_out(), X.toarray()[0]))
    count = Counter(terms)
    assert count["no"] == 8 and value["no"] == pytest.approx(1 + math.log(8))
    assert count["fractures"] == 1 and value["fractures"] == pytest.approx(1.0)


def test_sentence_contributions_split_the_log_odds_exactly():
    """The sentences' shares add up to the linear model's score of the whole report, so the
    deciding sentence is the one that moved the decision most even with sublinear counts."""
    texts = [_long_normal_report_with_one_fracture(), "No acute fracture. Normal heart.",
             "Displaced fracture of the right clavicle.", "Clear lungs. No pneumothorax."]
    analyses = [analyse(t, "en") for t in texts]
    vectorizer = context_vectorizer()
    X = vectorizer.fit_transform([report_terms(a) for a in analyses])
    model = LogisticRegression(solver="liblinear").fit(X, [1, 0, 1, 0])
    for a, x in zip(analyses, X):
        shares = sentence_contributions(vectorizer, sentence_terms(a), model.coef_[0])
        assert len(shares) == len(a.sentences)
        assert shares.sum() + model.intercept_[0] == pytest.approx(model.decision_function(x)[0])
    fracture = sentence_contributions(vectorizer, sentence_terms(analyses[0]), model.coef_[0])
    assert "fractures" in analyses[0].sentences[int(fracture.argmax())].words
