"""CLI glue for ``radinet export labels --workspace W --out F.csv|F.json [--deidentify [--shift-dates]]``."""

from __future__ import annotations

from core.commands.common import emit, open_workspace


def run(args) -> int:
    from core.interop.labels import export_labels, format_for
    from core.interop.pseudonyms import Pseudonyms

    format_for(args.out)  # refuse a wrong suffix before opening anything
    pseudonyms = Pseudonyms(shift_dates=args.shift_dates) if args.deidentify else None
    ws = open_workspace(args, create=False)
    with ws.connect() as store:
        report = export_labels(store, args.out, args.task, pseudonyms)
    emit(args, report, f"{report['studies']} studies ({report['labelled']} labelled) written to {report['out']}"
                       f"{' (de-identified)' if report['deidentified'] else ''}.")
    return 0
