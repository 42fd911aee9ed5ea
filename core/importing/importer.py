"""Import: files on disk -> rows in the workspace (headers only, pixels stay put).

``import_paths`` accepts folders (walked recursively), DICOMDIR files, DICOM
files, MURA-style PNG/JPEG trees and reports CSVs. Each file that cannot be
used is listed with its reason and the rest still go through. Importing the
same files again imports nothing: known paths are skipped before their header
is even read, and a known SOP Instance UID at a new path is skipped too.
Source folders are only ever read. ``import_probed`` files what a receiver
(``radinet listen``) has already probed, the same way, without reading it again.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.dicom.reading import special_file_reason
from core.errors import DicomError, RadinetError
from core.importing.body_part import normalise_body_part
from core.importing.dicomdir import read_dicomdir
from core.importing.mura import parse_mura_path
from core.importing.patient_age import patient_age_years
from core.importing.probe import Probe, probe_files
from core.store.workspace import Workspace, current_user

Progress = Callable[[int, int, str], None]

# Files that commonly sit beside images on CDs and in exports; walked folders
# skip them quietly instead of listing each as "not a DICOM file".
_IGNORED_SUFFIXES = {".txt", ".inf", ".exe", ".htm", ".html", ".pdf", ".xml", ".json", ".md", ".ini", ".db",
                     ".dll", ".js", ".css", ".log", ".zip", ".py"}
_CHUNK = 200  # files per write transaction: fast, and a crash loses at most one chunk's work


@dataclass
class Rejection:
    path: str
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    ignored: int = 0
    studies_created: int = 0
    reports: int = 0
    cancelled: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Known:
    """What the workspace already holds, loaded once so each file costs no lookups."""

    paths: set[str]
    sop_uids: set[str]
    # Study Instance UID -> (id, study fields still empty), filled as we go
    studies: dict[str, tuple[int, frozenset]] = field(default_factory=dict)
    # SOP Instance UID -> (source path, file size) of the copy already imported
    copies: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    @classmethod
    def load(cls, store) -> "_Known":
        """Every image row: a folder import may touch any of them."""
        return cls._of(store.execute("SELECT source_path, sop_uid, file_size FROM images").fetchall())

    @classmethod
    def load_for(cls, store, probes: list[Probe]) -> "_Known":
        """Only the rows these probes can match, by path or SOP Instance UID (both columns have a unique
        index): a receiver's batch of a few files costs a few lookups, not a read of every image row of
        the workspace on each batch."""
        paths = [str(probe.path) for probe in probes]
        uids = [uid for uid in map(_sop_uid_of, probes) if uid]
        rows = []
        for column, values in (("source_path", paths), ("sop_uid", uids)):
            for start in range(0, len(values), _LOOKUP_BATCH):
                part = values[start:start + _LOOKUP_BATCH]
                rows += store.execute(f"SELECT source_path, sop_uid, file_size FROM images "
                                      f"WHERE {column} IN ({', '.join('?' * len(part))})", part).fetchall()
        return cls._of(rows)

    @classmethod
    def _of(cls, rows) -> "_Known":
        return cls({r[0] for r in rows}, {r[1] for r in rows}, copies={r[1]: (r[0], r[2]) for r in rows})


_LOOKUP_BATCH = 500   # values per IN (...) query, well under SQLite's limit on bound parameters


def _sop_uid_of(probe: Probe) -> str | None:
    """The SOP Instance UID the probe's file would be filed under, or None (rejected, or no study)."""
    if probe.kind == "dicom":
        return probe.header.sop_instance_uid
    if probe.kind in ("png", "jpeg"):
        mura = parse_mura_path(probe.path)
        return _bitmap_sop_uid(mura, probe.path) if mura is not None else None
    return None


def _bitmap_sop_uid(mura, path: Path) -> str:
    """A PNG/JPEG has no SOP Instance UID: it is keyed on its MURA-relative path, so a copy of the same
    tree elsewhere is recognised."""
    return "file:" + hashlib.sha1(f"{mura.study_key}/{path.name}".encode()).hexdigest()


@dataclass
class _Plan:
    images: list[Path] = field(default_factory=list)
    csvs: list[Path] = field(default_factory=list)


def import_paths(paths: Iterable[str | os.PathLike], workspace: Workspace, progress: Progress | None = None,
                 stop: threading.Event | None = None, author: str | None = None) -> ImportResult:
    author = author or current_user()
    result = ImportResult()
    plan = _discover([Path(p) for p in paths], result)
    total = len(plan.images) + len(plan.csvs)
    with open_import_store(workspace) as store:
        known = _Known.load(store)
        todo = _unknown(plan.images, known, result)   # known paths are skipped before their file is even opened
        done = result.skipped
        probes = probe_files(todo)
        try:
            done = _record_chunks(store, probes, known, result, author, progress, stop, done, total)
        finally:
            probes.close()
        if not result.cancelled:
            from core.importing.reports_csv import import_reports_csv

            for csv_path in plan.csvs:
                try:
                    added, rejected = import_reports_csv(store, csv_path)
                except RadinetError as err:
                    result.rejected.append(Rejection(str(csv_path), str(err)))
                else:
                    result.reports += added
                    result.rejected.extend(Rejection(p, r) for p, r in rejected)
                done += 1
                if progress:
                    progress(done, total, csv_path.name)
        _audit(store, author, result)
    return result


