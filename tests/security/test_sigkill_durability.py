"""Two label writers killed with SIGKILL again and again: the database passes PRAGMA integrity_check and every
acknowledged label is present (issue 14, "Keep it proven"; slow)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _study(ws) -> int:
    with ws.connect() as store:
        patient = store.upsert_patient("durability-patient")
        study_id, _ = store.upsert_study("1.2.826.0.1.3680043.8.498.1", patient, origin="dicom")
    return study_id


def _reader(proc, acknowledged: list[int]) -> None:
    for line in proc.stdout:
        line = line.strip()
        if line.isdigit():
            acknowledged.append(int(line))


@pytest.mark.slow
def test_sigkill_of_two_label_writers_loses_no_acknowledged_label(tmp_path):
    import sqlite3

    from core.store import Workspace

    ws = Workspace.open(tmp_path / "ws")
    study_id = _study(ws)
    rng = random.Random(14)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    acknowledged: list[int] = []
    rounds = int(os.environ.get("RADINET_SIGKILL_ROUNDS", "40"))
    for _ in range(rounds):
        procs, readers, acks = [], [], []
        for name in ("writer-a", "writer-b"):
            proc = subprocess.Popen([sys.executable, "-m", "tests.security.label_writer", str(ws.path),
                                     str(study_id), name], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            own: list[int] = []
            reader = threading.Thread(target=_reader, args=(proc, own), daemon=True)
            reader.start()
            procs.append(proc)
            readers.append(reader)
            acks.append(own)
        deadline = time.monotonic() + 120
        while not all(acks) and time.monotonic() < deadline:   # both writers are committing labels
            time.sleep(0.05)
        time.sleep(rng.uniform(0.05, 1.0))   # then kill at a random moment mid-stream
        for proc in procs:
            proc.send_signal(signal.SIGKILL)
        for proc, reader, own in zip(procs, readers, acks):
            proc.wait(timeout=60)
            reader.join(timeout=60)
            acknowledged.extend(own)
    assert len(acknowledged) > rounds, "the writers never got going; the test proved nothing"
    db = sqlite3.connect(ws.db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        present = {row[0] for row in db.execute("SELECT id FROM labels")}
    finally:
        db.close()
    missing = set(acknowledged) - present
    assert not missing, f"{len(missing)} acknowledged labels lost, e.g. {sorted(missing)[:5]}"
