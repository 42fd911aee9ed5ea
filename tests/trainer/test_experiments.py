"""The bench's judging helpers (trainer.experiments): per-grade AUC and the table's columns."""

from __future__ import annotations

from trainer.experiments import judged, table_html

# Easy fractures scored above every normal study, difficult ones below all but one.
ROWS = ([{"y": 0, "p": p, "difficulty": ""} for p in (0.1, 0.2, 0.3, 0.4)]
        + [{"y": 1, "p": p, "difficulty": "easy"} for p in (0.8, 0.9)]
        + [{"y": 1, "p": p, "difficulty": "difficult"} for p in (0.15, 0.05)])


def test_judged_by_grade_keeps_every_normal_study_and_only_that_grades_fractures():
    easy, difficult, every = (judged(ROWS, resamples=50, difficulty="easy"),
                              judged(ROWS, resamples=50, difficulty="difficult"), judged(ROWS, resamples=50))
    assert (easy["n"], easy["n_positive"], easy["auc"]) == (6, 2, 1.0)
    assert (difficult["n"], difficult["n_positive"]) == (6, 2)
    assert abs(difficult["auc"] - 1 / 8) < 1e-9          # 0.15 beats 0.1 only: 1 of 8 pairs
    assert abs(every["auc"] - (8 + 1) / 16) < 1e-9


def test_table_shows_the_body_parts_easy_and_difficult_columns():
    row = {"row": "WristNet", "chain": "random", "model_id": "m1", "val_auc": 0.7,
           "fresh": judged(ROWS, resamples=50), "fresh_easy": judged(ROWS, resamples=50, difficulty="easy"),
           "fresh_difficult": judged(ROWS, resamples=50, difficulty="difficult")}
    page = table_html([row], {"size": 128})
    assert "easy fractures (body part)" in page and "difficult (body part)" in page
    assert "1.000 (" in page and "0.125 (" in page
