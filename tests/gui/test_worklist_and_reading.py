"""Qt-free worklist rows/filters and the reading session (labels, undo, blinded answers)."""

from core.store.reading import ReadingSession
from core.store.worklist import filter_rows, load_rows, next_unread


def test_worklist_rows_and_filters(workspace):
    with workspace.connect() as store:
        rows = load_rows(store, models=None)
        assert len(rows) == store.count_studies() > 0
        sources = {r.label_source for r in rows}
        unlabelled = filter_rows(rows, "unlabelled")
        awaiting = filter_rows(rows, "awaiting")
        assert all(r.label is None for r in unlabelled) and unlabelled
        assert all(r.label_source == "nlp" for r in awaiting)
        assert ("nlp" in sources) == bool(awaiting)
        first = rows[0]
        assert filter_rows(rows, text=first.patient_key.lower())[0].study_id == first.study_id
        assert filter_rows(rows, text="no-such-patient") == []


def test_uncertain_first_and_disagreement_use_the_prediction(workspace):
    with workspace.connect() as store:
        rows = load_rows(store, None)
    for r, p in zip(rows, (0.95, 0.5, 0.05, 0.7)):
        r.probability, r.tier = p, ("positive" if p > 0.8 else "negative" if p < 0.2 else "doubt")
    ordered = filter_rows(rows[:4], "uncertain")
    assert [r.probability for r in ordered] == [0.5, 0.7, 0.95, 0.05]
    rows[0].label, rows[0].label_source = "negative", "nlp"
    assert [r.study_id for r in filter_rows(rows[:4], "disagree")] == [rows[0].study_id]


def test_labels_confirm_undo_write_append_only_rows(workspace):
    with workspace.connect() as store:
        session = ReadingSession(store, "dr.x")
        nlp_study = load_rows(store, None)[0].study_id
        store.add_label(nlp_study, "fracture", "positive", source="nlp", author="labeller", confidence=0.95)
        before = len(store.label_history(nlp_study))
        action = session.confirm(nlp_study)
        current = store.current_label(nlp_study)
        assert action is not None and current.source == "radiologist" and current.author == "dr.x"
        session.label(nlp_study, "negative")
        assert store.current_label(nlp_study).value == "negative"
        session.undo()
        assert store.current_label(nlp_study).value == current.value   # back to the confirmed label
        session.grade(nlp_study, "difficult")
        assert store.current_difficulty(nlp_study) == "difficult"
        session.undo()
        assert store.current_difficulty(nlp_study) is None
        history = store.label_history(nlp_study)
        assert len(history) == before + 3                 # confirm, negative, retraction: nothing deleted
        assert session.undo().kind == "label" and session.undo() is None


def test_next_unread_skips_read_studies_and_wraps(workspace):
    with workspace.connect() as store:
        rows = load_rows(store, None)
    rows[1].label_source = "radiologist"
    assert next_unread(rows, rows[0].study_id).study_id == rows[2].study_id
    for r in rows:
        r.label_source = "radiologist"
    rows[0].label_source = None
    assert next_unread(rows, rows[-1].study_id).study_id == rows[0].study_id
    assert next_unread(rows, rows[0].study_id) is None


def test_blinded_answers_record_view_and_time(workspace):
    with workspace.connect() as store:
        session = ReadingSession(store, "reader-1")
        study = store.studies()[0]["id"]
        image = store.images(study)[0]["id"]
        name = session.start_blinded("study-A")
        session.study_opened(study)
        session.answer(study, image, "positive")
        row = store.execute("SELECT * FROM reading_answers").fetchone()
        assert (row["session"], row["study_id"], row["image_id"], row["reader"], row["value"]) == \
               (name, study, image, "reader-1", "positive")
        assert row["seconds"] >= 0
        assert store.current_label(study) is None or store.current_label(study).source != "radiologist"
