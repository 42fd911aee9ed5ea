"""`radinet reports label` on a small workspace built with the Store API."""

import json

import numpy as np
import pytest

import main
from core.reports.autolabel import choose_thresholds, label_workspace
from core.reports.queue import deciding_sentence, review_queue, suggestions
from core.reports.synthetic import synthetic_reports
from core.store import Workspace


@pytest.fixture
def workspace(tmp_path):
    """240 studies with reports: 2 of 3 labelled (radiologist or import), 1 of 3 unlabelled."""
    ws = Workspace.open(tmp_path / "ws")
    truth = {}
    with ws.connect() as store:
        pid = store.upsert_patient("P1")
        for i, r in enumerate(synthetic_reports(240, seed=11, uncertain_rate=0.04)):
            sid, _ = store.upsert_study(f"1.2.840.{i}", pid)
            store.add_report(sid, r.text, origin="test")
            truth[sid] = r.label
            if i % 3:
                store.add_label(sid, "fracture", "positive" if r.label else "negative",
                                "radiologist" if i % 3 == 1 else "import", "dr-test")
    return ws, truth


def studies_with_reports(store, patient: str, uid_prefix: str, texts) -> list[int]:
    """One new unlabelled study per report text, for a patient of its own; their ids."""
    pid = store.upsert_patient(patient)
    ids = []
    for i, text in enumerate(texts):
        sid, _ = store.upsert_study(f"{uid_prefix}{i}", pid)
        store.add_report(sid, text, origin="test")
        ids.append(sid)
    return ids


def label_rows(store):
    return store.execute("SELECT COUNT(*) FROM labels").fetchone()[0]


