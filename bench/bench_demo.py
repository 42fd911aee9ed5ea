"""Demo generator: speed against plain pydicom writing, and learnability.

1. Speed: studies per second of ``generate_demo_files`` (drawing + DICOM
   writing), next to a plain baseline from the same run: pydicom writing the
   same number of blank images of the same sizes. Goal (issue 2): >= 50 studies/s.
2. Learnability: a weak model (logistic regression on 32x32 thumbnails, and on
   HOG features) trained on the films of 600 studies, split by patient. Body
   part should be clearly learnable; fracture above chance but far from perfect.

    python bench/bench_demo.py [--studies 200] [--learn 600] [--workers N] [--skip-learn]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def blank_baseline(manifest, folder: Path) -> float:
    """Seconds for pydicom to write blank images of the same sizes and bit depths."""
    import numpy as np
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    shapes = []
    for study in manifest:
        for path in study.image_paths:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
            shapes.append((ds.Rows, ds.Columns, ds.BitsStored))
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    for i, (rows, cols, bits) in enumerate(shapes):
        ds = Dataset()
        ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
        ds.SOPInstanceUID = generate_uid()
        ds.Modality = "CR"
        ds.Rows, ds.Columns = rows, cols
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, bits, bits - 1, 0
        ds.PixelData = np.zeros((rows, cols), np.uint16).tobytes()
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
        pydicom.dcmwrite(folder / f"blank{i:05d}.dcm", ds, enforce_file_format=True)
    return time.perf_counter() - t


def speed(n: int, workers: int | None, tmp: Path) -> None:
    from core.demo.generate import generate_demo_files

    rows = []
    for w in ([1, workers] if workers not in (None, 1) else [1, None]):
        t, cpu = time.perf_counter(), time.process_time()
        manifest = generate_demo_files(tmp / f"speed_w{w}", n, seed=1, workers=w)
        rows.append((w, time.perf_counter() - t, time.process_time() - cpu))
    images = sum(len(s.image_paths) for s in manifest)
    cpu = time.process_time()
    base = blank_baseline(manifest, tmp / "blank")
    base_cpu = time.process_time() - cpu
    print(f"speed: {n} studies, {images} images; machine load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores (CPU seconds are what one free core would take)")
    print(f"  baseline, pydicom writing {images} blank images of the same sizes: {base:6.2f} s "
          f"= {n / base:6.1f} studies/s; {base_cpu:5.2f} CPU s = {n / base_cpu:6.1f} studies per CPU s")
    for w, secs, cpu_secs in rows:
        label = "default workers" if w is None else f"{w} worker{'s' if w != 1 else ''}"
        line = (f"  generate_demo_files ({label:>15}): {secs:6.2f} s = {n / secs:6.1f} studies/s "
                f"(time ratio to baseline {secs / base:4.1f}x)")
        if w == 1:
            line += f"; {cpu_secs:5.2f} CPU s = {n / cpu_secs:6.1f} studies per CPU s"
        print(line)


def _thumbnail(path: Path, size: int):
    """Display image (file's window, MONOCHROME1 inverted) resized to size x size."""
    import cv2
    import numpy as np
    import pydicom

    ds = pydicom.dcmread(path)
    a = ds.pixel_array.astype(np.float32)
    c, w = float(ds.WindowCenter), float(ds.WindowWidth)
    img = np.clip((a - (c - w / 2)) / w, 0, 1)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        img = 1 - img
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)


def _hog(img, cell: int = 8, bins: int = 9):
    """HOG-like features: per 8x8 cell, a histogram of gradient orientation weighted
    by magnitude, each cell L2-normalised (this OpenCV build has no HOGDescriptor)."""
    import cv2
    import numpy as np

    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=1)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=1)
    mag, ang = cv2.cartToPolar(gx, gy)
    b = (np.mod(ang, np.pi) / np.pi * bins).astype(int).clip(0, bins - 1)
    h, w = img.shape
    cells = np.zeros((h // cell, w // cell, bins), np.float32)
    cy, cx = np.indices((h, w)) // cell
    np.add.at(cells, (cy.ravel(), cx.ravel(), b.ravel()), mag.ravel())
    cells /= np.linalg.norm(cells, axis=2, keepdims=True) + 1e-6
    return cells.ravel()


def learnability(n: int, tmp: Path) -> None:
    import cv2
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import GroupShuffleSplit
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from core.demo.generate import generate_demo_files

    manifest = generate_demo_files(tmp / "learn", n, seed=123)
    pix, hogs, part, frac, group, study_of = [], [], [], [], [], []
    for k, s in enumerate(manifest):
        for path in s.image_paths:
            t64 = _thumbnail(path, 64)
            pix.append(cv2.resize(t64, (32, 32), interpolation=cv2.INTER_AREA).ravel())
            hogs.append(_hog(t64))
            part.append(s.body_part)
            frac.append(int(s.fracture))
            group.append(s.patient_id)
            study_of.append(k)
    pix, hogs = np.array(pix), np.array(hogs)
    part, frac, group, study_of = map(np.array, (part, frac, group, study_of))
    train, test = next(GroupShuffleSplit(1, test_size=0.3, random_state=0).split(pix, frac, group))
    print(f"learnability: {n} studies, {len(pix)} images, split by patient "
          f"({len(train)} train / {len(test)} test images); chance: body part "
          f"{max(np.mean(part[test] == p) for p in set(part)):.2f}, fracture AUC 0.50")
    for name, x in (("32x32 pixels", pix), ("HOG 64x64", hogs)):
        def model():
            return make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000))

        bp = model().fit(x[train], part[train])
        acc = accuracy_score(part[test], bp.predict(x[test]))
        fx = model().fit(x[train], frac[train])
        p = fx.predict_proba(x[test])[:, 1]
        auc_view = roc_auc_score(frac[test], p)
        studies = sorted(set(study_of[test]))
        mean_p = [p[study_of[test] == k].mean() for k in studies]
        truth = [frac[test][study_of[test] == k][0] for k in studies]
        auc_study = roc_auc_score(truth, mean_p)
        print(f"  logistic regression on {name:13}: body part accuracy {acc:.3f}; "
              f"fracture AUC per view {auc_view:.3f}, per study (mean of views) {auc_study:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=200)
    ap.add_argument("--learn", type=int, default=600)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--skip-learn", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_demo_") as d:
        speed(args.studies, args.workers, Path(d))
        if not args.skip_learn:
            learnability(args.learn, Path(d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
