"""Import speed: headers per second of `import_paths` vs a bare pydicom loop.

Baseline: ``pydicom.dcmread(path, stop_before_pixels=True)`` over the same
files, nothing else. Ours reads the same headers and also writes patients,
studies and images into a fresh workspace. Goal (issue 2): ratio >= 0.8.

    python bench/bench_import.py [--files N] [--folder DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_files(folder: Path, n: int) -> list[Path]:
    """N radiograph-like files: the demo generator when present, else copies of a test file."""
    try:
        from core.demo.generate import generate_demo_files

        generate_demo_files(folder, n_studies=max(1, n // 2), seed=7)
        return sorted(p for p in folder.rglob("*.dcm"))
    except ImportError:
        import pydicom
        from pydicom.data import get_testdata_file
        from pydicom.uid import generate_uid

        ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
        paths = []
        for i in range(n):
            ds.SOPInstanceUID = generate_uid(entropy_srcs=[str(i)])
            ds.StudyInstanceUID = generate_uid(entropy_srcs=[f"study{i // 2}"])
            p = folder / f"img{i:05d}.dcm"
            ds.save_as(p)
            paths.append(p)
        return paths


def bare_loop(paths: list[Path]) -> float:
    import pydicom

    t = time.perf_counter()
    for p in paths:
        pydicom.dcmread(p, stop_before_pixels=True)
    return time.perf_counter() - t


def ours(paths: list[Path], workspace_dir: Path) -> tuple[float, int]:
    from core.importing import import_paths
    from core.store import Workspace

    ws = Workspace.open(workspace_dir)
    t = time.perf_counter()
    result = import_paths(paths, ws)
    return time.perf_counter() - t, result.imported


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--folder", type=Path, help="import this folder instead of generated files")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.folder:
            paths = sorted(p for p in args.folder.rglob("*.dcm") if p.is_file())
        else:
            folder = tmp / "files"
            folder.mkdir()

            paths = make_files(folder, args.files)
        bare_loop(paths[:20])  # warm the page cache and imports for both
        bare = min(bare_loop(paths) for _ in range(2))
        runs = [ours(paths, tmp / f"ws{i}") for i in range(2)]
        our_time = min(t for t, _ in runs)
        n = len(paths)
        print(f"files: {n}, imported: {runs[0][1]}")
        print(f"{'bare dcmread(stop_before_pixels) loop':40s} {n / bare:8.0f} headers/s")
        print(f"{'radinet import (headers + database)':40s} {n / our_time:8.0f} headers/s")
        print(f"ratio ours/bare: {bare / our_time:.2f}  (goal >= 0.8)")
        first = runs[0][0]
        print(f"first import of the process (includes starting the header workers): "
              f"{n / first:.0f} headers/s, ratio {bare / first:.2f}")


if __name__ == "__main__":
    main()
