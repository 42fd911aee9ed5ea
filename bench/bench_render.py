"""Benchmark: `render()` of a 2k x 2k 16-bit radiograph against bare pydicom, same run.

    .venv/bin/python bench/bench_render.py [FILE.dcm] [--repeat N]

Without FILE a synthetic 2048 x 2048 CR (12 bits stored in 16, rescale and
window tags) is written to a temp folder. Baseline: pydicom.dcmread +
ds.pixel_array + pydicom.pixels.apply_modality_lut + apply_voi_lut + scaling
to uint8. Goal (issue 2): ours <= 1.3x the baseline. Also times interactive
window/level (DisplayMapper.map; goal < 15 ms) against recomputing the window
on the float image each time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def synthetic_radiograph(path: str, size: int = 2048) -> str:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    bone = np.exp(-(((xx - size / 2) / (size / 8)) ** 2)) * 1800
    soft = np.exp(-(((xx - size / 2) / (size / 3)) ** 2)) * 900
    stored = np.clip(300 + bone + soft + rng.normal(0, 25, (size, size)), 0, 4095).astype(np.uint16)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.PatientID = "CR", "BENCH"
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    ds.WindowCenter, ds.WindowWidth = 800, 2600
    ds.PixelData = stored.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def baseline(path: str) -> np.ndarray:
    import pydicom
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    ds = pydicom.dcmread(path)
    arr = apply_voi_lut(apply_modality_lut(ds.pixel_array, ds), ds)
    lo, hi = float(arr.min()), float(arr.max())
    return ((arr - lo) / max(hi - lo, 1e-9) * 255.0).astype(np.uint8)


def timed(fn, repeat: int) -> float:
    fn()  # warm-up: imports, page cache
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)

    from core.imaging.display import DisplayMapper, apply_window, render, to_display
    from core.imaging.image import load_image

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or synthetic_radiograph(os.path.join(tmp, "cr_2k.dcm"))
        ours = timed(lambda: render(path), args.repeat)
        base = timed(lambda: baseline(path), args.repeat)
        image = load_image(path)
        mapper = DisplayMapper(image)
        windows = [(800 + 10 * i, 2600 - 20 * i) for i in range(args.repeat)]
        it = iter(windows * 2)
        map_ms = timed(lambda: mapper.map(*next(it)), args.repeat)
        it2 = iter(windows * 2)
        float_ms = timed(lambda: (apply_window(image.values, *next(it2)) * 255).astype(np.uint8), args.repeat)
        one_shot = timed(lambda: to_display(image), args.repeat)
        import dataclasses

        sigmoid = DisplayMapper(dataclasses.replace(image, voi_function="SIGMOID"))
        it3 = iter(windows * 2)
        sigmoid_ms = timed(lambda: sigmoid.map(*next(it3)), args.repeat)

    h, w = image.values.shape
    print(f"image: {h} x {w}, {os.path.basename(path)}")
    print(f"render (ours):                         {ours:8.1f} ms")
    print(f"baseline pydicom decode+LUTs+uint8:     {base:8.1f} ms")
    print(f"ratio ours/baseline:                    {ours / base:8.2f}  (goal <= 1.3)")
    print(f"window/level DisplayMapper.map:         {map_ms:8.1f} ms  (goal < 15 ms)")
    print(f"window/level float apply_window->uint8: {float_ms:8.1f} ms  (plain baseline)")
    print(f"to_display one shot (fused cv2 pass):   {one_shot:8.1f} ms")
    print(f"window/level SIGMOID (lookup table):    {sigmoid_ms:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
