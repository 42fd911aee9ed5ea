"""core.store's change feed and blinded summary (Qt-free): what the GUI's views subscribe to."""

from __future__ import annotations

from core.store.changes import ChangeFeed
from core.store.reading import ReadingSession


def test_poll_reports_another_connections_writes_by_kind(workspace):
    with workspace.connect() as gui_store, workspace.connect() as cli_store:
        feed = ChangeFeed(gui_store)
        seen = []
        unsubscribe = feed.subscribe(seen.append)
        assert feed.poll() == []                                   # nothing happened yet
        study = gui_store.studies()[0]["id"]
        cli_store.add_label(study, "fracture", "positive", source="radiologist", author="dr.cli")
        cli_store.add_difficulty(study, "easy", author="dr.cli")
        kinds = {c.kind for c in feed.poll()}
        assert kinds == {"labels", "difficulty"} and all(c.external for c in seen)
        assert feed.poll() == []                                   # reported once
        unsubscribe()
        cli_store.add_comment(study, "x", author="dr.cli")
        assert [c.kind for c in feed.poll()] == ["comments"] and len(seen) == 2


def test_the_sessions_own_writes_are_published_not_polled(workspace):
    with workspace.connect() as store:
        feed = ChangeFeed(store)
        seen = []
        feed.subscribe(seen.append)
        session = ReadingSession(store, "dr.x", changes=feed)
        study = store.studies()[1]["id"]
        session.label(study, "negative")
        session.grade(study, "difficult")
        session.undo()
        assert [(c.kind, c.study_id, c.external) for c in seen] == [
            ("labels", study, False), ("difficulty", study, False), ("difficulty", study, False)]
        assert feed.poll() == []      # our own connection's commits do not move its data_version


def test_blinded_summary_per_reader(workspace, tmp_path):
    import json

    with workspace.connect() as store:
        a = ReadingSession(store, "reader-a")
        b = ReadingSession(store, "reader-b")
        name = a.start_blinded("study-X")
        b.start_blinded(name)
        s1, s2 = (s["id"] for s in store.studies()[:2])
        for session, study in ((a, s1), (a, s2), (b, s1)):
            session.study_opened(study)
            for image in store.images(study):
                session.answer(study, image["id"], "negative")
        b.stop_blinded()
        summary = a.stop_blinded(tmp_path)
    readers = {r["reader"]: r for r in summary["readers"]}
    assert readers["reader-a"]["studies"] == 2 and readers["reader-b"]["studies"] == 1
    with workspace.connect() as store:
        n_a = sum(len(store.images(s)) for s in (s1, s2))
    assert readers["reader-a"]["answers"] == n_a
    assert json.loads(open(summary["file"], encoding="utf-8").read())["session"] == "study-X"


def test_poll_reports_measurements_saved_and_cleared_by_another_connection(workspace):
    from core.store.measurements import clear_measurements, save_measurement

    with workspace.connect() as gui_store, workspace.connect() as other:
        feed = ChangeFeed(gui_store)
        image = other.images(other.studies()[0]["id"])[0]["id"]
        save_measurement(other, image, "length", [(1.0, 2.0), (3.0, 4.0)], "dr.other")
        assert [c.kind for c in feed.poll()] == ["measurements"]
        clear_measurements(other, [image], "dr.other")      # rows leave: MAX(id) alone would not see it
        assert "measurements" in [c.kind for c in feed.poll()]


def test_a_full_disk_when_the_blinded_summary_is_saved_ends_the_session_with_one_sentence(workspace, tmp_path,
                                                                                          monkeypatch):
    import errno

    from core import atomic_file

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with workspace.connect() as store:
        session = ReadingSession(store, "reader-a")
        session.start_blinded("study-full")
        study = store.studies()[0]["id"]
        session.study_opened(study)
        session.answer(study, store.images(study)[0]["id"], "positive")
        monkeypatch.setattr(atomic_file, "open", full_disk, raising=False)
        summary = session.stop_blinded(tmp_path / "reader_studies")
        assert session.blinded_session is None                      # the session ended anyway
        assert summary["file"] is None and summary["error"].startswith("The disk is full;")
        assert summary["readers"][0]["answers"] == 1                 # the answer itself is in the workspace
        assert not list((tmp_path / "reader_studies").glob("*"))     # no half-written or temporary file
