"""How a label is chosen from the probabilities: ``decide`` and the ``decision`` parameter."""

from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from maladmin_nlp import ComplaintClassifier, load_model, save_model
from maladmin_nlp.compact import CompactModel
from maladmin_nlp.datasets import load_corpus
from maladmin_nlp.persistence import compact_path
from maladmin_nlp.prediction import decide
from maladmin_nlp.taxonomy import NOT_MALADMINISTRATION

RULES = ("maladministration_first", "argmax")
CLASSES = ["berpihak", NOT_MALADMINISTRATION, "penundaan_berlarut", "tidak_patut"]
NOT = CLASSES.index(NOT_MALADMINISTRATION)


@pytest.mark.parametrize(
    ("row", "first", "argmax"),
    [
        ([0.10, 0.45, 0.30, 0.15], 2, 1),  # bukan most probable but under half: the best form
        ([0.05, 0.50, 0.30, 0.15], 1, 1),  # exactly half: bukan
        ([0.05, 0.70, 0.20, 0.05], 1, 1),
        ([0.30, 0.20, 0.40, 0.10], 2, 2),  # a form is most probable: both agree
        ([0.26, 0.48, 0.00, 0.26], 0, 1),  # tie between forms: the first, as argmax would
        ([0.25, 0.25, 0.25, 0.25], 0, 0),
    ],
)
def test_decide_on_hand_made_rows(row, first, argmax):
    proba = np.array([row])
    assert decide(proba, CLASSES).tolist() == [first]
    assert decide(proba, CLASSES, "maladministration_first").tolist() == [first]
    assert decide(proba, CLASSES, "argmax").tolist() == [argmax]


def test_without_a_bukan_class_both_decisions_are_argmax():
    proba = np.array([[0.4, 0.35, 0.25], [0.1, 0.2, 0.7]])
    classes = ["a", "b", "c"]
    for decision in RULES:
        assert decide(proba, classes, decision).tolist() == [0, 2]


@pytest.mark.parametrize("decision", ["max", "auto"])
def test_an_unknown_rule_is_refused_with_the_choices(decision):
    # "auto" is a model's setting, resolved by its calibration; decide() takes a rule
    with pytest.raises(ValueError, match=f"'maladministration_first', 'argmax'.*'{decision}'"):
        decide(np.ones((1, 4)) / 4, CLASSES, decision)


_rows = arrays(np.float64, st.tuples(st.integers(1, 20), st.just(len(CLASSES))),
               elements=st.floats(0, 1, allow_nan=False, width=32)).filter(
    lambda a: bool((a.sum(axis=1) > 1e-6).all())).map(lambda a: a / a.sum(axis=1, keepdims=True))


@settings(max_examples=300, deadline=None)
@given(_rows)
def test_decide_answers_is_it_maladministration_first(proba):
    chosen = decide(proba, CLASSES)
    best = proba.argmax(axis=1)
    is_not = proba[:, NOT] >= 0.5 * proba.sum(axis=1)
    # bukan exactly when it holds at least half of the probability ...
    assert ((chosen == NOT) == is_not).all()
    # ... otherwise the most probable form, which is argmax unless argmax was bukan
    forms = proba.copy()
    forms[:, NOT] = -1
    np.testing.assert_array_equal(chosen[~is_not], forms.argmax(axis=1)[~is_not])
    agree = (best != NOT) & ~is_not | (best == NOT) & is_not
    np.testing.assert_array_equal(chosen[agree], best[agree])


# -- on fitted models -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted():
    corpus = load_corpus()
    keep = range(0, len(corpus), 5)
    texts = [corpus.texts[i] for i in keep]
    labels = [corpus.labels[i] for i in keep]
    return ComplaintClassifier(calibration_cv=3).fit(texts, labels), texts


@pytest.fixture(scope="module")
def passed_over(fitted):
    """Texts of the corpus where bukan is the most probable label with less than half the mass."""
    clf, _ = fitted
    corpus = load_corpus()
    texts = corpus.texts[1::5]
    proba = clf.predict_proba(texts)
    k = list(clf.classes_).index(NOT_MALADMINISTRATION)
    rows = np.flatnonzero((proba.argmax(axis=1) == k) & (proba[:, k] < 0.5))
    assert len(rows) >= 3, "the fixture needs a few texts where the two decisions differ"
    return [texts[i] for i in rows]


@pytest.mark.parametrize(("calibration", "rule"), [("sigmoid", "maladministration_first"),
                                                  ("isotonic", "maladministration_first"), (None, "argmax")])
