"""DistributedDataParallel entry: the same ``train`` generator on several processes.

Run under torchrun, e.g. on a GPU server with 4 GPUs:

    torchrun --nproc_per_node=4 -m trainer.distributed --workspace /data/ws --stage target

torchrun sets RANK / WORLD_SIZE / LOCAL_RANK / MASTER_ADDR; each process
trains on its shard of every epoch and gradients are averaged by DDP
(nccl on CUDA, gloo on CPU). Only rank 0 writes checkpoints, resume files
and registry rows. ``radinet train`` also detects torchrun's environment.
"""

from __future__ import annotations

import os
import sys


def init_from_environment(device: str = "auto") -> int:
    """Join the process group torchrun describes; returns this process's rank (0 when alone)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0
    import torch
    import torch.distributed as dist

    if dist.is_initialized():
        return dist.get_rank()
    use_cuda = device != "cpu" and torch.cuda.is_available()
    if use_cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return dist.get_rank()


def shutdown() -> None:
    if "torch" not in sys.modules:
        return
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    import argparse

    from trainer.commands import train as train_command

    parser = argparse.ArgumentParser(prog="python -m trainer.distributed", description=train_command.HELP)
    train_command.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.device == "auto" and os.environ.get("LOCAL_RANK") is not None:
        import torch

        if torch.cuda.is_available():
            args.device = f"cuda:{os.environ['LOCAL_RANK']}"
    from core.errors import RadinetError

    try:
        return train_command.run(args)
    except RadinetError as err:
        print(f"radinet train: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
