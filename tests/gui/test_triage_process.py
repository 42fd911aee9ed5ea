"""Triage in its own process: the real published model (a tiny ONNX graph), the pass in a child, signals here."""

from __future__ import annotations

import multiprocessing
import os
import time

from tests.interop.conftest import MODEL_ID, publish_tiny_model


def _triage(workspace, qtbot):
    from gui.workers.triage import TriageThread

    thread = TriageThread(workspace)          # no predictor given: the pass runs in a child process
    seen, failures, progress = [], [], []
    thread.triaged.connect(lambda s, m, p: seen.append((s, m, p)))
    thread.failed.connect(lambda s, m: failures.append((s, m)))
    thread.progress.connect(lambda d, t, m: progress.append((d, t, m)))
    thread.child_seen = []
    thread.triaged.connect(lambda *_: thread.child_seen.append(bool(_children())))
    thread.start()
    return thread, seen, failures, progress


def _children() -> list[str]:
    return [p.name for p in multiprocessing.active_children() if p.name == "radinet-triage"]


def test_triage_pass_runs_in_a_child_process_and_records_every_study(workspace, qtbot):
    from core.store.triage import count_predicted

    publish_tiny_model(workspace)
    thread, seen, failures, progress = _triage(workspace, qtbot)
    try:
        thread.restart()
        with workspace.connect() as store:
            n = store.count_studies()
        qtbot.waitUntil(lambda: thread.model_id == MODEL_ID and thread.total == n and thread.done == n,
                        timeout=120_000)
        qtbot.waitUntil(lambda: len(seen) == n, timeout=10_000)
        # thread.done is set in the worker thread before its progress signal is queued to this one: wait for
        # the signal itself, or the last (n, n) may still be on its way (a CI run saw (23, 24) here).
        qtbot.waitUntil(lambda: bool(progress) and progress[-1] == (n, n, MODEL_ID), timeout=10_000)
        assert not failures and any(thread.child_seen), "the pass did not run in a child process"
        with workspace.connect() as store:
            assert sorted(s for s, _, _ in seen) == sorted(r["id"] for r in store.studies())
        assert all(m == MODEL_ID and 0.0 <= p <= 1.0 for _, m, p in seen)
        assert progress[0] == (0, n, MODEL_ID) and progress[-1] == (n, n, MODEL_ID)
        with workspace.connect() as store:
            assert count_predicted(store, MODEL_ID) == n
            study = seen[0][0]
            rows = store.latest_predictions(study, "fracture", MODEL_ID)
            assert len(rows) == len(store.images(study)) + 1 and all(
                os.path.exists(r["heatmap_path"]) for r in rows if r["image_id"] is not None)
        # The pass is over: its process has ended; a restart with nothing left predicts nothing.
        qtbot.waitUntil(lambda: not _children(), timeout=15_000)
        thread.restart()
        qtbot.waitUntil(lambda: len(progress) > n + 1 and progress[-1] == (0, 0, MODEL_ID), timeout=60_000)
        assert len(seen) == n
    finally:
        thread.stop()
        assert thread.wait(30_000)


def test_stop_during_a_pass_ends_the_child_between_two_studies(workspace, qtbot):
    publish_tiny_model(workspace)
    thread, seen, failures, _ = _triage(workspace, qtbot)
    thread.restart()
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=120_000)
    started = time.monotonic()
    thread.stop()
    assert thread.wait(30_000)
    assert time.monotonic() - started < 15
    assert not _children()
    assert not failures            # a requested stop is not reported as a failure


def test_no_published_model_means_no_triage_and_no_message(workspace, qtbot, monkeypatch):
    from gui.workers import child_process

    started = []
    real_start = child_process.start_child
    monkeypatch.setattr(child_process, "start_child", lambda *a, **k: started.append(a) or real_start(*a, **k))
    thread, seen, failures, progress = _triage(workspace, qtbot)
    try:
        thread.restart()
        qtbot.waitUntil(lambda: bool(progress), timeout=60_000)
        assert progress[-1] == (0, 0, "") and thread.model_id is None and not seen and not failures
        assert not started                          # nothing published: no process was started
    finally:
        thread.stop()
        assert thread.wait(30_000)
