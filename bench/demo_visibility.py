"""How visible are the demo's fractures to the model? Counterfactual renders.

Every demo film is a pure function of its ``ViewPlan``, so a fractured view
can be rendered a second time with the fracture removed (``with_fracture=False``:
same anatomy, same noise). Both renders go through the model's own
preprocessing (the steps of ``core.imaging.preprocess.model_input``: the
film's window, MONOCHROME1 inversion, border crop, pad-resize) at each input size, with the
fractured film's window for both, and we report over the pixels that changed:

    mean |diff| and max |diff| in 8-bit display grey levels (255 = the window width),
    changed pixels (how large the visible change is), and
    sum |diff| / 255 (mean x area: "how much signal" in window-width pixels).

Split by the ground-truth difficulty (easy / difficult). Run it before and after
a renderer change: a learning gain that comes from more visible fractures is
not a gain. The plain baseline printed first is the same statistic between two
different noise draws of the same unfractured film (what "visible" competes with).

    python bench/demo_visibility.py [--studies 400] [--per-grade 40] [--seed 0] [--body-crop] [--clahe]
                                    [--body-part wrist,elbow]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = (128, 192, 256, 320)


def _model_inputs(a, b, view, window, size, clahe=False, body=False):
    """Both films through the model's preprocessing (``model_input_with_geometry``'s steps),
    with the first film's border crop applied to both so a noise-level change of the crop
    cannot shift one of them."""
    import dataclasses

    import numpy as np

    from core.imaging.display import resize_raw, to_display
    from core.imaging.image import RadiographImage
    from core.imaging.preprocess import (PRESCALE_FACTOR, apply_clahe, crop_body_region, crop_uniform_border,
                                         pad_resize)

    out, crop = [], None
    for stored in (a, b):
        image = RadiographImage(values=stored.astype(np.float32), photometric="MONOCHROME1" if view.monochrome1
                                else "MONOCHROME2", invert=view.monochrome1, windows=[window], integral=True)
        if max(stored.shape) > PRESCALE_FACTOR * size:
            image = dataclasses.replace(image, values=resize_raw(image.values, PRESCALE_FACTOR * size),
                                        integral=False)
        img8 = to_display(image)
        if crop is None:
            border, crop = crop_uniform_border(img8)
            if body:
                _, (b0, b1, c0, c1) = crop_body_region(border)
                crop = (crop[0] + b0, crop[0] + b1, crop[2] + c0, crop[2] + c1)
        y0, y1, x0, x1 = crop
        cropped = img8[y0:y1, x0:x1]
        if clahe:
            cropped = apply_clahe(cropped)
        out.append(pad_resize(cropped, size)[0].astype(np.float32) / np.float32(255))
    return out


def _diff_stats(a, b) -> tuple[float, float, int, float]:
    import numpy as np

    d = np.abs(a.astype(np.float64) - b.astype(np.float64)) * 255.0
    changed = d > 0.5          # model inputs are 8-bit grey levels: any change is >= 1
    if not changed.any():
        return 0.0, 0.0, 0, 0.0
    return float(d[changed].mean()), float(d.max()), int(changed.sum()), float(d.sum() / 255.0)


def measure(n_studies: int, per_grade: int, seed: int, clahe: bool = False, body: bool = False,
            body_parts: tuple[str, ...] | None = None) -> dict:
    import numpy as np

    from core.demo.anatomy import BODY_PARTS
    from core.demo.plan import plan_studies
    from core.demo.render import render_view

    views = {"easy": [], "difficult": []}
    for plan in plan_studies(n_studies, seed, body_parts or BODY_PARTS):
        if not plan.fracture:
            continue
        for view in plan.views:
            if view.fracture is not None and len(views[plan.difficulty]) < per_grade:
                views[plan.difficulty].append(view)
                break   # one view per study: views of a study are not independent
    rows = {}
    for grade, sample in views.items():
        stats = {s: [] for s in SIZES}
        for view in sample:
            with_fx, c, w = render_view(view, with_fracture=True)
            without, _, _ = render_view(view, with_fracture=False)
            for size in SIZES:
                stats[size].append(_diff_stats(*_model_inputs(with_fx, without, view, (c, w), size, clahe, body)))
        rows[grade] = {s: np.array(v) for s, v in stats.items()}
    # Baseline: the same unfractured film with another noise draw.
    base = {s: [] for s in SIZES}
    for view in views["easy"][:per_grade // 2]:
        clean = replace(view, fracture=None)
        a, c, w = render_view(clean)
        b, _, _ = render_view(replace(clean, noise_seed=clean.noise_seed + 1))
        for size in SIZES:
            base[size].append(_diff_stats(*_model_inputs(a, b, view, (c, w), size, clahe, body)))
    rows["noise only"] = {s: np.array(v) for s, v in base.items()}
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=400)
    ap.add_argument("--per-grade", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clahe", action="store_true", help="CLAHE after the crop, as TrainConfig(clahe=True)")
    ap.add_argument("--body-crop", action="store_true", help="crop to the body region (the trainer's default)")
    ap.add_argument("--body-part", default="", help="only studies of these body parts (comma-separated); default all")
    args = ap.parse_args()
    parts = tuple(p for p in args.body_part.split(",") if p) or None
    rows = measure(args.studies, args.per_grade, args.seed, args.clahe, args.body_crop, parts)
    print(f"demo fracture visibility ({args.body_part or 'all body parts'}): one fractured view per study, seed {args.seed}; grey levels of the "
          f"8-bit model input (255 = window width); mean over views (max over views for 'max')")
    print(f"{'grade':>10} {'n':>3} {'size':>4} {'mean|d| changed':>15} {'max|d|':>7} {'max|d| (max)':>12} "
          f"{'changed px':>10} {'sum|d|/255':>10}")
    for grade, by_size in rows.items():
        for size, a in by_size.items():
            print(f"{grade:>10} {len(a):>3} {size:>4} {a[:, 0].mean():>15.2f} {a[:, 1].mean():>7.1f} "
                  f"{a[:, 1].max():>12.0f} {a[:, 2].mean():>10.0f} {a[:, 3].mean():>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
