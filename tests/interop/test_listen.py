"""radinet listen: a pynetdicom SCU on 127.0.0.1 sends pydicom's bundled files to the Storage SCP."""

from __future__ import annotations

import os
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pynetdicom import AE
from pynetdicom.sop_class import (
    ComputedRadiographyImageStorage,
    CTImageStorage,
    SecondaryCaptureImageStorage,
    Verification,
)

from core.interop.storage_scp import CANNOT_UNDERSTAND, DATASET_MISMATCH, StorageSCP
from core.store.workspace import Workspace


def _bundled(sop_class: str, limit: int) -> list[Path]:
    folder = Path(get_testdata_file("CT_small.dcm")).parent
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:
            continue
        if ds.get("SOPClassUID") == sop_class and "file_meta" in dir(ds) and "PixelData" in pydicom.dcmread(path):
            found.append(path)
        if len(found) == limit:
            break
    return found


@pytest.fixture
def scp(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    server = StorageSCP(ws, ae_title="RADINET", port=0, allowed_callers=["MODALITY"])
    server.start()
    yield server
    server.stop()


def _associate(scp, calling="MODALITY", files=()):
    """An SCU association proposing CR, SC, CT and Verification, plus each file's own transfer syntax."""
    ae = AE(ae_title=calling)
    for ctx in (ComputedRadiographyImageStorage, SecondaryCaptureImageStorage, CTImageStorage, Verification):
        ae.add_requested_context(ctx)
    for pair in sorted({(str(ds.SOPClassUID), str(ds.file_meta.TransferSyntaxUID))
                        for ds in (pydicom.dcmread(f, stop_before_pixels=True) for f in files)}):
        ae.add_requested_context(pair[0], [pair[1]])
    return ae.associate("127.0.0.1", scp.bound_port, ae_title="RADINET")


def test_bundled_cr_and_sc_files_arrive_in_the_workspace(scp):
    files = _bundled(ComputedRadiographyImageStorage, 3) + _bundled(SecondaryCaptureImageStorage, 3)
    assert len(files) >= 4
    assoc = _associate(scp, files=files)
    assert assoc.is_established
    assert assoc.send_c_echo().Status == 0x0000
    statuses = [assoc.send_c_store(pydicom.dcmread(f)).Status for f in files]
    assoc.release()
    assert scp.wait_idle(60)
    with scp.workspace.connect() as store:
        sop_uids = {row["sop_uid"] for row in store.images()}
    # Every accepted file is in the worklist; the rest were refused with a status, none lost silently.
    accepted = [f for f, s in zip(files, statuses) if s == 0x0000]
    assert {str(pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID) for f in accepted} <= sop_uids
    assert len(accepted) + scp.stats.refused == len(files)
    assert len(sop_uids) == scp.stats.imported >= 4
    inbox = list((scp.workspace.path / "inbox").rglob("*"))
    assert not [p for p in inbox if p.name.endswith(".part")]     # nothing half-written left behind


def test_ct_is_not_negotiated(scp):
    assoc = _associate(scp)
    with pytest.raises(ValueError):   # pynetdicom: no accepted presentation context for CT
        assoc.send_c_store(pydicom.dcmread(get_testdata_file("CT_small.dcm")))
    assoc.release()


def test_unknown_calling_ae_is_rejected(scp):
    assoc = _associate(scp, calling="STRANGER")
    assert not assoc.is_established
    assert assoc.is_rejected


def test_malformed_dataset_is_refused_and_the_listener_goes_on(scp, tmp_path):
    good = _bundled(ComputedRadiographyImageStorage, 1)[0]
    # Valid file meta and SOP UIDs, then the file breaks off inside (0020,000D) Study Instance UID,
    # whose declared length runs past the end: what a cut-off transfer leaves.
    raw = good.read_bytes()
    cut = raw.find(b"\x20\x00\x0d\x00")
    assert cut > 0
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(raw[:cut] + b"\x20\x00\x0d\x00UI\xff\xff1.2")
    assoc = _associate(scp)
    status = assoc.send_c_store(str(broken)).Status
    # No pixels: a readable header alone is refused too.
    header_only = pydicom.dcmread(good)
    del header_only.PixelData
    status_no_pixels = assoc.send_c_store(header_only).Status
    ok = assoc.send_c_store(pydicom.dcmread(good)).Status
    assoc.release()
    assert status in (CANNOT_UNDERSTAND, DATASET_MISMATCH) and status_no_pixels == DATASET_MISMATCH
    assert ok == 0x0000
    assert scp.wait_idle(60)
    assert scp.stats.refused == 2 and scp.stats.received == 1


def test_network_binding_needs_allowed_callers(tmp_path):
    from core.errors import InputError

    with pytest.raises(InputError, match="--allow"):
        StorageSCP(Workspace.open(tmp_path / "ws"), host="0.0.0.0", port=0)
