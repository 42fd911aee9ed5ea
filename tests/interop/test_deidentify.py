"""De-identified export: PS3.15 E.1-1 values gone, UIDs remapped consistently, files still open."""

from __future__ import annotations

from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest
from dicomanonymizer.dicom_anonymization_databases import dicomfields_2026c
from pydicom.data import get_testdata_file
from pydicom.tag import Tag

from core.imaging.image import load_image
from core.interop.deidentify import BurnedInAnnotationError, Deidentifier
from core.interop.pseudonyms import Pseudonyms
from main import main

# PS3.15 Table E.1-1 as dicom-anonymizer ships it (generated from the standard): an independent oracle.
E11_TAGS = {Tag(*t) for t in dicomfields_2026c.ALL_TAGS if isinstance(t, tuple) and len(t) == 2}


def _e11_values(ds) -> set[str]:
    """Every non-empty value of an E.1-1 attribute anywhere in ``ds`` (sequences included)."""
    found = set()

    def visit(dataset, element):
        if element.tag in E11_TAGS and element.VR != "SQ" and element.value not in (None, "", b""):
            values = element.value if isinstance(element.value, pydicom.multival.MultiValue) else [element.value]
            found.update(str(v) for v in values if str(v).strip())

    dataset_meta = getattr(ds, "file_meta", None)
    ds.walk(visit)
    if dataset_meta is not None:
        dataset_meta.walk(visit)
    return found


def _all_values(ds) -> set[str]:
    found = set()

    def visit(dataset, element):
        if element.VR not in ("SQ", "OB", "OW", "OF", "OD", "UN"):
            values = element.value if isinstance(element.value, pydicom.multival.MultiValue) else [element.value]
            found.update(str(v) for v in values)

    ds.walk(visit)
    ds.file_meta.walk(visit)
    return found


def _header_bytes_but_uids(path: Path, ds) -> bytes:
    """The file's bytes before its pixel data, less every UID value: the raw scan looks for identifiers hidden
    where ``_all_values`` does not look, and a fresh 2.25 UID's 39 random digits hold a 6-digit secret such as
    a time ("080000") by chance (a CI run failed on one). Pixels match digits by chance too."""
    raw = path.read_bytes()
    pixels = pydicom.dcmread(path).get_item("PixelData")     # still raw: it knows where its value starts
    if pixels is not None:
        raw = raw[:pixels.value_tell]
    uids = set()
    ds.walk(lambda _, el: uids.update(el.value if isinstance(el.value, pydicom.multival.MultiValue) else [el.value])
            if el.VR == "UI" and el.value else None)
    ds.file_meta.walk(lambda _, el: uids.add(el.value) if el.VR == "UI" and el.value else None)
    for uid in sorted(uids, key=len, reverse=True):
        raw = raw.replace(str(uid).encode(), b"")
    return raw


@pytest.fixture
def deidentified_export(demo_ws, tmp_path):
    with demo_ws.connect() as store:
        study = store.studies()[0]
        store.add_label(study["id"], "fracture", "positive", "radiologist", "Jane Smith")
        sources = {r["sop_uid"]: r["source_path"] for r in store.images()}
    out = tmp_path / "shared"
    assert main(["export", "dicom", "--workspace", str(demo_ws.path), "--out", str(out), "--deidentify"]) == 0
    return out, sources


