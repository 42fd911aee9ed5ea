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


# ------------------------------------------------- received files are probed from memory, not re-read
def _received(path: Path):
    """(decoded data set with its File Meta, data set offset) as the SCP holds a C-STORE of this Part 10 file.

    The data set is decoded as pynetdicom decodes a C-STORE; None for what the SCP refuses
    (check_received) and for deflated files (the SCP probes those from disk).
    """
    from core.interop.storage_scp import check_received

    from io import BytesIO

    from pynetdicom.dsutils import decode

    raw = path.read_bytes()
    # (0002,0000) File Meta Information Group Length, explicit VR little endian, right after "DICM"
    if raw[128:132] != b"DICM" or raw[132:138] != b"\x02\x00\x00\x00UL":
        return None
    offset = 144 + int.from_bytes(raw[140:144], "little")
    try:
        meta = pydicom.filereader.read_file_meta_info(path)
        syntax = pydicom.uid.UID(str(meta.TransferSyntaxUID))
        if syntax.is_deflated:
            return None
        ds = decode(BytesIO(raw[offset:]), syntax.is_implicit_VR, syntax.is_little_endian)
        if check_received(ds, meta.get("MediaStorageSOPInstanceUID")):
            return None
    except Exception:
        return None
    ds.file_meta = meta
    return ds, offset


def _bundled_part10(tmp_path) -> list[Path]:
    folder = Path(get_testdata_file("CT_small.dcm")).parent
    copies = []
    for i, path in enumerate(sorted(p for p in folder.rglob("*") if p.is_file())):
        copy = tmp_path / f"{i:03d}-{path.name}"
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    return copies


def _damaged_copies(tmp_path, files: list[Path]) -> list[Path]:
    """Cut-off, size-lying and pixel-less versions of native and compressed files: what the checks refuse."""
    from core.importing.probe import probe_file

    damaged = []
    for path in files:
        probe = probe_file(path)
        if probe.kind != "dicom":
            continue
        raw = path.read_bytes()
        (tmp_path / f"cut-{path.name}").write_bytes(raw[: len(raw) - 300])
        damaged.append(tmp_path / f"cut-{path.name}")
        # (0028,0010) Rows, explicit VR "US" 2: claim 4x the rows the pixel data holds
        at = raw.find(b"\x28\x00\x10\x00US\x02\x00")
        if at > 0 and probe.header.rows:
            rows = (probe.header.rows * 4).to_bytes(2, "little")
            (tmp_path / f"tall-{path.name}").write_bytes(raw[: at + 8] + rows + raw[at + 10:])
            damaged.append(tmp_path / f"tall-{path.name}")
        ds = pydicom.dcmread(path)
        if not ds.file_meta.TransferSyntaxUID.is_compressed:
            ds.PixelData = b""      # present, so the SCP accepts it, but empty
            ds.save_as(tmp_path / f"empty-{path.name}")
            damaged.append(tmp_path / f"empty-{path.name}")
    return damaged


