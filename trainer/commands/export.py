"""radinet export onnx: a model with (logit, CAM) outputs, parity-checked against torch.

``export labels`` (CSV/JSON label table) and ``export dicom`` (SR + heatmap
Secondary Capture per study) live in core.interop; this module dispatches to them.
"""

from __future__ import annotations

import importlib

from core.commands.common import add_json_argument, add_workspace_argument, emit, open_workspace

HELP = "export a model as ONNX (logit + heatmap outputs), or labels / DICOM results"

# Other exporters (other areas of the code base) plug in by module name.
OTHER_EXPORTERS = {"labels": "core.interop.labels_command", "dicom": "core.interop.dicom_command"}


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    add_json_argument(parser)
    parser.add_argument("what", choices=["onnx", "labels", "dicom"])
    parser.add_argument("--out", required=True, help="output file (or folder for dicom)")
    parser.add_argument("--model", default=None, help="model id (default: the published model of --task)")
    parser.add_argument("--task", default="fracture")
    parser.add_argument("--body-part", default="all",
                        help="onnx: export this body part's published model (RadiNet_wrist); default the all-parts one")
    parser.add_argument("--study", action="append", default=None, metavar="UID",
                        help="dicom: only this study (Study Instance UID or accession number; repeatable)")
    parser.add_argument("--deidentify", action="store_true",
                        help="labels/dicom: DICOM PS3.15 Basic Profile de-identification (dicom: with the images)")
    parser.add_argument("--shift-dates", action="store_true",
                        help="with --deidentify: shift each patient's dates by one random offset instead of "
                             "removing them")


def run(args) -> int:
    from core.errors import InputError

    if args.shift_dates and not args.deidentify:
        raise InputError("--shift-dates only applies together with --deidentify.")
    if args.what != "onnx":
        try:
            module = importlib.import_module(OTHER_EXPORTERS[args.what])
        except ImportError as err:
            raise InputError(f"Exporting {args.what} is not available in this installation.") from err
        return module.run(args)
    from core.store import registry
    from trainer.export_onnx import export_registered

    ws = open_workspace(args)
    with ws.connect() as store:
        model_id = args.model or registry.champion_id(store, registry.scope(args.task, args.body_part))
        if model_id is None:
            what = f"{args.task} model" + ("" if args.body_part == "all" else f" of the {args.body_part}")
            raise InputError(f"No {what} is published; name one with --model.")
        report = export_registered(ws, store, model_id, args.out)
    emit(args, report, f"{model_id} exported to {args.out}: probability difference "
                       f"{report['max_probability_difference']:.2g}, heatmap correlation "
                       f"{report['min_cam_correlation']:.4f} (parity {'passed' if report['passed'] else 'FAILED'}).")
    return 0