def test_no_e11_value_survives_and_images_still_open(deidentified_export):
    out, sources = deidentified_export
    secrets = set()
    for path in sources.values():
        secrets |= _e11_values(pydicom.dcmread(path))
    # The E.1-1 set really covers identifiers the demo files carry (the check can fail).
    demo_path = next(iter(sources.values()))
    demo = pydicom.dcmread(demo_path)
    assert {str(demo.PatientID), str(demo.StudyInstanceUID), str(demo.AccessionNumber)} <= secrets
    assert str(demo.PatientID).encode() in _header_bytes_but_uids(Path(demo_path), demo)   # and the raw scan
    files = sorted(out.rglob("*.dcm"))
    assert {p.name.split("_")[0] for p in files} >= {"IM", "SC", "SR.dcm"}
    for path in files:
        ds = pydicom.dcmread(path)
        assert not (_all_values(ds) & secrets), path.name
        header = _header_bytes_but_uids(path, ds)
        assert not [s for s in secrets if len(s) >= 6 and s.encode() in header], path.name
        assert ds.PatientIdentityRemoved == "YES"
        assert not any(el.tag.is_private for el in ds.iterall())
        if not path.name.startswith("SR"):
            assert load_image(path).values.size > 0           # still opens in the viewer


def test_pixels_unchanged_and_uids_consistent(deidentified_export):
    out, sources = deidentified_export
    originals = {tuple(load_image(p).values.ravel()[:1000]): p for p in sources.values()}
    for study_dir in out.iterdir():
        images = [pydicom.dcmread(p) for p in sorted(study_dir.glob("IM_*.dcm"))]
        assert len({ds.StudyInstanceUID for ds in images}) == 1
        for path in sorted(study_dir.glob("IM_*.dcm")):
            assert tuple(load_image(path).values.ravel()[:1000]) in originals
        image_uids = {ds.SOPInstanceUID for ds in images}
        for sc_path in study_dir.glob("SC_*.dcm"):
            sc = pydicom.dcmread(sc_path)
            assert sc.StudyInstanceUID == images[0].StudyInstanceUID
            assert sc.SourceImageSequence[0].ReferencedSOPInstanceUID in image_uids
        sr = hd.sr.srread(study_dir / "SR.dcm")
        assert sr.StudyInstanceUID == images[0].StudyInstanceUID
        referenced = {item.ReferencedSOPInstanceUID for s in sr.CurrentRequestedProcedureEvidenceSequence
                      for series in s.ReferencedSeriesSequence for item in series.ReferencedSOPSequence}
        assert referenced == image_uids
        assert str(sr.PatientID).startswith("ANON-") and str(sr.PatientName) == str(images[0].PatientName)
    assert "Jane Smith" not in b"".join(p.read_bytes() for p in out.rglob("SR.dcm")).decode("latin-1")


def test_bundled_file_private_tags_and_free_text_removed():
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.StudyDescription = "Wrist after fall at J. Smith's house"
    ds.ImageComments = "called Dr Jones 555-1234"
    block = ds.private_block(0x0099, "ACME", create=True)
    block.add_new(0x01, "LO", "patient secret")
    before = _e11_values(ds)
    out = Deidentifier(Pseudonyms()).deidentify(ds).dataset
    assert not (_all_values(out) & before)
    assert not any(el.tag.is_private for el in out.iterall())
    assert "StudyDescription" not in out and "ImageComments" not in out
    assert out.PixelData and out.Rows == 128


def test_burned_in_annotation_is_refused():
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.BurnedInAnnotation = "YES"
    with pytest.raises(BurnedInAnnotationError, match="burned into the pixels"):
        Deidentifier(Pseudonyms()).deidentify(ds)


def test_date_shift_is_one_offset_per_patient():
    p = Pseudonyms(shift_dates=True, secret=b"k" * 32)
    a1, a2 = p.date("20240110", "A"), p.date("20240120", "A")
    assert a1 and (int(a2) - int(a1)) in (10, 10 + 70, 10 + 8870)   # same offset: the 10 days stay 10 days
    import datetime as dt

    d = lambda s: dt.datetime.strptime(s, "%Y%m%d")  # noqa: E731
    assert (d(a2) - d(a1)).days == 10
    assert -730 <= (d(a1) - d("20240110")).days <= -62
    assert Pseudonyms(shift_dates=False).date("20240110", "A") == ""
    assert p.uid("1.2.3") == p.uid("1.2.3") != Pseudonyms().uid("1.2.3")
