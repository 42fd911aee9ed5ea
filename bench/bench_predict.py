"""Prediction latency per view: onnxruntime + in-graph CAM vs eager torch + pytorch-grad-cam.

    .venv/bin/python bench/bench_predict.py [--architecture resnet18] [--size 320] [--repeats 20]

Both paths start from the same decoded image (RadiographImage) and end with a
probability and a heatmap on the image's pixels: preprocessing -> network ->
heatmap laid back onto the image. Ours is ``Predictor.predict_image`` (ONNX
with the CAM output); the baseline is an eager forward plus Grad-CAM
(forward + backward) from pytorch-grad-cam. Goal: >= 4x faster and <= 120 ms
per view at the default size. Also prints how long the onnxruntime predictor
takes to become ready and whether torch was imported for it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def published_workspace(architecture: str, size: int):
    """A temporary workspace with one published (untrained) model and its ONNX export."""
    import torch

    from core.store.workspace import Workspace
    from core.store import registry
    from trainer.checkpoints import save_checkpoint
    from trainer.export_onnx import export_registered
    from trainer.models import build_model

    torch.manual_seed(0)
    ws = Workspace.open(tempfile.mkdtemp(prefix="radinet-bench-") + "/ws")
    model = build_model(architecture, 1).eval()
    sidecar = save_checkpoint(ws.models_dir, "bench-model", model, {
        "task": "fracture", "stage": "target", "classes": ["negative", "positive"],
        "preprocessing": {"size": size, "clahe": False}, "operating_points": {"high_sensitivity": 0.3,
                                                                              "high_specificity": 0.7}})
    with ws.connect() as store:
        registry.register(store, sidecar, "models/bench-model.safetensors", "bench")
        export_registered(ws, store, "bench-model")
        registry.promote(store, "bench-model", "bench", "bench")
    return ws, model


def sample_image(size_hint: int):
    """A demo radiograph decoded by the display pipeline (generated on the fly)."""
    from core.demo.workspace import build_demo_workspace
    from core.imaging.image import load_image
    from core.store.workspace import Workspace

    ws = Workspace.open(tempfile.mkdtemp(prefix="radinet-bench-img-") + "/ws")
    build_demo_workspace(ws, n_studies=2, seed=0)
    with ws.connect() as store:
        return load_image(store.images()[0]["source_path"])


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--architecture", default="resnet18")
    p.add_argument("--size", type=int, default=320)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = p.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    from core.inference.predictor import Predictor
    from core.inference.preprocessing import heatmap_to_image, model_ready
    from core.inference.torch_backend import grad_cam

    ws, model = published_workspace(a.architecture, a.size)
    image = sample_image(a.size)
    predictor = Predictor.for_workspace(ws, backend="onnx")

    def ours():
        predictor.predict_image(image)

    def baseline():
        x, geometry = model_ready(image, a.size, False)
        t = torch.from_numpy(x)[None, None]
        with torch.no_grad():
            torch.sigmoid(model(t))
        maps = grad_cam(model, t.numpy())
        heatmap_to_image(maps[0], geometry, image.values.shape)

    ours_ms = timed(ours, a.repeats)
    base_ms = timed(baseline, a.repeats)
    # Start-up of the onnxruntime predictor in a fresh process (no torch).
    code = (f"import time,sys; t=time.perf_counter(); from core.store.workspace import Workspace; "
            f"from core.inference.predictor import Predictor; "
            f"p=Predictor.for_workspace(Workspace.open({str(ws.path)!r}, create=False)); "
            f"print(time.perf_counter()-t, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout.split()
    ready_s, torch_loaded = float(out[0]), out[1] == "True"
    print(f"{a.architecture} {a.size}px, image {image.values.shape[1]}x{image.values.shape[0]}: "
          f"ORT + CAM {ours_ms:.1f} ms/view vs eager + Grad-CAM {base_ms:.1f} ms/view -> {base_ms / ours_ms:.1f}x "
          f"(goal >= 4x, <= 120 ms); ORT predictor ready in {ready_s:.2f} s, torch imported: {torch_loaded}")
    print(json.dumps({"architecture": a.architecture, "size": a.size, "ort_cam_ms": round(ours_ms, 1),
                      "eager_gradcam_ms": round(base_ms, 1), "speedup": round(base_ms / ours_ms, 2),
                      "ort_ready_s": round(ready_s, 2), "torch_imported": torch_loaded}))


if __name__ == "__main__":
    main()
