"""Shared steps of the reading-tools tests (issue 12, section 4)."""

from __future__ import annotations

from PySide6.QtCore import Qt


def open_window(qtbot, make_window, **kw):
    """A window on the first study, its pixels and headers on screen, the keyboard on the image."""
    window = make_window(**kw)
    qtbot.waitUntil(lambda: window.current_study is not None and bool(window.study_view.visible_panes()),
                    timeout=15_000)
    qtbot.waitUntil(lambda: all(p.header is not None for p in window.study_view.visible_panes()), timeout=10_000)
    window.activateWindow()
    window.study_view.setFocus()
    return window


def open_study_with_views(qtbot, window, n_views: int) -> int:
    """Select a study with exactly ``n_views`` images and wait for all of them on screen."""
    store = window.store
    study_id = next(s["id"] for s in store.studies() if len(store.images(s["id"])) == n_views)
    window.worklist.select(study_id)
    qtbot.waitUntil(lambda: window.current_study == study_id and len(window.study_view.image_ids) == n_views
                    and bool(window.study_view.visible_panes()), timeout=15_000)
    qtbot.waitUntil(lambda: all(p.header is not None for p in window.study_view.visible_panes()), timeout=10_000)
    window.study_view.setFocus()
    return study_id


def label_rows(store) -> int:
    return store.execute("SELECT COUNT(*) FROM labels").fetchone()[0]


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window, k, modifier)