def test_auto_takes_maladministration_first_only_for_calibrated_probabilities(calibration, rule):
    clf = ComplaintClassifier(calibration=calibration)
    assert clf.decision == "auto" and clf.decision_rule() == rule
    assert ComplaintClassifier(calibration=calibration, decision="argmax").decision_rule() == "argmax"


def test_an_uncalibrated_model_labels_with_argmax_and_its_compact_form_too(fitted):
    _, texts = fitted
    raw = ComplaintClassifier(calibration=None).fit(texts, load_corpus().labels[::5])
    compact = CompactModel.from_estimator(raw)
    assert compact.decision == "auto" and compact.decision_rule() == "argmax"
    sample = texts[::4]
    expected = raw.classes_[raw.predict_proba(sample).argmax(axis=1)]
    np.testing.assert_array_equal(raw.predict(sample), expected)
    np.testing.assert_array_equal(compact.predict(sample), expected)


def test_predict_follows_the_decision_parameter(fitted, passed_over):
    clf, texts = fitted
    sample = texts[::9] + passed_over
    proba = clf.predict_proba(sample)
    for decision in RULES:
        clf.set_params(decision=decision)
        try:
            expected = clf.classes_[decide(proba, clf.classes_, decision)]
            np.testing.assert_array_equal(clf.predict(sample), expected)
            assert [p.label for p in clf.classify(sample)] == expected.tolist()
        finally:
            clf.set_params(decision="auto")
    np.testing.assert_array_equal(clf.predict(sample), clf.classes_[decide(proba, clf.classes_,
                                                                           "maladministration_first")])
    # the texts where they differ: a form instead of bukan
    assert NOT_MALADMINISTRATION not in clf.predict(passed_over).tolist()
    clf.set_params(decision="argmax")
    try:
        assert set(clf.predict(passed_over)) == {NOT_MALADMINISTRATION}
    finally:
        clf.set_params(decision="auto")


def test_a_passed_over_label_is_reported_and_the_prediction_flagged(fitted, passed_over):
    clf, _ = fitted
    for prediction in clf.classify(passed_over):
        assert prediction.label != NOT_MALADMINISTRATION
        assert prediction.confidence == pytest.approx(prediction.scores[prediction.label], abs=1e-6)
        assert prediction.scores[NOT_MALADMINISTRATION] > prediction.confidence
        assert prediction.needs_review  # a more probable label was passed over
        assert prediction.label not in prediction.other_labels
        if prediction.scores[NOT_MALADMINISTRATION] >= clf.other_labels_threshold:
            assert prediction.other_labels[0] == NOT_MALADMINISTRATION
        assert all(weight > 0 for _, weight in prediction.evidence)  # evidence for the chosen label


def test_an_unknown_decision_is_refused_at_fit_and_at_predict(fitted):
    clf, texts = fitted
    with pytest.raises(ValueError, match="decision must be one of"):
        ComplaintClassifier(decision="vote").fit(texts[:40], ["a", "b"] * 20)
    clf.set_params(decision="vote")
    try:
        with pytest.raises(ValueError, match="decision must be one of"):
            clf.predict(texts[:2])
    finally:
        clf.set_params(decision="auto")


def test_the_compact_form_carries_the_decision(fitted, passed_over, tmp_path):
    clf, _ = fitted
    clf.set_params(decision="argmax")
    try:
        path = save_model(clf, tmp_path / "m.joblib")
    finally:
        clf.set_params(decision="auto")
    compact = load_model(path)
    assert isinstance(compact, CompactModel)
    assert compact.decision == "argmax" == load_model(path, estimator=True).decision
    assert set(compact.predict(passed_over)) == {NOT_MALADMINISTRATION}
    compact.set_params(decision="maladministration_first")
    np.testing.assert_array_equal(compact.predict(passed_over), clf.predict(passed_over))
    assert compact.get_params()["decision"] == "maladministration_first"
    with pytest.raises(ValueError, match="decision must be one of"):
        compact.set_params(decision="first")


def test_models_saved_before_the_decision_existed_keep_argmax(fitted, passed_over, tmp_path):
    clf, _ = fitted
    # an estimator pickled without the attribute
    state = clf.__getstate__()
    del state["decision"]
    old = ComplaintClassifier.__new__(ComplaintClassifier)
    old.__setstate__(pickle.loads(pickle.dumps(state)))
    assert old.decision == "argmax"
    assert set(old.predict(passed_over)) == {NOT_MALADMINISTRATION}
    # a compact file whose header has no "decision"
    path = compact_path(save_model(clf, tmp_path / "m.joblib"))
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    del meta["decision"]
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    old_file = tmp_path / "old.compact.npz"
    np.savez_compressed(old_file, allow_pickle=False, **arrays)
    assert zipfile.is_zipfile(old_file)
    assert CompactModel.load(old_file).decision == "argmax"
