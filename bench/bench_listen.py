"""Storage SCP speed: files/s that `radinet listen` stores *and imports*, vs a bare pynetdicom SCP.

Both receive the same N demo CR files from one pynetdicom SCU association
on 127.0.0.1, in the same run. Baseline: a pynetdicom AE whose C-STORE
handler writes ``event.encoded_dataset()`` to a file, nothing else. Ours
decodes and checks each data set, writes it atomically into the workspace
inbox and imports it (the clock stops when the last file is in the
worklist). Goal (issue 15): 0 lost, >= 20 files/s, ratio >= 0.8.

    python bench/bench_listen.py [--files 50] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_files(folder: Path, n: int) -> list[Path]:
    from core.demo.generate import generate_demo_files

    generate_demo_files(folder, n_studies=max(1, n // 2 + 1), seed=11)
    return sorted(folder.rglob("*.dcm"))[:n]


def send(port: int, datasets) -> tuple[float, int]:
    from pynetdicom import AE
    from pynetdicom.sop_class import ComputedRadiographyImageStorage

    ae = AE(ae_title="BENCHSCU")
    ae.maximum_pdu_size = 0
    ae.add_requested_context(ComputedRadiographyImageStorage)
    assoc = ae.associate("127.0.0.1", port, ae_title="RADINET")
    assert assoc.is_established, "association refused"
    start = time.perf_counter()
    ok = sum(assoc.send_c_store(ds).get("Status") == 0x0000 for ds in datasets)
    assoc.release()
    return start, ok


def bare_scp(datasets, out: Path) -> tuple[float, int]:
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import ComputedRadiographyImageStorage

    def on_store(event):
        with open(out / f"{event.request.AffectedSOPInstanceUID}.dcm", "wb") as f:
            f.write(event.encoded_dataset())
        return 0x0000

    ae = AE(ae_title="RADINET")
    ae.maximum_pdu_size = 0          # as radinet listen's AE, so both get the same PDUs
    ae.add_supported_context(ComputedRadiographyImageStorage)
    server = ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=[(evt.EVT_C_STORE, on_store)])
    try:
        start, ok = send(server.server_address[1], datasets)
        seconds = time.perf_counter() - start
    finally:
        server.shutdown()
    assert len(list(out.glob("*.dcm"))) == ok
    return seconds, ok


def radinet_scp(datasets, ws_dir: Path) -> tuple[float, int, int]:
    from core.interop.storage_scp import StorageSCP
    from core.store.workspace import Workspace

    ws = Workspace.open(ws_dir)
    scp = StorageSCP(ws, ae_title="RADINET", port=0, allowed_callers=["BENCHSCU"])
    scp.start()
    try:
        start, ok = send(scp.bound_port, datasets)
        assert scp.wait_idle(120), "import did not finish"
        seconds = time.perf_counter() - start
    finally:
        scp.stop()
    with ws.connect() as store:
        in_worklist = len(store.images())
    return seconds, ok, in_worklist


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import pydicom

    with tempfile.TemporaryDirectory(prefix="radinet-bench-listen-") as tmp:
        tmp = Path(tmp)
        files = make_files(tmp / "source", args.files)
        datasets = [pydicom.dcmread(f) for f in files]   # read once: the SCU's cost is not measured twice
        n = len(datasets)
        best_bare, best_ours, lost = float("inf"), float("inf"), 0
        for r in range(args.repeats):
            (tmp / f"bare{r}").mkdir()
            seconds, ok = bare_scp(datasets, tmp / f"bare{r}")
            best_bare = min(best_bare, seconds)
            seconds, ok, in_worklist = radinet_scp(datasets, tmp / f"ws{r}")
            best_ours = min(best_ours, seconds)
            lost = max(lost, n - in_worklist)
        bare_rate, our_rate = n / best_bare, n / best_ours
        print(f"files sent:                 {n} per run, best of {args.repeats} runs, cpu count {os.cpu_count()}")
        print(f"bare pynetdicom SCP -> disk: {bare_rate:7.1f} files/s")
        print(f"radinet listen (store+import): {our_rate:7.1f} files/s, lost {lost}")
        print(f"ratio ours/bare:            {our_rate / bare_rate:7.2f}  (goal >= 0.8, and >= 20 files/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
