"""RadiNet Studio entry point: parse the command line and hand over.

Composition only. Each sub-command lives in its own module exposing ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; modules are imported only
when they are needed so that ``radinet render`` never pays for torch or Qt.
``python main.py`` with no command opens the workstation, like ``radinet gui``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

# command name -> module. Order is the order shown in --help.
COMMANDS = {
    "gui": "gui.command",
    "demo": "core.commands.demo",
    "import": "core.commands.import_",
    "render": "core.commands.render",
    "reports": "core.commands.reports",
    "train": "trainer.commands.train",
    "models": "trainer.commands.models",
    "predict": "core.commands.predict",
    "evaluate": "core.commands.evaluate",
    "experiment": "trainer.commands.experiment",
    "export": "trainer.commands.export",
    "listen": "core.commands.listen",
}


def _available_commands() -> dict[str, str]:
    found = {}
    for name, module in COMMANDS.items():
        if importlib.util.find_spec(module.rsplit(".", 1)[0]) is None:
            continue
        try:
            if importlib.util.find_spec(module) is not None:
                found[name] = module
        except ModuleNotFoundError:
            continue
    return found


def build_parser(argv: list[str]) -> tuple[argparse.ArgumentParser, dict[str, str]]:
    available = _available_commands()
    parser = argparse.ArgumentParser(
        prog="radinet",
        description="RadiNet Studio - research use only, not for diagnostic use.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Only the requested command's module is imported (plus all for --help).
    wanted = [a for a in argv if not a.startswith("-")][:1]
    for name, module_name in available.items():
        if wanted and wanted[0] in available and name != wanted[0]:
            sub.add_parser(name, add_help=False)
            continue
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser, available


# Private first argument: a packaged build has no Python to run ``-m core.dicom.decode_worker``, so
# core/dicom/isolated_decode.py starts this same executable with it. Not a command: --help does not list it.
DECODE_WORKER_ARG = "--decode-worker"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [DECODE_WORKER_ARG]:
        # Before anything else is imported: the worker's stdout carries only its protocol messages.
        from core.dicom.decode_worker import main as decode_worker_main

        return decode_worker_main()
    if argv[:1] in (["--version"], ["-V"]):
        from core.interop.about import print_version

        return print_version(argv[1:])
    if not argv or argv[0].startswith("--workspace") or argv[0] == "--screenshot":
        argv = ["gui", *argv]
    parser, _ = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2

    from core.errors import RadinetError

    try:
        return int(args._module.run(args) or 0)
    except RadinetError as err:
        print(f"radinet {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"radinet {args.command}: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    # A frozen (PyInstaller) build re-enters here in the import's and the demo's
    # worker processes; freeze_support hands those over to multiprocessing.
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(main())
