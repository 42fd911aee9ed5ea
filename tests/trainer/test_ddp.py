"""DistributedDataParallel: 2 CPU processes (gloo) train one model; only rank 0 writes."""

from __future__ import annotations

import json
import socket

import pytest

from tests.trainer.conftest import copy_workspace


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_process_ddp_training(base_workspace, tmp_path):
    import torch.multiprocessing as mp

    from tests.trainer.ddp_worker import worker
    from core.store import registry
    from trainer.checkpoints import read_sidecar

    ws = copy_workspace(base_workspace, tmp_path / "ws")
    with ws.connect() as store:
        before = len(registry.list_models(store))
    mp.spawn(worker, args=(2, str(ws.path), _free_port(), str(tmp_path)), nprocs=2, join=True)
    ids = [json.loads((tmp_path / f"rank{r}.json").read_text())["model_id"] for r in (0, 1)]
    assert ids[0] and ids[0] == ids[1]  # rank 0 named it and told rank 1
    with ws.connect() as store:
        models = registry.list_models(store)
    assert len(models) == before + 1  # registered once, by rank 0
    sidecar = read_sidecar(ws.models_dir / f"{ids[0]}.json")
    assert sidecar["training"]["processes"] == 2
