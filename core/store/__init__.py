"""The workspace: one folder with a SQLite database (WAL) and caches."""

from core.store.store import Label, Store
from core.store.workspace import Workspace, current_user, default_workspace_dir

__all__ = ["Label", "Store", "Workspace", "current_user", "default_workspace_dir"]