def test_label_applies_confident_labels_and_queues_the_rest(workspace, capsys):
    ws, truth = workspace
    code = main.main(["reports", "label", "--workspace", str(ws.path), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    summary = json.loads(out)
    assert summary["trained_on"] == 160 and summary["candidates"] == 80
    assert summary["labelled"] + summary["sent_to_review"] == 80
    assert summary["labelled"] >= 10
    assert summary["expected_precision"] >= 0.98
    assert summary["coverage"] == round(summary["labelled"] / 80, 4)
    with ws.connect() as store:
        current = store.current_labels("fracture")
        nlp = {sid: lab for sid, lab in current.items() if lab.source == "nlp"}
        assert len(nlp) == summary["labelled"]
        for sid, lab in nlp.items():
            assert lab.labeller_version == summary["labeller_version"]
            assert 0.5 <= lab.confidence <= 1.0
        correct = sum((lab.value == "positive") == bool(truth[sid]) for sid, lab in nlp.items())
        assert correct / len(nlp) >= 0.95
        queue = review_queue(store)
        assert len(queue) == summary["sent_to_review"] == summary["review_queue"]
        assert all(q["study_id"] not in nlp for q in queue)


def test_rerun_adds_nothing(workspace):
    ws, _ = workspace
    with ws.connect() as store:
        first = label_workspace(store)
        rows = label_rows(store)
        n_suggestions = store.execute("SELECT COUNT(*) FROM nlp_suggestions").fetchone()[0]
        second = label_workspace(store)
        assert second["labeller_version"] == first["labeller_version"]
        assert second["labelled"] == second["sent_to_review"] == 0
        assert second["already_decided"] == second["candidates"]
        assert label_rows(store) == rows
        assert store.execute("SELECT COUNT(*) FROM nlp_suggestions").fetchone()[0] == n_suggestions


def test_never_overrides_a_radiologist(workspace):
    ws, _ = workspace
    with ws.connect() as store:
        before = {sid: (lab.id, lab.value) for sid, lab in store.current_labels("fracture").items()}
        # A radiologist label that contradicts its report must survive.
        first_radiologist = next(sid for sid, lab in store.current_labels("fracture").items()
                                 if lab.source == "radiologist")
        label_workspace(store)
        after = store.current_labels("fracture")
        for sid, (label_id, value) in before.items():
            assert after[sid].id == label_id and after[sid].value == value
        assert not suggestions(store, first_radiologist)


def test_data_change_gives_new_version_and_radiologist_wins_over_nlp(workspace):
    ws, _ = workspace
    with ws.connect() as store:
        first = label_workspace(store)
        nlp_study = next(sid for sid, lab in store.current_labels("fracture").items() if lab.source == "nlp")
        nlp_value = store.current_label(nlp_study).value
        corrected = "negative" if nlp_value == "positive" else "positive"
        store.add_label(nlp_study, "fracture", corrected, "radiologist", "dr-test")
        second = label_workspace(store)
        assert second["labeller_version"] != first["labeller_version"]   # training data changed
        assert second["trained_on"] == first["trained_on"] + 1
        assert second["candidates"] == first["candidates"] - 1
        current = store.current_label(nlp_study)
        assert current.source == "radiologist" and current.value == corrected
        history = [r["source"] for r in store.label_history(nlp_study)]
        assert history == ["nlp", "radiologist"]


def test_label_needs_labelled_reports(tmp_path, capsys):
    ws = Workspace.open(tmp_path / "empty")
    with ws.connect() as store:
        sid, _ = store.upsert_study("1.2.3", store.upsert_patient("P"))
        store.add_report(sid, "No fracture.")
    code = main.main(["reports", "label", "--workspace", str(ws.path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "label some studies first" in err


def test_choose_thresholds_reaches_target_precision():
    y = np.array([0] * 50 + [1] * 50)
    p = np.concatenate([np.linspace(0.0, 0.6, 50), np.linspace(0.4, 1.0, 50)])
    t = choose_thresholds(y, p, 0.98)
    pos, neg = p >= t["positive"], p <= t["negative"]
    assert y[pos].mean() >= 0.98 and (1 - y[neg]).mean() >= 0.98
    assert t["positive"] > 0.5 > t["negative"]
    assert t["expected_precision"] >= 0.98 and 0 < t["cv_coverage"] < 1
    # A sloppier target labels more.
    assert choose_thresholds(y, p, 0.8)["cv_coverage"] > t["cv_coverage"]
    # Nothing can reach it: nothing is labelled.
    none = choose_thresholds(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5]), 0.98)
    assert none["positive"] is None and none["negative"] is None and none["cv_coverage"] == 0


def test_stricter_labeller_withdraws_labels_it_is_not_sure_of(workspace):
    ws, _ = workspace
    with ws.connect() as store:
        first = label_workspace(store, target_precision=0.9)
        second = label_workspace(store, target_precision=0.999)
        assert second["labeller_version"] != first["labeller_version"]
        assert second["already_decided"] == 0           # a new version looks at every candidate again
        assert second["labelled"] < first["labelled"]
        assert second["retracted_older_nlp_labels"] > 0
        current = store.current_labels("fracture")
        queued = {q["study_id"] for q in review_queue(store)}
        assert len(queued) == second["sent_to_review"]
        for sid in queued:
            assert sid not in current                    # withdrawn, not silently kept
        withdrawn = [r for sid in queued for r in store.label_history(sid) if r["retracts"] is not None]
        assert len(withdrawn) == second["retracted_older_nlp_labels"]


def test_fit_workspace_labeller_for_the_viewer(workspace):
    from core.reports.autolabel import fit_workspace_labeller

    ws, _ = workspace
    with ws.connect() as store:
        labels_before = label_rows(store)
        labeller = fit_workspace_labeller(store)
        assert label_rows(store) == labels_before
    result = labeller.classify(["There is no radiographic evidence of an acute fracture."])[0]
    assert result.probability < 0.5 and result.cues[0].kind == "negated"


def test_each_decision_records_the_sentence_that_decided_it(workspace):
    ws, truth = workspace
    with ws.connect() as store:
        summary = label_workspace(store)
        assert summary["labelled"] > 0
        current = store.current_labels("fracture")
        reports = {r["study_id"]: r for r in store.execute("SELECT id, study_id, text FROM reports").fetchall()}
        decided = [sid for sid in truth if sid in current and current[sid].source == "nlp"]
        decided += [q["study_id"] for q in review_queue(store)]
        assert decided
        for sid in decided:
            why = deciding_sentence(store, sid)
            report = reports[sid]
            assert why["report_id"] == report["id"]
            assert report["text"][why["start"]:why["end"]] == why["sentence"] and why["sentence"]
            if why["status"] == "applied":
                assert why["label_id"] == current[sid].id and why["value"] == current[sid].value
        # A positive label is decided by a sentence that mentions a fracture.
        positives = [sid for sid in decided if deciding_sentence(store, sid)["value"] == "positive"
                     and deciding_sentence(store, sid)["status"] == "applied"]
        assert positives
        assert all("fracture" in deciding_sentence(store, sid)["sentence"].lower() for sid in positives)
        labelled_by_radiologist = next(sid for sid, lab in current.items() if lab.source == "radiologist")
        assert deciding_sentence(store, labelled_by_radiologist) is None



def _underlined_and_plain_text(page: str) -> tuple[str, str]:
    """(text inside the deciding-sentence span, all text) of report_html's output."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth, self.inside, self.under, self.all = 0, None, [], []

        def handle_starttag(self, tag, attrs):
            if tag == "span":
                self.depth += 1
                if dict(attrs).get("title") == "deciding sentence":
                    self.inside = self.depth
            elif tag == "br":
                self.handle_data("\n")

        def handle_endtag(self, tag):
            if tag == "span":
                if self.inside == self.depth:
                    self.inside = None
                self.depth -= 1

        def handle_data(self, data):
            self.all.append(data)
            if self.inside is not None:
                self.under.append(data)

    reader = Reader()
    reader.feed(page)
    return "".join(reader.under), "".join(reader.all)


def test_report_panel_html_shows_the_deciding_sentence(workspace):
    """gui.report_html (Qt-free) quotes the deciding sentence above the report and underlines it in place."""
    from gui.report_html import report_html

    ws, _ = workspace
    with ws.connect() as store:
        label_workspace(store)
        sid = next(s for s, lab in store.current_labels("fracture").items() if lab.source == "nlp")
        why = deciding_sentence(store, sid)
        text = store.execute("SELECT text FROM reports WHERE id = ?", (why["report_id"],)).fetchone()["text"]
    page = report_html(text, why)
    head, body = page.split("</p>", 1)
    assert f"Report labeller:</b> {why['value']}" in head and "labelled" in head
    assert " ".join(why["sentence"].split()) in head
    underlined, plain = _underlined_and_plain_text(body)
    assert underlined == why["sentence"] and plain == text     # in place, and the report text is all there
    assert "deciding sentence" not in report_html(text) and report_html(text) == report_html(text, None)
    # Offsets that no longer match the text (a newer report): quoted above it, not underlined.
    stale = dict(why, start=why["start"] + 1, end=why["end"] + 1)
    assert "decided by" in report_html(text, stale) and "deciding sentence" not in report_html(text, stale)


def test_report_panel_paints_a_question_mark_as_a_hedge_only_before_a_word():
    """The labeller reads "?fracture" as uncertain and "fracture ?" / "Pain? Fracture" as not: the panel agrees."""
    from gui.report_html import report_html

    def hedges(text):
        return report_html(text).count('title="uncertainty">?</span>')

    assert hedges("?fracture of the left 5th rib.") == 1 and hedges("Fall. ? fracture of the hip.") == 1
    assert hedges("Is there a fracture ?") == 0 and hedges("Pain? Fracture of the distal radius.") == 0
    assert "?fracture" not in report_html("?fracture") and "fracture</span>" in report_html("?fracture")


def test_report_panel_paints_the_cues_of_both_languages_and_leaves_pseudo_triggers_plain():
    """The labeller reads English and Spanish reports: the panel paints both languages' cues, the
    post-operative, hypothetical and device ones too, and leaves a pseudo-trigger ("age-indeterminate":
    the fracture is there) plain, as the labeller does."""
    from gui.report_html import report_html

    def painted(text):
        import re
        return re.findall(r'title="([^"]+)">([^<]+)</span>', report_html(text))

    assert painted("Sin fractura. Posible fisura antigua.") == [
        ("negation", "Sin"), ("finding", "fractura"), ("uncertainty", "Posible"), ("finding", "fisura"),
        ("old / healed", "antigua")]
    assert painted("An age-indeterminate fracture of T12.") == [("finding", "fracture")]
    assert painted("Indeterminate fracture.") == [("uncertainty", "Indeterminate"), ("finding", "fracture")]
    assert painted("The lateral screw is fractured. Status post ORIF. Rule out fracture.") == [
        ("of a device", "screw"), ("finding", "fractured"), ("post-operative", "Status post ORIF"),
        ("hypothetical", "Rule out"), ("finding", "fracture")]
    assert ("finding", "wedge deformity") in painted("Mild wedge deformity of L1.")
    # A strong hedge in its own colour, as the labeller grades it "probable".
    assert painted("Probable rib fracture, possibly old. Fractura costal probable.") == [
        ("probable (a strong hedge)", "Probable"), ("finding", "fracture"), ("uncertainty", "possibly"),
        ("old / healed", "old"), ("finding", "Fractura"), ("probable (a strong hedge)", "probable")]


POSTOP = ("HISTORY: Follow up.\nFINDINGS: Status post ORIF of a distal radius fracture. Plate and screws intact. "
          "No acute fracture.\nIMPRESSION: Normal study.")


def test_a_context_the_labelled_reports_never_show_goes_to_review(workspace):
    """The 160 labelled synthetic reports hold no post-operative fracture mention, so the labeller cannot know
    whether this workspace counts "status post ORIF of a fracture" as a fracture; such reports are queued with
    the post-operative sentence, not labelled from their other words ("no acute fracture", "normal study")."""
    ws, _ = workspace
    with ws.connect() as store:
        postop = studies_with_reports(store, "P2", "2.25.9", [POSTOP] * 3)
        pid = store.upsert_patient("P2")
        summary = label_workspace(store, target_precision=0.9)
        # (The synthetic reports also hold a couple of "probable" fractures, in fewer than 5 labelled ones.)
        assert summary["unfamiliar_context"]["fracture_postop"] == 3
        current = store.current_labels("fracture")
        queued = {q["study_id"] for q in review_queue(store)}
        for sid in postop:
            assert sid not in current and sid in queued
            why = deciding_sentence(store, sid)
            assert why["status"] == "review" and why["sentence"].rstrip(".") == "Status post ORIF of a distal radius fracture"
            # The classifier alone was sure enough to write "negative": the rule, not its probability, queued it.
            assert why["probability"] <= summary["thresholds"]["negative"]
        # Everything else is decided as before: only the three went to review for this reason.
        assert summary["labelled"] >= 10

        # Once five labelled reports show what a post-operative mention means here, the classifier decides.
        for i in range(5):
            sid, _ = store.upsert_study(f"2.25.8{i}", pid)
            store.add_report(sid, POSTOP if i % 2 else "Status post fixation of an ulna fracture.", origin="test")
            store.add_label(sid, "fracture", "negative", "radiologist", "dr-test")
        summary = label_workspace(store, target_precision=0.9)
        assert "fracture_postop" not in summary["unfamiliar_context"]
        assert {why["status"] for why in (deciding_sentence(store, sid) for sid in postop)} <= {"applied", "review"}


def test_a_report_that_states_a_fracture_is_never_labelled_negative_automatically(workspace, monkeypatch):
    """Fractures are rare, so the negative threshold for the target precision is met by the base rate: on
    public chest reports the classifier wrote "negative" on "An age-indeterminate fracture is present in the
    lower thoracic vertebra.". Whatever its probability, a report with a fracture mention that is neither
    negated nor hypothetical, in a context the labelled reports mostly call positive, goes to review with
    that sentence; one whose mentions are all negated, at the same probability, is labelled negative."""
    from core.reports.labeller import ReportLabeller

    ws, _ = workspace
    stated = "FINDINGS: Heart normal. An age-indeterminate fracture is present in the lower thoracic vertebra."
    denied = "FINDINGS: Heart normal. No fracture of the lower thoracic vertebra."
    with ws.connect() as store:
        ids = dict(zip((stated, denied), studies_with_reports(store, "P4", "2.25.6", (stated, denied))))
        predict = ReportLabeller.predict_prepared

        def sure_it_is_negative(self, docs):    # the classifier at its worst: sure both are negative
            p = predict(self, docs)
            return [0.001 if getattr(d, "text", None) in (stated, denied) else q for d, q in zip(docs, p)]

        monkeypatch.setattr(ReportLabeller, "predict_prepared", sure_it_is_negative)
        summary = label_workspace(store, target_precision=0.9)
        # At least this one; hedged synthetic reports too, whose labels are often positive there.
        assert summary["stated_fracture_to_review"] >= 1
        assert ids[stated] not in store.current_labels("fracture")
        why = deciding_sentence(store, ids[stated])
        assert why["status"] == "review"
        assert why["sentence"].rstrip(".") == "An age-indeterminate fracture is present in the lower thoracic vertebra"
        assert store.current_labels("fracture")[ids[denied]].value == "negative"
    from core.reports.coverage import review_reasons
    assert review_reasons({"unfamiliar_context": {}, "stated_fracture_to_review": 0}) == ""
    assert review_reasons({"unfamiliar_context": {}, "stated_fracture_to_review": 1}) == (
        " (1 of them the labeller would have called negative, but the report states a fracture, so a reader decides)")


def test_the_summary_names_the_unfamiliar_contexts_in_words():
    from core.reports.coverage import review_reasons, unfamiliar_sentence

    assert unfamiliar_sentence({}) == ""
    text = review_reasons({"unfamiliar_context": {"fracture_postop": 2, "fracture_uncertain": 1}})
    assert "3 of them" in text and "post-operative (2)" in text and "uncertain or asked (1)" in text
    text = review_reasons({"unfamiliar_context": {"compression_affirmed": 2, "fracture_device": 1},
                           "stated_fracture_to_review": 4})
    assert text.startswith(" (3 of them mention a vertebral compression deformity that is stated (2); or a fracture "
                           "that is of a device (a screw, wire, lead or catheter) (1), which fewer than 5")
    assert text.endswith("what it means here. 4 of them the labeller would have called negative, but the report "
                         "states a fracture, so a reader decides)")
    assert unfamiliar_sentence({"cortical_negated": 2}).startswith(
        "2 of them mention a sign of a fracture on the cortex that is negated (2), which fewer than 5")
    text = unfamiliar_sentence({"reason:fracture_affirmed": 2, "fracture_affirmed": 1})
    assert text.startswith("3 of them mention a fracture that is stated (1); or a fracture named in the reason for "
                           "the examination that is stated (2), which fewer than 5")


def test_a_fracture_named_in_the_history_is_a_context_of_its_own_for_coverage():
    """What the classifier sees, coverage counts: the labelled reports' stated fractures among the findings say
    nothing of one named in the history, and the labels decide whether such a report states a fracture."""
    from core.reports.context import analyse
    from core.reports.coverage import context_counts, stated_fracture, unfamiliar_mention

    named = analyse("HISTORY: Rib fracture.\nFINDINGS: No acute fracture.", "en")
    found = [analyse(f"FINDINGS: Fracture of the {n}th rib.", "en") for n in range(3, 10)]
    counts = context_counts(found)
    assert counts["fracture_affirmed"] == 7 and "reason:fracture_affirmed" not in counts
    assert unfamiliar_mention(named, counts) == (0, "reason:fracture_affirmed")
    # Labelled reports that name a fracture in the history are mostly negative: not a stated fracture.
    assert stated_fracture(named, {"reason:fracture_affirmed": 0.2, "fracture_negated": 0.0}) is None
    # Never shown: a reader decides.
    assert stated_fracture(named, {}) == 0


def test_a_compression_deformity_the_labelled_reports_never_show_goes_to_review(workspace):
    """No labelled synthetic report says "wedge deformity": whether this workspace counts one as a fracture is
    unknown, so such a report is queued with that sentence instead of being labelled from its other words."""
    ws, _ = workspace
    with ws.connect() as store:
        wedge = studies_with_reports(store, "P3", "2.25.7",
                                     ["FINDINGS: Mild anterior wedge deformity of T12. No acute fracture."] * 2)
        summary = label_workspace(store, target_precision=0.9)
        assert summary["unfamiliar_context"].get("compression_affirmed") == 2
        queued = {q["study_id"] for q in review_queue(store)}
        for sid in wedge:
            assert sid in queued and sid not in store.current_labels("fracture")
            assert deciding_sentence(store, sid)["sentence"].rstrip(".") == "Mild anterior wedge deformity of T12"


def test_report_panel_paints_the_labellers_own_analysis_when_it_has_it():
    """From the analysis the panel shows what the labeller found: a Spanish inflection no list holds
    as written, each fracture mention's context in words, and one weak hedge making a sentence
    'uncertain' (the phrase lists alone paint 'Probable' as a strong hedge)."""
    import re

    from core.reports.context import analyse
    from gui.report_html import report_html

    def painted(text, language=None):
        analysis = analyse(text, language) if language else None
        return re.findall(r'title="([^"]+)">([^<]+)</span>', report_html(text, analysis=analysis))

    spanish = "Fracturas de tobillo operadas."     # the post-operative list holds "operada", not this ending
    assert ("post-operative", "operadas") not in painted(spanish)
    assert painted(spanish, "es") == [("fracture: post-operative", "Fracturas"), ("post-operative", "operadas")]
    mixed = "Probable fracture of the 8th rib, possibly old. No effusion."
    assert painted(mixed)[0] == ("probable (a strong hedge)", "Probable")
    assert painted(mixed, "en") == [("uncertainty", "Probable"), ("fracture: uncertain or asked", "fracture"),
                                    ("uncertainty", "possibly"), ("old / healed", "old"), ("negation", "No")]
    assert painted("Fracture of the radius.", "en") == [("fracture: stated", "Fracture")]
    assert painted("HISTORY: Radius fracture.\nFINDINGS: Healing.", "en")[0] == (
        "fracture: stated, in the reason for the examination", "fracture")
    from core.reports.phrases import FRACTURE_CATEGORIES
    from gui.report_html import _PAINTED_CATEGORIES
    assert set(_PAINTED_CATEGORIES) == set(FRACTURE_CATEGORIES)      # every category the label is about is shown
    # "descartada" is a negation and, stemmed, the hypothetical "descartar": painted as what it did here.
    assert painted("Fractura de radio descartada.", "es") == [("fracture: negated", "Fractura"),
                                                             ("negation", "descartada")]
    # A phrase that gave two classes is painted once, its tooltip naming both.
    assert painted("No definite rib fracture.", "en") == [("negation and uncertainty", "No definite"),
                                                         ("fracture: negated, uncertain or asked", "fracture")]
    assert painted("No se observan soluciones de continuidad.", "es") == [
        ("negation", "No se observan"), ("sign on the cortex: negated", "soluciones de continuidad")]
