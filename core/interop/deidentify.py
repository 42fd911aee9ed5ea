"""De-identify DICOM datasets: PS3.15 Annex E Basic Profile through deid.

Why deid rather than dicognito: dicognito replaces names, IDs, UIDs and dates
with look-alike values but keeps every other attribute (study and series
descriptions, free-text comments, device serial numbers, private tags), so
several E.1-1 "X" attributes would survive. deid reads a declarative recipe;
``basic_profile.recipe`` beside this file removes everything except a short
retention list of image-describing attributes (REMOVE ALL + KEEP), so an
attribute nobody thought of — a new one, a vendor's misuse of a standard
one — is removed rather than leaked. Private attributes go too
(``remove_private``), at every level.

Per export one :class:`~core.interop.pseudonyms.Pseudonyms` table gives each
UID, patient and date its replacement, so a de-identified SR still refers
to its de-identified images. Dates are emptied, or with ``shift_dates``
moved by one offset per patient (E.1-1's Retain Longitudinal Temporal
Information with Modified Dates option).

Burned-in annotation: an image whose (0028,0301) Burned In Annotation is
YES is refused (its pixels may show the name); one that does not say is
exported and counted, so the export can tell the user to look at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import UID

from core.errors import InputError
from core.interop.pseudonyms import Pseudonyms

RECIPE = Path(__file__).with_name("basic_profile.recipe")
# (0012,0064) De-identification Method Code Sequence, CID 7050
BASIC_PROFILE = ("113100", "DCM", "Basic Application Confidentiality Profile")
MODIFIED_DATES = ("113107", "DCM", "Retain Longitudinal Temporal Information Modified Dates Option")
# Type 2 attributes of the CR and DX Image IODs that must be present, if empty.
TYPE2_EMPTY = ("Manufacturer", "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
               "ReferringPhysicianName", "StudyID", "AccessionNumber", "SeriesNumber", "InstanceNumber",
               "PatientOrientation")


class BurnedInAnnotationError(InputError):
    """The image declares text burned into its pixels, which header de-identification cannot remove."""


@dataclass
class DeidentifiedImage:
    dataset: Dataset
    burned_in_unknown: bool   # (0028,0301) absent: nobody said whether the pixels carry text


def _recipe():
    from deid.config import DeidRecipe

    return DeidRecipe(deid=str(RECIPE), base=False)


def _quiet_deid() -> None:
    """deid's logger would print field values (patient data) at debug levels: keep it to errors."""
    from deid.logger import bot
    from deid.logger.message import QUIET

    bot.level = QUIET


class Deidentifier:
    """Applies the Basic Profile to datasets with one export's pseudonym table."""

    def __init__(self, pseudonyms: Pseudonyms):
        _quiet_deid()
        self.pseudonyms = pseudonyms
        self.recipe = _recipe()

    def deidentify(self, ds: Dataset) -> DeidentifiedImage:
        """De-identify ``ds`` in place (pixels untouched) and return it with the burned-in status."""
        from deid.dicom.parser import DicomParser

        burned = str(ds.get("BurnedInAnnotation", "")).strip().upper()
        if burned == "YES":
            raise BurnedInAnnotationError(
                "its header says text is burned into the pixels (Burned In Annotation YES), which may show "
                "the patient's name; it was not exported")
        patient_key = str(ds.get("PatientID", "") or f"unknown:{ds.get('StudyInstanceUID', '')}")
        p = self.pseudonyms
        parser = DicomParser(ds, recipe=self.recipe)
        parser.define("patient_pseudonym", p.patient(patient_key))
        parser.define("patient_name", p.patient(patient_key) + "^")     # a PN: family name only
        parser.define("empty", "")
        parser.define("new_uid", lambda field, **_: p.uid(str(field.element.value)))
        parser.define("shift_date", lambda field, **_: p.date(str(field.element.value), patient_key))
        parser.define("keep_time", lambda field, **_: str(field.element.value) if p.shift_dates else "")
        parser.parse(remove_private=True)
        out = parser.dicom
        self._finish(out)
        return DeidentifiedImage(out, burned_in_unknown=(burned == ""))

    def mark(self, ds: Dataset) -> None:
        """(0012,0062)-(0012,0064), (0028,0303): say how ``ds`` was de-identified (also on the SR and SC
        made from de-identified images)."""
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = "PS3.15 E.1 Basic Profile, deid retention recipe"
        codes = [BASIC_PROFILE] + ([MODIFIED_DATES] if self.pseudonyms.shift_dates else [])
        ds.DeidentificationMethodCodeSequence = Sequence([_code(*c) for c in codes])
        ds.LongitudinalTemporalInformationModified = "MODIFIED" if self.pseudonyms.shift_dates else "REMOVED"

    def _finish(self, ds: Dataset) -> None:
        for keyword in TYPE2_EMPTY:
            if keyword not in ds:
                setattr(ds, keyword, "" if keyword != "PatientOrientation" else None)
        self.mark(ds)
        # The recipe's REMOVE ALL also empties the file meta; rebuild the two UIDs it must repeat.
        meta = ds.file_meta
        meta.MediaStorageSOPClassUID = UID(str(ds.SOPClassUID))
        meta.MediaStorageSOPInstanceUID = UID(str(ds.SOPInstanceUID))
        if "ImplementationClassUID" not in meta:
            from pydicom.uid import PYDICOM_IMPLEMENTATION_UID

            meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        for keyword in ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle",
                        "ReceivingApplicationEntityTitle", "PrivateInformationCreatorUID", "PrivateInformation"):
            if keyword in meta:
                delattr(meta, keyword)


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item
