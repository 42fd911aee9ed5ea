"""The heatmap overlay of one view as a DICOM Secondary Capture Image (RGB), via highdicom.

The image is what the workstation shows: the view through its default
window, with the model's heatmap blended on the absolute scale of
core.imaging.heatmap. Patient and study come from the source image (so a
de-identified source gives a de-identified capture); (0008,2112) Source
Image Sequence points at the view it was made from. No text is drawn into
the pixels, so (0028,0301) Burned In Annotation is NO.
"""

from __future__ import annotations

import highdicom as hd
import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from core.interop.sr import MANUFACTURER


def overlay_pixels(image, heatmap: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB: the display image with the heatmap blended over it."""
    from core.imaging.display import to_display
    from core.imaging.heatmap import overlay

    return np.ascontiguousarray(overlay(to_display(image), heatmap))


def _orientation(source: Dataset) -> tuple[str, str] | None:
    """(0020,0020) Patient Orientation of the source, when it states both directions."""
    value = list(source.get("PatientOrientation") or [])
    return (str(value[0]), str(value[1])) if len(value) == 2 and all(value) else None


def overlay_capture(source: Dataset, rgb: np.ndarray, series_uid: str, instance_number: int,
                    instance_uid: str | None = None) -> hd.sc.SCImage:
    orientation = _orientation(source)
    # (0020,0060) Laterality, type 2C: the capture shows the same side as its source.
    laterality = str(source.get("Laterality", "") or source.get("ImageLaterality", "")).upper()
    sc = hd.sc.SCImage.from_ref_dataset(
        ref_dataset=source, pixel_array=rgb, photometric_interpretation="RGB", bits_allocated=8,
        coordinate_system="PATIENT", series_instance_uid=series_uid, series_number=902,
        sop_instance_uid=instance_uid or generate_uid(), instance_number=instance_number,
        manufacturer=MANUFACTURER, patient_orientation=orientation or ("L", "F"),
        transfer_syntax_uid="1.2.840.10008.1.2.1", laterality=laterality if laterality in ("L", "R") else None,
    )
    if "Laterality" not in sc:
        sc.Laterality = ""
    if orientation is None:
        # highdicom insists on an orientation; radiographs often do not state one, and
        # (0020,0020) is type 2C, so an unknown orientation is written empty, not invented.
        sc.PatientOrientation = ""
    sc.SeriesDescription = "RadiNet fracture heatmap (research use, not for diagnosis)"
    sc.ImageType = ["DERIVED", "SECONDARY"]
    sc.BurnedInAnnotation = "NO"
    ref = Dataset()
    ref.ReferencedSOPClassUID = source.SOPClassUID
    ref.ReferencedSOPInstanceUID = source.SOPInstanceUID
    sc.SourceImageSequence = [ref]
    return sc
