"""Session fixtures: one small workspace, one trained RadiNet -> fracture chain.

Everything is tiny (64 px, resnet18, a couple of epochs) so the whole
tests/trainer suite runs in a few minutes on 2 shared CPU cores.
"""

from __future__ import annotations

import shutil
import threading

import pytest

from core.store.workspace import Workspace
from tests.trainer.synthetic import build_synthetic_workspace

SIZE = 64


@pytest.fixture(scope="session")
def base_workspace(tmp_path_factory):
    ws = Workspace.open(tmp_path_factory.mktemp("trainer-ws") / "ws")
    build_synthetic_workspace(ws, n_studies=100, seed=1, views=1)
    return ws


def copy_workspace(src: Workspace, dst_dir) -> Workspace:
    """A private copy (tests that change the registry must not disturb others)."""
    shutil.copytree(src.path, dst_dir, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    return Workspace.open(dst_dir)


def run_train(ws, **kw):
    from trainer.loop import TrainConfig, train

    # Tiny validation splits (5-10 studies): the promotion rule's floor is lowered to 2 per class here;
    # the rule itself is tested in tests/core/test_evaluation_promotion.py.
    defaults = dict(image_size=SIZE, epochs=3, batch_size=16, lr=1e-3, warmup_epochs=1, seed=0, crop="border",
                    min_val_studies_per_class=2, bootstrap_resamples=300)
    defaults.update(kw)
    events = list(train(TrainConfig(**defaults), ws, threading.Event()))
    assert events[-1].kind == "done"
    return events


@pytest.fixture(scope="session")
def chain(base_workspace):
    """RadiNet (body part) then the fracture model initialised from it."""
    body = run_train(base_workspace, stage="body-part")[-1].result
    target = run_train(base_workspace, stage="target", epochs=6, lr=3e-4)[-1].result
    return base_workspace, body, target


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory):
    """40 of the application's own demo studies (DICOM files, reports, withheld labels)."""
    from core.demo.workspace import build_demo_workspace

    ws = Workspace.open(tmp_path_factory.mktemp("demo-ws") / "ws")
    build_demo_workspace(ws, n_studies=40, seed=3)
    return ws
