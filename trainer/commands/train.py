"""radinet train: one stage of progressive transfer learning on the workspace.

pretrain (self-supervised, every image) -> body-part (RadiNet) -> target (the
fracture model of one body part or all) -> fast-refresh. ``--init auto``
starts each stage from the published model of the stage before it.
"""

from __future__ import annotations

import sys

from core.commands.common import add_json_argument, add_workspace_argument, emit, open_workspace

HELP = ("train the self-supervised backbone (--stage pretrain), RadiNet (--stage body-part), the fracture model "
        "(--stage target [--body-part wrist]) or a fast refresh")


def add_arguments(parser) -> None:
    from trainer.config import ARCHITECTURES, BODY_PARTS, HEADS, POOLINGS, PRECISIONS, REFRESH_DEPTHS, STAGES, TrainConfig

    d = TrainConfig()
    add_workspace_argument(parser)
    add_json_argument(parser)
    parser.add_argument("--stage", choices=STAGES, default="target")
    parser.add_argument("--body-part", choices=BODY_PARTS, default="all",
                        help="target / fast refresh: the fracture model of one body part (RadiNet_wrist) or all")
    parser.add_argument("--architecture", default=d.architecture, choices=ARCHITECTURES)
    parser.add_argument("--head", choices=HEADS, default=d.head)
    parser.add_argument("--pooling", choices=POOLINGS, default=d.pooling,
                        help="avg: average the last feature maps | max: keep the heatmap's highest location "
                             "(a fast refresh keeps its parent's)")
    parser.add_argument("--init", default="auto", help="auto | random | imagenet:PATH | model:ID")
    parser.add_argument("--epochs", type=int, default=d.epochs)
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--image-size", type=int, default=d.image_size)
    parser.add_argument("--crop", choices=["body", "border"], default=d.crop,
                        help="body: crop to the body region (default) | border: frame borders only")
    parser.add_argument("--denoise", choices=["none", "median", "bilateral"], default=d.denoise)
    parser.add_argument("--lr", type=float, default=None, help="default: chosen for the initialisation")
    parser.add_argument("--schedule", choices=["plateau", "cosine"], default=d.schedule)
    parser.add_argument("--patience", type=int, default=d.plateau_patience,
                        help="epochs without improvement before the learning rate drops")
    parser.add_argument("--early-stopping-patience", type=int, default=d.early_stopping_patience)
    parser.add_argument("--warmup-epochs", type=int, default=d.warmup_epochs)
    parser.add_argument("--refresh-depth", choices=REFRESH_DEPTHS, default=d.refresh_depth,
                        help="fast refresh: tail trains the last block on cached early layers (default) | full "
                             "fine-tunes every layer on the images (slower per epoch; measured better from few labels)")
    level = parser.add_mutually_exclusive_group()
    level.add_argument("--study-level", dest="study_level", action="store_true", default=d.study_level,
                       help="fracture loss on each study's pooled logit (multiple-instance)")
    level.add_argument("--image-level", dest="study_level", action="store_false",
                       help="copy the study's label to each view (default: measured better on the demo)")
    parser.add_argument("--clahe", action="store_true", help="contrast-limited adaptive histogram equalisation")
    parser.add_argument("--weighted-sampling", action="store_true", help="oversample the rarer class")
    parser.add_argument("--no-augment", action="store_true")
    parser.add_argument("--shift", type=int, default=d.shift,
                        help="augmentation: move each training image by up to this many whole pixels (exact)")
    parser.add_argument("--select-on", choices=["loss", "auc"], default=d.select_on,
                        help="the epoch kept and early stopping: lowest validation loss or highest AUC")
    parser.add_argument("--ema", type=float, default=d.ema_decay, metavar="DECAY",
                        help=f"validate and keep a moving average of the weights (default {d.ema_decay}; 0: off)")
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--precision", choices=PRECISIONS, default=d.precision,
                        help="the training step's arithmetic: auto is float16 on CUDA and float32 on a CPU; "
                             "bf16 needs a CPU with native bfloat16 (AVX512-BF16 or AMX)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=1,
                        help="train with seeds 0..K-1 and report mean ± sd (models registered as candidates)")
    parser.add_argument("--no-resume", action="store_true", help="start afresh even if an interrupted run exists")
    parser.add_argument("--no-promote", action="store_true", help="register the model as a candidate only")


def config_from_args(args, seed: int | None = None):
    from trainer.config import TrainConfig

    return TrainConfig(
        stage=args.stage, body_part=args.body_part, architecture=args.architecture, head=args.head,
        pooling=args.pooling, init=args.init,
        epochs=args.epochs, batch_size=args.batch_size, image_size=args.image_size, crop=args.crop,
        denoise=args.denoise, lr=args.lr, schedule=args.schedule, plateau_patience=args.patience,
        early_stopping_patience=args.early_stopping_patience, warmup_epochs=args.warmup_epochs,
        refresh_depth=args.refresh_depth,
        study_level=args.study_level, clahe=args.clahe, weighted_sampling=args.weighted_sampling,
        augment=not args.no_augment, max_images=args.max_images, device=args.device, threads=args.threads,
        precision=args.precision, shift=args.shift, select_on=args.select_on, ema_decay=args.ema,
        seed=args.seed if seed is None else seed, resume=not args.no_resume,
        promote=not args.no_promote and (seed is None))


