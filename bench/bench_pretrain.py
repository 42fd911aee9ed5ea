"""Self-supervised pretraining: linear-probe quality of the frozen features, against a random backbone.

    radinet demo --workspace /tmp/pt --studies 400 --seed 11
    nice -n 10 .venv/bin/python bench/bench_pretrain.py --workspace /tmp/pt \
        [--objectives masked,denoising,autoencoder] [--epochs 10] [--lr 1e-3] [--size 128] [--finetune-epochs 3]

For each objective the same resnet18 (same seed) is pretrained on the images of
the demo's training-split patients (labelled or not; validation and test
patients are never seen), then its pooled features are frozen and probed with
scikit-learn's logistic regression fitted on the training split and judged on
the held-out patients (validation + test split, never used for any choice
here): (a) body part, 7 classes, image-level accuracy; (b) fracture, study-level
AUC (mean probability over the study's views). The plain baseline in the same
run is the randomly initialised backbone, its BatchNorm statistics re-estimated
on the same clean images (without that, random features in eval mode are
needlessly worse and the comparison would flatter pretraining).

With --finetune-epochs N > 0 each initialisation is also fine-tuned end to end
on the fracture labels for N epochs (Adam, positive class weighted, the
supervised augmentation) and judged by study-level AUC on the held-out
patients. This short loop is written out here rather than going through
trainer.loop, which starts only from registered models.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import threading
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def _held_out(split: str) -> bool:
    return split in ("val", "test")


def probe(features: np.ndarray, body, fracture, row_of: dict[int, int]) -> dict:
    """Logistic regression on frozen pooled features: body-part accuracy and fracture study AUC."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def fit(x, y, balanced: bool):
        clf = make_pipeline(StandardScaler(), LogisticRegressionCV(Cs=[0.001, 0.01, 0.1, 1.0], cv=3, max_iter=3000,
                                                                   class_weight="balanced" if balanced else None))
        return clf.fit(x, y)

    tr = [s for s in body.samples if s.split == "train"]
    te = [s for s in body.samples if _held_out(s.split)]
    clf = fit(features[[row_of[s.image_id] for s in tr]], [s.target for s in tr], balanced=False)
    pred = clf.predict(features[[row_of[s.image_id] for s in te]])
    body_acc, body_n = float(np.mean(pred == np.array([s.target for s in te]))), len(te)

    tr = [s for s in fracture.samples if s.split == "train"]
    te = [s for s in fracture.samples if _held_out(s.split)]
    clf = fit(features[[row_of[s.image_id] for s in tr]], [s.target for s in tr], balanced=True)
    p = clf.predict_proba(features[[row_of[s.image_id] for s in te]])[:, 1]
    study_y, study_p = _study_level(te, p)
    return {"body_acc": body_acc, "body_n": body_n,
            "fracture_auc": _auc(study_y, study_p), "fracture_studies": len(study_y),
            "fracture_pos": int(sum(study_y))}


