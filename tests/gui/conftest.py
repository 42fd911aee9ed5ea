"""GUI test fixtures: offscreen Qt, a small demo workspace built once, a fake predictor."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # before any Qt import

import shutil
from dataclasses import dataclass, field

import numpy as np
import pytest

N_STUDIES = 24


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    from core.demo.workspace import build_demo_workspace
    from core.store.workspace import Workspace

    root = tmp_path_factory.mktemp("demo_template") / "ws"
    build_demo_workspace(Workspace.open(root), n_studies=N_STUDIES, seed=0)
    return root


@pytest.fixture
def workspace(demo_template, tmp_path):
    from core.store.workspace import Workspace

    target = tmp_path / "ws"
    shutil.copytree(demo_template, target)
    return Workspace.open(target)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from gui.settings import Settings

    monkeypatch.setenv("RADINET_USER", "dr.test")
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


# ----------------------------------------------------------------- fakes
@dataclass
class FakeView:
    image_id: int | None
    probability: float
    heatmap: np.ndarray | None


@dataclass
class FakeStudy:
    study_id: int | None
    probability: float
    views: list = field(default_factory=list)
    model_id: str = "fake-model-1"
    tier: str = "positive"


class FakePredictor:
    """Returns a fixed probability and a fixed heatmap (a bright square) for every image."""

    model_id = "fake-model-1"
    operating_points = {"high_sensitivity": 0.2, "high_specificity": 0.8}

    def __init__(self, probability: float = 0.9):
        self.probability = probability
        self.calls = 0

    def heatmap_for(self, shape) -> np.ndarray:
        heat = np.zeros(shape, dtype=np.float32)
        heat[shape[0] // 4: shape[0] // 2, shape[1] // 4: shape[1] // 2] = 1.0
        return heat

    def predict_study(self, images, study_id=None, image_ids=None):
        self.calls += 1
        views = [FakeView(i, self.probability, self.heatmap_for(np.asarray(im.values).shape))
                 for i, im in zip(image_ids, images)]
        tier = "positive" if self.probability >= 0.8 else ("doubt" if self.probability >= 0.2 else "negative")
        return FakeStudy(study_id, self.probability, views, self.model_id, tier)

    def reload_if_changed(self) -> bool:
        return False


@pytest.fixture
def fake_predictor():
    return FakePredictor()


@pytest.fixture
def make_window(qtbot, workspace, settings):
    """Build a MainWindow; it is shut down (threads joined) at teardown."""
    from gui.main_window import MainWindow

    windows = []

    def make(predictor=None, train_fn=None, ws=None, **kw):
        factory = (lambda _ws: predictor) if predictor is not None else (lambda _ws: None)
        w = MainWindow(ws or workspace, settings=settings, predictor_factory=factory, train_fn=train_fn, **kw)
        qtbot.addWidget(w)
        w.resize(1200, 800)
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.shutdown()
