"""radinet listen: receive radiographs from a modality or PACS (DICOM Storage SCP), off unless started.

Binds to 127.0.0.1 by default; ``--host 0.0.0.0`` (or an address) opens it
to the network and then needs ``--allow AE_TITLE`` for each sender. Runs
until interrupted (Ctrl-C) or for ``--seconds``; each received image is
stored in the workspace inbox and imported.
"""

from __future__ import annotations

import time

from core.commands.common import add_json_argument, add_workspace_argument, emit, open_workspace

HELP = "receive images over DICOM (Storage SCP: CR, DX, Secondary Capture; C-ECHO) into the workspace"


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    add_json_argument(parser)
    parser.add_argument("--port", type=int, default=11112, help="TCP port (default 11112)")
    parser.add_argument("--ae-title", default="RADINET", help="this workstation's AE title (default RADINET)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only)")
    parser.add_argument("--allow", action="append", default=None, metavar="AE_TITLE",
                        help="a calling AE title allowed to send (repeatable; required with a non-local --host)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")


def run(args) -> int:
    import sys

    from core.interop.storage_scp import StorageSCP

    ws = open_workspace(args)
    scp = StorageSCP(ws, ae_title=args.ae_title, port=args.port, host=args.host, allowed_callers=args.allow)
    scp.start()
    print(f"Listening as {args.ae_title} on {args.host}:{scp.bound_port}"
          f"{' for ' + ', '.join(args.allow) if args.allow else ''}; Ctrl-C stops.", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        while args.seconds is None or time.monotonic() - started < args.seconds:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    stats = scp.stop()
    payload = stats.as_dict()
    emit(args, payload, f"Received {stats.received}, refused {stats.refused}, imported {stats.imported}.")
    return 0
