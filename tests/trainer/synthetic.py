"""A tiny synthetic workspace for trainer tests (PNG radiographs + labels).

Used when the demo generator (core.demo.workspace) is not available, and for
tests that need a signal a tiny network learns in a few epochs on 2 CPU
cores: a bone-like bar whose shape depends on the body part, and for
fractures a dark gap across it plus a bright callus spot.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

BODY_PARTS = ("finger", "wrist", "elbow")


def radiograph(rng: np.random.Generator, body_part: str, fracture: bool, size: int = 128) -> np.ndarray:
    img = rng.normal(40, 6, (size, size))
    c = size // 2
    if body_part == "finger":
        cv2.rectangle(img, (c - 6, 10), (c + 6, size - 10), 190, -1)
    elif body_part == "wrist":
        cv2.rectangle(img, (10, c - 10), (size - 10, c + 10), 190, -1)
    else:
        cv2.circle(img, (c, c), size // 4, 190, -1)
    if fracture:
        y = int(rng.integers(size // 3, 2 * size // 3))
        cv2.line(img, (0, y), (size, y + int(rng.integers(-8, 8))), 10, 4)
        cv2.circle(img, (int(rng.integers(20, size - 20)), y), 7, 255, -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def build_synthetic_workspace(workspace, n_studies: int = 48, seed: int = 0, views: int = 2) -> None:
    rng = np.random.default_rng(seed)
    folder = Path(workspace.path) / "synthetic"
    folder.mkdir(exist_ok=True)
    with workspace.connect() as store:
        for i in range(n_studies):
            part = BODY_PARTS[i % len(BODY_PARTS)]
            fracture = bool(rng.random() < 0.5)
            pid = store.upsert_patient(f"SYN{i:04d}")
            sid, _ = store.upsert_study(f"1.2.826.0.1.3680043.10.1.{i}", pid, body_part=part, origin="demo")
            for v in range(views):
                path = folder / f"s{i:04d}_v{v}.png"
                cv2.imwrite(str(path), radiograph(rng, part, fracture))
                store.add_image(sid, f"1.2.826.0.1.3680043.10.2.{i}.{v}", str(path), file_format="png",
                                body_part=part, view="PA" if v == 0 else "LAT", rows=128, columns=128)
            store.add_label(sid, "fracture", "positive" if fracture else "negative", "import", "test")
