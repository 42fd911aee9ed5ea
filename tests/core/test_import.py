"""Import: DICOM folders, DICOMDIR, MURA trees, report CSVs, idempotency, bad files."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from core.importing import import_paths
from core.importing.body_part import normalise_body_part
from core.importing.patient_age import patient_age_years
from core.store import Workspace

import main as cli

IMAGE_FILES = ["CT_small.dcm", "MR_small.dcm", "image_dfl.dcm", "liver_1frame.dcm", "SC_rgb_jpeg_dcmtk.dcm"]


def _testdata(name: str) -> Path | None:
    try:
        found = get_testdata_file(name)
    except Exception:  # noqa: BLE001 - not bundled offline
        return None
    return Path(found) if found else None


@pytest.fixture
def dicom_folder(tmp_path) -> Path:
    folder = tmp_path / "incoming"
    (folder / "sub").mkdir(parents=True)
    for i, name in enumerate(IMAGE_FILES):
        src = _testdata(name)
        if src is not None:
            shutil.copy(src, folder / ("sub" if i % 2 else "") / name)
    (folder / "notes.txt").write_text("not an image")
    (folder / "broken.dcm").write_bytes(os.urandom(2048))
    (folder / "empty.dcm").write_bytes(b"")
    return folder


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


def _make_read_only(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            os.chmod(Path(dirpath) / name, stat.S_IRUSR | stat.S_IRGRP)
        os.chmod(dirpath, stat.S_IRUSR | stat.S_IXUSR)


def _snapshot(root: Path) -> dict[str, tuple[int, float]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime) for p in root.rglob("*") if p.is_file()}


def test_folder_import_lists_bad_files_and_is_idempotent(dicom_folder, ws):
    expected = sum(1 for n in IMAGE_FILES if _testdata(n) is not None)
    before = _snapshot(dicom_folder)
    _make_read_only(dicom_folder)
    try:
        first = import_paths([dicom_folder], ws)
        second = import_paths([dicom_folder], ws)
    finally:
        for dirpath, _dirs, _files in os.walk(dicom_folder):
            os.chmod(dirpath, stat.S_IRWXU)
    assert first.imported == expected
    reasons = {Path(r.path).name: r.reason for r in first.rejected}
    assert set(reasons) == {"broken.dcm", "empty.dcm"}
    assert "not a DICOM file" in reasons["broken.dcm"] or "DICOM" in reasons["broken.dcm"]
    assert "empty" in reasons["empty.dcm"]
    assert first.ignored == 1  # notes.txt
    assert (second.imported, second.skipped) == (0, expected)
    assert _snapshot(dicom_folder) == before  # sources only read
    with ws.connect() as store:
        assert len(store.images()) == expected


def test_headers_fill_study_patient_and_image_rows(tmp_path, ws):
    src = _testdata("CT_small.dcm")
    ds = pydicom.dcmread(src)
    ds.BodyPartExamined = "WRIST"
    ds.ViewPosition = "PA"
    ds.PatientAge = "045Y"
    ds.AccessionNumber = "ACC-1"
    path = tmp_path / "ct.dcm"
    ds.save_as(path)
    result = import_paths([path], ws)
    assert result.imported == 1
    with ws.connect() as store:
        study = store.studies()[0]
        image = store.images()[0]
        assert study["study_uid"] == ds.StudyInstanceUID
        assert study["body_part"] == "wrist"
        assert study["patient_age"] == 45
        assert study["accession"] == "ACC-1"
        assert study["patient_key"] == ds.PatientID
        assert image["view"] == "PA"
        assert (image["rows"], image["columns"], image["frames"]) == (128, 128, 1)
        assert image["photometric"] == "MONOCHROME2"
        assert image["source_path"] == str(path.resolve())
        assert store.find_study("ACC-1") == study["id"]


def test_same_sop_instance_at_another_path_is_skipped(tmp_path, ws):
    src = _testdata("MR_small.dcm")
    a, b = tmp_path / "a.dcm", tmp_path / "b.dcm"
    shutil.copy(src, a)
    shutil.copy(src, b)
    result = import_paths([a, b], ws)
    assert (result.imported, result.skipped) == (1, 1)


def test_a_file_without_pixel_data_is_rejected_with_its_reason(ws):
    sr = _testdata("test-SR.dcm")
    result = import_paths([sr], ws)
    assert result.imported == 0
    assert "no pixel data" in result.rejected[0].reason


def test_missing_path_is_reported(tmp_path, ws):
    result = import_paths([tmp_path / "nope"], ws)
    assert result.rejected[0].reason == "no such file or folder"


# ------------------------------------------------------------------ DICOMDIR
@pytest.fixture
def dicomdir_tree(tmp_path) -> Path:
    src = Path(get_testdata_file("DICOMDIR")).parent
    dst = tmp_path / "cd"
    shutil.copytree(src, dst)
    return dst


def _referenced(dicomdir: Path) -> list[list[str]]:
    ds = pydicom.dcmread(dicomdir)
    out = []
    for rec in ds.DirectoryRecordSequence:
        ref = rec.get("ReferencedFileID")
        if ref is not None:
            out.append([ref] if isinstance(ref, str) else list(ref))
    return out


def test_dicomdir_resolves_references_case_insensitively(dicomdir_tree, ws):
    refs = _referenced(dicomdir_tree / "DICOMDIR")
    assert refs
    # Media written elsewhere often comes back lower-cased.
    top = dicomdir_tree / refs[0][0]
    top.rename(dicomdir_tree / refs[0][0].lower())
    result = import_paths([dicomdir_tree / "DICOMDIR"], ws)
    assert result.imported > 0
    assert not [r for r in result.rejected if "missing" in r.reason]


@pytest.mark.filterwarnings("ignore:Invalid value for VR CS")  # the crafted '..' reference itself
def test_dicomdir_lists_missing_and_refuses_escaping_references(dicomdir_tree, tmp_path, ws):
    dicomdir = dicomdir_tree / "DICOMDIR"
    ds = pydicom.dcmread(dicomdir)
    image_records = [r for r in ds.DirectoryRecordSequence if r.get("ReferencedFileID") is not None]
    image_records[0].ReferencedFileID = ["..", "outside.dcm"]
    shutil.copy(get_testdata_file("CT_small.dcm"), tmp_path / "outside.dcm")
    missing_ref = list(image_records[1].ReferencedFileID)
    ds.save_as(dicomdir)
    (dicomdir_tree.joinpath(*missing_ref)).unlink()
    result = import_paths([dicomdir], ws)
    reasons = [r.reason for r in result.rejected]
    assert any("outside its own folder" in r for r in reasons)
    assert any("missing" in r for r in reasons)
    with ws.connect() as store:
        assert all("outside.dcm" not in row["source_path"] for row in store.images())
    assert result.imported == len(image_records) - 2


# ------------------------------------------------------------------ MURA tree
def _png(path: Path, value: int = 128) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((64, 48), value, np.uint8))


def test_mura_tree_gives_body_part_patient_study_and_label(tmp_path, ws):
    root = tmp_path / "MURA-v1.1" / "train"
    _png(root / "XR_WRIST/patient00001/study1_positive/image1.png")
    _png(root / "XR_WRIST/patient00001/study1_positive/image2.png")
    _png(root / "XR_HAND/patient00002/study1_negative/image1.png")
    _png(root / "XR_ELBOW/patient00001/study2_negative/image1.png")
    _png(tmp_path / "loose" / "photo.png")
    renamed = root / "XR_HAND/patient00002/study1_negative/image2.dcm"  # a PNG named .dcm
    shutil.copy(root / "XR_HAND/patient00002/study1_negative/image1.png", renamed)
    result = import_paths([root, tmp_path / "loose"], ws)
    assert result.imported == 5
    assert [Path(r.path).name for r in result.rejected] == ["photo.png"]
    assert "MURA-style folder" in result.rejected[0].reason
    with ws.connect() as store:
        studies = {s["study_uid"]: s for s in store.studies()}
        wrist = studies["mura:XR_WRIST/patient00001/study1_positive"]
        assert wrist["body_part"] == "wrist"
        assert wrist["patient_key"] == "mura:patient00001"
        assert store.current_label(wrist["id"]).value == "positive"
        assert store.current_label(wrist["id"]).source == "import"
        elbow = studies["mura:XR_ELBOW/patient00001/study2_negative"]
        assert elbow["patient_id"] == wrist["patient_id"]
        assert store.current_label(elbow["id"]).value == "negative"
        img = store.images(wrist["id"])[0]
        assert (img["rows"], img["columns"], img["file_format"]) == (64, 48, "png")
    again = import_paths([root], ws)
    assert again.imported == 0
    with ws.connect() as store:
        assert len(store.label_history(wrist["id"])) == 1


# ------------------------------------------------------------------ reports CSV
def _import_one_study(tmp_path, ws, accession="ACC-7") -> pydicom.Dataset:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.AccessionNumber = accession
    ds.save_as(tmp_path / "study.dcm")
    import_paths([tmp_path / "study.dcm"], ws)
    return ds


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_reports_csv_in_common_encodings(tmp_path, ws, encoding):
    ds = _import_one_study(tmp_path, ws)
    csv = tmp_path / "reports.csv"
    text = "Fracture of the distal radius. Café-au-lait spot noted."
    csv.write_bytes(f"accession,report\nACC-7,{text}\nACC-404,No fracture.\n".encode(encoding))
    result = import_paths([csv], ws)
    assert result.reports == 1
    assert len(result.rejected) == 1 and "no study with this key" in result.rejected[0].reason
    with ws.connect() as store:
        assert store.report(store.find_study(ds.StudyInstanceUID)) == text
    assert import_paths([csv], ws).reports == 0  # idempotent


def test_reports_csv_with_wrong_columns_lists_the_columns_found(tmp_path, ws, capsys):
    _import_one_study(tmp_path, ws)
    csv = tmp_path / "reports.csv"
    csv.write_text("patient,findings_text\nP1,No fracture.\n")
    code = cli.main(["import", str(csv), "--workspace", str(ws.path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2
    assert "the columns found are: patient, findings_text" in out["rejected"][0]["reason"]


# ------------------------------------------------------------------ CLI
def test_import_cli_json_contract(dicom_folder, ws, capsys):
    code = cli.main(["import", str(dicom_folder), "--workspace", str(ws.path), "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(payload) >= {"imported", "skipped", "rejected"}
    assert all(set(r) == {"path", "reason"} for r in payload["rejected"])


# ------------------------------------------------------------------ pure helpers
@pytest.mark.parametrize("values, expected", [
    (("WRIST",), "wrist"), (("", "XR FOREARM 2 VIEWS"), "forearm"), ((None, None, "XR_SHOULDER"), "shoulder"),
    (("HAND",), "hand"), (("CHEST",), None), (("Left upper arm",), "humerus"), (("R THUMB",), "finger"),
])
def test_body_part_normalisation(values, expected):
    assert normalise_body_part(*values) == expected


def test_patient_age_from_tag_else_dates():
    assert patient_age_years("045Y", None, None) == 45
    assert patient_age_years("006M", None, None) == 0.5
    assert patient_age_years(None, "20000101", "20100101") == pytest.approx(10.0, abs=0.01)
    assert patient_age_years("garbage", "20000101", "20100101") == pytest.approx(10.0, abs=0.01)
    assert patient_age_years(None, "20100101", "20000101") is None


def test_parallel_header_workers_give_the_same_rows_as_one_process(tmp_path, monkeypatch):
    from core.importing import probe

    folder = tmp_path / "many"
    folder.mkdir()
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for i in range(12):
        ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.{i + 1}"
        ds.StudyInstanceUID = f"1.2.826.0.1.3680043.8.499.{i // 3 + 1}"
        ds.save_as(folder / f"{i:02d}.dcm")
    (folder / "bad.dcm").write_bytes(b"garbage" * 50)
    serial = import_paths([folder], Workspace.open(tmp_path / "serial"))
    monkeypatch.setattr(probe, "PARALLEL_MIN_FILES", 2)
    parallel_ws = Workspace.open(tmp_path / "parallel")
    parallel = import_paths([folder], parallel_ws)
    assert (parallel.imported, parallel.studies_created) == (serial.imported, serial.studies_created) == (12, 4)
    assert [r.reason for r in parallel.rejected] == [r.reason for r in serial.rejected]
    with parallel_ws.connect() as store:
        assert len(store.images()) == 12


def test_a_later_file_fills_what_the_first_file_of_its_study_lacked(tmp_path, ws):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.101"
    ds.save_as(tmp_path / "a.dcm")          # no Body Part Examined, no accession
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.102"
    ds.BodyPartExamined = "WRIST"
    ds.AccessionNumber = "ACC-9"
    ds.save_as(tmp_path / "b.dcm")
    import_paths([tmp_path / "a.dcm", tmp_path / "b.dcm"], ws)
    with ws.connect() as store:
        (study,) = store.studies()
        assert (study["body_part"], study["accession"]) == ("wrist", "ACC-9")
