"""CLI glue for ``radinet export dicom --workspace W --out DIR [--study UID]... [--deidentify [--shift-dates]]``."""

from __future__ import annotations

from core.commands.common import ProgressPrinter, emit, open_workspace


def run(args) -> int:
    from core.interop.dicom_export import export_dicom
    from core.interop.pseudonyms import Pseudonyms

    pseudonyms = Pseudonyms(shift_dates=args.shift_dates) if args.deidentify else None
    ws = open_workspace(args, create=False)
    result = export_dicom(ws, args.out, args.task, study_keys=args.study, pseudonyms=pseudonyms,
                          model_id=args.model, progress=ProgressPrinter("export dicom"))
    payload = result.as_dict()
    lines = [f"{result.studies} studies exported to {result.out}: {len(result.files)} files"
             f"{' (de-identified)' if result.deidentified else ''}"
             f"{'' if result.model_id else '; no published model, so radiologist labels only and no heatmaps'}."]
    lines += [f"  not exported: {r['study']} {r.get('path', '')}: {r['reason']}" for r in result.rejected]
    if result.burned_in_unknown:
        lines.append(f"  {result.burned_in_unknown} images do not state whether text is burned into their pixels "
                     "(0028,0301); look at them before sharing.")
    emit(args, payload, "\n".join(lines))
    return 0
