"""core.store.measurements: lengths and angles kept in the workspace, validated, audited, clearable."""

from __future__ import annotations

import math

import pytest

from core.errors import InputError, WorkspaceError
from core.store.measurements import StoredMeasurement, clear_measurements, measurements_for, save_measurement
from core.store.workspace import Workspace


@pytest.fixture
def ws(tmp_path):
    return Workspace.open(tmp_path / "ws")


def _images(store, n=2) -> list[int]:
    pid = store.upsert_patient("P-1")
    sid, _ = store.upsert_study("1.2.3", pid, body_part="wrist")
    return [store.add_image(sid, f"1.2.3.{i}", f"/nowhere/{i}.dcm") for i in range(n)]


def _audit(store, action):
    return [tuple(r) for r in store.execute(
        "SELECT user, action, object_type, object_id FROM audit WHERE action = ? ORDER BY id", (action,))]


def test_saved_measurements_come_back_exactly_from_a_new_connection(ws):
    with ws.connect() as store:
        a, b = _images(store)
        length_pts = [(10.25, 20.125), (110.3333333333, 95.1)]
        angle_pts = [(1.0, 2.0), (3.5, 4.5), (0.1 + 0.2, 7.0)]     # floats that do not print short
        first = save_measurement(store, a, "length", length_pts, "dr.a")
        second = save_measurement(store, a, "angle", angle_pts, "dr.b")
        save_measurement(store, b, "length", [(0, 0), (3, 4)], "dr.a")
    with ws.connect() as store:                                       # what a restarted application reads
        got = measurements_for(store, [a, b, 999])
        assert set(got) == {a, b}
        assert [m.id for m in got[a]] == [first, second]              # oldest first
        m = got[a][0]
        assert isinstance(m, StoredMeasurement)
        assert (m.image_id, m.kind, m.author) == (a, "length", "dr.a") and m.created_at
        assert m.points == tuple(length_pts)                          # bit-for-bit: the text shown is the same
        assert got[a][1].points == tuple(angle_pts) and got[a][1].author == "dr.b"
        assert got[b][0].points == ((0.0, 0.0), (3.0, 4.0))
        assert measurements_for(store, []) == {}
        with pytest.raises(Exception):                                 # frozen
            m.kind = "angle"
        assert _audit(store, "measure") == [("dr.a", "measure", "image", str(a)), ("dr.b", "measure", "image", str(a)),
                                            ("dr.a", "measure", "image", str(b))]


@pytest.mark.parametrize("kind,points,words", [
    ("area", [(0, 0), (1, 1)], "length or an angle"),
    ("length", [(0, 0)], "exactly 2 points"),
    ("length", [(0, 0), (1, 1), (2, 2)], "exactly 2 points"),
    ("angle", [(0, 0), (1, 1)], "exactly 3 points"),
    ("length", [(0, 0), (math.nan, 1)], "finite"),
    ("length", [(0, 0), (math.inf, 1)], "finite"),
    ("length", [(0, 0), ("a", 1)], "(row, column) numbers"),
    ("length", [(0, 0), (1,)], "(row, column) numbers"),
])
def test_bad_measurements_are_refused_with_one_sentence_and_nothing_written(ws, kind, points, words):
    with ws.connect() as store:
        (a,) = _images(store, 1)
        with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")) as err:
            save_measurement(store, a, kind, points, "dr.a")
        assert str(err.value).endswith(".") and str(err.value).count(". ") == 0
        assert store.execute("SELECT COUNT(*) FROM measurements").fetchone()[0] == 0
        assert _audit(store, "measure") == []


def test_clear_removes_only_the_given_images_and_audits_each(ws):
    with ws.connect() as store:
        a, b, c = _images(store, 3)
        for image in (a, a, b, c):
            save_measurement(store, image, "length", [(0, 0), (1, 1)], "dr.a")
        assert clear_measurements(store, [a, b], "dr.c") == 3
        assert set(measurements_for(store, [a, b, c])) == {c}
        assert sorted(_audit(store, "clear-measurements")) == [("dr.c", "clear-measurements", "image", str(a)),
                                                              ("dr.c", "clear-measurements", "image", str(b))]
        assert clear_measurements(store, [a, b], "dr.c") == 0        # nothing left: no audit row either
        assert len(_audit(store, "clear-measurements")) == 2
        assert clear_measurements(store, [], "dr.c") == 0


def test_a_measurement_of_an_image_not_in_the_workspace_is_refused_in_a_sentence(ws):
    with ws.connect() as store:
        _images(store, 1)
        with pytest.raises(WorkspaceError, match="could not save"):
            save_measurement(store, 12345, "length", [(0, 0), (1, 1)], "dr.a")
        assert store.execute("SELECT COUNT(*) FROM measurements").fetchone()[0] == 0
        assert _audit(store, "measure") == []
