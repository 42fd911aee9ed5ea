"""`radinet import PATH... --workspace W [--json]`."""

from __future__ import annotations

from core.commands.common import ProgressPrinter, add_json_argument, add_workspace_argument, emit, open_workspace

HELP = "import DICOM folders, DICOMDIRs, MURA-style PNG/JPEG trees and reports CSVs into a workspace"


def add_arguments(parser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to import")
    add_workspace_argument(parser)
    add_json_argument(parser)


def run(args) -> int:
    from core.importing import import_paths

    workspace = open_workspace(args)
    result = import_paths(args.paths, workspace, progress=ProgressPrinter("import"))
    payload = {"imported": result.imported, "skipped": result.skipped,
               "rejected": [{"path": r.path, "reason": r.reason} for r in result.rejected],
               "reports": result.reports, "ignored": result.ignored}
    lines = [f"Imported {result.imported} images, skipped {result.skipped} already in the workspace, "
             f"added {result.reports} reports, rejected {len(result.rejected)}."]
    lines += [f"  rejected {r.path}: {r.reason}" for r in result.rejected]
    emit(args, payload, "\n".join(lines))
    # Partial success is success; nothing usable at all is bad input.
    nothing_done = not (result.imported or result.skipped or result.reports)
    return 2 if nothing_done and result.rejected else 0
