"""The study's fracture result as a DICOM Comprehensive SR (TID 1500 Measurement Report), via highdicom.

Content, per study:

* one measurement group for the study (all its images as source images) and
  one per view, each with the algorithm identification (model id as the
  version), the finding "Fracture of bone" Present / Absent / Indeterminate
  (the model's operating points: positive / negative / doubt) and the model
  probability (private code, unit UCUM "1");
* when a radiologist has labelled the study, a group without algorithm: the
  radiologist's final label as the same finding, and the reading difficulty.

Observer context: the workstation as the device observer, the radiologist
(or, de-identified, the reader's pseudonym) as the person observer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from core.errors import InputError

# SNOMED CT 125605004 "Fracture of bone"; 363680008 "Radiographic imaging procedure".
FRACTURE = hd.sr.CodedConcept("125605004", "SCT", "Fracture of bone")
RADIOGRAPHY = hd.sr.CodedConcept("363680008", "SCT", "Radiographic imaging procedure")
# What no standard code says, in a private coding scheme ("99" prefix, PS3.16 Section 8.2).
SCHEME = "99RADINET"
PROBABILITY = hd.sr.CodedConcept("RN-001", SCHEME, "Fracture probability (model output)")
DIFFICULTY = hd.sr.CodedConcept("RN-002", SCHEME, "Reading difficulty")
DIFFICULTY_VALUES = {"easy": hd.sr.CodedConcept("RN-003", SCHEME, "Easy"),
                     "difficult": hd.sr.CodedConcept("RN-004", SCHEME, "Difficult")}
NO_UNITS = hd.sr.CodedConcept("1", "UCUM", "no units")
FINDING_VALUES = {"positive": codes.SCT.Present, "negative": codes.SCT.Absent,
                  "doubt": codes.SCT.Indeterminate, "uncertain": codes.SCT.Indeterminate}
# One fixed device UID for the workstation software (UUID-derived, PS3.5 B.2).
DEVICE_UID = "2.25." + str(uuid.uuid5(uuid.NAMESPACE_URL, "radinet-studio:workstation").int)
MANUFACTURER = "RadiNet Studio"


class NothingToReport(InputError):
    """Neither a model result nor a radiologist's label: an SR would be empty."""


@dataclass
class ViewResult:
    sop_class_uid: str
    sop_instance_uid: str
    probability: float
    tier: str


@dataclass
class StudyResult:
    model_id: str | None = None
    model_name: str = "RadiNet Studio fracture model"
    software_version: str = ""
    probability: float | None = None
    tier: str | None = None
    views: list[ViewResult] = field(default_factory=list)
    radiologist_label: str | None = None     # positive | negative | uncertain
    radiologist: str | None = None           # the label's author (or pseudonym)
    difficulty: str | None = None            # easy | difficult


def _algorithm(result: StudyResult) -> hd.sr.AlgorithmIdentification:
    return hd.sr.AlgorithmIdentification(name=result.model_name, version=str(result.model_id),
                                         parameters=[f"software {result.software_version}"]
                                         if result.software_version else None)


def _model_group(result: StudyResult, label: str, probability: float, tier: str,
                 sources: list[tuple[str, str]]) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier=label),
        finding_type=FRACTURE,
        algorithm_id=_algorithm(result),
        measurements=[hd.sr.Measurement(name=PROBABILITY, value=float(probability), unit=NO_UNITS,
                                        algorithm_id=_algorithm(result))],
        qualitative_evaluations=[hd.sr.QualitativeEvaluation(FRACTURE, FINDING_VALUES[tier])],
        source_images=[hd.sr.SourceImageForMeasurementGroup(cls, uid) for cls, uid in sources],
    )


def _radiologist_group(result: StudyResult, sources) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    evaluations = [hd.sr.QualitativeEvaluation(FRACTURE, FINDING_VALUES[result.radiologist_label])]
    if result.difficulty in DIFFICULTY_VALUES:
        evaluations.append(hd.sr.QualitativeEvaluation(DIFFICULTY, DIFFICULTY_VALUES[result.difficulty]))
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="radiologist final label"),
        finding_type=FRACTURE, qualitative_evaluations=evaluations,
        source_images=[hd.sr.SourceImageForMeasurementGroup(cls, uid) for cls, uid in sources],
    )


def fracture_report(evidence: list[Dataset], result: StudyResult, series_uid: str | None = None,
                    instance_uid: str | None = None) -> hd.sr.ComprehensiveSR:
    """A Comprehensive SR about ``evidence`` (the study's images, headers suffice).

    Patient and study attributes are copied from the evidence by highdicom,
    so de-identified evidence gives a de-identified report.
    """
    sources = [(str(ds.SOPClassUID), str(ds.SOPInstanceUID)) for ds in evidence]
    groups = []
    if result.model_id is not None and result.probability is not None:
        groups.append(_model_group(result, "fracture model, study", result.probability, result.tier, sources))
        for k, view in enumerate(result.views, start=1):
            groups.append(_model_group(result, f"fracture model, view {k}", view.probability, view.tier,
                                       [(view.sop_class_uid, view.sop_instance_uid)]))
    if result.radiologist_label in FINDING_VALUES:
        groups.append(_radiologist_group(result, sources))
    if not groups:
        raise NothingToReport("there is nothing to report: no published model and no radiologist label")
    person = None
    if result.radiologist_label and result.radiologist:
        # A login or free-text name becomes a one-component PN ("name^"), as PS3.5 6.2.1.2 asks.
        name = result.radiologist if "^" in result.radiologist else result.radiologist + "^"
        person = hd.sr.ObserverContext(codes.DCM.Person, hd.sr.PersonObserverIdentifyingAttributes(name=name))
    device = hd.sr.ObserverContext(codes.DCM.Device, hd.sr.DeviceObserverIdentifyingAttributes(
        uid=DEVICE_UID, name="RadiNet Studio workstation", manufacturer_name=MANUFACTURER))
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=person, observer_device_context=device),
        procedure_reported=RADIOGRAPHY,
        imaging_measurements=groups,
    )
    sr = hd.sr.ComprehensiveSR(
        evidence=evidence, content=report[0], series_instance_uid=series_uid or generate_uid(), series_number=901,
        sop_instance_uid=instance_uid or generate_uid(), instance_number=1, manufacturer=MANUFACTURER,
        is_complete=True, is_final=False, is_verified=False,
        series_description="RadiNet fracture result (research use, not for diagnosis)",
    )
    # (0008,0110) Coding Scheme Identification Sequence: declares the private scheme used above.
    scheme = Dataset()
    scheme.CodingSchemeDesignator = SCHEME
    scheme.CodingSchemeName = "RadiNet Studio local codes"
    scheme.CodingSchemeResponsibleOrganization = "RadiNet Studio"
    sr.CodingSchemeIdentificationSequence = [scheme]
    return sr
