"""Child process for the mutation corpus: decode (render's path) and probe (import's path) each mutant.

Usage: python -m tests.security.run_mutants N SEED FOLDER OUT.jsonl
Writes one JSON line per mutant *before* and after it runs, flushing each, so
a crash or hang names the mutant. Last line: {"done": N, "peak_rss_mb": ...,
"decoder_peak_rss_mb": ..., "decoder_restarts": ...}.

Peak memory is this process's own high-water mark, VmHWM from /proc/self/status.
Not getrusage's ru_maxrss: on Linux a child started by fork/vfork + exec
inherits its parent's peak in ru_maxrss, so a corpus started from a pytest
process that had grown to 1.6 GB in earlier tests "peaked" at 1.6 GB while
decoding nothing larger than ~110 MB (that was the 1,683 MB of seed 14).
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path


def own_peak_rss_mb(pid: int | str = "self") -> float | None:
    """High-water resident memory of a process since its exec (Linux /proc), in MB; None where unknown."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def peak_rss_mb() -> float:
    """This process's peak: VmHWM on Linux, else ru_maxrss (an upper bound; kB on Linux, bytes on macOS)."""
    peak = own_peak_rss_mb()
    if peak is not None:
        return peak
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def main() -> int:
    n, seed, folder, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from core.dicom import isolated_decode
    from core.errors import RadinetError
    from core.imaging.display import to_display
    from core.imaging.image import load_image
    from core.importing.probe import probe_file
    from tests.security.mutants import mutants

    folder.mkdir(parents=True, exist_ok=True)
    decoder_peak = 0.0
    with open(out, "w", encoding="utf-8") as log:
        for name, data in mutants(n, seed):
            path = folder / "mutant.dcm"
            path.write_bytes(data)
            log.write(json.dumps({"start": name}) + "\n")
            log.flush()
            outcome = {"name": name}
            try:
                image = load_image(path)
                to_display(image)
                outcome["render"] = "ok"
            except RadinetError as err:
                text = str(err)
                outcome["render"] = "refused"
                outcome["one_sentence"] = bool(text) and "\n" not in text and "Traceback" not in text
            except Exception as err:  # noqa: BLE001 - the thing under test: anything else is a bug
                outcome["render"] = f"BUG {type(err).__name__}: {str(err)[:200]}"
            probe = probe_file(path)
            outcome["import"] = probe.kind if probe.kind != "rejected" else "refused"
            outcome["import_reason_ok"] = probe.kind != "rejected" or (bool(probe.error) and "\n" not in probe.error)
            log.write(json.dumps(outcome) + "\n")
            log.flush()
            pid = isolated_decode.child_pid()
            if pid is not None:   # the GDCM child's own peak, read while it lives
                decoder_peak = max(decoder_peak, own_peak_rss_mb(pid) or 0.0)
        isolated_decode.shutdown()
        # Children that died or were stopped: ru_maxrss over the reaped children is an upper bound
        # (each inherits this process's peak at its start, ~100 MB).
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        log.write(json.dumps({"done": n, "peak_rss_mb": peak_rss_mb(),
                              "decoder_peak_rss_mb": max(decoder_peak, children),
                              "decoder_restarts": isolated_decode.restarts,
                              # what the corpus used to report (see above), kept for the test of the measurement
                              "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
