"""Disk full while `radinet train` writes its checkpoints or publishes (issue 14, item 7).

The disk fills at the real write: ``atomic_write`` (core.atomic_file,
used for resume state, weights, sidecar and ONNX) gets a file whose write()
stores half the bytes and then fails with ENOSPC, as a full disk does; for the
registry row, SQLite's own page limit makes the database report a full disk. What
must hold afterwards: exit 2 with one sentence, no temporary or unregistered
model file left in models/, the published model still the champion and its
ONNX still runs, the database intact.
"""

from __future__ import annotations

import builtins
import hashlib
import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import main as cli
from core import atomic_file
from core.inference import model_files
from core.store import registry
from core.store.workspace import Workspace
from tests.trainer.conftest import copy_workspace, run_train
from tests.trainer.synthetic import build_synthetic_workspace

SIZE = 32
REPO = Path(__file__).resolve().parents[2]
TASK, BODY_PART = "body_part", "all"


class _FillsUp:
    """A file object whose write() keeps half the data, then fails like a full disk."""

    def __init__(self, fh):
        self._fh = fh

    def write(self, data):
        self._fh.write(data[: len(data) // 2])
        self._fh.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()
        return False


# Which of the trainer's writes meets the full disk; temp names are ".<final name>.<pid>.tmp".
WRITES = {
    "resume state": lambda p: p.parent.name == "resume",
    "weights": lambda p: p.parent.name == "models" and ".safetensors." in p.name,
    "sidecar": lambda p: p.parent.name == "models" and ".json." in p.name,
    "onnx export": lambda p: p.parent.name == "models" and ".onnx." in p.name,
    "registry row": None,   # the database, not a file: see the test
}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """12 synthetic studies and one body-part model, published (by hand: the split is too small to judge)."""
    ws = Workspace.open(tmp_path_factory.mktemp("disk-full") / "ws")
    build_synthetic_workspace(ws, n_studies=12, seed=1, views=1)
    model_id = run_train(ws, stage="body-part", epochs=1, image_size=SIZE, threads=1)[-1].result["model_id"]
    with ws.connect() as store:
        registry.promote(store, model_id, "published for the disk-full tests", "test")
    return ws, model_id


def _model_files(ws) -> dict[str, str]:
    """Name -> SHA-256 of each file directly in models/ (resume/ is the run's own folder)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in Path(ws.models_dir).iterdir() if p.is_file()}


def _temp_files(ws) -> list[Path]:
    return [p for p in Path(ws.path).rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("which", list(WRITES))
def test_a_full_disk_during_training_keeps_the_published_model(published, tmp_path, monkeypatch, capsys, which):
    src, champion_id = published
    ws = copy_workspace(src, tmp_path / "ws")
    before = _model_files(ws)
    with ws.connect() as store:
        models_before = store.execute("SELECT COUNT(*) FROM models").fetchone()[0]

    hits = []
    real_open = builtins.open

    def filling_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        if "w" in mode and WRITES[which] and WRITES[which](Path(file)):
            hits.append(Path(file).name)
            return _FillsUp(fh)
        return fh

    if which == "registry row":
        # The database's own limit: no page may be added, so SQLite itself reports a full disk.
        real_register = registry.register

        def register_on_a_full_disk(store, *args, **kwargs):
            hits.append("register")
            pages = store.execute("PRAGMA page_count").fetchone()[0]
            store.execute(f"PRAGMA max_page_count = {pages}")
            return real_register(store, *args, **kwargs)

        monkeypatch.setattr(registry, "register", register_on_a_full_disk)
    else:
        # atomic_write's own module sees this open(); nothing else is affected.
        monkeypatch.setattr(atomic_file, "open", filling_open, raising=False)

    code = cli.main(["train", "--workspace", str(ws.path), "--stage", "body-part", "--epochs", "1",
                     "--image-size", str(SIZE), "--threads", "1", "--device", "cpu", "--no-resume"])

    err = capsys.readouterr().err
    assert hits, f"the {which} write was never reached"
    assert code == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("radinet train: The disk is full;") and "nothing already saved was" in last, err
    assert "Traceback" not in err
    if which == "resume state":   # named by what it is for, not by its internal file name (<run key>.safetensors)
        assert "saving the point this training would resume from" in last and ".safetensors" not in last, last
    _assert_published_model_kept(ws, before, models_before, champion_id)


def _assert_published_model_kept(ws, before: dict, models_before: int, champion_id: str) -> None:
    assert not _temp_files(ws)
    # Nothing new in models/: no half-written and no unregistered weights, sidecar or ONNX.
    assert _model_files(ws) == before
    with ws.connect() as store:
        assert store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.execute("SELECT COUNT(*) FROM models").fetchone()[0] == models_before
        champion, _ = registry.champion_for(store, TASK, BODY_PART)
        assert champion is not None and champion["id"] == champion_id
        sidecar = registry.sidecar_of(champion)

    from core.inference.onnx_session import new_session

    onnx_file = model_files.confined_path(ws.models_dir, sidecar["onnx_file"], "ONNX file")
    session = new_session(onnx_file, providers=["CPUExecutionProvider"])
    logits, cam = session.run(["logits", "cam"], {"image": np.zeros((1, 1, SIZE, SIZE), np.float32)})
    assert logits.shape == (1, len(sidecar["classes"])) and np.isfinite(logits).all()


# A real limit: the CLI in a child process may write no file over 5 MB (SIGXFSZ
# ignored, so write() fails with EFBIG). The image cache and the database stay
# far below it; the first checkpoint (resume state, ~45 MB of weights plus Adam
# moments at any image size) cannot be written.
CHILD = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
import main
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.RLIM_INFINITY))
sys.exit(main.main(sys.argv[2:]))
"""


def test_a_file_size_limit_stops_training_with_one_sentence(published, tmp_path):
    pytest.importorskip("resource")
    src, champion_id = published
    ws = copy_workspace(src, tmp_path / "ws")
    before = _model_files(ws)
    with ws.connect() as store:
        models_before = store.execute("SELECT COUNT(*) FROM models").fetchone()[0]

    proc = subprocess.run([sys.executable, "-c", CHILD, str(5_000_000), "train", "--workspace", str(ws.path),
                           "--stage", "body-part", "--epochs", "1", "--image-size", str(SIZE), "--threads", "1",
                           "--device", "cpu", "--no-resume"],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})

    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    # EFBIG is not ENOSPC: core.errors words it as the file being too large, not the disk full.
    assert last.startswith("radinet train: The file is larger than this disk or account allows;"), last
    assert "saving the point this training would resume from" in last and ".safetensors" not in last, last
    _assert_published_model_kept(ws, before, models_before, champion_id)
