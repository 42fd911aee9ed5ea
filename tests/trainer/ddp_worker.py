"""Process body for the DDP test (importable so torch.multiprocessing can spawn it)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


def worker(rank: int, world: int, ws_path: str, port: int, out_dir: str) -> None:
    import torch
    import torch.distributed as dist

    from core.store.workspace import Workspace
    from trainer.loop import TrainConfig, train

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        config = TrainConfig(stage="target", init="random", image_size=64, epochs=2, batch_size=8, warmup_epochs=1,
                             lr=1e-3, threads=1, promote=False, max_images=48)
        events = list(train(config, Workspace.open(ws_path), threading.Event()))
        model = None
        for event in events:
            if event.kind == "done":
                model = event.result["model_id"]
        Path(out_dir, f"rank{rank}.json").write_text(json.dumps({"model_id": model}))
    finally:
        dist.destroy_process_group()
