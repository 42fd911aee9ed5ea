"""The project's own exception types.

Every error a user can cause (a bad file, a bad CSV, a missing model, a full
disk) is raised as one of these, carrying one sentence a radiologist can read.
The CLI prints ``str(error)`` and exits with status 2; the GUI shows it in a
message box. Anything else that escapes is a bug in RadiNet Studio.
"""

from __future__ import annotations

import os


class RadinetError(Exception):
    """Base class: ``str(err)`` is a complete sentence meant for the user."""


class DicomError(RadinetError):
    """A file cannot be read as a usable DICOM image."""

    def __init__(self, path: str | os.PathLike | None, reason: str):
        self.path = os.fspath(path) if path is not None else None
        self.reason = reason
        where = os.path.basename(self.path) if self.path else "The file"
        super().__init__(f"{where}: {reason}" if self.path else reason)


class NotDicomError(DicomError):
    """The file is not a DICOM file at all."""

    def __init__(self, path, reason: str = "not a DICOM file"):
        super().__init__(path, reason)


class UnsupportedDicomError(DicomError):
    """The file is DICOM but uses a feature this installation cannot decode."""


class CorruptDicomError(DicomError):
    """The file is DICOM but its content is damaged (truncated, inconsistent)."""


class ImageTooLargeError(DicomError):
    """The declared image exceeds the pixel budget; refused before allocating."""


class InputError(RadinetError):
    """Bad user input other than an image: a CSV, an argument, a folder."""


class WorkspaceError(RadinetError):
    """The workspace cannot be opened or written (newer version, locked, corrupt)."""


class DiskFullError(WorkspaceError):
    """Writing failed because the disk is full; nothing was half-written."""


class ModelFileError(RadinetError):
    """A model file is missing, truncated, foreign or fails its hash check."""


def describe_os_error(err: OSError, what: str) -> RadinetError:
    """Turn an OSError into the project's error with a readable sentence.

    ``what`` is what was being done, as a phrase that starts with a verb in -ing
    ("writing the model file X"), so every sentence below reads correctly.
    """
    import errno

    if err.errno == errno.ENOSPC:
        return DiskFullError(f"The disk is full; {what} stopped and nothing already saved was changed.")
    if err.errno == errno.EDQUOT:  # a clinic's network drive with a per-user quota
        return DiskFullError(f"The disk quota is used up; {what} stopped and nothing already saved was changed.")
    if err.errno == errno.EFBIG:  # a file-size limit (FAT32's 4 GiB, a ulimit) rather than a full disk
        return DiskFullError(f"The file is larger than this disk or account allows; {what} stopped and nothing "
                             "already saved was changed.")
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WorkspaceError(f"Permission denied while {what}.")
    return WorkspaceError(f"Could not complete {what}: {err.strerror or err}.")
