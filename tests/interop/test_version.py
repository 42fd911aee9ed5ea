"""radinet --version: version, commit, published models, research-use notice."""

from __future__ import annotations

import json

import pytest

from main import main


def test_version_names_models_and_notice(demo_ws, capsys):
    assert main(["--version", "--workspace", str(demo_ws.path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    from tests.interop.conftest import MODEL_ID

    assert info["published_models"] == {"fracture": MODEL_ID}
    assert info["version"] and info["commit"]
    assert "not for diagnostic use" in info["notice"]


def test_version_does_not_create_a_workspace(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["--version", "--workspace", str(missing)]) == 0
    out = capsys.readouterr().out
    assert "no workspace yet" in out and "not for diagnostic use" in out
    assert not missing.exists()


def test_an_installed_package_names_the_commit_stamped_when_it_was_built(tmp_path, monkeypatch):
    from core.interop import about

    monkeypatch.setattr(about, "_ROOT", tmp_path)                     # no .git: an installed package
    monkeypatch.setattr(about, "BUILD_COMMIT_FILE", tmp_path / "build_commit.txt")
    assert about.git_commit() == "unknown (installed from a package built without git)"
    (tmp_path / "build_commit.txt").write_text("0123456789ab\n", encoding="utf-8")
    assert about.git_commit() == "0123456789ab"


@pytest.mark.slow
def test_the_wheel_carries_the_commit_it_was_built_from(tmp_path):
    """setup.py's build step writes the checkout's commit into the wheel (a wheel has no .git)."""
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    from core.interop.about import BUILD_COMMIT_FILE, source_commit

    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists() or source_commit() is None:
        pytest.skip("not a git checkout")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--wheel-dir", str(tmp_path), str(root)], check=True, timeout=600)
    (wheel,) = tmp_path.glob("radinet_studio-*.whl")
    with zipfile.ZipFile(wheel) as z:
        stamped = z.read(BUILD_COMMIT_FILE.relative_to(root).as_posix()).decode().strip()
    assert stamped == source_commit()
