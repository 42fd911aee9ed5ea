"""No patient data in any output or log, nothing written outside the workspace and the settings, no network
(issue 14, "Keep it proven"): import files with known Patient's Name / Patient ID, run the commands and the
GUI start, each in a child process with HOME set to an empty folder (under strace where available).

The slow test runs the real chain: demo -> import -> train (1 epoch, tiny) -> predict -> GUI start.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.security.isolation import run_isolated

PATIENT_NAME = "Qzxphitest^Wendelinora"
PATIENT_ID = "PHI77341X"
BIRTH_DATE = "19470203"
PHI = ("Qzxphitest", "Wendelinora", PATIENT_ID, BIRTH_DATE)
# What QSettings("RadiNet", "RadiNet Studio") writes on Linux, and the workspace.
SETTINGS = ".config/RadiNet"
WORKSPACE = "ws"


def _cli(*args: str) -> str:
    return f"import sys, main\nsys.exit(main.main({list(args)!r}))\n"


def _files_with_phi(root: Path, demo_file: Path) -> dict[str, Path]:
    import pydicom

    root.mkdir(parents=True, exist_ok=True)
    ds = pydicom.dcmread(demo_file)
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = PATIENT_NAME, PATIENT_ID, BIRTH_DATE
    ds.AccessionNumber = "ACC-PHI-1"
    good = root / "image1.dcm"
    ds.save_as(good)
    cut = root / "image2.dcm"
    cut.write_bytes(good.read_bytes()[:5000])          # a refusal message mentions this file
    changed = bytearray(good.read_bytes())
    changed[-10] ^= 0xFF
    (root / "copy").mkdir(exist_ok=True)
    (root / "copy" / "image1.dcm").write_bytes(bytes(changed))   # "differs from the imported copy"
    (root / "reports.csv").write_text(f"accession,report\nACC-PHI-1,No fracture. Patient {PATIENT_NAME}.\n"
                                      f"ACC-UNKNOWN,text\n", encoding="utf-8")
    return {"good": good, "cut": cut}


def _assert_clean(seen, home: Path, what: str) -> None:
    assert seen.stray_files == [], f"{what} wrote outside the workspace and settings: {seen.stray_files}"
    assert seen.network_calls == [], f"{what} tried the network: {seen.network_calls[:3]}"
    for word in PHI:
        assert word not in seen.output, f"{what} printed patient data ({word})"


def _scan_logs(home: Path) -> None:
    """Every text file the run left (logs, settings, exports) -- not the database or the images."""
    for path in home.rglob("*"):
        if path.is_file() and path.suffix in (".log", ".txt", ".conf", ".ini", ".json", ".jsonl"):
            text = path.read_text(errors="replace")
            for word in PHI:
                assert word not in text, f"{path.relative_to(home)} holds patient data ({word})"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    from core.demo.generate import generate_demo_files

    manifest = generate_demo_files(tmp_path_factory.mktemp("demo"), n_studies=1, seed=11, workers=0)
    return Path(manifest.studies[0].image_paths[0])


@pytest.mark.slow          # nine child processes under strace: about two minutes on an idle machine
@pytest.mark.timeout(2400)
def test_commands_and_gui_start_print_no_patient_data_write_nothing_outside_and_stay_offline(tmp_path, demo_file):
    from core.store import Workspace
    from tests.security.fake_model import publish_fake_model

    home = tmp_path / "home"
    ws_dir = home / WORKSPACE
    incoming = home / "incoming"   # the user's own files sit in HOME too: allowed, not written by us
    files = _files_with_phi(incoming, demo_file)
    publish_fake_model(Workspace.open(ws_dir))
    allowed = [WORKSPACE, SETTINGS, "incoming", "out"]
    W = ["--workspace", str(ws_dir)]
    steps = [
        ("import", _cli("import", str(incoming), *W)),
        ("import --json", _cli("import", str(incoming), *W, "--json")),
        ("render", _cli("render", str(files["good"]), "--out", str(home / "out" / "a.png"))),
        ("render damaged", _cli("render", str(files["cut"]), "--out", str(home / "out" / "b.png"))),
        ("predict file", _cli("predict", str(files["good"]), *W, "--heatmap-dir", str(home / "out"))),
        ("predict study", _cli("predict", "ACC-PHI-1", *W, "--json")),
        ("predict unknown", _cli("predict", "ACC-NOT-THERE", *W)),
        ("models list", _cli("models", "list", *W)),
        ("gui start", _cli("gui", *W, "--no-demo", "--screenshot", str(home / "out" / "gui.png"))),
    ]
    (home / "out").mkdir(parents=True, exist_ok=True)
    for what, code in steps:
        seen = run_isolated(code, home, allowed=allowed, timeout=400)
        assert seen.returncode in (0, 2), f"{what}: exit {seen.returncode}\n{seen.output[-3000:]}"
        _assert_clean(seen, home, what)
    _scan_logs(home)
    # The run did what it claims (the checks above are not passing on an empty run).
    assert (home / "out" / "gui.png").exists() and (home / "out" / "a.png").exists()


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_demo_import_train_predict_gui_offline_and_inside_the_workspace(tmp_path):
    home = tmp_path / "home"
    ws_dir = home / WORKSPACE
    W = ["--workspace", str(ws_dir)]
    (home / "out").mkdir(parents=True)
    steps = [
        ("demo", _cli("demo", *W, "--studies", "24", "--seed", "4")),
        ("train", _cli("train", *W, "--stage", "target", "--epochs", "1", "--init", "random", "--device", "cpu")),
        ("models list", _cli("models", "list", *W, "--json")),
        ("gui start", _cli("gui", *W, "--no-demo", "--screenshot", str(home / "out" / "gui.png"))),
    ]
    for what, code in steps:
        seen = run_isolated(code, home, allowed=[WORKSPACE, SETTINGS, "out"], timeout=1800)
        assert seen.returncode == 0, f"{what}: exit {seen.returncode}\n{seen.output[-3000:]}"
        assert seen.stray_files == [], f"{what} wrote outside the workspace and settings: {seen.stray_files}"
        assert seen.network_calls == [], f"{what} tried the network: {seen.network_calls[:3]}"
        if what == "models list":
            models = json.loads(seen.output[seen.output.index("{"):])["models"]
            assert models, "training registered nothing to predict with"
            # 24 studies cannot pass the promotion rule: publish the candidate by hand, as a user may.
            seen = run_isolated(_cli("models", "promote", models[-1]["model_id"], *W), home,
                                allowed=[WORKSPACE, SETTINGS, "out"], timeout=600)
            assert seen.returncode == 0 and seen.stray_files == [] and seen.network_calls == [], seen.output[-2000:]
    study = next(p for p in (ws_dir / "demo").rglob("*.dcm"))
    seen = run_isolated(_cli("predict", str(study), *W), home, allowed=[WORKSPACE, SETTINGS, "out"], timeout=600)
    assert seen.returncode == 0 and seen.stray_files == [] and seen.network_calls == [], seen.output[-2000:]
    shutil.rmtree(home / "tmp", ignore_errors=True)
