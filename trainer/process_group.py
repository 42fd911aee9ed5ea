"""Joining and leaving torchrun's process group (RANK / WORLD_SIZE in the environment)."""

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
