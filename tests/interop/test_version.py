"""radinet --version: version, commit, published models, research-use notice."""

from __future__ import annotations

import json

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