def import_probed(probes: Iterable[Probe], store, author: str | None = None) -> ImportResult:
    """Import files their receiver has already probed (``radinet listen``), without reading them again.

    The same rows, skips, rejections and audit entry as ``import_paths`` gives for the same
    files: rejected probes are listed with their reason, known paths are skipped, and a known
    SOP Instance UID at a new path is skipped or refused as there. Each probe's path must be
    the file's real path (import_paths resolves the paths it is given), and one probe a path.
    ``store`` comes from open_import_store; the caller may keep it for many calls.
    """
    author = author or current_user()
    result = ImportResult()
    probes = list(probes)
    known = _Known.load_for(store, probes)   # each call: another process may have imported meanwhile
    todo = set(_unknown([probe.path for probe in probes], known, result))
    _record_chunks(store, (probe for probe in probes if probe.path in todo), known, result, author)
    _audit(store, author, result)
    return result


def open_import_store(workspace: Workspace):
    """A workspace connection set up for importing (the caller closes it)."""
    store = workspace.connect()
    try:
        # An import can be re-run and loses nothing it cannot redo, so it need not
        # fsync every chunk: WAL with synchronous=NORMAL survives a killed process,
        # only a power cut could drop the last chunk. Labels keep FULL.
        store.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        store.close()
        raise
    return store


def _unknown(paths: list[Path], known: "_Known", result: ImportResult) -> list[Path]:
    """The paths not yet in the workspace; each known one counts as skipped."""
    todo = [path for path in paths if str(path) not in known.paths]
    result.skipped += len(paths) - len(todo)
    return todo


def _record_chunks(store, probes: Iterator[Probe], known: "_Known", result: ImportResult, author: str,
                   progress: Progress | None = None, stop: threading.Event | None = None,
                   done: int = 0, total: int = 0) -> int:
    """Write the probes' rows, ``_CHUNK`` files per transaction; returns ``done`` advanced past them."""
    while not result.cancelled:
        chunk = list(itertools.islice(probes, _CHUNK))
        if not chunk:
            break
        with store.transaction():
            for probe in chunk:
                _record(store, probe, known, result, author)
                done += 1
                if progress:
                    progress(done, total, probe.path.name)
        if stop is not None and stop.is_set():
            result.cancelled = True
    return done


def _audit(store, author: str, result: ImportResult) -> None:
    store.audit(author, "import", detail=(f"{result.imported} imported, {result.skipped} skipped, "
                                          f"{len(result.rejected)} rejected, {result.reports} reports"))


# ---------------------------------------------------------------- discovery
def _discover(paths: list[Path], result: ImportResult) -> _Plan:
    plan = _Plan()
    seen: set[Path] = set()

    def add_file(path: Path, explicit: bool, resolved: bool = False) -> None:
        # Walked files sit under an already-resolved root: skip realpath's per-component lstat.
        real = path if resolved else Path(os.path.realpath(path))
        if real in seen:
            return
        seen.add(real)
        path = real
        if path.name.upper() == "DICOMDIR" or path.suffix.lower() in (".csv", ".tsv"):
            # Read by other readers than the probe: refuse a pipe or device here, before anything opens it.
            problem = _special_file(path)
            if problem:
                result.rejected.append(Rejection(str(path), problem))
                return
        if path.name.upper() == "DICOMDIR":
            _expand_dicomdir(path, add_file, result)
            return
        if path.suffix.lower() in (".csv", ".tsv"):
            plan.csvs.append(path)
            return
        if not explicit and (path.name.startswith(".") or path.suffix.lower() in _IGNORED_SUFFIXES):
            result.ignored += 1
            return
        plan.images.append(path)

    for path in paths:
        if path.is_dir():
            for folder, dirs, files in os.walk(os.path.realpath(path)):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    add_file(Path(folder) / name, explicit=False, resolved=True)
        elif path.exists():   # a file, or a pipe/device the probe refuses with its reason
            add_file(path, explicit=True)
        else:
            result.rejected.append(Rejection(str(path), "no such file or folder"))
    return plan


def _special_file(path: Path) -> str | None:
    try:
        return special_file_reason(os.stat(path).st_mode)
    except OSError as err:
        return f"the file cannot be read ({err.strerror or err})"


def _expand_dicomdir(path: Path, add_file, result: ImportResult) -> None:
    try:
        contents = read_dicomdir(path)
    except DicomError as err:
        result.rejected.append(Rejection(str(path), err.reason))
        return
    for ref in contents.refused:
        result.rejected.append(Rejection(f"{path}:{ref}", "the DICOMDIR refers to a file outside its own folder"))
    for ref in contents.missing:
        result.rejected.append(Rejection(f"{path}:{ref}", "the DICOMDIR refers to a file that is missing"))
    for file in contents.files:
        add_file(file, explicit=True)


