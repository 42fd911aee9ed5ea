"""Disk full during `radinet import` (issue 14, item 7): a real write limit, not a mock.

The import runs in a child process under ``RLIMIT_FSIZE`` with SIGXFSZ
ignored, so SQLite's own write() of the WAL fails midway exactly as it would
on a quota-limited or full disk (EFBIG here; SQLite reports it as an I/O
error, whereas ENOSPC becomes SQLITE_FULL: both must end in one sentence).
Import commits every few files, so studies filed before the limit must stay.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

resource = pytest.importorskip("resource")   # POSIX only

from core.demo.generate import generate_demo_files  # noqa: E402
from core.store.workspace import Workspace  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

# The child: a tiny commit chunk (2 files) so 10 demo studies span many
# transactions, then the real CLI entry point under a file-size limit.
CHILD = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # write() then fails with EFBIG instead of killing us
import core.importing.importer as importer
importer._CHUNK = 2
import main
limit = int(sys.argv[1])
if limit:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
sys.exit(main.main(sys.argv[2:]))
"""

# Bytes any one file may grow to: the empty workspace database is ~130 KB and
# is not written during import (WAL), the -shm index is 32 KB, and each 2-file
# commit appends a handful of 4 KB pages to the -wal, so the WAL hits the limit
# after a few commits (about 6 of the 22 images here).
LIMIT = 120_000


def _import(workspace: Path, source: Path, limit: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHILD, str(limit), "import", str(source), "--workspace",
                           str(workspace)], cwd=REPO, capture_output=True, text=True, timeout=300)


def _counts(db: Path) -> tuple[str, int, int]:
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("PRAGMA integrity_check").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM images").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM studies").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-files")
    generate_demo_files(folder, 10, seed=5, workers=1)
    return folder


def _image_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.dcm")]


def test_import_on_a_full_disk_stops_with_one_sentence_and_keeps_what_was_filed(demo_folder, tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    total = len(_image_files(demo_folder))
    assert total >= 10

    proc = _import(ws.path, demo_folder, LIMIT)

    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("radinet import: ") and "could not be written" in last and "full" in last, proc.stderr
    assert last.count(". ") == 0 and last.endswith("."), last   # one sentence
    integrity, images, studies = _counts(ws.db_path)
    assert integrity == "ok"
    assert 0 < images < total, (images, total)   # the limit struck midway; earlier commits stayed
    assert studies > 0
    assert not [p for p in ws.path.rglob("*") if p.suffix == ".tmp" or p.name.endswith(".tmp")]

    # Space freed: the same command completes and files exactly the rest.
    again = _import(ws.path, demo_folder, 0)
    assert again.returncode == 0, again.stderr
    assert f"skipped {images} already in the workspace" in again.stdout, again.stdout
    integrity, images_after, _ = _counts(ws.db_path)
    assert integrity == "ok" and images_after == total


def test_a_disk_too_full_to_open_the_workspace_is_not_called_damaged(demo_folder, tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    before = ws.db_path.read_bytes()

    proc = _import(ws.path, demo_folder, 20_000)   # below the 32 KB WAL index: nothing can be written

    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "damaged" not in last and "cannot be opened because nothing can be written" in last, last
    assert ws.db_path.read_bytes() == before
    assert _counts(ws.db_path)[0] == "ok"
