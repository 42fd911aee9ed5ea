"""One training setting on a single body part of the demo, judged on fresh studies (issue 11 diagnosis).

Builds 500 forearm demo studies (seed 5), trains the fracture model from random weights through the
trainer's own path (128 px, body crop, 14 epochs, no early stopping), and judges it through its ONNX
on 150 fresh forearm studies of seed 6: study AUC with a 95 % bootstrap CI (1,000 resamples) and n.

    .venv/bin/python bench/bench_single_part.py NAME study|image [SEED]
        env: AUG=0 (no augmentation), PP=N (plateau patience, default 3),
             MILD=old (rotation +-30 deg, scale 0.9-1.1: the trainer's default before this bench showed
             that resampling stops the fracture model learning), MILD=1 (rotation +-10 deg, scale 0.95-1.05),
             MILD=flat (no rotation or scaling: flips, contrast and brightness only; now the default),
             MILD=unclipped (the trainer's augmentation without clipping to [0, 1]),
             MILD=flips (horizontal flips only: no brightness or contrast jitter),
             POOL=max (the trainer's --pooling max: the class activation map's peak),
             POOL=lse[:r] (experiment only: a log-sum-exp of the per-location logits, sharpness r),
             N=500 (demo studies), EPOCHS=14, SIZE=128,
             REVEAL=1 (label the third of studies the demo withholds, from ground_truth.csv, as a
             radiologist would: every study then trains, as in the paper's labelled sets),
             THREADS=N (CPU threads for training; default the trainer's), LR=1e-3, BATCH=16,
             PRECISION=auto|fp32|bf16 (the training step's arithmetic, trainer.precision),
             BENCH_ROOT=/tmp/single-part (where the workspaces go), BODY_PART=forearm

A diagnosis bench, not the product's goal (bench_table2.py is): it answers whether a setting lets a
random start fit one body part at all, on a 2-core CPU, in about 10 minutes.
"""
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    from core.demo.workspace import build_demo_workspace
    from core.demo.generate import generate_demo_files
    from core.imaging.image import load_image
    from core.inference.predictor import Predictor
    from core.store.workspace import Workspace
    from trainer.experiments import judged
    from trainer.loop import TrainConfig, train

    geometry = {"old": dict(max_rotation_deg=30.0, scale=(0.9, 1.1)),
                "1": dict(max_rotation_deg=10.0, scale=(0.95, 1.05)),     # milder rotation and scale
                "flips": dict(brightness=0.0, contrast=(1.0, 1.0)),        # flips only: no intensity jitter
                "flat": dict(max_rotation_deg=0.0, scale=(1.0, 1.0)),
                "unclipped": dict(saturate=False)}.get(os.environ.get("MILD", ""))
    if geometry:  # the trainer's augmentation with other geometry; flips, contrast and brightness as before
        import functools

        import trainer.data as td
        import trainer.fit as te
        te.augment = functools.partial(td.augment, **geometry)
    pooling = os.environ.get("POOL")
    if pooling and pooling != "max":  # experiment: a soft maximum of the per-location logits (the CAM)
        import torch

        import trainer.models as tm

        def forward_from_maps(self, maps):
            cam = self.cam_from_maps(maps).flatten(2)                  # N, outputs, h*w
            r = float(pooling.split(":")[1]) if ":" in pooling else 5.0   # lse[:r]
            return (torch.logsumexp(r * cam, 2) - torch.log(torch.tensor(float(cam.shape[2])))) / r
        tm.RadiNetModel.forward_from_maps = forward_from_maps
    name, study_level, seed = sys.argv[1], sys.argv[2] == "study", int(sys.argv[3]) if len(sys.argv) > 3 else 0
    root = Path(os.environ.get("BENCH_ROOT", "/tmp/single-part")) / name
    ws = Workspace.open(root / "ws")
    n_studies, epochs, size = int(os.environ.get("N", "500")), int(os.environ.get("EPOCHS", "14")), \
        int(os.environ.get("SIZE", "128"))
    part = os.environ.get("BODY_PART", "forearm")
    if ws.is_empty():
        build_demo_workspace(ws, n_studies=n_studies, seed=5, body_parts=(part,))
    if os.environ.get("REVEAL") == "1":
        from trainer.experiments import label_withheld_studies

        label_withheld_studies(ws)
    cfg = TrainConfig(stage="target", init="random", image_size=size, crop="body", epochs=epochs,
                      batch_size=int(os.environ.get("BATCH", "16")), lr=float(os.environ.get("LR", "1e-3")),
                      warmup_epochs=0, early_stopping_patience=epochs, seed=seed, study_level=study_level,
                      augment=os.environ.get("AUG", "1") == "1", plateau_patience=int(os.environ.get("PP", "3")),
                      min_val_studies_per_class=2, bootstrap_resamples=300,
                      pooling="max" if pooling == "max" else "avg",
                      threads=int(os.environ["THREADS"]) if os.environ.get("THREADS") else None,
                      precision=os.environ.get("PRECISION", "auto"))
    t0 = time.time()
    epoch_seconds, last = [], None
    for ev in train(cfg, ws, threading.Event()):
        if ev.kind == "epoch":
            now = time.time()
            if last is not None:   # the first epoch also pays for the cache
                epoch_seconds.append(now - last)
            last = now
            val = ev.val or {}
            print(f"epoch {ev.epoch}: loss {ev.loss:.3f} lr {ev.lr} val_auc {val.get('auc')} "
                  f"val_loss {val.get('loss')}", flush=True)
        if ev.kind == "done":
            result = ev.result
    fresh = generate_demo_files(root / "fresh", n_studies=150, seed=6, body_parts=(part,))
    predictor = Predictor(ws, model_id=result["model_id"])
    rows = [{"y": int(study.fracture), "difficulty": study.difficulty,
             "p": predictor.predict_study([load_image(str(p)) for p in study.image_paths]).probability}
            for study in fresh]
    figures = judged(rows)
    by_grade = {grade: judged(rows, difficulty=grade) for grade in ("easy", "difficult")}
    print(json.dumps({"name": name, "study_level": study_level, "augment": os.environ.get("AUG", "1"),
                      "plateau_patience": os.environ.get("PP", "3"), "mild": os.environ.get("MILD"), "pool": pooling, "n_studies": n_studies,
                      "reveal": os.environ.get("REVEAL"), "epochs": epochs, "size": size, "seed": seed,
                      "body_part": part, "fresh_auc": figures["auc"], "ci": figures["auc_ci"], "n": figures["n"],
                      **{f"fresh_{g}": [f["auc"], f["auc_ci"], f["n"]] for g, f in by_grade.items()},
                      "test_auc": result["test"]["auc"], "seconds": round(time.time() - t0),
                      "precision": cfg.precision,
                      "median_epoch_seconds": round(sorted(epoch_seconds)[len(epoch_seconds) // 2])
                      if epoch_seconds else None}), flush=True)


if __name__ == "__main__":
    main()
