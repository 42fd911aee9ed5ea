"""Reading what the workspace needs from one file, without touching the database.

``probe_file`` is pure with respect to the workspace so it can run in worker
processes: a large import reads headers on every core while the main process
writes rows (pydicom parsing is CPU-bound and holds the GIL, so threads would
not help).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from core.dicom.reading import read_head
from core.errors import DicomError
from core.importing.sniff import bitmap_size, sniff

# Below this many files the workers' start-up costs more than they save.
PARALLEL_MIN_FILES = 300
_CHUNKSIZE = 32


@dataclass(frozen=True)
class Probe:
    path: Path
    kind: str                              # dicom | png | jpeg | rejected
    header: object | None = None           # core.dicom.header.DicomHeader for DICOM
    size: tuple[int, int] | None = None    # (rows, columns) for PNG/JPEG
    file_size: int = 0
    file_mtime: float = 0.0
    error: str | None = None               # one-sentence reason when rejected


def probe_file(path: Path) -> Probe:
    """Sniff, read the header (DICOM) or the size (PNG/JPEG), stat; never raises for bad files."""
    from core.dicom.header import read_header

    kind = sniff(path)
    if kind in ("special", "unreadable"):
        try:
            read_head(os.fspath(path))  # raises with the reason (a pipe, a device, permission denied)
        except DicomError as err:
            return Probe(path, "rejected", error=err.reason)
    try:
        st = path.stat()
        if kind in ("png", "jpeg"):
            size = bitmap_size(path, kind)
            if size is None:
                return Probe(path, "rejected", error=f"the {kind.upper()} header is damaged")
            return Probe(path, kind, size=size, file_size=st.st_size, file_mtime=st.st_mtime)
        if kind == "empty":
            return Probe(path, "rejected", error="the file is empty")
        header = read_header(path)
    except DicomError as err:
        return Probe(path, "rejected", error=err.reason)
    except OSError as err:
        return Probe(path, "rejected", error=f"the file cannot be read ({err.strerror or err})")
    if not header.has_pixel_data:
        return Probe(path, "rejected", error="no pixel data (not an image)")
    return Probe(path, "dicom", header=header, file_size=st.st_size, file_mtime=st.st_mtime)


def probe_received(path: Path, dataset, file_size: int, file_mtime: float, data_offset: int) -> Probe:
    """probe_file's answer for a file just written from a data set decoded in memory, without reading it again.

    ``dataset``, ``file_size`` and ``data_offset`` as core.dicom.header.header_from_received takes them;
    ``file_mtime`` is the written file's. The same reasons as probe_file for the same bytes.
    """
    from core.dicom.header import header_from_received

    try:
        header = header_from_received(dataset, path, file_size, data_offset)
    except DicomError as err:
        return Probe(path, "rejected", error=err.reason)
    except OSError as err:   # compressed pixel data's item headers are read from the file
        return Probe(path, "rejected", error=f"the file cannot be read ({err.strerror or err})")
    if not header.has_pixel_data:
        return Probe(path, "rejected", error="no pixel data (not an image)")
    return Probe(path, "dicom", header=header, file_size=file_size, file_mtime=file_mtime)


def probe_files(paths: list[Path], workers: int | None = None) -> Iterator[Probe]:
    """Probes in the order of ``paths``; in worker processes for large batches.

    Closing the iterator early (a cancelled import) cancels the pending work.
    """
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(paths) < PARALLEL_MIN_FILES:
        for path in paths:
            yield probe_file(path)
        return
    # forkserver: safe from a threaded GUI process (plain fork is not), and its
    # server preloads the DICOM reader once instead of once per worker.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["core.importing.probe", "core.dicom.header"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        yield from pool.map(probe_file, paths, chunksize=_CHUNKSIZE)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