def print_event(event, stream=None) -> None:
    """One line per epoch/log, a redrawn bar per batch on a terminal (stderr as it is at call time)."""
    stream = stream if stream is not None else sys.stderr
    if event.kind == "batch":
        if stream.isatty():
            bar = "#" * int(30 * event.batch / max(event.batches, 1))
            eta = f" eta {event.eta_s:.0f}s" if event.eta_s is not None else ""
            stream.write(f"\repoch {event.epoch}/{event.epochs} [{bar:<30}] loss {event.loss:.4f}{eta}   ")
            stream.flush()
        return
    if event.kind == "epoch":
        val = event.val or {}
        shown = ("val reconstruction loss" , val.get("reconstruction_loss")) if "reconstruction_loss" in val else \
            ("val AUC", val.get("auc")) if "auc" in val else ("val accuracy", val.get("accuracy"))
        loss = val.get("loss")
        stream.write(("\n" if stream.isatty() else "") +
                     f"epoch {event.epoch}/{event.epochs}: train loss {event.loss:.4f}"
                     f"{'' if loss is None else f', val loss {loss:.4f}'}, {shown[0]} "
                     f"{'n/a' if shown[1] is None else f'{shown[1]:.3f}'}, lr {event.lr:.1e}\n")
    elif event.kind in ("start", "log", "done") and event.message:
        if event.kind == "log" and event.message.startswith("preparing images") and event.batch != event.batches:
            return
        stream.write(f"{event.message}\n")
    stream.flush()


def _train_once(config, ws, rank: int) -> dict | None:
    import contextlib
    import threading

    from core.store.activity import training_marker
    from trainer.loop import train

    stop = threading.Event()
    result = None
    # The workstation sees that a training run is going on (and does not start a second one).
    marker = training_marker(ws.path, config.stage, "command line") if rank == 0 else contextlib.nullcontext()
    with marker:
        try:
            for event in train(config, ws, stop):
                if rank == 0:
                    print_event(event)
                if event.kind == "done":
                    result = event.result
        except KeyboardInterrupt:
            stop.set()
            raise
    return result


def _summary_text(result: dict) -> str:
    if not result.get("model_id"):
        return result["reason"]
    val = result.get("val") or {}
    ci = val.get("auc_ci") or val.get("accuracy_ci")
    figure = ("AUC", val.get("auc")) if val.get("auc") is not None else ("accuracy", val.get("accuracy"))
    shown = "" if figure[1] is None else (f"; validation {figure[0]} {figure[1]:.3f}"
                                          + (f" (95 % CI {ci[0]:.3f}-{ci[1]:.3f})" if ci else ""))
    return (f"{result['model_id']}: {'published' if result['promoted'] else 'kept as a candidate'}{shown} - "
            f"{result['reason']}")


def run(args) -> int:
    from core.errors import InputError
    from trainer.process_group import init_from_environment, shutdown

    if args.seeds < 1:
        raise InputError("--seeds must be at least 1.")
    ws = open_workspace(args)
    rank = init_from_environment(args.device)  # torchrun sets RANK/WORLD_SIZE; else a no-op
    try:
        if args.seeds == 1:
            result = _train_once(config_from_args(args), ws, rank)
            if rank == 0 and result is not None:
                emit(args, result, _summary_text(result))
            return 0
        results = [_train_once(config_from_args(args, seed=s), ws, rank) for s in range(args.seeds)]
    finally:
        shutdown()
    if rank == 0:
        emit(args, seeds_summary(results), seeds_text(results))
    return 0


def seeds_summary(results: list[dict]) -> dict:
    import statistics

    out = {"runs": results}
    for split in ("val", "test"):
        for metric in ("auc", "accuracy"):
            values = [r[split][metric] for r in results if r and r.get(split) and r[split].get(metric) is not None]
            if values:
                out[f"{split}_{metric}_mean"] = statistics.mean(values)
                out[f"{split}_{metric}_sd"] = statistics.stdev(values) if len(values) > 1 else 0.0
                out[f"{split}_{metric}_n_seeds"] = len(values)
    return out


def seeds_text(results: list[dict]) -> str:
    s = seeds_summary(results)
    parts = [f"{k.split('_')[0]} {k.split('_')[1]} {s[k]:.3f} ± {s[k[:-5] + '_sd']:.3f}"
             for k in s if k.endswith("_mean")]
    return f"{len(results)} seeds (models kept as candidates): " + "; ".join(parts)
