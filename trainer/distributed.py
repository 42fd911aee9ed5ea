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

from trainer.process_group import init_from_environment, shutdown  # noqa: F401 - older imports


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
