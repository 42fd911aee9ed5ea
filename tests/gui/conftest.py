"""GUI test fixtures: offscreen Qt, a small demo workspace built once, a fake predictor."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # before any Qt import

import gui.qt_safety  # noqa: E402,F401 - PySide6 6.12 on Python 3.11 drops None references: see that module

import importlib.util
import shutil
from dataclasses import dataclass, field

import numpy as np
import pytest

N_STUDIES = 24


def _build_fallback_workspace(root, n_studies: int) -> None:
    """Tiny DICOM workspace used only while core.demo.workspace is not there yet."""
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    from core.store.workspace import Workspace

    ws = Workspace.open(root)
    rng = np.random.default_rng(0)
    files = ws.demo_dir
    with ws.connect() as store:
        for s in range(n_studies):
            pid = store.upsert_patient(f"P{s:04d}")
            sid, _ = store.upsert_study(f"1.2.3.{s}", pid, accession=f"ACC{s:05d}", body_part="wrist", origin="demo")
            for v, view in enumerate(("PA", "LAT")):
                ds = pydicom.Dataset()
                ds.file_meta = FileMetaDataset()
                ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
                ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
                ds.SOPInstanceUID = generate_uid()
                ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
                ds.SOPClassUID = SecondaryCaptureImageStorage
                ds.Rows, ds.Columns = 96, 80
                ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
                ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
                ds.PixelData = rng.integers(0, 4096, (96, 80), dtype=np.uint16).tobytes()
                path = files / f"s{s}_{v}.dcm"
                ds.save_as(path, enforce_file_format=True)
                store.add_image(sid, ds.SOPInstanceUID, str(path), view=view, rows=96, columns=80)
            positive = s % 3 == 0
            store.add_report(sid, "Transverse fracture of the distal radius." if positive else
                             "No evidence of fracture.", origin="demo")
            if s % 3 == 1:
                store.add_label(sid, "fracture", "negative", source="import", author="import")
            elif s % 3 == 0:
                store.add_label(sid, "fracture", "positive", source="nlp", author="labeller", confidence=0.97)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo_template") / "ws"
    if importlib.util.find_spec("core.demo.workspace") is not None:
        from core.demo.workspace import build_demo_workspace
        from core.store.workspace import Workspace

        build_demo_workspace(Workspace.open(root), n_studies=N_STUDIES, seed=0)
    else:
        _build_fallback_workspace(root, N_STUDIES)
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
