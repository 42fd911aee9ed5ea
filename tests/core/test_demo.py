"""The synthetic demo generator: determinism, DICOM tags, ground truth, reports, fractures."""

from __future__ import annotations

import csv
import filecmp
import re
from collections import Counter, defaultdict
from dataclasses import replace

import numpy as np
import pydicom
import pytest
from pydicom.uid import UID, ExplicitVRLittleEndian

from core.demo.anatomy import BODY_PART_EXAMINED, BODY_PARTS
from core.demo.generate import GROUND_TRUTH_COLUMNS, generate_demo_files, read_manifest, render_study
from core.demo.plan import plan_studies
from core.demo.render import attenuation, render_view

N = 36
SEED = 5


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "seed5"
    return root, generate_demo_files(root, N, SEED, workers=1)


@pytest.fixture(scope="module")
def headers(demo):
    root, manifest = demo
    return {p: pydicom.dcmread(p) for s in manifest for p in s.image_paths}


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_same_seed_gives_identical_bytes_and_manifest(tmp_path):
    """Also with worker processes: each study depends only on (seed, index)."""
    a = generate_demo_files(tmp_path / "a", 5, 11, workers=1)
    b = generate_demo_files(tmp_path / "b", 5, 11, workers=2)
    files = _files(tmp_path / "a")
    assert files == _files(tmp_path / "b") and len(files) >= 5 * 2 + 3
    for rel in files:
        assert filecmp.cmp(tmp_path / "a" / rel, tmp_path / "b" / rel, shallow=False), rel
    assert [s.study_uid for s in a] == [s.study_uid for s in b]
    assert read_manifest(tmp_path / "a").to_json(tmp_path / "a") == a.to_json(tmp_path / "a")


def test_different_seed_gives_different_studies(tmp_path):
    a = generate_demo_files(tmp_path / "a", 4, 1, workers=1)
    b = generate_demo_files(tmp_path / "b", 4, 2, workers=1)
    assert not {s.study_uid for s in a} & {s.study_uid for s in b}
    pa = pydicom.dcmread(a.studies[0].image_paths[0]).PixelData
    pb = pydicom.dcmread(b.studies[0].image_paths[0]).PixelData
    assert pa != pb


def test_body_parts_narrow_the_draw_and_the_full_set_is_unchanged():
    assert plan_studies(5, 0, BODY_PARTS) == plan_studies(5, 0)
    wrists = plan_studies(12, 0, ("wrist",))
    assert {p.body_part for p in wrists} == {"wrist"}
    assert not {p.study_uid for p in wrists} & {p.study_uid for p in plan_studies(12, 0)}
    with pytest.raises(Exception, match="knee"):
        plan_studies(2, 0, ("knee",))


def test_smaller_set_is_a_prefix_of_a_larger_one():
    small, large = plan_studies(8, 3), plan_studies(20, 3)
    assert small == large[:8]


def test_regenerating_fewer_studies_removes_the_extra_files(tmp_path):
    generate_demo_files(tmp_path, 6, 4, workers=1)
    manifest = generate_demo_files(tmp_path, 3, 4, workers=1)
    assert sorted(tmp_path.rglob("*.dcm")) == sorted(p for s in manifest for p in s.image_paths)


def test_files_are_valid_cr_images_with_the_expected_tags(demo, headers):
    _, manifest = demo
    truth = {s.study_uid: s for s in manifest}
    photometric, bits = set(), set()
    for path, ds in headers.items():
        study = truth[ds.StudyInstanceUID]
        assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
        assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.1"  # CR Image Storage
        for uid in (ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID):
            assert UID(uid).is_valid
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert 10 <= ds.BitsStored <= 16 and ds.HighBit == ds.BitsStored - 1 and ds.BitsAllocated == 16
        assert ds.PhotometricInterpretation in ("MONOCHROME1", "MONOCHROME2")
        photometric.add(ds.PhotometricInterpretation)
        bits.add(ds.BitsStored)
        assert float(ds.WindowWidth) > 0 and 0 < float(ds.WindowCenter) < 2 ** ds.BitsStored
        assert ds.BodyPartExamined == BODY_PART_EXAMINED[study.body_part]
        assert ds.ViewPosition in ("PA", "AP", "LAT", "OBL")
        assert ds.Laterality in ("L", "R")
        assert re.fullmatch(r"\d{3}[YM]", ds.PatientAge)
        assert ds.PatientSex in ("M", "F") and len(ds.PatientBirthDate) == 8 and len(ds.StudyDate) == 8
        assert ds.AccessionNumber == study.accession and ds.PatientID == study.patient_id
        assert ds.StudyDescription.startswith("XR ")
        pixels = ds.pixel_array
        assert pixels.dtype == np.uint16 and int(pixels.max()) < 2 ** ds.BitsStored
        assert 400 <= max(pixels.shape) <= 640
    assert photometric == {"MONOCHROME1", "MONOCHROME2"}
    assert len(bits) >= 2


