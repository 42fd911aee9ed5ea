"""A workspace is one folder: the database plus caches, models and exports.

    W/workspace.sqlite   studies, images, labels, … (WAL: also -wal, -shm)
    W/cache/             model-ready arrays (can be deleted at any time)
    W/models/            checkpoints: safetensors + JSON sidecar + ONNX
    W/heatmaps/          heatmap PNGs of predictions
    W/demo/              DICOM files of a synthetic demo workspace
    W/exports/           CSV / DICOM results written on request

Source images are never copied or written: pixels stay where they were imported from.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from core.errors import WorkspaceError, describe_os_error

DB_NAME = "workspace.sqlite"
APP_NAME = "RadiNet Studio"


def default_workspace_dir() -> Path:
    """The per-user default workspace (platformdirs), overridable by RADINET_WORKSPACE."""
    env = os.environ.get("RADINET_WORKSPACE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "workspace"


def current_user() -> str:
    """The reader's name recorded on every label (RADINET_USER, else the OS login)."""
    name = os.environ.get("RADINET_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass(frozen=True)
class Workspace:
    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, create: bool = True) -> "Workspace":
        root = Path(path).expanduser() if path is not None else default_workspace_dir()
        root = root.absolute()
        if root.exists() and not root.is_dir():
            raise WorkspaceError(f"The workspace {root} is a file, not a folder.")
        if not root.exists():
            if not create:
                raise WorkspaceError(f"There is no workspace at {root}.")
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise describe_os_error(err, f"creating the workspace folder {root}") from err
        ws = cls(root)
        ws.connect().close()  # create/migrate now so errors surface at open time
        return ws

    @property
    def db_path(self) -> Path:
        return self.path / DB_NAME

    def subdir(self, name: str) -> Path:
        d = self.path / name
        d.mkdir(parents=True, exist_ok=True)
        return d

    @property
    def cache_dir(self) -> Path:
        return self.subdir("cache")

    @property
    def models_dir(self) -> Path:
        return self.subdir("models")

    @property
    def heatmaps_dir(self) -> Path:
        return self.subdir("heatmaps")

    @property
    def demo_dir(self) -> Path:
        return self.subdir("demo")

    @property
    def exports_dir(self) -> Path:
        return self.subdir("exports")

    def connect(self):
        """A new :class:`~core.store.store.Store` for the calling thread."""
        from core.store.store import Store

        return Store.open(self.db_path)

    def is_empty(self) -> bool:
        with self.connect() as store:
            return store.count_studies() == 0
