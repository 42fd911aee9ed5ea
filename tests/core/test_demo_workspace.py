"""build_demo_workspace and `radinet demo`: import, reports, labels, idempotency, no torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.demo.workspace import build_demo_workspace
from core.store.workspace import Workspace

N = 12
REPO = Path(__file__).resolve().parents[2]


def _counts(ws: Workspace) -> dict:
    with ws.connect() as store:
        q = lambda sql: store.execute(sql).fetchone()[0]  # noqa: E731
        return {t: q(f"SELECT COUNT(*) FROM {t}") for t in ("patients", "studies", "images", "reports", "labels",
                                                             "difficulty")}


def test_build_demo_workspace_imports_labels_and_is_idempotent(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    seen = []
    summary = build_demo_workspace(ws, n_studies=N, seed=2, progress=lambda d, t, m: seen.append((d, t)))
    assert summary["studies"] == N and summary["imported"] == summary["images"] >= 2 * N
    assert summary["labelled"] + summary["report_only"] == N and summary["report_only"] > 0
    assert summary["rejected"] == [] and summary["generated"]
    assert seen[-1] == (100, 100) and all(d <= t for d, t in seen)
    first = _counts(ws)
    assert first["studies"] == N and first["reports"] == N and first["labels"] == summary["labelled"]

    from core.demo.generate import read_manifest

    manifest = read_manifest(ws.demo_dir / "seed2")
    with ws.connect() as store:
        for s in manifest:
            sid = store.find_study(s.study_uid)
            assert sid is not None
            row = store.study(sid)
            assert row["body_part"] == s.body_part and row["accession"] == s.accession
            assert store.report(sid) == s.report
            label = store.current_label(sid, "fracture")
            if s.label_withheld:
                assert label is None
            else:
                assert label.value == ("positive" if s.fracture else "negative") and label.source == "import"
            assert store.current_difficulty(sid, source="ground_truth") == (s.difficulty if s.fracture else None)
            assert {r["view"] for r in store.images(sid)} == set(s.views)

    again = build_demo_workspace(ws, n_studies=N, seed=2)
    assert not again["generated"] and again["imported"] == 0 and again["labels_added"] == 0
    assert _counts(ws) == first


def test_demo_command_json_and_no_torch(tmp_path):
    code = (
        "import sys, json; from main import main; rc = main(sys.argv[1:]); "
        "assert 'torch' not in sys.modules, 'radinet demo imported torch'; "
        "assert not any(m.startswith('PySide6') for m in sys.modules); sys.exit(rc)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "demo", "--workspace", str(tmp_path / "w"), "--studies", "4", "--seed", "1",
         "--json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert set(payload) == {"studies", "images", "labelled", "report_only", "seconds", "workspace"}
    assert payload["studies"] == 4 and payload["images"] >= 8
    assert payload["workspace"] == str((tmp_path / "w").absolute())


@pytest.mark.parametrize("args", [["--studies", "0"], ["--seed", "-3"], ["--body-parts", "wrist,knee"]])
def test_demo_command_refuses_bad_numbers(tmp_path, capsys, args):
    from main import main

    assert main(["demo", "--workspace", str(tmp_path / "w"), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("radinet demo: The ") and "demo" in err[0]


def test_demo_of_some_body_parts_lives_beside_the_full_demo(tmp_path):
    """--body-parts: only those parts, in their own folder, with their own UIDs."""
    ws = Workspace.open(tmp_path / "w")
    full = build_demo_workspace(ws, n_studies=4, seed=1)
    some = build_demo_workspace(ws, n_studies=4, seed=1, body_parts=("humerus", "forearm"))
    assert Path(some["folder"]).name == "seed1-forearm-humerus" and Path(full["folder"]).name == "seed1"
    from core.demo.generate import read_manifest

    manifest = read_manifest(some["folder"])
    assert {s.body_part for s in manifest} <= {"humerus", "forearm"}
    with ws.connect() as store:
        assert store.count_studies() == 8  # no study UID shared with the full set
        assert all(store.find_study(s.study_uid) for s in manifest)
    again = build_demo_workspace(ws, n_studies=4, seed=1, body_parts=("forearm", "humerus"))
    assert not again["generated"] and again["imported"] == 0