def test_headers_do_not_leak_the_ground_truth(headers):
    for ds in headers.values():
        text = " ".join(str(e.value) for e in ds if e.VR in ("LO", "SH", "CS", "ST", "LT", "PN")).lower()
        assert "fracture" not in text and "easy" not in text and "difficult" not in text


def test_every_body_part_and_view_layout_is_present(demo):
    _, manifest = demo
    assert {s.body_part for s in manifest} == set(BODY_PARTS)
    for s in manifest:
        assert 2 <= len(s.image_paths) <= 3
        assert "LAT" in s.views and s.views[0] in ("PA", "AP")


def test_studies_group_images_and_patients_repeat(demo, headers):
    _, manifest = demo
    by_patient = defaultdict(list)
    for s in manifest:
        by_patient[s.patient_id].append(s)
        uids = {headers[p].StudyInstanceUID for p in s.image_paths}
        assert uids == {s.study_uid}
        assert len({headers[p].SOPInstanceUID for p in s.image_paths}) == len(s.image_paths)
    repeat = [studies for studies in by_patient.values() if len(studies) > 1]
    assert repeat, "some patients should have several studies"
    for studies in repeat:  # the same patient keeps the same sex and birth date
        heads = [headers[s.image_paths[0]] for s in studies]
        assert len({(h.PatientSex, h.PatientBirthDate) for h in heads}) == 1