# ------------------------------------------------------------------ per file
def _record(store, probe: Probe, known: "_Known", result: ImportResult, author: str) -> None:
    """Write one probed file's rows (inside the caller's transaction)."""
    if probe.kind == "rejected":
        result.rejected.append(Rejection(str(probe.path), probe.error))
        return
    try:
        if probe.kind == "dicom":
            added = _import_dicom(store, probe, known, result)
        else:
            added = _import_bitmap(store, probe, known, result, author)
    except DicomError as err:
        result.rejected.append(Rejection(str(probe.path), err.reason))
        return
    known.paths.add(str(probe.path))
    if added:
        result.imported += 1
    else:
        result.skipped += 1


DIFFERING_COPY = "already imported (differs from the imported copy)"


def _differs_from_imported_copy(probe: Probe, copy: tuple[str, int | None] | None) -> bool:
    """True when a file whose SOP Instance UID is already imported is not the same bytes.

    Size first (free); equal sizes are compared byte by byte (stops at the first
    difference). Only files at a new path with a known UID pay for this.
    """
    import filecmp

    if copy is None:
        return False
    source, size = copy
    if size is not None and size != probe.file_size:
        return True
    try:
        return not filecmp.cmp(source, probe.path, shallow=False)
    except OSError:
        return False   # the imported copy is gone: nothing to compare with


def _import_dicom(store, probe: Probe, known: "_Known", result: ImportResult) -> bool:
    h, path = probe.header, probe.path
    if h.sop_instance_uid in known.sop_uids:
        if _differs_from_imported_copy(probe, known.copies.get(h.sop_instance_uid)):
            raise DicomError(path, DIFFERING_COPY)
        return False
    patient_key = h.patient_id or f"unknown:{h.study_instance_uid}"
    body_part = normalise_body_part(h.body_part_examined, h.study_description, h.series_description,
                                    *(p for p in path.parts[-4:-1]))
    study_fields = dict(accession=h.accession_number, study_date=h.study_date, description=h.study_description,
                        body_part=body_part, origin="dicom",
                        patient_age=patient_age_years(h.patient_age, h.patient_birth_date, h.study_date))
    cached = known.studies.get(h.study_instance_uid)
    # Later files of a study are filed without touching the study again, unless they
    # carry a value the study still lacks (upsert_study fills empty fields).
    if cached is None or any(study_fields[k] is not None for k in cached[1]):
        patient_id = store.upsert_patient(patient_key, sex=h.patient_sex, birth_date=h.patient_birth_date)
        study_id, created = store.upsert_study(h.study_instance_uid, patient_id, **study_fields)
        row = store.study(study_id)
        known.studies[h.study_instance_uid] = (study_id, frozenset(k for k in study_fields if row[k] is None))
        result.studies_created += created
    study_id = known.studies[h.study_instance_uid][0]
    store.add_image(
        study_id, h.sop_instance_uid, str(path), series_uid=h.series_instance_uid, file_format="dicom",
        view=(h.view_position or None), body_part=body_part, frames=h.number_of_frames, rows=h.rows,
        columns=h.columns, photometric=h.photometric_interpretation, bits_stored=h.bits_stored,
        transfer_syntax=h.transfer_syntax_uid, file_size=probe.file_size, file_mtime=probe.file_mtime,
    )
    known.sop_uids.add(h.sop_instance_uid)
    known.copies[h.sop_instance_uid] = (str(path), probe.file_size)
    return True


def _import_bitmap(store, probe: Probe, known: "_Known", result: ImportResult, author: str) -> bool:
    path = probe.path
    mura = parse_mura_path(path)
    if mura is None:
        raise DicomError(path, "a PNG/JPEG image outside a MURA-style folder (XR_<BODY PART>/<patient>/<study>/) "
                               "has no study to belong to")
    size = probe.size
    sop_uid = _bitmap_sop_uid(mura, path)
    if sop_uid in known.sop_uids:
        return False
    known.sop_uids.add(sop_uid)
    patient_id = store.upsert_patient(f"mura:{mura.patient_key}")
    study_id, created = store.upsert_study(f"mura:{mura.study_key}", patient_id, body_part=mura.body_part,
                                           origin="mura")
    result.studies_created += created
    if created and mura.label:
        # The tree's _positive/_negative is the study label for the target task
        # the clinic trains (MURA's own meaning is "abnormal", fractures mostly).
        store.add_label(study_id, "fracture", mura.label, "import", author)
    store.add_image(study_id, sop_uid, str(path), file_format=probe.kind, body_part=mura.body_part, rows=size[0],
                    columns=size[1], photometric="MONOCHROME2", file_size=probe.file_size,
                    file_mtime=probe.file_mtime)
    return True