def _auc(y: list[int], p: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if len(set(y)) == 2 else float("nan")  # one class held out: undefined


def _study_level(samples, p: np.ndarray) -> tuple[list[int], list[float]]:
    by_study: dict[int, list] = {}
    for s, prob in zip(samples, p):
        by_study.setdefault(s.study_id, [s.target, []])[1].append(float(prob))
    return [v[0] for v in by_study.values()], [float(np.mean(v[1])) for v in by_study.values()]


def finetune_fracture(model, arrays: np.ndarray, fracture, row_of: dict[int, int], epochs: int, lr: float,
                      batch_size: int, seed: int) -> float:
    """Short end-to-end fracture fine-tune from the given backbone; study-level AUC on held-out patients."""
    import torch
    import torch.nn.functional as F

    from trainer.data import augment

    model = copy.deepcopy(model)
    torch.manual_seed(seed)
    model.head = torch.nn.Linear(model.channels, 1)
    tr = [s for s in fracture.samples if s.split == "train"]
    te = [s for s in fracture.samples if _held_out(s.split)]
    x_tr = arrays[[row_of[s.image_id] for s in tr]]
    y_tr = np.array([s.target for s in tr])
    pos_weight = torch.tensor([(y_tr == 0).sum() / max(1, (y_tr == 1).sum())], dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        model.train()
        order = np.random.default_rng([seed, epoch]).permutation(len(tr))
        gen = torch.Generator().manual_seed(seed * 1000 + epoch)
        for b in range(len(order) // batch_size):
            idx = np.sort(order[b * batch_size:(b + 1) * batch_size])
            x = augment(torch.from_numpy(x_tr[idx].astype(np.float32))[:, None], gen)
            loss = F.binary_cross_entropy_with_logits(model(x)[:, 0], torch.from_numpy(y_tr[idx]).float(),
                                                      pos_weight=pos_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        x_te = torch.from_numpy(arrays[[row_of[s.image_id] for s in te]].astype(np.float32))[:, None]
        p = torch.sigmoid(torch.cat([model(x_te[i:i + 64]) for i in range(0, len(x_te), 64)])[:, 0]).numpy()
    study_y, study_p = _study_level(te, p)
    return _auc(study_y, study_p)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--workspace", default=None, help="a demo workspace (built with --studies/--seed when empty)")
    p.add_argument("--studies", type=int, default=400)
    p.add_argument("--seed", type=int, default=11, help="demo seed when the workspace is built here")
    p.add_argument("--objectives", default="masked,denoising,autoencoder")
    p.add_argument("--epochs", default="10", help="comma-separated pretraining epoch counts")
    p.add_argument("--lr", default="1e-3", help="comma-separated pretraining learning rates")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--architecture", default="resnet18")
    p.add_argument("--finetune-epochs", type=int, default=0)
    p.add_argument("--finetune-lr", type=float, default=3e-4)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--model-seed", type=int, default=0)
    p.add_argument("--no-baseline", action="store_true", help="skip the random-init row (when run in parallel parts)")
    p.add_argument("--probe-every-epoch", action="store_true",
                   help="also probe after each earlier epoch (a copy, BatchNorm re-estimated; mid-schedule)")
    a = p.parse_args()
    # scikit-learn's notices about future defaults: the probe sets what it relies on.
    warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")

    import torch

    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    from bench._workspace import bench_workspace
    from trainer.data import collect, model_ready_arrays
    from trainer.models import build_model
    from trainer.pretrain import pooled_features, pretrain_features, recalibrate_batchnorm

    device = torch.device("cpu")
    ws = bench_workspace(a.workspace, a.studies, seed=a.seed)
    with ws.connect() as store:
        body, fracture = collect(store, "body_part"), collect(store, "fracture")
    t0 = time.perf_counter()
    arrays = model_ready_arrays(ws, body.samples, a.size, clahe=False)
    row_of = {s.image_id: i for i, s in enumerate(body.samples)}
    pretrain_rows = np.array([i for i, s in enumerate(body.samples) if s.split == "train"])
    pretrain_arrays = arrays[pretrain_rows]
    print(f"workspace {ws.path}: {len(body.samples)} images ({len(pretrain_rows)} of training-split patients used "
          f"for pretraining), {len(fracture.samples)} with fracture labels; {a.architecture} {a.size}px; "
          f"arrays ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    rows = []

    def report(name: str, epochs, lr, seconds: float, model, final_loss=None) -> None:
        t = time.perf_counter()
        row = {"objective": name, "epochs": epochs, "lr": lr, "seconds": round(seconds, 1),
               "final_loss": final_loss, **probe(pooled_features(model, arrays, device), body, fracture, row_of)}
        if a.finetune_epochs:
            row["finetune_fracture_auc"] = finetune_fracture(model, arrays, fracture, row_of, a.finetune_epochs,
                                                             a.finetune_lr, a.batch, a.model_seed)
        rows.append(row)
        ft = f"  fine-tuned ({a.finetune_epochs} ep) fracture AUC {row['finetune_fracture_auc']:.3f}" \
            if a.finetune_epochs else ""
        print(f"{name:<12} epochs {epochs!s:<3} lr {lr!s:<7} {seconds:6.0f} s  probe: body part acc "
              f"{row['body_acc']:.3f} (n={row['body_n']} images)  fracture AUC {row['fracture_auc']:.3f} "
              f"(n={row['fracture_studies']} studies, {row['fracture_pos']} positive){ft}  "
              f"[measured in {time.perf_counter() - t:.0f} s]", flush=True)

    if not a.no_baseline:
        torch.manual_seed(a.model_seed)
        baseline = build_model(a.architecture, 1)
        t = time.perf_counter()
        recalibrate_batchnorm(baseline, pretrain_arrays, a.batch, device)
        report("random", 0, "-", time.perf_counter() - t, baseline)
    for objective in a.objectives.split(","):
        for epochs in [int(e) for e in a.epochs.split(",")]:
            for lr in [float(x) for x in a.lr.split(",")]:
                torch.manual_seed(a.model_seed)
                model = build_model(a.architecture, 1)
                t = time.perf_counter()
                last, probing = None, 0.0  # probe time is not pretraining time
                for event in pretrain_features(model, pretrain_arrays, epochs=epochs, lr=lr, batch_size=a.batch,
                                               device=device, stop=threading.Event(), seed=a.model_seed,
                                               objective=objective):
                    if event["kind"] == "epoch":
                        last = event["loss"]
                        print(f"  {objective} epoch {event['epoch']}/{epochs} loss {last:.4f}", file=sys.stderr)
                        if a.probe_every_epoch and event["epoch"] < epochs:
                            p0 = time.perf_counter()
                            snapshot = copy.deepcopy(model)
                            recalibrate_batchnorm(snapshot, pretrain_arrays, a.batch, device)
                            report(objective, f"{event['epoch']}/{epochs}", lr, p0 - t - probing, snapshot,
                                   round(last, 4))
                            probing += time.perf_counter() - p0
                report(objective, epochs, lr, time.perf_counter() - t - probing, model, round(last, 4))
    print(json.dumps({"images": len(body.samples), "pretrain_images": len(pretrain_rows), "size": a.size,
                      "architecture": a.architecture, "rows": rows}))


if __name__ == "__main__":
    main()
