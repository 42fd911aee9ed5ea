"""Write a file completely or not at all: a temporary file beside it, fsync, rename, fsync the folder.

The one atomic writer of the project (models, resume points, DICOM and label
exports). A reader never sees a half-written file; a crash or a full disk
leaves the old file (if any) in place and no temporary file behind, and the
error says in plain words what was being written. The temporary name is
``.<final name>.<pid>.tmp``: core.store.model_gc recognises one a killed
process left in the models folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import describe_os_error


def temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def atomic_write(path: str | os.PathLike, data: bytes, what: str | None = None) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename; returns ``path``.

    ``what`` names the write for the user when it fails, as an -ing phrase
    ("writing the label table labels.csv"; default "writing the file NAME").
    """
    path = Path(path)
    tmp = temporary_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        try:  # make the rename itself durable
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:
            pass
    except OSError as err:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise describe_os_error(err, what or f"writing the file {path.name}") from err
    return path