def test_a_received_file_is_probed_as_probe_file_reads_it_from_disk(tmp_path):
    """probe_received (no file parsing) == probe_file (reads the file) for every bundled file and its damage."""
    from core.importing.probe import probe_file, probe_received

    files = _bundled_part10(tmp_path)
    files += _damaged_copies(tmp_path, files)
    compared, kinds, syntaxes = 0, set(), set()
    for path in files:
        received = _received(path)
        if received is None:
            continue
        ds, offset = received
        st = path.stat()
        got = probe_received(path, ds, st.st_size, st.st_mtime, offset)
        want = probe_file(path)
        assert got == want, path.name
        compared += 1
        kinds.add(want.kind if want.kind == "dicom" else want.error.split(":")[0])
        syntaxes.add(str(ds.file_meta.TransferSyntaxUID))
    # The comparison covered images, empty and cut-off native pixel data, and headers lying about
    # the image size to native and compressed pixel data (refused by the checks that read the
    # compressed data's items from the file at the offset the received data set gives).
    assert compared >= 100, compared
    assert {"dicom", "no pixel data (not an image)", "the file is truncated", "the pixel data is incomplete",
            "the JPEG data is damaged", "the RLE data is damaged"} <= kinds, kinds
    assert {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.5"} <= syntaxes


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The paths whose header is read from disk (core.dicom.header.read_header, as probe_file calls it)."""
    import core.dicom.header

    paths = []
    real_read_header = core.dicom.header.read_header

    def counting_read_header(path, *args, **kwargs):
        paths.append(path)
        return real_read_header(path, *args, **kwargs)

    monkeypatch.setattr(core.dicom.header, "read_header", counting_read_header)
    return paths


def _rows(ws: Workspace) -> dict[str, list[tuple]]:
    """Every patient, study and image row, ids and creation times left out (they differ by workspace)."""
    with ws.connect() as store:
        patients = {r["id"]: r["patient_key"] for r in store.execute("SELECT * FROM patients")}
        studies = {r["id"]: r["study_uid"] for r in store.execute("SELECT * FROM studies")}

        def table(name: str) -> list[tuple]:
            rows = []
            for r in store.execute(f"SELECT * FROM {name}"):
                row = {k: r[k] for k in r.keys() if k not in ("id", "created_at", "imported_at")}
                if "patient_id" in row:
                    row["patient_id"] = patients[row["patient_id"]]
                if "study_id" in row:
                    row["study_id"] = studies[row["study_id"]]
                rows.append(tuple(sorted(row.items())))
            return sorted(rows, key=repr)

        return {name: table(name) for name in ("patients", "studies", "images")}


def test_received_files_are_filed_as_importing_them_from_disk_without_reading_them_again(scp, tmp_path, reads):
    from core.importing import import_paths

    files = _bundled(ComputedRadiographyImageStorage, 3) + _bundled(SecondaryCaptureImageStorage, 3)
    assoc = _associate(scp, files=files)
    assert assoc.is_established
    statuses = [assoc.send_c_store(pydicom.dcmread(f)).Status for f in files]
    assoc.release()
    assert scp.wait_idle(60)
    assert statuses.count(0x0000) >= 4 and scp.stats.imported == statuses.count(0x0000)
    assert reads == []          # the listener filed them from the data sets it had decoded

    # The same inbox files imported from disk by the ordinary importer: the same rows, to the
    # source path, file size and modification time (and the patched reader did see those reads).
    from_disk = Workspace.open(tmp_path / "from-disk")
    result = import_paths([scp.inbox], from_disk)
    assert result.imported == scp.stats.imported and len(reads) == result.imported
    assert _rows(scp.workspace) == _rows(from_disk)


def test_a_file_received_twice_in_one_batch_is_probed_from_disk_once(tmp_path):
    from core.importing.probe import Probe, probe_file
    from core.interop.storage_scp import _one_probe_per_file

    source = _bundled(ComputedRadiographyImageStorage, 1)[0]
    path = tmp_path / "1.2.3.dcm"
    path.write_bytes(source.read_bytes())
    stale = Probe(path, "rejected", error="what the first arrival held")
    other = Probe(tmp_path / "other.dcm", "rejected", error="received once")
    assert _one_probe_per_file([stale, other, stale]) == [probe_file(path), other]
    assert _one_probe_per_file([path]) == [probe_file(path)]   # sent without a probe: read from disk


def test_a_deflated_data_set_is_probed_from_its_file(scp, tmp_path, reads):
    """Deflated: the decoded data set's offsets are the inflated stream's, so the file is read instead."""
    from core.importing import import_paths
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    ae = AE(ae_title="MODALITY")
    ae.add_requested_context(ComputedRadiographyImageStorage, [DeflatedExplicitVRLittleEndian])
    assoc = ae.associate("127.0.0.1", scp.bound_port, ae_title="RADINET")
    files = _bundled(ComputedRadiographyImageStorage, 2)
    assert [assoc.send_c_store(pydicom.dcmread(f)).Status for f in files] == [0x0000] * len(files)
    assoc.release()
    assert scp.wait_idle(60)
    assert scp.stats.imported == len(files) == len(reads)
    from_disk = Workspace.open(tmp_path / "from-disk")
    import_paths([scp.inbox], from_disk)
    assert _rows(scp.workspace) == _rows(from_disk)
    with scp.workspace.connect() as store:
        assert {row["transfer_syntax"] for row in store.images()} == {DeflatedExplicitVRLittleEndian}


def test_after_a_failed_batch_the_importer_goes_on_with_a_fresh_connection(tmp_path, monkeypatch):
    import core.importing.importer
    from core.importing.probe import probe_file
    from core.interop.storage_scp import ListenerStats, _Importer

    first, second = _bundled(ComputedRadiographyImageStorage, 2)
    real_import_probed = core.importing.importer.import_probed
    stores = []

    def failing_once(probes, store, author=None):
        stores.append(store)
        if len(stores) == 1:
            raise OSError("the disk went away")
        return real_import_probed(probes, store, author)

    monkeypatch.setattr(core.importing.importer, "import_probed", failing_once)
    ws = Workspace.open(tmp_path / "ws")
    importer = _Importer(ws, ListenerStats())
    importer.start()
    try:
        importer.put(probe_file(first))
        assert importer.idle.wait(30)
        importer.put(probe_file(second))
        assert importer.idle.wait(30)
    finally:
        importer.close()
    assert importer.stats.imported == 1 and not importer.is_alive()
    assert stores[0] is not stores[1]       # the failed batch's connection was not reused
    with ws.connect() as store:
        assert [row["source_path"] for row in store.images()] == [str(second)]
