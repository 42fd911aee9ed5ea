"""core.store.review.reject: a rejected suggestion leaves the review queue for good, until a newer one comes."""

from __future__ import annotations

import sqlite3

import pytest

from core.reports.queue import add_suggestion, review_queue
from core.store.review import reject, review_items
from core.store.workspace import Workspace


@pytest.fixture
def store(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    with ws.connect() as s:
        yield s


def _study(store, key):
    pid = store.upsert_patient(f"P-{key}")
    sid, _ = store.upsert_study(key, pid, body_part="wrist")
    store.add_image(sid, f"{key}.1", f"/nowhere/{key}.dcm")
    return sid


def _rows(store, table):
    return store.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _queued(store):
    return {it.study_id: it for it in review_items(store)}


def test_a_rejected_study_leaves_the_queue_stays_unlabelled_and_is_audited(store):
    a, b = _study(store, "1.1"), _study(store, "1.2")
    add_suggestion(store, a, "positive", 0.6, "v1", "review")
    add_suggestion(store, b, "negative", 0.45, "v1", "review")
    items = _queued(store)
    labels_before = _rows(store, "labels")
    row_id = reject(store, items[a], "dr.a")
    assert isinstance(row_id, int)
    assert set(_queued(store)) == {b}                                  # gone from the queue ...
    assert [q["study_id"] for q in review_queue(store)] == [b]
    assert _rows(store, "labels") == labels_before                     # ... without any label
    assert store.current_label(a) is None                              # still unlabelled in the worklist
    rejection = store.execute("SELECT * FROM review_rejections WHERE id = ?", (row_id,)).fetchone()
    assert (rejection["suggestion_id"], rejection["author"]) == (items[a].suggestion_id, "dr.a")
    audit = store.execute("SELECT user, action, object_type, object_id FROM audit WHERE action = 'reject-suggestion'")
    assert [tuple(r) for r in audit] == [("dr.a", "reject-suggestion", "study", str(a))]


def test_a_newer_suggestion_brings_a_rejected_study_back(store):
    a = _study(store, "2.1")
    add_suggestion(store, a, "positive", 0.6, "v1", "review")
    reject(store, _queued(store)[a], "dr.a")
    assert a not in _queued(store)
    add_suggestion(store, a, "negative", 0.4, "v2", "review")          # a later labeller run
    back = _queued(store)
    assert a in back and back[a].labeller_version == "v2" and back[a].value == "negative"


def test_a_stale_reject_writes_nothing(store):
    a, b, c = _study(store, "3.1"), _study(store, "3.2"), _study(store, "3.3")
    for sid in (a, b, c):
        add_suggestion(store, sid, "positive", 0.6, "v1", "review")
    items = _queued(store)
    add_suggestion(store, a, "positive", 0.58, "v2", "review")         # re-suggested meanwhile (same value)
    store.add_label(b, "fracture", "negative", "radiologist", "dr.b")  # labelled meanwhile
    assert reject(store, items[c], "dr.a") is not None
    before = (_rows(store, "review_rejections"), _rows(store, "audit"), _rows(store, "labels"))
    assert reject(store, items[a], "dr.a") is None                      # the reader saw the older suggestion
    assert reject(store, items[b], "dr.a") is None                      # a radiologist decided
    assert reject(store, items[c], "dr.a") is None                      # already rejected
    assert (_rows(store, "review_rejections"), _rows(store, "audit"), _rows(store, "labels")) == before
    assert set(_queued(store)) == {a}                                   # the newer suggestion still waits


def test_rejections_are_append_only(store):
    a = _study(store, "4.1")
    add_suggestion(store, a, "positive", 0.6, "v1", "review")
    reject(store, _queued(store)[a], "dr.a")
    for sql in ("UPDATE review_rejections SET author = 'someone else'", "DELETE FROM review_rejections"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.execute(sql)
    assert _rows(store, "review_rejections") == 1 and a not in _queued(store)
