"""Mutants of pydicom's bundled files through render's decode and import's probe: every outcome is an image or
the project's one-sentence error; no crash, no hang, peak memory < 1 GB (issue 14, "Keep it proven")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_corpus(tmp_path: Path, n: int, seed: int, timeout: float) -> list[dict]:
    out = tmp_path / "outcomes.jsonl"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    try:
        done = subprocess.run([sys.executable, "-m", "tests.security.run_mutants", str(n), str(seed),
                               str(tmp_path / "work"), str(out)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        lines = out.read_text().splitlines() if out.exists() else []
        last = json.loads(lines[-1]) if lines else {}
        pytest.fail(f"hang: stopped at {last.get('start', last)}")
    lines = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    if done.returncode != 0:
        last = lines[-1] if lines else {}
        pytest.fail(f"the decoder process died (exit {done.returncode}) at {last.get('start', last)}: "
                    f"{done.stderr[-2000:]}")
    return lines


def _check(lines: list[dict], n: int) -> dict:
    outcomes = [o for o in lines if "name" in o]
    summary = lines[-1]
    assert summary.get("done") == n and len(outcomes) == n
    bugs = [o for o in outcomes if o["render"].startswith("BUG")]
    assert bugs == [], bugs[:5]
    not_one_sentence = [o["name"] for o in outcomes if not (o.get("one_sentence", True) and o["import_reason_ok"])]
    assert not_one_sentence == [], not_one_sentence[:5]
    # Each process's own peak (run_mutants.py says why not ru_maxrss): the decoding process and the GDCM child.
    assert summary["peak_rss_mb"] < 1024 and summary["decoder_peak_rss_mb"] < 1024, summary
    counts = {"render_ok": sum(o["render"] == "ok" for o in outcomes),
              "render_refused": sum(o["render"] == "refused" for o in outcomes),
              "import_refused": sum(o["import"] == "refused" for o in outcomes)}
    # The corpus really is hostile and really is decodable in part: both outcomes occur.
    assert counts["render_ok"] > n // 20 and counts["render_refused"] > n // 5, counts
    return counts


# Defects these tests found in the full suite run of 2026-12-02, both fixed:
# - seed 1414 killed the decoding process through a GDCM C++ exception (abort, exit -6) on a mutant of
#   SC_rgb_jpeg_gdcm.dcm with Bits Stored 7: GDCM now decodes in a child process (core/dicom/isolated_decode.py);
# - seed 14 "peaked at 1,683 MB": ru_maxrss inherited from the pytest process that started the corpus
#   (tests/security/run_mutants.py); the corpus's own peak is about 110 MB.


def test_a_thousand_mutants_render_or_are_refused_with_one_sentence(tmp_path):
    n = 1000
    counts = _check(run_corpus(tmp_path, n, seed=14, timeout=540), n)
    print(f"mutants: {n}, {counts}")


@pytest.mark.slow
@pytest.mark.timeout(3000)
def test_five_thousand_more_mutants(tmp_path):
    n = 5000
    _check(run_corpus(tmp_path, n, seed=1414, timeout=3000), n)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the inheritance is Linux's")
def test_the_peak_is_the_corpus_own_not_the_process_that_started_it(tmp_path):
    """The seed-14 "1,683 MB": a corpus started from a process that had once held 400 MB reported >= 400 MB."""
    out = tmp_path / "outcomes.jsonl"
    starter = ("import subprocess, sys, numpy as np\n"
               "held = np.ones(400 * 2**20 // 8)\n"   # 400 MB touched, then the corpus starts
               "sys.exit(subprocess.run([sys.executable, '-m', 'tests.security.run_mutants', '13', '14', "
               "sys.argv[1], sys.argv[2]]).returncode)\n")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", starter, str(tmp_path / "work"), str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-1000:]
    summary = json.loads(out.read_text().splitlines()[-1])
    assert summary["ru_maxrss_mb"] >= 400          # the inherited figure the old check read
    assert summary["peak_rss_mb"] < 300, summary   # the corpus's own
