"""Import refuses damaged files with their reason and skips what is not a regular file (issue 14 items 1, 6, 11)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from core.importing import import_paths
from core.store import Workspace


@pytest.fixture(scope="module")
def demo_cr(tmp_path_factory) -> Path:
    """One CR file of the application's own demo (native 16-bit pixel data)."""
    from core.demo.generate import generate_demo_files

    manifest = generate_demo_files(tmp_path_factory.mktemp("demo"), n_studies=1, seed=5, workers=0)
    return Path(manifest.studies[0].image_paths[0])


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


def _cut(src: Path, dst: Path, size: int) -> Path:
    dst.write_bytes(src.read_bytes()[:size])
    return dst


def _reasons(result) -> dict[str, str]:
    return {Path(r.path).name: r.reason for r in result.rejected}


@pytest.mark.parametrize("how", ["first 3000 bytes", "half", "short by 2 bytes"])
def test_truncated_native_pixel_data_is_rejected_with_the_reason(demo_cr, tmp_path, ws, how):
    size = demo_cr.stat().st_size
    keep = {"first 3000 bytes": 3000, "half": size // 2, "short by 2 bytes": size - 2}[how]
    folder = tmp_path / "in"
    folder.mkdir()
    _cut(demo_cr, folder / "cut.dcm", keep)
    shutil.copy(demo_cr, folder / "whole.dcm")
    result = import_paths([folder], ws)
    assert result.imported == 1           # the whole copy still goes through
    reasons = _reasons(result)
    assert "cut.dcm" in reasons, "a truncated file was imported as good"
    declared = len(demo_cr.read_bytes()) - keep  # bytes missing
    assert reasons["cut.dcm"].startswith("the file is truncated: its pixel data declares ")
    assert declared > 0 and reasons["cut.dcm"].endswith("are present")
    with ws.connect() as store:
        filed = {Path(r["source_path"]).name for r in store.images()}
    assert "cut.dcm" not in filed


def test_pixel_data_shorter_than_the_image_needs_is_rejected(demo_cr, tmp_path, ws):
    """A lying length that fits in the file but not the image (Rows x Columns x Bits Allocated)."""
    import pydicom

    ds = pydicom.dcmread(demo_cr)
    ds.PixelData = ds.PixelData[: len(ds.PixelData) // 2]
    out = tmp_path / "short.dcm"
    ds.save_as(out)
    result = import_paths([out], ws)
    assert result.imported == 0
    assert "incomplete" in _reasons(result)["short.dcm"]


def _encapsulated_source() -> Path:
    for name in ("SC_rgb_rle.dcm", "MR_small_RLE.dcm", "JPEG2000.dcm", "SC_rgb_jpeg_dcmtk.dcm"):
        try:
            found = get_testdata_file(name)
        except Exception:  # noqa: BLE001 - not bundled offline
            found = None
        if found:
            return Path(found)
    pytest.skip("no encapsulated pydicom test file is bundled here")


def test_encapsulated_without_its_sequence_delimiter_or_a_fragment_is_rejected(tmp_path, ws):
    src = _encapsulated_source()
    data = src.read_bytes()
    delimiter = data.rfind(b"\xfe\xff\xdd\xe0")
    assert delimiter > 0
    files = {
        "no_delimiter.dcm": data[:delimiter],
        "cut_fragment.dcm": data[:delimiter - 10],
        "whole.dcm": data,
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    result = import_paths([tmp_path / n for n in files], ws)
    reasons = _reasons(result)
    assert result.imported == 1 and "whole.dcm" not in reasons
    assert "sequence delimiter" in reasons["no_delimiter.dcm"]
    assert "fragment" in reasons["cut_fragment.dcm"] or "sequence delimiter" in reasons["cut_fragment.dcm"]


def test_every_bundled_pydicom_file_with_complete_pixel_data_still_reads():
    """The completeness check refuses only damaged files: pydicom's own test corpus, except its truncated one."""
    import glob

    import pydicom.data

    from core.dicom.header import read_header
    from core.errors import RadinetError

    base = Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent
    refused = {}
    for path in sorted(glob.glob(str(base / "**" / "*.dcm"), recursive=True)):
        try:
            read_header(path)
        except RadinetError as err:
            if "pixel data" in str(err) or "fragment" in str(err):
                refused[Path(path).name] = str(err)
    assert set(refused) <= {"MR_truncated.dcm"}, refused


# ------------------------------------------------------------- item 6: not regular files
def test_a_named_pipe_in_an_import_folder_is_skipped_with_a_reason(demo_cr, tmp_path, ws):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(demo_cr, folder / "good.dcm")
    os.mkfifo(folder / "pipe.dcm")
    os.mkfifo(folder / "reports.csv")
    done = {}

    def run():
        done["result"] = import_paths([folder], ws)

    import threading

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "import hangs on a named pipe"
    result = done["result"]
    assert result.imported == 1
    reasons = _reasons(result)
    assert reasons["pipe.dcm"] == "is a named pipe (FIFO), not a file; skipped"
    assert reasons["reports.csv"] == "is a named pipe (FIFO), not a file; skipped"


def test_a_pipe_named_explicitly_and_a_device_are_skipped_with_a_reason(tmp_path, ws):
    os.mkfifo(tmp_path / "pipe")
    result = import_paths([tmp_path / "pipe", "/dev/null"], ws)
    reasons = _reasons(result)
    assert reasons == {"pipe": "is a named pipe (FIFO), not a file; skipped",
                       "null": "is a device, not a file; skipped"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_skipped_with_a_reason(demo_cr, tmp_path, ws):
    locked = tmp_path / "locked.dcm"
    shutil.copy(demo_cr, locked)
    locked.chmod(0)
    try:
        result = import_paths([tmp_path], ws)
    finally:
        locked.chmod(0o600)
    assert _reasons(result)["locked.dcm"] == "the file cannot be read (Permission denied)"


def test_render_refuses_a_pipe_without_blocking(tmp_path, capsys):
    import main as cli

    os.mkfifo(tmp_path / "pipe.dcm")
    assert cli.main(["render", str(tmp_path / "pipe.dcm"), "--out", str(tmp_path / "x.png")]) == 2
    assert "named pipe" in capsys.readouterr().err


# ------------------------------------------------------ item 11: a differing copy of a known image
def test_reimporting_a_differing_copy_is_reported_and_an_identical_copy_skipped(demo_cr, tmp_path, ws):
    first = tmp_path / "a" / "img.dcm"
    first.parent.mkdir()
    shutil.copy(demo_cr, first)
    assert import_paths([first], ws).imported == 1
    data = bytearray(first.read_bytes())
    copies = tmp_path / "b"
    copies.mkdir()
    (copies / "same.dcm").write_bytes(bytes(data))
    changed = bytearray(data)
    changed[-100] ^= 0xFF                           # one pixel byte differs, same size
    (copies / "changed.dcm").write_bytes(bytes(changed))
    (copies / "longer.dcm").write_bytes(bytes(data) + b"\0\0")   # trailing padding: a different size
    result = import_paths([copies], ws)
    assert result.imported == 0 and result.skipped == 1
    assert _reasons(result) == {"changed.dcm": "already imported (differs from the imported copy)",
                                "longer.dcm": "already imported (differs from the imported copy)"}
    with ws.connect() as store:
        assert [r["source_path"] for r in store.images()] == [str(first.resolve())]


# ------------------------------------------- a receiver's batch looks up only the rows it can match
def test_a_probed_batch_is_filed_as_a_folder_import_files_it_with_lookups_of_its_own_rows(demo_cr, tmp_path, ws):
    """import_probed (radinet listen) looks up the batch's paths and SOP Instance UIDs instead of reading
    every image row on each batch, and still skips a known path, skips an identical copy of a known UID,
    refuses a differing one, and files a MURA PNG once under its path-derived UID."""
    import cv2
    import numpy as np

    from core.demo.generate import generate_demo_files
    from core.importing import importer
    from core.importing.importer import import_probed, open_import_store
    from core.importing.probe import probe_file

    first = tmp_path / "a" / "img.dcm"
    first.parent.mkdir()
    shutil.copy(demo_cr, first)
    mura = tmp_path / "MURA" / "XR_WRIST" / "patient00001" / "study1_positive" / "image1.png"
    mura.parent.mkdir(parents=True)
    cv2.imwrite(str(mura), np.full((64, 48), 128, np.uint8))
    assert import_paths([first, mura], ws).imported == 2
    unrelated = tmp_path / "other"
    generate_demo_files(unrelated, n_studies=3, seed=9, workers=0)
    assert import_paths([unrelated], ws).imported >= 3

    copies = tmp_path / "b"
    copies.mkdir()
    (copies / "same.dcm").write_bytes(first.read_bytes())
    changed = bytearray(first.read_bytes())
    changed[-100] ^= 0xFF
    (copies / "changed.dcm").write_bytes(bytes(changed))
    mura_copy = tmp_path / "copy" / "XR_WRIST" / "patient00001" / "study1_positive" / "image1.png"
    mura_copy.parent.mkdir(parents=True)
    shutil.copy(mura, mura_copy)
    batch = [first.resolve(), (copies / "same.dcm").resolve(), (copies / "changed.dcm").resolve(), mura_copy.resolve()]
    probes = [probe_file(path) for path in batch]

    seen = []
    real_of = importer._Known._of.__func__

    def spy(cls, rows):
        seen.append(len(rows))
        return real_of(cls, rows)

    with open_import_store(ws) as store:
        n_rows = store.execute("SELECT COUNT(*) FROM images").fetchone()[0]
        importer._Known._of = classmethod(spy)
        try:
            result = import_probed(probes, store)
        finally:
            importer._Known._of = classmethod(real_of)
    assert (result.imported, result.skipped) == (0, 3)     # known path, identical copy, the PNG's copy
    assert _reasons(result) == {"changed.dcm": "already imported (differs from the imported copy)"}
    assert seen == [3] and n_rows >= 8      # the CR's row by path and by UID (twice) and the PNG's; not all rows