def test_ground_truth_csv_and_reports_csv(demo):
    root, manifest = demo
    with open(root / "ground_truth.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0].keys()) == GROUND_TRUTH_COLUMNS
    assert [r["study_uid"] for r in rows] == [s.study_uid for s in manifest]
    for r, s in zip(rows, manifest):
        assert r["fracture"] == str(int(s.fracture)) and r["label_withheld"] == str(int(s.label_withheld))
        assert r["difficulty"] == (s.difficulty or "")
    with open(root / "reports.csv", newline="", encoding="utf-8") as f:
        reports = list(csv.DictReader(f))
    assert [(r["study_uid"], r["accession"], r["report"]) for r in reports] == \
        [(s.study_uid, s.accession, s.report) for s in manifest]


# ------------------------------------------------------------ label statistics
PLANS = plan_studies(600, 0)


def test_label_rates_withheld_third_and_difficulty_only_for_fractures():
    fractures = [p for p in PLANS if p.fracture]
    assert 0.35 < len(fractures) / len(PLANS) < 0.55
    assert 0.28 < sum(p.label_withheld for p in PLANS) / len(PLANS) < 0.39
    assert all(p.difficulty in ("easy", "difficult") for p in fractures)
    assert all(p.difficulty is None for p in PLANS if not p.fracture)
    counts = Counter(p.difficulty for p in fractures)
    assert counts["easy"] > counts["difficult"] > 0.2 * len(fractures)
    assert sum(p.age < 16 for p in PLANS) > 30


_HEDGE = re.compile(r"cannot exclude|cannot be excluded|possible|questionable|equivocal|suspicious|not excluded"
                    r"|may represent", re.I)
_NEG = re.compile(r"\bno (acute |evidence of |other |new )?(fracture|osseous|bony)|negative for fracture|intact|"
                  r"normal (radiographs|study)|not confirmed", re.I)
_POS = re.compile(r"(?<!no )(?<!no other )\b(fracture of the|fracture through the|fracture, )", re.I)


def _read(report: str) -> str:
    """A crude rule reader: 'hedged', 'positive' or 'negative'."""
    if _HEDGE.search(report):
        return "hedged"
    sentences = re.split(r"(?<=\.)\s+", report)
    if any(_POS.search(s) and not re.search(r"healed|old|remote|previously", s, re.I) for s in sentences):
        return "positive"
    return "negative" if _NEG.search(report) else "unclear"


def test_reports_agree_with_the_ground_truth_most_of_the_time():
    kinds = Counter(p.report_kind for p in PLANS)
    assert {"positive", "negative", "hedged", "mixed", "healed", "discordant"} <= set(kinds)
    readable = [(p, _read(p.report)) for p in PLANS]
    decided = [(p, r) for p, r in readable if r in ("positive", "negative")]
    agree = sum((r == "positive") == p.fracture for p, r in decided)
    assert agree / len(decided) > 0.9
    assert agree < len(decided), "a few reports disagree with the truth, as real ones do"
    hedged = [p for p, r in readable if r == "hedged"]
    assert 0.05 < len(hedged) / len(PLANS) < 0.3
    assert {p.fracture for p in hedged} == {True, False}  # ambiguous on purpose
    assert any("FINDINGS:" in p.report and "IMPRESSION:" in p.report for p in PLANS)
    assert any("XXXX" in p.report for p in PLANS)
    assert any("healed fracture" in p.report.lower() and not p.fracture for p in PLANS)


# ------------------------------------------------------------- image content
def _first(predicate):
    return next(p for p in PLANS if predicate(p))


def test_a_fracture_changes_the_film_only_locally():
    for difficulty in ("easy", "difficult"):
        plan = _first(lambda p: p.difficulty == difficulty and all(p.visible_in))
        view = plan.views[0]
        with_fx, _, _ = render_view(view, with_fracture=True)
        without, _, _ = render_view(view, with_fracture=False)
        changed = with_fx != without
        assert changed.any(), difficulty
        ys, xs = np.nonzero(changed)
        box = (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)
        assert box < 0.3 * changed.size, difficulty
        # the line is lucent: less bone along it
        no_swelling = replace(view, fracture=replace(view.fracture, swelling=0.0))
        line = attenuation(no_swelling, True) - attenuation(no_swelling, False)
        assert line.min() < -0.03, difficulty
        # swelling only adds soft tissue
        swelling = attenuation(view, True) - attenuation(no_swelling, True)
        assert swelling.min() >= 0 and (swelling.max() > 0) == (view.fracture.swelling > 0)


def test_a_hidden_view_of_a_subtle_fracture_is_a_normal_film():
    plan = _first(lambda p: p.fracture and not all(p.visible_in))
    hidden = plan.visible_in.index(False)
    with_fx = render_study(plan, with_fracture=True)[hidden][0]
    without = render_study(plan, with_fracture=False)[hidden][0]
    np.testing.assert_array_equal(with_fx, without)


def test_growth_plates_only_in_children():
    child = _first(lambda p: 12 <= p.age < 16 and not p.fracture and p.body_part in ("forearm", "hand"))
    view = child.views[0]
    as_child = attenuation(view)
    as_adult = attenuation(replace(view, age=30.0))
    assert not np.array_equal(as_child, as_adult)
    assert (as_child - as_adult).max() <= 1e-4  # open physes only remove bone (lucent bands)
    older = attenuation(replace(view, age=45.0))
    np.testing.assert_array_equal(as_adult, older)  # adults: no band at any age


def test_side_marker_and_photometric_inversion():
    plan = _first(lambda p: not p.fracture)
    view = plan.views[0]
    m2, c2, w2 = render_view(replace(view, monochrome1=False))
    m1, c1, w1 = render_view(replace(view, monochrome1=True))
    top = (1 << view.bits_stored) - 1
    np.testing.assert_array_equal(m1.astype(int), top - m2.astype(int))
    assert abs((c1 + c2) - top) < 0.06 * top and w1 == pytest.approx(w2)
    other_side = render_view(replace(view, side="L" if view.side == "R" else "R"))[0]
    assert not np.array_equal(other_side, m2)


# ------------------------------------------------- radiographic appearance
def _fine_detail(image: np.ndarray) -> np.ndarray:
    """What is left after removing everything broader than a few pixels."""
    import cv2

    return image - cv2.GaussianBlur(image, (0, 0), 3.0)


def test_bone_ends_carry_trabecular_texture_and_shafts_stay_smooth(monkeypatch):
    """Cancellous bone ends show a strut texture; the shaft's fatty marrow does not; without
    the texture the same end is smooth (so the texture is what the test sees)."""
    from core.demo import render

    plan = _first(lambda p: p.body_part == "wrist" and not p.fracture and p.age >= 16)
    view = replace(plan.views[0], angle_deg=0.0, shift=(0.0, 0.0), zoom=1.0, processing=None)
    anatomy, fov = render.anatomy_for(view.body_part, view.view, view.age)
    radius = next(b for b in anatomy.bones if b.key == "radius")
    canvas = render._Canvas(view, fov)
    x_end, y_end = canvas.to_pixel((radius.p1[0], radius.p1[1] + 0.8 * radius.radius))    # inside the distal end
    x_mid, y_mid = canvas.to_pixel((radius.p1[0], radius.p1[1] + 4 * radius.radius))      # shaft, towards p0
    r = int(0.5 * radius.radius * canvas.scale)

    def roughness(image, x, y):
        return float(_fine_detail(image)[int(y) - r:int(y) + r, int(x) - r:int(x) + r].std())

    textured = attenuation(view)
    monkeypatch.setattr(render, "sample_texture", lambda along, *a, **k: np.zeros_like(along))
    smooth = attenuation(view)
    assert roughness(textured, x_end, y_end) > 3 * roughness(smooth, x_end, y_end)
    assert roughness(textured, x_end, y_end) > 2 * roughness(textured, x_mid, y_mid)


def test_parts_of_one_bone_merge_instead_of_adding_up():
    from core.demo import render
    from core.demo.anatomy import Bone

    view = PLANS[0].views[0]
    _, fov = render.anatomy_for(view.body_part, view.view, view.age)
    canvas = render._Canvas(view, fov, step=2)
    a = Bone("a", (0.0, fov.center[1] - 0.05), (0.0, fov.center[1] + 0.05), 0.03, group="one")
    b = Bone("b", (-0.02, fov.center[1]), (0.05, fov.center[1]), 0.03, group="one")
    merged = np.zeros((canvas.h, canvas.w), np.float32)
    render._bones_into(canvas, merged, [a, b], child=False, texel=0.001)
    summed = np.zeros_like(merged)
    render._bones_into(canvas, summed, [replace(a, group=""), replace(b, group="")], child=False, texel=0.001)
    parts = []
    for bone in (a, b):
        alone = np.zeros_like(merged)
        render._bones_into(canvas, alone, [bone], child=False, texel=0.001)
        parts.append(alone)
    assert summed.max() > 1.3 * merged.max()                      # the overlap no longer doubles
    np.testing.assert_allclose(merged, np.maximum(*parts), atol=1e-6)   # a union of the parts


def test_reader_processing_sharpens_detail_and_keeps_the_fracture_local():
    from core.demo.render import processed_attenuation

    plan = _first(lambda p: p.difficulty == "easy" and all(p.visible_in))
    view = plan.views[0]
    raw = attenuation(view)
    processed = processed_attenuation(view)
    np.testing.assert_array_equal(processed_attenuation(replace(view, processing=None)), raw)
    gain = view.processing[0]
    assert _fine_detail(processed).std() > (1 + 0.8 * gain) * _fine_detail(raw).std()
    # 1e-3 is under a quarter of the smallest stored-value step (10 bits): tails of the
    # processing's background that no file can record.
    changed = np.abs(processed_attenuation(view, True) - processed_attenuation(view, False)) > 1e-3
    ys, xs = np.nonzero(changed)
    assert (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1) < 0.3 * changed.size


def test_childrens_incomplete_fractures_buckle_outwards():
    plans = plan_studies(1500, 0)
    buckles = [p for p in plans if p.fracture and p.views[0].fracture is not None
               and p.views[0].fracture.line.buckle > 0]
    assert buckles and all(p.age < 16 and p.views[0].fracture.line.incomplete for p in buckles)
    assert not any(p.age >= 16 for p in buckles)
    view = max(buckles, key=lambda p: p.severity).views[0]
    flat = replace(view, fracture=replace(view.fracture, swelling=0.0,
                                          line=replace(view.fracture.line, buckle=0.0)))
    bulged = replace(flat, fracture=replace(flat.fracture, line=replace(flat.fracture.line, buckle=1.0)))
    gained = attenuation(bulged) - attenuation(flat)
    # The cortex bulges: bone appears where the straight cortex had none (positive change).
    assert gained.max() > 0.1
