"""installer/install.sh: a fresh venv from a wheelhouse with no index, a launcher and a desktop entry.

The real wheelhouse is about 5 GB (torch and CUDA); this test uses a tiny
wheelhouse of two pure-Python wheels written here (a stand-in named
radinet-studio with a `radinet` script, and a dependency), which exercises
everything the script does: venv, --no-index resolution, launcher, entry.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "installer" / "install.sh"


def _wheel(folder: Path, name: str, version: str, files: dict[str, str], requires=(), scripts=None) -> Path:
    dist = f"{name.replace('-', '_')}-{version}"
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    meta += [f"Requires-Dist: {r}" for r in requires]
    files = dict(files)
    files[f"{dist}.dist-info/METADATA"] = "\n".join(meta) + "\n"
    files[f"{dist}.dist-info/WHEEL"] = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    if scripts:
        files[f"{dist}.dist-info/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{k} = {v}\n" for k, v in scripts.items())
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    path = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name_, text in files.items():
            zf.writestr(name_, text)
    return path


@pytest.fixture
def wheelhouse(tmp_path):
    wh = tmp_path / "wheelhouse"
    wh.mkdir()
    _wheel(wh, "tinydep", "1.0", {"tinydep.py": "WORD = 'offline'\n"})
    _wheel(wh, "radinet-studio", "0.0.1",
           {"radinet_standin.py": "import sys, tinydep\n"
                                  "def main():\n    print('RadiNet Studio stand-in', tinydep.WORD, *sys.argv[1:])\n"},
           requires=["tinydep>=1"], scripts={"radinet": "radinet_standin:main"})
    return wh


def _run_install(tmp_path, wheelhouse, venv):
    # A base interpreter for the new venv (not this venv's python, whose packages would leak in).
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "home" / "share"),
           "PYTHON": getattr(sys, "_base_executable", sys.executable)}
    return subprocess.run(["bash", str(INSTALL), str(wheelhouse), str(venv)], env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow   # creates a venv (ensurepip): about a minute on two shared cores
def test_install_from_wheelhouse_without_index(tmp_path, wheelhouse):
    venv = tmp_path / "venv"
    done = _run_install(tmp_path, wheelhouse, venv)
    assert done.returncode == 0, done.stderr
    launcher = tmp_path / "home" / ".local" / "bin" / "radinet"
    out = subprocess.run([str(launcher), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "RadiNet Studio stand-in offline --version"      # the dependency came along
    entry = (tmp_path / "home" / "share" / "applications" / "radinet-studio.desktop").read_text()
    assert f'Exec="{launcher}" gui' in entry and "Name=RadiNet Studio" in entry
    assert (venv / "bin" / "radinet").is_file()


@pytest.mark.slow
def test_a_missing_wheel_fails_instead_of_reaching_an_index(tmp_path, wheelhouse):
    next(wheelhouse.glob("tinydep-*.whl")).unlink()
    done = _run_install(tmp_path, wheelhouse, tmp_path / "venv")
    assert done.returncode != 0
    assert "tinydep" in (done.stdout + done.stderr)


def test_empty_wheelhouse_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    done = _run_install(tmp_path, tmp_path / "empty", tmp_path / "venv")
    assert done.returncode == 2 and "make wheelhouse" in done.stderr
    assert not (tmp_path / "venv").exists()
