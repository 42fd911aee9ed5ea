"""The stated back-off feature is used or left out as the training labels say (core.reports.inner_cv)."""

import numpy as np
import pytest

from core.reports.evaluation import cross_validate, fold_splits
from core.reports.labeller import ReportLabeller


def collection(probable_is_fracture: bool, probable: int = 8):
    """Affirmed and old fractures (positive), denied ones (negative) and a few probable ones, whose
    label is what a collection decides."""
    texts, y = [], []
    for i in range(40):
        texts.append(f"Displaced fracture of the left {['radius', 'ulna', 'clavicle', 'femur'][i % 4]}. Heart size normal.")
        texts.append(f"Old healed fracture of the right {['rib', 'clavicle'][i % 2]}. Lungs are clear.")
        y += [1, 1]
    for i in range(120):
        texts.append(f"No acute fracture. {['Normal heart.', 'Clear lungs.', 'No effusion.'][i % 3]}")
        y.append(0)
    for i in range(probable):
        texts.append(f"Probable fracture of the {['left', 'right'][i % 2]} {['rib', 'scaphoid'][i % 2]}. Normal heart.")
        y.append(int(probable_is_fracture))
    return texts, np.array(y)


@pytest.mark.parametrize("probable_is_fracture", [True, False])
def test_the_back_off_is_kept_where_the_labels_count_a_probable_fracture_and_left_out_where_not(probable_is_fracture):
    texts, y = collection(probable_is_fracture)
    labeller = ReportLabeller()
    X = labeller.fit_vectorizer(labeller.prepare(texts))
    assert len(labeller.back_off_columns) > 0 and labeller.back_off is None
    inner = labeller.choose_back_off(X, y)
    assert labeller.back_off is probable_is_fracture
    assert inner is not None and inner.shape == y.shape


def test_a_labeller_without_the_back_off_gives_it_no_weight():
    texts, y = collection(False)
    labeller = ReportLabeller()
    docs = labeller.prepare(texts)
    X = labeller.fit_vectorizer(docs)
    model = labeller.with_back_off(False).fit_matrix(X, y)
    assert not model.classifier.coef_[0][labeller.back_off_columns].any()
    with_it = labeller.with_back_off(True).fit_matrix(X, y)
    assert with_it.classifier.coef_[0][labeller.back_off_columns].any()


def test_each_fold_chooses_on_its_own_training_reports_and_fitting_chooses_too():
    texts, y = collection(True)
    labeller = ReportLabeller()
    docs = labeller.prepare(texts)
    cv = cross_validate(labeller, docs, y, fold_splits(y, 3, seed=0), target_precision=0.9, inner_folds=3)
    assert all(m.back_off is not None for m in cv.models)
    assert cv.back_off == (2 * sum(m.back_off for m in cv.models) >= 3)
    # a choice made already (by the folds) is kept, not made again
    assert ReportLabeller().fit_prepared(docs, y, back_off=False).back_off is False
    fitted = ReportLabeller().fit(texts, y)
    assert fitted.back_off is True
    baseline = ReportLabeller(features="baseline").fit(texts, y)
    assert baseline.back_off is True and len(baseline.back_off_columns) == 0
