"""What isolating GDCM costs: JPEG Lossless decodes in the child process vs GDCM in this process.

JPEG Lossless (Process 14 SV1, 1.2.840.10008.1.2.4.70) is the syntax only GDCM
decodes here, so RadiNet decodes it in a child process
(core/dicom/isolated_decode.py): a damaged stream that aborts GDCM then kills
the child, not the workstation. The baseline is what the application did
before: pydicom with GDCM in the same process (read the file, decode).

The files are synthetic 12-bit radiograph-sized images (a smooth body-like
field with noise), encoded losslessly with imagecodecs (libjpeg-turbo,
predictor 1) and checked to decode to the same values both ways.

    python bench/bench_decode_isolation.py [--files 20] [--size 2048] [--small 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"


def synthetic_radiograph(size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    body = np.exp(-(((x - 0.5) / 0.25) ** 2 + ((y - 0.5) / 0.4) ** 2))
    image = 300 + 3000 * body + rng.normal(0, 40, (size, size))
    return np.clip(image, 0, 4095).astype(np.uint16)


def write_jpeg_lossless(path: Path, pixels: np.ndarray) -> None:
    import imagecodecs
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = JPEG_LOSSLESS_SV1
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.Modality, ds.PatientID = "CR", "BENCH"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = encapsulate([imagecodecs.jpeg8_encode(pixels, lossless=True, predictor=1, bitspersample=12)])
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)


def in_process_gdcm(path: Path) -> np.ndarray:
    """The baseline: what decode_frame did before, GDCM in this process."""
    from pydicom.pixels import pixel_array

    from core.dicom.reading import read_dataset

    return pixel_array(read_dataset(path, stop_before_pixels=False).dataset, index=0, decoding_plugin="gdcm")


def isolated(path: Path) -> np.ndarray:
    from core.dicom.isolated_decode import decode_isolated

    return decode_isolated(str(path), 0, "JPEG", "JPEG Lossless")


def child_cpu_s() -> float:
    """CPU seconds (user + system) the GDCM child has used so far; 0 when none runs or /proc is absent."""
    from core.dicom.isolated_decode import child_pid

    pid = child_pid()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn, paths: list[Path]) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (this process + the child) per file.

    CPU time is the figure to read on a shared, loaded machine: wall time there
    mostly measures other people's work.
    """
    wall, cpu = [], []
    for path in paths:
        w, c = time.perf_counter(), time.process_time() + child_cpu_s()
        fn(path)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() + child_cpu_s() - c)
    return wall, cpu


def report(label: str, base: tuple[list[float], list[float]], ours: tuple[list[float], list[float]]) -> None:
    # Means (totals / files): the child's CPU clock ticks every 10 ms, too coarse for one small file.
    for what, b, o in (("wall", base[0], ours[0]), ("CPU", base[1], ours[1])):
        bm, om = statistics.fmean(b) * 1000, statistics.fmean(o) * 1000
        print(f"{label}, {what}: in-process GDCM (baseline) {bm:.1f} ms/file, total {sum(b):.2f} s | "
              f"isolated child {om:.1f} ms/file, total {sum(o):.2f} s | x{om / max(bm, 1e-9):.2f}, "
              f"{om - bm:+.1f} ms per file")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20, help="radiograph-sized files")
    parser.add_argument("--size", type=int, default=2048, help="rows = columns of those files")
    parser.add_argument("--small", type=int, default=200, help="256 x 256 files (per-call overhead)")
    args = parser.parse_args()
    from core.dicom import isolated_decode

    with tempfile.TemporaryDirectory() as tmp:
        big = [Path(tmp) / f"big{i}.dcm" for i in range(args.files)]
        small = [Path(tmp) / f"small{i}.dcm" for i in range(args.small)]
        for i, path in enumerate(big):
            write_jpeg_lossless(path, synthetic_radiograph(args.size, i))
        for i, path in enumerate(small):
            write_jpeg_lossless(path, synthetic_radiograph(256, 1000 + i))
        assert np.array_equal(in_process_gdcm(big[0]), synthetic_radiograph(args.size, 0))

        start = time.perf_counter()
        first = isolated(big[0])
        startup = time.perf_counter() - start
        assert np.array_equal(first, synthetic_radiograph(args.size, 0))
        in_process_gdcm(small[0])   # warm both paths before timing

        print(f"child start-up + first {args.size} x {args.size} decode: {startup:.2f} s (once per session, "
              f"and after a damaged file killed the child)")
        # Interleaved rounds, so that load from other processes on the machine hits both alike.
        runs = {key: ([], []) for key in ("base_big", "ours_big", "base_small", "ours_small")}
        for _ in range(2):
            for key, fn, paths in (("base_big", in_process_gdcm, big), ("ours_big", isolated, big),
                                   ("base_small", in_process_gdcm, small), ("ours_small", isolated, small)):
                wall, cpu = timed(fn, paths)
                runs[key][0].extend(wall)
                runs[key][1].extend(cpu)
        base_big, ours_big, base_small, ours_small = (runs[k] for k in ("base_big", "ours_big", "base_small",
                                                                          "ours_small"))
        report(f"{args.files} x 2 files of {args.size} x {args.size} (12-bit)", base_big, ours_big)
        report(f"{args.small} x 2 files of 256 x 256", base_small, ours_small)
        print(f"children that died: {isolated_decode.restarts}")
        isolated_decode.shutdown()


if __name__ == "__main__":
    main()
