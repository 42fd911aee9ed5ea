"""core.store.triage (what the triage worker predicts next) and core.store.review (the report review queue)."""

from __future__ import annotations

import pytest

from core.store.workspace import Workspace


@pytest.fixture
def store(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    with ws.connect() as s:
        yield s


def _study(store, key, date):
    pid = store.upsert_patient(f"P-{key}")
    sid, _ = store.upsert_study(key, pid, study_date=date, body_part="wrist")
    store.add_image(sid, f"{key}.1", f"/nowhere/{key}.dcm")
    return sid


def test_newest_first_undated_last_and_only_studies_with_images(store):
    from core.store.triage import count_predicted, studies_to_predict

    old = _study(store, "1.1", "20200101")
    new = _study(store, "1.2", "20240101")
    undated = _study(store, "1.3", None)
    mid = _study(store, "1.4", "20220101")
    pid = store.upsert_patient("P-empty")
    store.upsert_study("1.5", pid, study_date="20250101")            # no image: nothing to predict
    only_m = {"fracture": "m"}                                       # one all-parts model
    assert [s for s, _ in studies_to_predict(store, only_m)] == [new, mid, old, undated]
    store.add_predictions([{"study_id": mid, "model_id": "m", "task": "fracture", "probability": 0.3}])
    assert studies_to_predict(store, only_m) == [(new, "m"), (old, "m"), (undated, "m")]
    assert [s for s, _ in studies_to_predict(store, {"body_part": "m"}, task="body_part")] == [new, mid, old, undated]
    assert count_predicted(store, "m") == 1


class Session:
    """The part of core.store.reading.ReadingSession that review.accept uses."""

    def __init__(self, store):
        self.store, self.calls = store, []

    def label(self, study_id, value):
        self.calls.append((study_id, value))
        return self.store.add_label(study_id, "fracture", value, "radiologist", "dr.test")


def test_accept_writes_one_label_only_while_the_suggestion_is_still_waiting(store):
    from core.reports.queue import add_suggestion
    from core.store.review import accept, review_items

    a, b = _study(store, "2.1", "20240101"), _study(store, "2.2", "20240102")
    add_suggestion(store, a, "positive", 0.6, "v1", "review")
    add_suggestion(store, b, "negative", 0.45, "v1", "review")
    items = {it.study_id: it for it in review_items(store)}
    assert [it.study_id for it in review_items(store)] == [b, a]      # most doubtful first
    session = Session(store)
    assert accept(store, session, items[a]) is not None
    assert session.calls == [(a, "positive")] and store.current_label(a).source == "radiologist"
    assert accept(store, session, items[a]) is None                   # already decided: nothing more
    add_suggestion(store, b, "positive", 0.55, "v2", "review")        # a newer run changed its mind
    assert accept(store, session, items[b]) is None                   # the reader saw the old one
    assert session.calls == [(a, "positive")]
    assert [it.study_id for it in review_items(store)] == [b]
