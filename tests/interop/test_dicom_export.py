"""radinet export dicom: SR + heatmap SC per study, round-tripped through pydicom/highdicom."""

from __future__ import annotations

from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest

from core.imaging.image import load_image
from main import main
from tests.interop.conftest import MODEL_ID

SC_STORAGE = "1.2.840.10008.5.1.4.1.1.7"
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"


def _export(ws, out, *extra) -> int:
    return main(["export", "dicom", "--workspace", str(ws.path), "--out", str(out), *extra])


def _groups(sr):
    return {g.tracking_identifier: g for g in sr.content.get_image_measurement_groups()}


def _evaluation(group, meaning: str) -> str:
    return next(q.value.meaning for q in group.get_qualitative_evaluations() if q.name.meaning == meaning)


def test_sr_and_sc_per_study_reference_the_source_images(demo_ws, tmp_path):
    from core.inference.predictor import Predictor

    with demo_ws.connect() as store:
        study = store.studies()[0]
        store.add_label(study["id"], "fracture", "negative", "radiologist", "Jane Smith")
        store.add_difficulty(study["id"], "difficult", "Jane Smith")
        rows = store.images(study["id"])
        n_studies = store.count_studies()
    out = tmp_path / "out"
    assert _export(demo_ws, out) == 0
    assert len(list(out.iterdir())) == n_studies

    folder = out / study["study_uid"]
    sr = hd.sr.srread(folder / "SR.dcm")
    assert sr.SOPClassUID == COMPREHENSIVE_SR and sr.StudyInstanceUID == study["study_uid"]
    evidence = {item.ReferencedSOPInstanceUID for series in sr.CurrentRequestedProcedureEvidenceSequence
                for s in series.ReferencedSeriesSequence for item in s.ReferencedSOPSequence}
    assert evidence == {r["sop_uid"] for r in rows}

    # The SR carries what the published model says about these very images.
    expected = Predictor.for_workspace(demo_ws).predict_study([load_image(r["source_path"]) for r in rows])
    groups = _groups(sr)
    study_group = groups["fracture model, study"]
    probability = study_group.get_measurements()[0]
    assert probability.value == pytest.approx(expected.probability, abs=1e-6)
    assert {s.referenced_sop_instance_uid for s in study_group.source_images} == evidence
    assert _evaluation(study_group, "Fracture of bone") == {"positive": "Present", "negative": "Absent",
                                                            "doubt": "Indeterminate"}[expected.tier]
    assert MODEL_ID in {str(item.TextValue) for item in pydicom.dcmread(folder / "SR.dcm").ContentSequence[-1]
                        .ContentSequence[0].ContentSequence if "TextValue" in item}
    radiologist = groups["radiologist final label"]
    assert _evaluation(radiologist, "Fracture of bone") == "Absent"
    assert _evaluation(radiologist, "Reading difficulty") == "Difficult"

    # One Secondary Capture per view, in the same study, pointing at its source view.
    by_uid = {r["sop_uid"]: r for r in rows}
    captures = sorted(folder.glob("SC_*.dcm"))
    assert len(captures) == len(rows)
    for path in captures:
        sc = pydicom.dcmread(path)
        assert sc.SOPClassUID == SC_STORAGE and sc.StudyInstanceUID == study["study_uid"]
        source = by_uid[sc.SourceImageSequence[0].ReferencedSOPInstanceUID]
        shown = load_image(path)                       # the viewer's own decoder opens it
        assert shown.values.shape == load_image(source["source_path"]).values.shape
        assert sc.PhotometricInterpretation == "RGB" and sc.BurnedInAnnotation == "NO"


def test_one_study_and_unknown_study(demo_ws, tmp_path, capsys):
    with demo_ws.connect() as store:
        uid = store.studies()[1]["study_uid"]
    out = tmp_path / "one"
    assert _export(demo_ws, out, "--study", uid) == 0
    assert [p.name for p in out.iterdir()] == [uid]
    assert _export(demo_ws, tmp_path / "none", "--study", "1.2.3.4.5") == 2
    assert "no study 1.2.3.4.5" in capsys.readouterr().err


def test_missing_source_file_is_listed_and_the_rest_export(demo_ws, tmp_path):
    import json
    import shutil

    with demo_ws.connect() as store:
        first, second = store.studies()[:2]
        path = Path(store.images(first["id"])[0]["source_path"])
    moved = tmp_path / "moved.dcm"
    shutil.move(path, moved)
    try:
        out = tmp_path / "out"
        main(["export", "dicom", "--workspace", str(demo_ws.path), "--out", str(out), "--json"])
    finally:
        shutil.move(moved, path)
    assert (out / second["study_uid"] / "SR.dcm").is_file()
    # The study with a missing view is still exported from its other views.
    assert (out / first["study_uid"] / "SR.dcm").is_file()
    assert len(list((out / first["study_uid"]).glob("SC_*.dcm"))) == len(list(path.parent.glob("*.dcm"))) - 1
    assert not list(out.rglob("*.part")) and not list(out.rglob("*.tmp"))
