"""What ``radinet --version`` and the About box show: version, commit, published models, notice."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

NOTICE = "Research use only - not for diagnostic use."
_ROOT = Path(__file__).resolve().parents[2]


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("radinet-studio")
    except PackageNotFoundError:
        return "unknown (not installed)"


# Written into wheels and bundles at build time (setup.py, installer/radinet.spec): they have no .git.
BUILD_COMMIT_FILE = Path(__file__).resolve().with_name("build_commit.txt")


def git_commit() -> str:
    """The source checkout's commit; an installed package's is the one stamped when it was built."""
    if not (_ROOT / ".git").exists():
        try:
            stamped = BUILD_COMMIT_FILE.read_text(encoding="utf-8").strip()
        except OSError:
            stamped = ""
        return stamped or "unknown (installed from a package built without git)"
    return source_commit() or "unknown (git not available)"


def source_commit() -> str | None:
    """The checkout's short commit, marked when tracked files differ from it; None without git."""
    try:
        out = subprocess.run(["git", "-C", str(_ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (out + (" (with local changes)" if dirty else "")) if out else None


def stamp_build_commit(build_root: Path) -> bool:
    """Write the checkout's commit where BUILD_COMMIT_FILE lies under ``build_root`` (a wheel's build_lib,
    or a folder the bundle copies next to this module); False, writing nothing, without git."""
    commit = source_commit()
    if not commit:      # built without git: the package keeps saying "unknown" rather than guessing
        return False
    target = Path(build_root) / BUILD_COMMIT_FILE.relative_to(_ROOT)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(commit + "\n", encoding="utf-8")
    return True


def published_models(workspace_dir: str | None = None) -> dict[str, str] | None:
    """Task -> published model id of the workspace; None when there is no workspace yet.

    Never creates a workspace: --version must not leave folders behind.
    """
    from core.store.workspace import DB_NAME, Workspace, default_workspace_dir

    root = Path(workspace_dir).expanduser() if workspace_dir else default_workspace_dir()
    if not (root / DB_NAME).is_file():
        return None
    from core.store.registry import champion_id

    with Workspace(root.absolute()).connect() as store:
        tasks = [row[0] for row in store.execute("SELECT DISTINCT task FROM models ORDER BY task").fetchall()]
        return {task: cid for task in tasks if (cid := champion_id(store, task))}


def about(workspace_dir: str | None = None) -> dict:
    return {"name": "RadiNet Studio", "version": app_version(), "commit": git_commit(),
            "published_models": published_models(workspace_dir), "notice": NOTICE}


def print_version(argv: list[str]) -> int:
    """``radinet --version [--workspace W] [--json]``."""
    workspace = None
    if "--workspace" in argv and argv.index("--workspace") + 1 < len(argv):
        workspace = argv[argv.index("--workspace") + 1]
    info = about(workspace)
    if "--json" in argv:
        print(json.dumps(info))
        return 0
    models = info["published_models"]
    shown = ("no workspace yet" if models is None else
             ", ".join(f"{task}: {mid}" for task, mid in models.items()) or "none published")
    print(f"{info['name']} {info['version']} (commit {info['commit']})\nPublished models: {shown}\n{info['notice']}")
    return 0
