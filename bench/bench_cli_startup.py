"""CLI start-up: `radinet render/import/demo` wall time vs bare interpreters.

Prints, from one run, the median wall time of our commands next to
`python -c "import pydicom"` (the least any DICOM tool pays) and
`python -c "import torch, torchvision"` (what a command would pay if it
pulled in torch). Goal: render/import/demo close to the pydicom baseline.

    python bench/bench_cli_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from pydicom.data import get_testdata_file

    ct = get_testdata_file("CT_small.dcm")
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            ("python -c 'import pydicom'  (baseline)", [py, "-c", "import pydicom"]),
            ("radinet render CT_small.dcm", [py, "main.py", "render", ct, "--out", f"{tmp}/o.png"]),
            ("radinet import CT_small.dcm", [py, "main.py", "import", ct, "--workspace", f"{tmp}/w"]),
            ("radinet demo --studies 2", [py, "main.py", "demo", "--workspace", f"{tmp}/d", "--studies", "2"]),
            ("python -c 'import torch, torchvision'", [py, "-c", "import torch, torchvision"]),
        ]
        for label, cmd in rows:
            print(f"{label:45s} {wall(cmd, args.repeat) * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
