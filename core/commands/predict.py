"""radinet predict: fracture probability and heatmap per view, study probability per study.

Uses the onnxruntime backend by default, which imports no torch, so a
prediction is ready in about a second.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.commands.common import add_json_argument, add_workspace_argument, emit, open_workspace

HELP = "predict fractures for image files or workspace studies (probability + heatmap)"


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    add_json_argument(parser)
    parser.add_argument("items", nargs="+", metavar="FILE_OR_STUDY",
                        help="an image file, or a study's UID / accession number in the workspace")
    parser.add_argument("--heatmap-dir", default=None,
                        help="write each view's heatmap here (.npy data the workstation shows, plus an overlay PNG)")
    parser.add_argument("--backend", choices=["onnx", "torch"], default="onnx")
    parser.add_argument("--task", default="fracture", help="fracture (default) or body-part")
    parser.add_argument("--body-part", default="all",
                        help="use this body part's own model for image files (studies use their recorded body part)")
    parser.add_argument("--model", default=None, help="a registered model id (default: the published one)")


def _overlay_png(image, heatmap, out: Path) -> str:
    import cv2

    from core.imaging.display import to_display
    from core.imaging.heatmap import overlay

    rgb = overlay(to_display(image), heatmap)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        from core.errors import InputError

        raise InputError(f"Could not write the heatmap {out}.")
    return str(out)


def _heatmap_npy(heatmap, out: Path) -> str:
    """The heatmap itself, in the one format the workstation loads (core.store.heatmaps)."""
    from core.store.heatmaps import save_heatmap

    return str(save_heatmap(out.absolute(), heatmap))   # the workspace records it; relative would break


# --task spellings -> the task a model is registered under (the other commands say "body-part").
TASKS = {"fracture": "fracture", "body-part": "body_part", "body_part": "body_part"}


def registered_task(name: str) -> str:
    """The registry's task for a ``--task`` value; InputError listing the choices for anything else."""
    from core.errors import InputError

    task = TASKS.get(str(name).strip().lower())
    if task is None:
        raise InputError(f"Unknown task {name!r}; choose one of: fracture, body-part.")
    return task


def run(args) -> int:
    from core.errors import InputError, ModelFileError
    from core.imaging.image import load_image
    from core.inference.predictor import Predictor

    args.task = registered_task(args.task)
    ws = open_workspace(args)
    predictors: dict[str, Predictor] = {}

    def predictor_for(body_part: str | None) -> Predictor:
        """The body part's own published model (RadiNet_wrist) when there is one, else the all-parts model."""
        part = (body_part or "all").strip().lower() or "all"
        if args.model:
            part = "pinned"
        if part not in predictors:
            found = (Predictor(ws, args.task, args.backend, model_id=args.model) if args.model
                     else Predictor.for_workspace(ws, args.task, args.backend, body_part=part))
            if found is None:
                raise ModelFileError(f"No {args.task} model is published in this workspace yet; train one first.")
            predictors[part] = found
        return predictors[part]

    predictor = predictor_for(args.body_part)
    heat_dir = Path(args.heatmap_dir) if args.heatmap_dir else None
    results, studies, records = [], [], []
    with ws.connect() as store:
        for item in args.items:
            if os.path.isfile(item):
                image = load_image(item)
                predictor = predictor_for(args.body_part)
                view = predictor.predict_image(image, heatmap=True)
                png = _overlay_png(image, view.heatmap, heat_dir / (Path(item).stem + "_heatmap.png")) if heat_dir else None
                results.append({"path": os.path.abspath(item), "study": None, "view": None,
                                "probability": view.probability, "model_id": predictor.model_id, "heatmap": png,
                                "tier": _tier(predictor, view.probability)})
                continue
            study_id = store.find_study(item)
            if study_id is None:
                raise InputError(f"{item} is neither an image file nor a study in this workspace.")
            rows = store.images(study_id)
            study_row = store.study(study_id)
            part = (rows[0]["body_part"] if rows and rows[0]["body_part"] else None) or study_row["body_part"]
            predictor = predictor_for(args.body_part if args.body_part != "all" else part)
            images = [load_image(r["source_path"]) for r in rows]
            pred = predictor.predict_study(images, study_id=study_id, image_ids=[r["id"] for r in rows])
            for row, image, view in zip(rows, images, pred.views):
                stem = f"study{study_id}_image{row['id']}_heatmap"
                png = _overlay_png(image, view.heatmap, heat_dir / f"{stem}.png") if heat_dir else None
                npy = _heatmap_npy(view.heatmap, heat_dir / f"{stem}.npy") if heat_dir else None
                results.append({"path": row["source_path"], "study": item, "view": row["view"],
                                "probability": view.probability, "model_id": pred.model_id, "heatmap": png,
                                "tier": _tier(predictor, view.probability)})
                records.append({"study_id": study_id, "image_id": row["id"], "model_id": pred.model_id,
                                "task": args.task, "probability": view.probability, "heatmap_path": npy})
            records.append({"study_id": study_id, "image_id": None, "model_id": pred.model_id, "task": args.task,
                            "probability": pred.probability, "heatmap_path": None})
            studies.append({"study": item, "probability": pred.probability, "tier": pred.tier, "views": len(rows),
                            "model_id": pred.model_id, "model_scope": predictor.scope})
        if records:
            store.add_predictions(records)
    text = "\n".join([f"{r['probability']:.3f} {r['tier']:<8} {r['path']}" for r in results] +
                     [f"study {s['study']}: {s['probability']:.3f} ({s['tier']}; model {s['model_id']}, "
                      f"{'all body parts' if ':' not in s['model_scope'] else s['model_scope'].split(':')[1] + ' model'})"
                      for s in studies])
    emit(args, {"results": results, "studies": studies}, text)
    return 0


def _tier(predictor, probability: float) -> str:
    from core.inference.predictor import tier

    return tier(probability, predictor.operating_points)
