"""A demo workspace: synthetic studies imported with their reports and labels.

The files go to ``W/demo/seed<S>/`` (kept when a finished generation with the
same seed, count and generator version is already there), are registered by
the ordinary importer, and each study then gets its report (origin "demo"),
its import label unless withheld (a third carry only a report, as in the
paper's data) and, for fractures, the ground-truth difficulty grade.
Running it twice adds nothing the second time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from core.demo.anatomy import BODY_PARTS
from core.demo.generate import GENERATOR_VERSION, DemoManifest, generate_demo_files, read_manifest
from core.demo.plan import check_body_parts, scope_of

DEMO_AUTHOR = "demo"
Progress = Callable[[int, int, str], None]


def _matches(manifest: DemoManifest | None, n_studies: int, seed: int, body_parts: tuple[str, ...]) -> bool:
    return (manifest is not None and manifest.seed == seed and manifest.n_studies == n_studies
            and manifest.version == GENERATOR_VERSION and tuple(manifest.body_parts) == body_parts
            and all(p.is_file() for s in manifest for p in s.image_paths))


def _stage(progress: Progress | None, label: str, weight_start: int, weight: int, total: int = 100):
    """Map a sub-task's (done, total) onto one overall 0..100 progress bar."""
    if progress is None:
        return None

    def report(done: int, sub_total: int | None, message: str = "") -> None:
        frac = done / sub_total if sub_total else 0.0
        progress(weight_start + int(weight * frac), total, label)

    return report


def build_demo_workspace(workspace, n_studies: int = 200, seed: int = 0, progress: Progress | None = None,
                         body_parts: tuple[str, ...] = BODY_PARTS) -> dict:
    """Generate (or reuse), import and label ``n_studies`` demo studies (of ``body_parts``,
    default all seven); returns a summary
    ``{"studies", "images", "labelled", "report_only", "seconds", "workspace", ...}``."""
    from core.importing import import_paths

    started = time.perf_counter()
    body_parts = check_body_parts(body_parts)
    scope = scope_of(body_parts)
    folder = workspace.demo_dir / (f"seed{seed}-{scope}" if scope else f"seed{seed}")
    manifest = read_manifest(folder)
    generated = not _matches(manifest, n_studies, seed, body_parts)
    if generated:
        manifest = generate_demo_files(folder, n_studies, seed, progress=_stage(progress, "Drawing demo studies", 0, 70),
                                       body_parts=body_parts)
    # The patient folders only: ground_truth.csv is not a reports CSV, and the
    # reports are added below with origin "demo".
    patient_dirs = sorted(p for p in folder.iterdir() if p.is_dir())
    result = import_paths(patient_dirs, workspace, progress=_stage(progress, "Importing demo studies", 70, 25))
    labelled = report_only = added_labels = 0
    with workspace.connect() as store:
        with store.transaction():
            for study in manifest:
                study_id = store.find_study(study.study_uid)
                if study_id is None:
                    continue
                store.add_report(study_id, study.report, origin="demo")
                if study.label_withheld:
                    report_only += 1
                else:
                    labelled += 1
                    if not any(r["source"] == "import" and r["author"] == DEMO_AUTHOR and r["task"] == "fracture"
                               for r in store.label_history(study_id)):
                        store.add_label(study_id, "fracture", "positive" if study.fracture else "negative",
                                        source="import", author=DEMO_AUTHOR)
                        added_labels += 1
                if study.fracture and study.difficulty and \
                        store.current_difficulty(study_id, source="ground_truth") is None:
                    store.add_difficulty(study_id, study.difficulty, author=DEMO_AUTHOR, source="ground_truth")
    if progress:
        progress(100, 100, "Demo workspace ready")
    return {
        "studies": len(manifest),
        "images": sum(len(s.image_paths) for s in manifest),
        "labelled": labelled,
        "report_only": report_only,
        "seconds": round(time.perf_counter() - started, 2),
        "workspace": str(workspace.path),
        "folder": str(folder),
        "generated": generated,
        "imported": result.imported,
        "skipped": result.skipped,
        "rejected": [{"path": r.path, "reason": r.reason} for r in result.rejected],
        "labels_added": added_labels,
    }
