"""Every random choice of a demo data set, made up front and deterministic by seed.

Study ``i`` draws from its own generator seeded with ``(seed, i)``, patients
from ``(seed, patient)``, so the first N studies of a larger set are exactly
the N studies of a smaller one, and rendering can run in any order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
from pydicom.uid import generate_uid

from core.demo.anatomy import BODY_PARTS, FRACTURE_SITES, FractureSite
from core.demo.projection import FractureLine
from core.demo.render import FracturePlan, ViewPlan
from core.demo.reports import choose_kind, write_report

FRACTURE_RATE = 0.45
WITHHELD_RATE = 1 / 3         # studies that carry only a report, as in the paper's data
REPEAT_PATIENT_RATE = 0.3
CHILD_RATE = 0.2
DIFFICULT_BELOW = 0.4         # severity under this is a subtle ("difficult") fracture
# The reader's detail enhancement (render.detector_processing) raises a lucent line's
# contrast in the display window; lines are this much shallower than in generator
# version 1 so fractures are no more visible than before (bench/demo_visibility.py).
RENDER_DEPTH = 0.42
FRONTAL = {"finger": "PA", "hand": "PA", "wrist": "PA", "forearm": "AP", "elbow": "AP", "humerus": "AP",
           "shoulder": "AP"}
_EPOCH = dt.date(2015, 1, 1)


@dataclass(frozen=True)
class PatientPlan:
    index: int
    patient_id: str
    sex: str
    birth_date: dt.date


@dataclass(frozen=True)
class StudyPlan:
    index: int
    study_uid: str
    series_uid: str
    accession: str
    patient: PatientPlan
    study_date: dt.date
    age: float
    body_part: str
    side: str
    fracture: bool
    severity: float | None
    difficulty: str | None
    site: FractureSite
    label_withheld: bool
    report_kind: str
    report: str
    views: tuple[ViewPlan, ...]
    sop_uids: tuple[str, ...]
    visible_in: tuple[bool, ...]  # whether the fracture shows on each view


def demo_uid(seed: int, *parts) -> str:
    """A valid, deterministic DICOM UID (pydicom's prefix + hash of the parts)."""
    return generate_uid(entropy_srcs=["radinet-demo", str(seed), *map(str, parts)])


def _patient(seed: int, k: int) -> PatientPlan:
    rng = np.random.default_rng([seed, 1, k])
    child = rng.random() < CHILD_RATE
    # Children are born late enough to be under 16 during 2015-2024.
    years = rng.uniform(2008, 2019) if child else rng.uniform(1935, 2003)
    birth = dt.date(int(years), 1, 1) + dt.timedelta(days=int((years % 1) * 365))
    return PatientPlan(k, f"DEMO{seed % 1000:03d}-{k:05d}", "F" if rng.random() < 0.5 else "M", birth)


def _fracture_line(rng: np.random.Generator, severity: float) -> FractureLine:
    if severity >= DIFFICULT_BELOW:  # obvious: a wide dark line, often displaced or angulated
        # Displacement and angulation must survive the model's downsampling (128-320 px),
        # as they do on real films of displaced fractures: a step or bend across the bone.
        displaced = rng.random() < 0.8
        return FractureLine(
            t=0.0, angle_deg=float(rng.uniform(-40, 40)), width=float(rng.uniform(2.0, 4.0)),
            depth=float(rng.uniform(0.8, 1.0)) * RENDER_DEPTH, shift=float(rng.uniform(0.4, 1.0)) * displaced,
            angulation_deg=float(rng.uniform(6, 18)) * (rng.random() < 0.6) * (1 if rng.random() < 0.5 else -1),
            incomplete=0 if rng.random() < 0.85 else int(rng.choice([-1, 1])))
    return FractureLine(  # subtle: thin and faint, undisplaced, often through one cortex only
        t=0.0, angle_deg=float(rng.uniform(-35, 35)), width=float(rng.uniform(1.0, 1.8)),
        depth=float(rng.uniform(0.45, 0.75)) * RENDER_DEPTH, incomplete=0 if rng.random() < 0.5 else int(rng.choice([-1, 1])))


def _view_plan(rng: np.random.Generator, study_rng_bits: dict, body_part: str, view: str, side: str,
               age: float, fracture: FracturePlan | None, noise_seed: int) -> ViewPlan:
    long_side = int(rng.integers(400, 641))
    if body_part == "shoulder":
        cols, rows = long_side, int(long_side / rng.uniform(1.12, 1.3))
    elif body_part == "elbow":
        rows, cols = long_side, int(long_side * rng.uniform(0.82, 1.0))
    else:
        rows, cols = long_side, int(long_side * rng.uniform(0.72, 0.85))
    coll = None
    if rng.random() < 0.35:
        coll = tuple(float(x) for x in rng.uniform(0.02, 0.08, 4))
    return ViewPlan(
        body_part=body_part, view=view, side=side, age=age, rows=rows, columns=cols,
        zoom=float(rng.uniform(0.88, 1.12)), angle_deg=float(rng.uniform(-12, 12)),
        shift=(float(rng.uniform(-0.05, 0.05)), float(rng.uniform(-0.05, 0.05))),
        monochrome1=study_rng_bits["monochrome1"], bits_stored=study_rng_bits["bits"],
        offset_frac=float(rng.uniform(0.02, 0.12)), signal_max=float(rng.uniform(2.6, 3.8)),
        noise=float(rng.uniform(0.008, 0.03)), blur_sigma=float(rng.uniform(0.35, 0.8)),
        gradient=(float(rng.uniform(-0.15, 0.15)), float(rng.uniform(-0.15, 0.15))),
        collimation=coll, marker_corner=int(rng.integers(4)),
        ring=study_rng_bits["ring"], cast=study_rng_bits["cast"], fracture=fracture,
        noise_seed=noise_seed, window_jitter=(float(rng.uniform(0.95, 1.05)), float(rng.uniform(0.9, 1.2))),
    )


def scope_of(body_parts: tuple[str, ...]) -> str:
    """"" for the full set of body parts, else the parts joined: part of UIDs and folder names,
    so demo sets of different body parts never share a study."""
    return "" if tuple(body_parts) == BODY_PARTS else "-".join(body_parts)


def check_body_parts(body_parts) -> tuple[str, ...]:
    parts = tuple(dict.fromkeys(p.strip().lower() for p in body_parts if p.strip()))
    unknown = [p for p in parts if p not in BODY_PARTS]
    if unknown or not parts:
        from core.errors import InputError

        raise InputError(f"The demo studies can show {', '.join(BODY_PARTS)}; not {', '.join(unknown) or 'nothing'}.")
    return tuple(p for p in BODY_PARTS if p in parts)  # canonical order: same set, same studies


def plan_study(seed: int, i: int, patient: PatientPlan, body_parts: tuple[str, ...] = BODY_PARTS) -> StudyPlan:
    rng = np.random.default_rng([seed, 0, i])
    body_part = body_parts[int(rng.integers(len(body_parts)))]
    scope = scope_of(body_parts)
    uid_parts = (scope,) if scope else ()
    side = "R" if rng.random() < 0.55 else "L"
    study_date = _EPOCH + dt.timedelta(days=int(rng.integers(0, 3650)))
    study_date = max(study_date, patient.birth_date + dt.timedelta(days=int(rng.integers(730, 1500))))
    age = (study_date - patient.birth_date).days / 365.25
    fracture = bool(rng.random() < FRACTURE_RATE)
    sites = FRACTURE_SITES[body_part]
    site = sites[int(rng.integers(len(sites)))]
    severity = difficulty = None
    frac_plan = None
    if fracture:
        severity = float(rng.random())
        difficulty = "difficult" if severity < DIFFICULT_BELOW else "easy"
        line = _fracture_line(rng, severity)
        t = float(rng.uniform(*site.t_range))
        # Obvious fractures usually come with soft-tissue swelling; subtle ones rarely.
        swelling = float(rng.uniform(0.3, 1.0) if difficulty == "easy" else rng.uniform(0.0, 0.35))
        if age < 16 and line.incomplete:
            # A child's incomplete fracture buckles (torus) rather than cracks: the cortex
            # bulges on one side and the lucent line is faint. No extra draw: the amount
            # follows the severity, so the difficulty mix is unchanged.
            line = replace(line, buckle=max(severity, 0.1), depth=line.depth * 0.5)
        frac_plan = FracturePlan(site.bone, replace(line, t=t), swelling)
    n_views = 3 if rng.random() < (0.3 if body_part in ("finger", "hand", "wrist") else 0.1) else 2
    views = [FRONTAL[body_part], "LAT", "OBL" if body_part in ("finger", "hand", "wrist") else FRONTAL[body_part]]
    visible = [True] * n_views
    if fracture and difficulty == "difficult" and rng.random() < 0.5:
        hidden = int(rng.integers(n_views))  # subtle fractures often show on one view only
        visible = [k != hidden for k in range(n_views)]
    bits = {
        "monochrome1": bool(rng.random() < 0.35),
        "bits": int(rng.choice([10, 12, 12, 14, 15, 16])),
        "ring": body_part in ("finger", "hand") and age >= 16 and rng.random() < 0.15,
        "cast": body_part in ("hand", "wrist", "forearm", "elbow") and rng.random() < (0.1 if fracture else 0.04),
    }
    view_plans = tuple(
        _view_plan(rng, bits, body_part, views[k], side, age, frac_plan if visible[k] else None,
                   noise_seed=int(rng.integers(0, 2**31 - 1)))
        for k in range(n_views))
    # The reader's processing comes from its own generator, so adding it left every
    # other draw of the study (labels, reports, geometry, fracture) as it was.
    reader = np.random.default_rng([seed, 3, i])
    view_plans = tuple(replace(v, processing=(float(reader.uniform(0.2, 0.5)), float(reader.uniform(0.1, 0.3)),
                                              float(reader.uniform(0.03, 0.05)))) for v in view_plans)
    withheld = bool(rng.random() < WITHHELD_RATE)
    kind = choose_kind(rng, fracture, difficulty)
    report = write_report(rng, kind=kind, fracture=fracture, site=site.phrase, body_part=body_part,
                          views=n_views, side=side, child=age < 16)
    return StudyPlan(
        index=i, study_uid=demo_uid(seed, *uid_parts, "study", i), series_uid=demo_uid(seed, *uid_parts, "series", i),
        accession=f"D{seed % 1000:03d}{i:07d}", patient=patient, study_date=study_date, age=age,
        body_part=body_part, side=side, fracture=fracture, severity=severity, difficulty=difficulty, site=site,
        label_withheld=withheld, report_kind=kind, report=report, views=view_plans,
        sop_uids=tuple(demo_uid(seed, *uid_parts, "image", i, k) for k in range(n_views)), visible_in=tuple(visible))


def plan_studies(n_studies: int, seed: int, body_parts: tuple[str, ...] = BODY_PARTS) -> list[StudyPlan]:
    """Plans of ``n_studies`` studies; some patients come back for several studies.

    ``body_parts`` narrows the studies to some body parts (as a clinic that
    reads only wrists would have); the full set draws exactly as before."""
    body_parts = check_body_parts(body_parts)
    patients: list[PatientPlan] = []
    plans = []
    for i in range(n_studies):
        pick = np.random.default_rng([seed, 2, i])
        if patients and pick.random() < REPEAT_PATIENT_RATE:
            patient = patients[int(pick.integers(len(patients)))]
        else:
            patient = _patient(seed, len(patients))
            patients.append(patient)
        plans.append(plan_study(seed, i, patient, body_parts))
    return plans
