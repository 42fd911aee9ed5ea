"""Write a file completely or not at all: a temporary file beside it, fsync, rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from core.errors import describe_os_error


def write_bytes_atomic(path: str | os.PathLike, data: bytes, what: str) -> Path:
    """Write ``data`` to ``path`` through a temporary file renamed into place.

    A reader never sees a half-written file, and a full disk leaves the old
    file (if any) untouched; the error names ``what`` in plain words.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise describe_os_error(err, what) from err
    return path
