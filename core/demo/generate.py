"""Generate a synthetic demo data set: DICOM films, reports CSV, ground truth CSV.

    out_dir/<PatientID>/<AccessionNumber>/IM<k>_<VIEW>.dcm
    out_dir/reports.csv        study_uid, accession, report
    out_dir/ground_truth.csv   study_uid, body_part, fracture, difficulty, label_withheld, ...
    out_dir/manifest.json      the seed, the count and every study (written last)

Same seed -> byte-identical files and the same manifest.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.atomic_file import atomic_write
from core.demo.dicom_out import write_study
from core.demo.anatomy import BODY_PARTS
from core.demo.plan import StudyPlan, check_body_parts, plan_studies
from core.demo.render import render_view
from core.errors import describe_os_error

GENERATOR_VERSION = 2   # bump when the same seed would draw different films
MANIFEST = "manifest.json"
GROUND_TRUTH_COLUMNS = ("study_uid", "body_part", "fracture", "difficulty", "label_withheld",
                        "accession", "patient_id", "patient_age", "report_kind", "fracture_site")

PARALLEL_FROM = 100   # below this, starting worker processes (about a second each) costs more than it saves
MAX_WORKERS = 8
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DemoStudy:
    study_uid: str
    accession: str
    patient_id: str
    body_part: str
    fracture: bool
    difficulty: str | None          # easy | difficult for fractures, None otherwise
    report: str
    label_withheld: bool
    image_paths: tuple[Path, ...]
    patient_age: float = 0.0
    report_kind: str = ""
    fracture_site: str = ""
    views: tuple[str, ...] = ()


@dataclass
class DemoManifest:
    seed: int
    n_studies: int
    studies: list[DemoStudy] = field(default_factory=list)
    version: int = GENERATOR_VERSION
    body_parts: tuple[str, ...] = BODY_PARTS

    def __iter__(self):
        return iter(self.studies)

    def __len__(self) -> int:
        return len(self.studies)

    def __getitem__(self, index):
        return self.studies[index]

    def to_json(self, root: Path) -> dict:
        return {
            "generator": "radinet-demo", "version": self.version, "seed": self.seed, "n_studies": self.n_studies,
            "body_parts": list(self.body_parts),
            "studies": [
                {**{k: getattr(s, k) for k in ("study_uid", "accession", "patient_id", "body_part", "fracture",
                                                "difficulty", "report", "label_withheld", "report_kind",
                                                "fracture_site")},
                 "patient_age": round(s.patient_age, 2), "views": list(s.views),
                 "image_paths": [p.relative_to(root).as_posix() for p in s.image_paths]}
                for s in self.studies],
        }

    @classmethod
    def from_json(cls, data: dict, root: Path) -> "DemoManifest":
        studies = [DemoStudy(**{**s, "image_paths": tuple(root / p for p in s["image_paths"]),
                                "views": tuple(s["views"])}) for s in data["studies"]]
        return cls(seed=data["seed"], n_studies=data["n_studies"], studies=studies, version=data["version"],
                   body_parts=tuple(data.get("body_parts", BODY_PARTS)))


def demo_study(plan: StudyPlan, paths: list[Path]) -> DemoStudy:
    return DemoStudy(
        study_uid=plan.study_uid, accession=plan.accession, patient_id=plan.patient.patient_id,
        body_part=plan.body_part, fracture=plan.fracture, difficulty=plan.difficulty, report=plan.report,
        label_withheld=plan.label_withheld, image_paths=tuple(paths), patient_age=plan.age,
        report_kind=plan.report_kind, fracture_site=plan.site.phrase if plan.fracture else "",
        views=tuple(v.view for v in plan.views))


def render_study(plan: StudyPlan, with_fracture: bool = True):
    """Stored pixels, window centre and width of every film of a study."""
    return [render_view(view, with_fracture) for view in plan.views]


def read_manifest(out_dir: str | os.PathLike) -> DemoManifest | None:
    """The manifest of a finished generation in ``out_dir``, or None."""
    root = Path(out_dir)
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        return DemoManifest.from_json(data, root)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_csvs(root: Path, manifest: DemoManifest) -> None:
    with open(root / "reports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["study_uid", "accession", "report"])
        for s in manifest:
            w.writerow([s.study_uid, s.accession, s.report])
    with open(root / "ground_truth.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(GROUND_TRUTH_COLUMNS)
        for s in manifest:
            w.writerow([s.study_uid, s.body_part, int(s.fracture), s.difficulty or "", int(s.label_withheld),
                        s.accession, s.patient_id, f"{s.patient_age:.1f}", s.report_kind, s.fracture_site])


def _remove_stale(root: Path, old: DemoManifest | None, keep: set[Path]) -> None:
    """Delete films of an earlier, larger generation in the same folder (only files we wrote)."""
    if old is None:
        return
    for study in old:
        for path in study.image_paths:
            if path not in keep and path.is_file():
                path.unlink()


def _make_study(job: tuple[StudyPlan, Path]) -> DemoStudy:
    """Render and write one study (runs in a worker process for large sets)."""
    plan, root = job
    folder = root / plan.patient.patient_id / plan.accession
    return demo_study(plan, write_study(plan, render_study(plan), folder))


def _default_workers(n_studies: int) -> int:
    # A frozen (PyInstaller) app would re-launch itself in each spawned worker
    # unless main calls multiprocessing.freeze_support(); stay in-process there.
    if n_studies < PARALLEL_FROM or getattr(sys, "frozen", False):
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _studies(jobs: list, workers: int):
    if workers <= 1:
        yield from map(_make_study, jobs)
        return
    # spawn, not fork: the GUI calls this from a QThread, and forking a threaded process can deadlock.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        yield from pool.map(_make_study, jobs, chunksize=max(1, min(16, len(jobs) // (workers * 4))))


def generate_demo_files(out_dir: str | os.PathLike, n_studies: int, seed: int,
                        progress: Progress | None = None, workers: int | None = None,
                        body_parts: tuple[str, ...] = BODY_PARTS) -> DemoManifest:
    """Write ``n_studies`` synthetic studies into ``out_dir`` and return their manifest.

    Each study depends only on (seed, index), so the files are identical
    whatever ``workers`` is (None: one process per core for large sets).
    """
    root = Path(out_dir).absolute()
    try:
        root.mkdir(parents=True, exist_ok=True)
        old = read_manifest(root)
        (root / MANIFEST).unlink(missing_ok=True)   # a half-written folder never looks finished
        body_parts = check_body_parts(body_parts)
        manifest = DemoManifest(seed=seed, n_studies=n_studies, body_parts=body_parts)
        jobs = [(plan, root) for plan in plan_studies(n_studies, seed, body_parts)]
        for study in _studies(jobs, _default_workers(n_studies) if workers is None else workers):
            manifest.studies.append(study)
            if progress:
                progress(len(manifest.studies), n_studies, "demo studies")
        _remove_stale(root, old, {p for s in manifest for p in s.image_paths})
        _write_csvs(root, manifest)
        atomic_write(root / MANIFEST, json.dumps(manifest.to_json(root), indent=1).encode("utf-8"),
                     f"writing the demo studies into {root}")
    except OSError as err:
        raise describe_os_error(err, f"writing the demo studies into {root}") from err
    return manifest
