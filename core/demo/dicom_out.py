"""Write a demo film as a CR Image Storage DICOM file (Explicit VR Little Endian).

No ground truth goes into the header (no "fracture" in any description): the
files must be as blind as real ones. No timestamps either, so the same seed
writes byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.uid import ExplicitVRLittleEndian

from core.demo.anatomy import BODY_PART_EXAMINED, FIELDS_OF_VIEW, anatomy_for
from core.demo.plan import StudyPlan

CR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
IMPLEMENTATION_UID = "1.2.826.0.1.3680043.8.498.1"   # pydicom's root, as generate_uid uses


def dicom_age(years: float) -> str:
    """(0010,1010) Patient's Age as an AS string: nnnY, or nnnM under two years."""
    if years < 2:
        return f"{max(int(years * 12), 1):03d}M"
    return f"{int(years):03d}Y"


def _study_dataset(study: StudyPlan) -> Dataset:
    ds = Dataset()
    date = study.study_date.strftime("%Y%m%d")
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = CR_IMAGE_STORAGE
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = date
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = f"{8 + study.index % 10:02d}{study.index % 60:02d}00"
    ds.AccessionNumber = study.accession
    ds.Modality = "CR"
    ds.Manufacturer = "RadiNet Studio demo generator"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = f"XR {study.body_part.upper()} {len(study.views)} VIEWS {'RIGHT' if study.side == 'R' else 'LEFT'}"
    ds.PatientName = f"DEMO^P{study.patient.index:05d}"
    ds.PatientID = study.patient.patient_id
    ds.PatientBirthDate = study.patient.birth_date.strftime("%Y%m%d")
    ds.PatientSex = study.patient.sex
    ds.PatientAge = dicom_age(study.age)
    ds.BodyPartExamined = BODY_PART_EXAMINED[study.body_part]
    ds.StudyInstanceUID = study.study_uid
    ds.SeriesInstanceUID = study.series_uid
    ds.StudyID = study.accession[-8:]
    ds.SeriesNumber = 1
    ds.Laterality = study.side
    ds.SamplesPerPixel = 1
    ds.BitsAllocated = 16
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = "1"
    ds.RescaleType = "US"
    return ds


def write_study(study: StudyPlan, images: list[tuple[np.ndarray, float, float]], folder: Path) -> list[Path]:
    """Write the study's films into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, (view, sop_uid, (pixels, centre, width)) in enumerate(zip(study.views, study.sop_uids, images)):
        ds = _study_dataset(study)
        ds.SOPInstanceUID = sop_uid
        ds.InstanceNumber = k + 1
        ds.SeriesDescription = f"{study.body_part.upper()} {view.view}"
        ds.ViewPosition = view.view
        ds.PatientOrientation = ""
        anatomy, fov = anatomy_for(study.body_part, view.view, study.age)
        mm = anatomy.cm_per_unit * 10 * FIELDS_OF_VIEW[study.body_part].height / (view.rows * view.zoom)
        ds.ImagerPixelSpacing = [f"{mm:.4f}", f"{mm:.4f}"]
        ds.PhotometricInterpretation = "MONOCHROME1" if view.monochrome1 else "MONOCHROME2"
        ds.Rows, ds.Columns = pixels.shape
        ds.BitsStored = view.bits_stored
        ds.HighBit = view.bits_stored - 1
        ds.WindowCenter = f"{centre:.1f}"
        ds.WindowWidth = f"{width:.1f}"
        ds.PixelData = pixels.astype("<u2", copy=False).tobytes()
        ds["PixelData"].VR = "OW"
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CR_IMAGE_STORAGE
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = IMPLEMENTATION_UID
        ds.file_meta = meta
        path = folder / f"IM{k + 1}_{view.view}.dcm"
        dcmwrite(path, ds, enforce_file_format=True)
        paths.append(path)
    return paths
