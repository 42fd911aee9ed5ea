"""The workspace database: versioning, append-only labels, concurrency, crash safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from core.errors import DiskFullError, InputError, WorkspaceError
from core.store import Workspace
from core.store import schema
from core.store.database import connect

REPO = Path(__file__).resolve().parents[2]


def _study(store, key="1.2.3") -> int:
    pid = store.upsert_patient(f"P-{key}")
    sid, _ = store.upsert_study(key, pid, body_part="wrist")
    return sid


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


def test_new_workspace_uses_wal_and_current_schema(ws):
    conn = sqlite3.connect(ws.db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    with ws.connect() as store:
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_database_from_newer_version_is_refused(ws):
    conn = sqlite3.connect(ws.db_path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceError, match="newer RadiNet Studio"):
        ws.connect()


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / "w.sqlite"
    connect(db).close()
    broken = "CREATE TABLE half_done (x INTEGER);\nTHIS IS NOT SQL;"
    monkeypatch.setattr("core.store.database.MIGRATIONS", [*schema.MIGRATIONS, broken])
    monkeypatch.setattr("core.store.database.SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    with pytest.raises(WorkspaceError, match="left unchanged"):
        connect(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "half_done" not in tables


def test_every_append_only_table_has_both_triggers(ws):
    conn = sqlite3.connect(ws.db_path)
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"measurements", "review_rejections"} <= tables
    for table in schema.APPEND_ONLY_TABLES:
        assert table in tables and {f"{table}_no_update", f"{table}_no_delete"} <= triggers, table
    # Measurements are annotations a reader may clear: deletable on purpose.
    assert not any(name.startswith("measurements_") for name in triggers)


def test_a_schema_3_workspace_upgrades_to_4_keeping_its_rows(tmp_path, monkeypatch):
    from core.reports.queue import add_suggestion, review_queue
    from core.store.store import Store

    db = tmp_path / "w.sqlite"
    with monkeypatch.context() as m:                       # what the release before issue 12 wrote
        m.setattr("core.store.database.MIGRATIONS", schema.MIGRATIONS[:3])
        m.setattr("core.store.database.SCHEMA_VERSION", 3)
        with Store.open(db) as old:
            sid = _study(old)
            label = old.add_label(sid, "fracture", "positive", "import", "csv")
            add_suggestion(old, sid, "negative", 0.5, "v1", "review")
            assert old.execute("PRAGMA user_version").fetchone()[0] == 3
            assert not old.execute("SELECT 1 FROM sqlite_master WHERE name = 'measurements'").fetchone()
    with Store.open(db) as store:
        assert store.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 4
        assert store.current_label(sid).id == label
        assert [q["study_id"] for q in review_queue(store)] == [sid]
        assert store.execute("SELECT COUNT(*) FROM measurements").fetchone()[0] == 0
        assert store.execute("SELECT 1 FROM sqlite_master WHERE name = 'review_rejections_no_delete'").fetchone()


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "workspace.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(WorkspaceError, match="not a RadiNet workspace or is damaged"):
        Workspace.open(bad)


def test_current_label_precedence_radiologist_over_nlp_over_import(ws):
    with ws.connect() as store:
        sid = _study(store)
        assert store.current_label(sid) is None
        store.add_label(sid, "fracture", "negative", "import", "pacs")
        assert store.current_label(sid).source == "import"
        store.add_label(sid, "fracture", "positive", "nlp", "labeller", confidence=0.99, labeller_version="v1")
        assert store.current_label(sid).value == "positive"
        store.add_label(sid, "fracture", "negative", "model", "m1", confidence=0.9)  # never a label
        assert store.current_label(sid).source == "nlp"
        first = store.add_label(sid, "fracture", "uncertain", "radiologist", "dr.a")
        store.add_label(sid, "fracture", "positive", "radiologist", "dr.b")
        current = store.current_label(sid)
        assert (current.value, current.author) == ("positive", "dr.b")
        # A newer import or nlp row never beats a radiologist row.
        store.add_label(sid, "fracture", "negative", "import", "pacs")
        assert store.current_label(sid).author == "dr.b"
        assert store.current_labels()[sid].author == "dr.b"
        assert len(store.label_history(sid)) == 6
        assert first < current.id


def test_undo_appends_a_retraction_and_falls_back(ws):
    with ws.connect() as store:
        sid = _study(store)
        store.add_label(sid, "fracture", "negative", "nlp", "labeller", confidence=0.97)
        lid = store.add_label(sid, "fracture", "positive", "radiologist", "dr.a")
        store.retract_label(lid, "dr.a")
        assert store.current_label(sid).source == "nlp"
        assert sid not in {k for k, v in store.current_labels().items() if v.source == "radiologist"}
        history = store.label_history(sid)
        assert [h["value"] for h in history] == ["negative", "positive", None]
        assert history[-1]["retracts"] == lid
        # The live labels: neither the retracted row nor the retraction, nor a model's record.
        store.add_label(sid, "fracture", "positive", "model", "fracture-m1", confidence=0.9)
        assert [(label.value, label.source) for label in store.live_labels(sid)] == [("negative", "nlp")]


def test_labels_and_grades_are_append_only(ws):
    with ws.connect() as store:
        sid = _study(store)
        store.add_label(sid, "fracture", "positive", "radiologist", "dr.a")
        store.add_difficulty(sid, "easy", "dr.a")
        for sql in ("UPDATE labels SET value = 'negative'", "DELETE FROM labels",
                    "UPDATE difficulty SET grade = 'difficult'", "DELETE FROM difficulty", "DELETE FROM audit"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                store.execute(sql)
        assert store.current_label(sid).value == "positive"


def test_difficulty_grades_latest_wins_and_undo(ws):
    with ws.connect() as store:
        sid = _study(store)
        assert store.current_difficulty(sid) is None
        store.add_difficulty(sid, "easy", "dr.a")
        gid = store.add_difficulty(sid, "difficult", "dr.a")
        assert store.current_difficulty(sid) == "difficult"
        store.retract_difficulty(gid, "dr.a")
        assert store.current_difficulty(sid) == "easy"
        store.add_difficulty(sid, "difficult", "demo", source="ground_truth")
        assert store.current_difficulty(sid) == "easy"
        assert store.current_difficulty(sid, source="ground_truth") == "difficult"
        with pytest.raises(InputError):
            store.add_difficulty(sid, "hard", "dr.a")


def test_bad_label_values_are_refused_with_a_sentence(ws):
    with ws.connect() as store:
        sid = _study(store)
        with pytest.raises(InputError, match="fracture label must be one of"):
            store.add_label(sid, "fracture", "maybe", "radiologist", "dr.a")
        with pytest.raises(InputError, match="Unknown label source"):
            store.add_label(sid, "fracture", "positive", "gossip", "dr.a")


def test_audit_records_ids_not_patient_details(ws):
    with ws.connect() as store:
        pid = store.upsert_patient("DOE^JOHN-ID-778")
        sid, _ = store.upsert_study("1.2.9", pid)
        store.add_label(sid, "fracture", "positive", "radiologist", "dr.a")
        rows = store.execute("SELECT * FROM audit").fetchall()
        assert rows and all("DOE" not in " ".join(str(v) for v in tuple(r)) for r in rows)
        assert rows[-1]["object_id"] == str(sid)


def test_a_full_disk_keeps_what_was_saved(ws):
    with ws.connect() as store:
        sid = _study(store)
        kept = store.add_label(sid, "fracture", "positive", "radiologist", "dr.a")
        page_count = store.execute("PRAGMA page_count").fetchone()[0]
        store.execute(f"PRAGMA max_page_count = {page_count}")  # no room to grow: acts as a full disk
        with pytest.raises(DiskFullError, match="disk is full"):
            with store.transaction():
                for i in range(5000):
                    store.add_comment(sid, "x" * 500, "dr.a")
        store.execute("PRAGMA max_page_count = 1073741823")
        assert store.current_label(sid).id == kept
        assert store.comments(sid) == []
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reader_and_writer_threads_never_see_database_locked(ws):
    with ws.connect() as store:
        study_ids = [_study(store, f"1.2.{i}") for i in range(20)]
    errors: list[BaseException] = []
    done = threading.Event()

    def writer():
        try:
            with ws.connect() as s:
                for i in range(400):
                    s.add_label(study_ids[i % 20], "fracture", ("positive", "negative")[i % 2], "radiologist", "dr.w")
        except BaseException as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)
        finally:
            done.set()

    def reader():
        try:
            with ws.connect() as s:
                while not done.is_set():
                    s.current_labels()
                    s.summary()
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    def second_writer():
        try:
            with ws.connect() as s:
                for i in range(200):
                    s.add_difficulty(study_ids[i % 20], "easy", "dr.v")
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=f) for f in (writer, reader, reader, second_writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with ws.connect() as s:
        assert s.execute("SELECT COUNT(*) FROM labels").fetchone()[0] == 400
        assert s.execute("SELECT COUNT(*) FROM difficulty").fetchone()[0] == 200


def test_sigkill_during_label_writes_loses_no_committed_label(ws):
    with ws.connect() as store:
        sid = _study(store)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from core.store import Workspace
        store = Workspace({str(ws.path)!r}).connect()
        i = 0
        while True:
            lid = store.add_label({sid}, "fracture", ("positive", "negative")[i % 2], "radiologist", "dr.k")
            print(lid, flush=True)   # printed only after COMMIT returned
            i += 1
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    committed = []
    try:
        for line in proc.stdout:
            committed.append(int(line))
            if len(committed) >= 150:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(committed) >= 150
    with ws.connect() as store:
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {r[0] for r in store.execute("SELECT id FROM labels")}
        assert set(committed) <= ids
