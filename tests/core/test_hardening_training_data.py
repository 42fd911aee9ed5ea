"""Training data: a damaged image is skipped with its reason; a full disk gives one sentence and no temp file
(issue 14 items 1 and 7, trainer side)."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from core.errors import DiskFullError
from core.store import Workspace
from trainer.data import Sample, model_ready_arrays, model_ready_arrays_checked


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> list[Path]:
    from core.demo.generate import generate_demo_files

    manifest = generate_demo_files(tmp_path_factory.mktemp("demo"), n_studies=2, seed=9, workers=0)
    return [Path(p) for s in manifest.studies for p in s.image_paths]


def _sample(i: int, path: Path) -> Sample:
    return Sample(image_id=i, study_id=1, source_path=str(path), sop_uid=f"1.2.3.{i}", target=0, weight=1.0,
                  split="train")


def test_an_undecodable_image_is_skipped_with_its_reason_and_the_rest_load(demo_files, tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(demo_files[0].read_bytes()[:3000])
    noise = tmp_path / "noise.dcm"
    noise.write_bytes(b"\0" * 128 + b"DICM" + bytes(range(256)) * 8)
    samples = [_sample(0, demo_files[0]), _sample(1, cut), _sample(2, demo_files[1]), _sample(3, noise)]
    arrays, kept, skipped = model_ready_arrays_checked(ws, samples, 32, False)
    assert kept == [0, 2]
    assert arrays.shape == (2, 32, 32) and arrays.dtype == np.float16
    assert [i for i, _ in skipped] == [1, 3]
    assert all(reason and "\n" not in reason for _, reason in skipped)
    assert "truncated" in skipped[0][1] and "cut.dcm" not in skipped[0][1]
    # Same values as the unchecked path for the images both can read.
    plain = model_ready_arrays(ws, [samples[0], samples[2]], 32, False)
    assert np.array_equal(plain, arrays)


@pytest.mark.parametrize("function", [model_ready_arrays, model_ready_arrays_checked])
def test_disk_full_while_writing_the_cache_is_one_sentence_and_leaves_no_temp_file(demo_files, tmp_path,
                                                                                   monkeypatch, function):
    ws = Workspace.open(tmp_path / "ws")
    real_save = np.save

    def save_then_fill_the_disk(fh, arr, allow_pickle=False):
        fh.write(b"\x93NUMPY partial")          # something half-written, as a real ENOSPC leaves
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", save_then_fill_the_disk)
    with pytest.raises(DiskFullError) as info:
        function(ws, [_sample(0, demo_files[0])], 32, False)
    monkeypatch.setattr(np, "save", real_save)
    text = str(info.value)
    assert text.startswith("The disk is full;") and text.count(".") == 1 and "\n" not in text
    assert list(Path(ws.cache_dir).rglob("*.tmp")) == []
    assert list(Path(ws.cache_dir).rglob("*.npy")) == []
