"""Long fuzzing runs of the DICOM readers, outside CI.

Two modes:
- ``--atheris`` (when the atheris package is installed): coverage-guided
  fuzzing of decode (render's path) and the import probe, seeded with
  pydicom's bundled files. Any exception other than the project's own
  errors is a finding and stops the run with the input saved.
- default: the deterministic mutation corpus of the test suite
  (tests/security/mutants.py), many more mutants, in a child process per
  batch so a native crash or hang is reported with the mutant's name.

Prints mutants per second next to a plain baseline measured in the same
run: pydicom.dcmread + pixel_array on the same mutants (what a reader without
our checks would do), with its crash/exception counts.

    python bench/fuzz_dicom.py [--mutants 20000] [--seed 1] [--atheris]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH = 1000

BASELINE = """
import sys, warnings
warnings.simplefilter("ignore")
import pydicom
from tests.security.mutants import mutants
n, seed, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ok = errors = 0
for name, data in mutants(n, seed):
    open(path, "wb").write(data)
    try:
        pydicom.dcmread(path, force=True).pixel_array
        ok += 1
    except Exception:
        errors += 1
print(ok, errors)
"""


def run_batches(total: int, seed: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    counts = {"mutants": 0, "render_ok": 0, "refused": 0, "bugs": [], "crashes": [], "hangs": [], "peak_rss_mb": 0.0,
              "decoder_peak_rss_mb": 0.0, "decoder_restarts": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for batch in range(0, total, BATCH):
            n = min(BATCH, total - batch)
            out = Path(tmp) / f"batch{batch}.jsonl"
            try:
                done = subprocess.run([sys.executable, "-m", "tests.security.run_mutants", str(n),
                                       str(seed * 100_003 + batch), str(Path(tmp) / "work"), str(out)],
                                      cwd=ROOT, env=env, capture_output=True, text=True, timeout=max(600, n * 2))
                rc = done.returncode
            except subprocess.TimeoutExpired:
                rc = "hang"
            lines = [json.loads(x) for x in out.read_text().splitlines()] if out.exists() else []
            if rc != 0:
                where = lines[-1].get("start") if lines else "?"
                (counts["hangs"] if rc == "hang" else counts["crashes"]).append(where)
            for o in lines:
                if "name" in o:
                    counts["mutants"] += 1
                    if o["render"] == "ok":
                        counts["render_ok"] += 1
                    elif o["render"] == "refused":
                        counts["refused"] += 1
                    else:
                        counts["bugs"].append((o["name"], o["render"]))
                if "peak_rss_mb" in o:   # each process's own peak (tests/security/run_mutants.py)
                    counts["peak_rss_mb"] = max(counts["peak_rss_mb"], o["peak_rss_mb"])
                    counts["decoder_peak_rss_mb"] = max(counts["decoder_peak_rss_mb"], o.get("decoder_peak_rss_mb", 0))
                    counts["decoder_restarts"] += o.get("decoder_restarts", 0)
    return counts


def baseline(n: int, seed: int) -> tuple[int, int, int | str]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
        try:
            done = subprocess.run([sys.executable, "-c", BASELINE, str(n), str(seed), str(Path(tmp) / "m.dcm")],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=max(600, n * 2))
        except subprocess.TimeoutExpired:
            return 0, 0, "hang"
        if done.returncode != 0:
            return 0, 0, done.returncode
        ok, errors = (int(v) for v in done.stdout.split())
        return ok, errors, 0


def atheris_main() -> None:
    import atheris

    with atheris.instrument_imports():
        from core.errors import RadinetError
        from core.imaging.image import load_image
        from core.importing.probe import probe_file
    path = Path(tempfile.mkdtemp()) / "fuzz.dcm"

    def one_input(data: bytes) -> None:
        path.write_bytes(data)
        try:
            load_image(path)
        except RadinetError:
            pass
        probe_file(path)   # never raises by contract

    atheris.Setup(sys.argv[:1] + [a for a in sys.argv[1:] if a.startswith("-") and a != "--atheris"], one_input)
    atheris.Fuzz()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--atheris", action="store_true", help="coverage-guided fuzzing (needs atheris)")
    args, _ = parser.parse_known_args()
    if args.atheris:
        try:
            import atheris  # noqa: F401
        except ImportError:
            sys.exit("atheris is not installed; pip install atheris, or run without --atheris.")
        atheris_main()
        return
    start = time.perf_counter()
    ours = run_batches(args.mutants, args.seed)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    ok, errors, status = baseline(args.mutants, args.seed * 100_003)
    base_s = time.perf_counter() - start
    print(f"RadiNet decode + import probe: {ours['mutants']:,} mutants in {ours_s:.0f} s "
          f"({ours['mutants'] / max(ours_s, 1e-9):.0f}/s): {ours['render_ok']:,} rendered, {ours['refused']:,} refused, "
          f"{len(ours['bugs'])} other exceptions, {len(ours['crashes'])} crashes, {len(ours['hangs'])} hangs, "
          f"peak RSS {ours['peak_rss_mb']:.0f} MB; GDCM child: peak RSS {ours['decoder_peak_rss_mb']:.0f} MB, "
          f"{ours['decoder_restarts']} deaths on damaged files (each one sentence, the run went on)")
    print(f"plain pydicom dcmread(force=True).pixel_array (baseline): {args.mutants:,} mutants in {base_s:.0f} s: "
          f"{ok:,} decoded, {errors:,} raised an exception of some type, exit status {status}")
    for name, what in ours["bugs"][:10]:
        print("  BUG", name, what)
    for name in ours["crashes"] + ours["hangs"]:
        print("  CRASH/HANG at", name)


if __name__ == "__main__":
    main()
