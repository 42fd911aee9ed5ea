"""Child process for the mutation corpus: decode (render's path) and probe (import's path) each mutant.

Usage: python -m tests.security.run_mutants N SEED FOLDER OUT.jsonl
Writes one JSON line per mutant *before* and after it runs, flushing each, so
a crash or hang names the mutant. Last line: {"done": N, "peak_rss_mb": ...}.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path


def main() -> int:
    n, seed, folder, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from core.errors import RadinetError
    from core.imaging.display import to_display
    from core.imaging.image import load_image
    from core.importing.probe import probe_file
    from tests.security.mutants import mutants

    folder.mkdir(parents=True, exist_ok=True)
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
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log.write(json.dumps({"done": n, "peak_rss_mb": peak}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
