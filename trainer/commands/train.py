"""radinet train: one stage of progressive transfer learning on the workspace."""

from __future__ import annotations

import sys

from core.commands.common import add_json_argument, add_workspace_argument, emit, open_workspace

HELP = "train RadiNet (--stage body-part), the fracture model (--stage target) or a fast refresh"


def add_arguments(parser) -> None:
    add_workspace_argument(parser)
    add_json_argument(parser)
    parser.add_argument("--stage", choices=["body-part", "target", "fast-refresh"], default="target")
    parser.add_argument("--architecture", default="resnet18",
                        choices=["resnet18", "resnet50", "densenet121", "densenet169", "efficientnet_b0",
                                 "mobilenet_v3_large"])
    parser.add_argument("--head", choices=["linear", "mlp"], default="linear")
    parser.add_argument("--init", default="auto", help="auto | random | imagenet:PATH | model:ID")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--image-size", type=int, default=320)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup-epochs", type=int, default=1)
    parser.add_argument("--clahe", action="store_true", help="contrast-limited adaptive histogram equalisation")
    parser.add_argument("--weighted-sampling", action="store_true", help="oversample the rarer class")
    parser.add_argument("--no-augment", action="store_true")
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-resume", action="store_true", help="start afresh even if an interrupted run exists")
    parser.add_argument("--no-promote", action="store_true", help="register the model as a candidate only")


def config_from_args(args):
    from trainer.loop import TrainConfig

    return TrainConfig(
        stage=args.stage, architecture=args.architecture, head=args.head, init=args.init, epochs=args.epochs,
        batch_size=args.batch_size, image_size=args.image_size, lr=args.lr, warmup_epochs=args.warmup_epochs,
        clahe=args.clahe, weighted_sampling=args.weighted_sampling, augment=not args.no_augment,
        max_images=args.max_images, device=args.device, threads=args.threads, seed=args.seed,
        resume=not args.no_resume, promote=not args.no_promote)


def print_event(event, stream=sys.stderr) -> None:
    """One line per epoch/log, a redrawn bar per batch on a terminal."""
    if event.kind == "batch":
        if stream.isatty():
            bar = "#" * int(30 * event.batch / max(event.batches, 1))
            eta = f" eta {event.eta_s:.0f}s" if event.eta_s is not None else ""
            stream.write(f"\repoch {event.epoch}/{event.epochs} [{bar:<30}] loss {event.loss:.4f}{eta}   ")
            stream.flush()
        return
    if event.kind == "epoch":
        val = event.val or {}
        auc = val.get("auc")
        stream.write(("\n" if stream.isatty() else "") +
                     f"epoch {event.epoch}/{event.epochs}: train loss {event.loss:.4f}, val loss {val.get('loss', float('nan')):.4f}, "
                     f"val AUC {'n/a' if auc is None else f'{auc:.3f}'}, lr {event.lr:.1e}\n")
    elif event.kind in ("start", "log", "done") and event.message:
        if event.kind == "log" and event.message.startswith("preparing images") and event.batch != event.batches:
            return
        stream.write(f"{event.message}\n")
    stream.flush()


def run(args) -> int:
    import threading

    from trainer.distributed import init_from_environment, shutdown

    ws = open_workspace(args)
    config = config_from_args(args)
    rank = init_from_environment(config.device)  # torchrun sets RANK/WORLD_SIZE; else a no-op
    stop = threading.Event()
    result = None
    try:
        from trainer.loop import train

        for event in train(config, ws, stop):
            if rank == 0:
                print_event(event)
            if event.kind == "done":
                result = event.result
    except KeyboardInterrupt:
        stop.set()
        raise
    finally:
        shutdown()
    if rank == 0 and result is not None:
        text = (f"{result['model_id']}: {'published' if result['promoted'] else 'not published'} - {result['reason']}"
                if result.get("model_id") else result["reason"])
        emit(args, result, text)
    return 0
