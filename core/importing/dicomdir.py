"""DICOMDIR (PS3.10 Media Storage Directory): the files it references.

Each directory record's (0004,1500) Referenced File ID is a list of path
components relative to the DICOMDIR's folder. Media written on other systems
often differ in case from what the DICOMDIR says (``IMAGES/IM0001`` on disk as
``images/im0001``), so each component is matched case-insensitively. A
reference that would leave the DICOMDIR's folder (``..``, absolute) is refused:
a crafted DICOMDIR must not make us read arbitrary files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import CorruptDicomError, NotDicomError


@dataclass
class DicomdirContents:
    files: list[Path] = field(default_factory=list)          # resolved, existing
    missing: list[str] = field(default_factory=list)         # referenced but not found
    refused: list[str] = field(default_factory=list)         # would leave the folder


def read_dicomdir(path: Path) -> DicomdirContents:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(str(path), stop_before_pixels=True)
    except InvalidDicomError as err:
        raise NotDicomError(path, "not a DICOMDIR file") from err
    except Exception as err:  # pydicom raises many types on damaged files
        raise CorruptDicomError(path, f"the DICOMDIR cannot be read ({type(err).__name__})") from err
    records = ds.get("DirectoryRecordSequence")
    if records is None:
        raise CorruptDicomError(path, "the DICOMDIR has no directory records")

    root = path.parent.resolve()
    out = DicomdirContents()
    seen: set[Path] = set()
    resolver = _CaseInsensitiveResolver(root)
    for record in records:
        file_id = record.get("ReferencedFileID")
        if file_id is None:
            continue
        components = [str(file_id)] if isinstance(file_id, str) else [str(c) for c in file_id]
        shown = "/".join(components)
        if any(c in ("", ".", "..") or "/" in c or "\\" in c or os.path.isabs(c) for c in components):
            out.refused.append(shown)
            continue
        target = resolver.resolve(components)
        if target is None:
            out.missing.append(shown)
            continue
        real = target.resolve()
        if root != real and root not in real.parents:  # a symlink pointing outside
            out.refused.append(shown)
            continue
        if real not in seen:
            seen.add(real)
            out.files.append(real)
    return out


class _CaseInsensitiveResolver:
    """Resolve path components under ``root`` ignoring case, caching listings."""

    def __init__(self, root: Path):
        self.root = root
        self._listings: dict[Path, dict[str, str]] = {}

    def _listing(self, folder: Path) -> dict[str, str]:
        if folder not in self._listings:
            try:
                names = os.listdir(folder)
            except OSError:
                names = []
            self._listings[folder] = {n.upper(): n for n in sorted(names)}
        return self._listings[folder]

    def resolve(self, components: list[str]) -> Path | None:
        current = self.root
        for comp in components:
            exact = current / comp
            if exact.exists():
                current = exact
                continue
            name = self._listing(current).get(comp.upper())
            if name is None:
                return None
            current = current / name
        return current if current.is_file() else None
