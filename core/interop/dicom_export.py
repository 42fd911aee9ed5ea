"""``export dicom``: per study, a Comprehensive SR and one heatmap Secondary Capture per view.

Layout: ``OUT/<Study Instance UID>/SR.dcm`` and ``SC_<n>.dcm``; with
de-identification the folder is the study's pseudonym UID and the
de-identified images ``IM_<n>.dcm`` are written too (a case to share).
Each file is written completely or not at all (core.atomic_file); a
study that cannot be exported is listed with its reason and the rest go on.
Predictions come from the published model through core.inference's
Predictor; without one, the SR carries the radiologist's label only and no
Secondary Capture is made.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.errors import DicomError, RadinetError
from core.atomic_file import atomic_write
from core.interop.pseudonyms import Pseudonyms

Progress = Callable[[int, int, str], None]


@dataclass
class DicomExportResult:
    out: str
    studies: int = 0
    files: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)        # {study, path?, reason}
    burned_in_unknown: int = 0                               # images exported without (0028,0301)
    model_id: str | None = None
    deidentified: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def _dataset_bytes(ds) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _read(path: str, with_pixels: bool):
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        return pydicom.dcmread(path, stop_before_pixels=not with_pixels)
    except FileNotFoundError as err:
        raise DicomError(path, "the source file is no longer there") from err
    except (InvalidDicomError, OSError, ValueError, EOFError) as err:
        raise DicomError(path, f"the source file cannot be read ({err.__class__.__name__})") from err


def export_dicom(workspace, out_dir: str | os.PathLike, task: str = "fracture", study_keys: list[str] | None = None,
                 pseudonyms: Pseudonyms | None = None, model_id: str | None = None,
                 progress: Progress | None = None) -> DicomExportResult:
    from core.errors import InputError
    from core.inference.predictor import Predictor

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; DICOM results are written into a folder.")
    if model_id:
        predictor = Predictor(workspace, task, "onnx", model_id=model_id)
    else:
        predictor = Predictor.for_workspace(workspace, task, "onnx")
    deidentifier = None
    if pseudonyms is not None:
        from core.interop.deidentify import Deidentifier

        deidentifier = Deidentifier(pseudonyms)
    result = DicomExportResult(out=str(out), model_id=predictor.model_id if predictor else None,
                               deidentified=pseudonyms is not None)
    with workspace.connect() as store:
        if study_keys:
            ids = []
            for key in study_keys:
                sid = store.find_study(key)
                if sid is None:
                    raise InputError(f"There is no study {key} in this workspace.")
                ids.append(sid)
        else:
            ids = [row["id"] for row in store.studies()]
        for n, study_id in enumerate(ids, start=1):
            study = store.study(study_id)
            try:
                files = _export_study(store, study, out, task, predictor, deidentifier, result)
            except RadinetError as err:
                result.rejected.append({"study": _shown_uid(study, pseudonyms), "reason": str(err)})
            else:
                result.files.extend(files)
                result.studies += 1
            if progress:
                progress(n, len(ids), "")
    return result


def _shown_uid(study, pseudonyms: Pseudonyms | None) -> str:
    """The study as the report names it: never the real UID of a de-identified export."""
    return pseudonyms.uid(study["study_uid"]) if pseudonyms else study["study_uid"]


def _export_study(store, study, out: Path, task, predictor, deidentifier, result: DicomExportResult) -> list[str]:
    from core.errors import InputError
    from core.imaging.image import load_image
    from core.interop.about import app_version
    from core.interop.overlay_capture import overlay_capture, overlay_pixels
    from core.interop.sr import NothingToReport, StudyResult, ViewResult, fracture_report
    from pydicom.uid import generate_uid

    rows = [r for r in store.images(study["id"]) if r["file_format"] == "dicom"]
    if not rows:
        raise InputError("the study has no DICOM images (PNG/JPEG studies cannot carry DICOM results)")
    sources, kept_rows, images = [], [], []
    for row in rows:
        try:
            ds = _read(row["source_path"], with_pixels=deidentifier is not None)
            if deidentifier is not None:
                from core.interop.deidentify import BurnedInAnnotationError

                try:
                    done = deidentifier.deidentify(ds)
                except BurnedInAnnotationError as err:
                    result.rejected.append({"study": _shown_uid(study, deidentifier.pseudonyms),
                                            "path": f"image {row['id']}", "reason": str(err)})
                    continue
                ds = done.dataset
                result.burned_in_unknown += done.burned_in_unknown
            image = load_image(row["source_path"]) if predictor is not None else None
        except DicomError as err:
            result.rejected.append({"study": _shown_uid(study, deidentifier and deidentifier.pseudonyms),
                                    "path": f"image {row['id']}", "reason": err.reason})
            continue
        sources.append(ds)
        kept_rows.append(row)
        images.append(image)
    if not sources:
        raise InputError("none of the study's images could be exported")

    pseudonyms = deidentifier.pseudonyms if deidentifier else None
    outcome = StudyResult(software_version=app_version())
    prediction = None
    if predictor is not None:
        prediction = predictor.predict_study(images, study_id=study["id"], image_ids=[r["id"] for r in kept_rows])
        from core.inference.predictor import tier

        outcome.model_id, outcome.probability, outcome.tier = prediction.model_id, prediction.probability, prediction.tier
        outcome.views = [ViewResult(str(ds.SOPClassUID), str(ds.SOPInstanceUID), view.probability,
                                    tier(view.probability, predictor.operating_points))
                         for ds, view in zip(sources, prediction.views)]
    label = store.current_label(study["id"], task)
    if label is not None and label.source == "radiologist":
        outcome.radiologist_label = label.value
        outcome.radiologist = pseudonyms.reader(label.author) if pseudonyms else label.author
        outcome.difficulty = store.current_difficulty(study["id"])

    folder = out / _shown_uid(study, pseudonyms)
    written = []
    if deidentifier is not None:
        for k, ds in enumerate(sources, start=1):
            written.append(_write(folder / f"IM_{k}.dcm", _dataset_bytes(ds)))
    try:
        sr = fracture_report(sources, outcome)
    except NothingToReport:
        if deidentifier is None:
            raise
    else:  # a de-identified case is still worth sharing without a result
        if deidentifier is not None:
            deidentifier.mark(sr)
        written.append(_write(folder / "SR.dcm", _dataset_bytes(sr)))
    if prediction is not None:
        series_uid = generate_uid()
        for k, (ds, image, view) in enumerate(zip(sources, images, prediction.views), start=1):
            sc = overlay_capture(ds, overlay_pixels(image, view.heatmap), series_uid, k)
            if deidentifier is not None:
                deidentifier.mark(sc)
            written.append(_write(folder / f"SC_{k}.dcm", _dataset_bytes(sc)))
    return written


def _write(path: Path, data: bytes) -> str:
    atomic_write(path, data, f"writing {path.name}")
    return str(path)
