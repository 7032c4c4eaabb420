"""Bootstrap intervals: the same figures as score_predictions, on every resample."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maladmin_nlp.evaluation import (
    METRICS,
    _ordered_labels,
    _resampled_scores,
    bootstrap_difference,
    bootstrap_intervals,
    score_predictions,
)

LABELS = ["bukan_maladministrasi", "penundaan_berlarut", "tidak_patut", "permintaan_imbalan"]
label = st.sampled_from(LABELS)


@pytest.mark.filterwarnings("ignore:A single label was found")
@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(st.tuples(label, label), min_size=1, max_size=40),
    only=st.one_of(st.none(), st.lists(st.sampled_from(LABELS), min_size=1, max_size=4, unique=True)),
    seed=st.integers(0, 2**16),
)
def test_every_resample_scores_as_score_predictions_would(pairs, only, seed):
    y_true = [t for t, _ in pairs]
    y_pred = [p for _, p in pairs]
    scores = _resampled_scores(y_true, [y_pred], only, 4, seed)[0]
    idx = np.random.default_rng(seed).integers(0, len(pairs), size=(4, len(pairs)))
    labels = only if only is not None else _ordered_labels(y_true + y_pred)  # fixed by the whole sample
    for r, rows in enumerate(idx):
        # including resamples where no label of `labels` is among the true ones (all F1s 0)
        report = score_predictions([y_true[i] for i in rows], [y_pred[i] for i in rows], labels=labels)
        assert scores["macro_f1"][r] == pytest.approx(report.macro_f1)
        assert scores["accuracy"][r] == pytest.approx(report.accuracy)
        if "bukan_maladministrasi" in y_true:
            # a resample may lack bukan_maladministrasi; the figure is still mal-vs-not F1
            mal_t = np.array([y_true[i] != "bukan_maladministrasi" for i in rows])
            mal_p = np.array([y_pred[i] != "bukan_maladministrasi" for i in rows])
            d = mal_t.sum() + mal_p.sum()
            assert scores["maladministration_f1"][r] == pytest.approx(2 * (mal_t & mal_p).sum() / d if d else 0.0)
            if report.maladministration_f1 is not None:
                assert scores["maladministration_f1"][r] == pytest.approx(report.maladministration_f1)
        else:
            assert "maladministration_f1" not in scores


def _noisy(n, error_rate, seed):
    rng = np.random.default_rng(seed)
    y_true = [LABELS[i] for i in rng.integers(0, len(LABELS), n)]
    y_pred = [LABELS[rng.integers(0, len(LABELS))] if rng.random() < error_rate else t for t in y_true]
    return y_true, y_pred


def test_intervals_hold_the_figure_and_narrow_with_more_items():
    widths = []
    for n in (60, 6000):
        y_true, y_pred = _noisy(n, 0.3, 1)
        report = score_predictions(y_true, y_pred)
        intervals = bootstrap_intervals(y_true, y_pred)
        assert set(intervals) == set(METRICS)
        for name, (low, high) in intervals.items():
            assert low <= getattr(report, name) <= high
        widths.append(intervals["macro_f1"][1] - intervals["macro_f1"][0])
    assert widths[0] > 5 * widths[1]  # ~sqrt(100) = 10x narrower


def test_intervals_are_reproducible_and_follow_the_confidence():
    y_true, y_pred = _noisy(143, 0.25, 2)
    assert bootstrap_intervals(y_true, y_pred) == bootstrap_intervals(y_true, y_pred)
    assert bootstrap_intervals(y_true, y_pred, random_state=1) != bootstrap_intervals(y_true, y_pred)
    low90, high90 = bootstrap_intervals(y_true, y_pred, confidence=0.9)["accuracy"]
    low99, high99 = bootstrap_intervals(y_true, y_pred, confidence=0.99)["accuracy"]
    assert low99 < low90 and high90 < high99


def test_no_maladministration_figure_without_the_label():
    y = ["tidak_patut", "penundaan_berlarut"] * 5
    assert set(bootstrap_intervals(y, y)) == {"macro_f1", "accuracy"}


def test_difference_of_a_model_with_itself_is_nothing():
    y_true, y_pred = _noisy(143, 0.25, 3)
    for d in bootstrap_difference(y_true, y_pred, y_pred).values():
        assert d == {"difference": 0.0, "low": 0.0, "high": 0.0, "a_better": 0.0}


def test_difference_is_antisymmetric_and_finds_the_better_model():
    y_true, good = _noisy(300, 0.1, 4)
    _, bad = _noisy(300, 0.4, 4)
    ab = bootstrap_difference(y_true, good, bad)
    ba = bootstrap_difference(y_true, bad, good)
    for name in METRICS:
        assert ab[name]["difference"] == pytest.approx(-ba[name]["difference"])
        assert ab[name]["low"] == pytest.approx(-ba[name]["high"])
    assert ab["macro_f1"]["low"] > 0 and ab["macro_f1"]["a_better"] == 1.0


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([], []), {}, "empty"),
        ((["a", "b"], ["a"]), {}, "has 2 labels"),
        ((["a"], ["a"]), {"n_resamples": 0}, "n_resamples"),
        ((["a"], ["a"]), {"confidence": 1.0}, "confidence"),
    ],
)
def test_bad_arguments_say_what_is_wrong(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_intervals(*args, **kwargs)


def test_difference_averages_both_over_one_label_set():
    """A label only b predicts (once, wrongly) counts for both, so the difference lies in its interval."""
    y_true = ["tidak_patut", "bukan_maladministrasi"] * 10
    b = ["diskriminasi", *y_true[1:]]
    d = bootstrap_difference(y_true, y_true, b)["macro_f1"]
    labels = _ordered_labels(y_true + b)
    perfect, one_wrong = (score_predictions(y_true, p, labels=labels).macro_f1 for p in (y_true, b))
    expected = perfect - one_wrong
    assert d["difference"] == pytest.approx(expected)
    assert d["low"] <= d["difference"] <= d["high"]


def test_score_predictions_matches_sklearn():
    from sklearn.metrics import confusion_matrix, f1_score

    y_true, y_pred = _noisy(300, 0.4, 3)
    report = score_predictions(y_true, y_pred)
    assert report.confusion == confusion_matrix(y_true, y_pred, labels=report.labels).tolist()
    assert report.macro_f1 == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    only = ["tidak_patut", "penundaan_berlarut"]
    report = score_predictions(y_true, y_pred, labels=only)
    assert report.confusion == confusion_matrix(y_true, y_pred, labels=only).tolist()
    assert report.macro_f1 == pytest.approx(f1_score(y_true, y_pred, labels=only, average="macro"))


def test_labels_absent_from_the_true_ones_score_zero_instead_of_failing():
    # scikit-learn's confusion_matrix refuses labels of which none is in y_true; a small labelled
    # sheet scored on the labels a model predicts can be exactly that
    report = score_predictions(["tidak_patut", "tidak_patut"], ["permintaan_imbalan", "tidak_patut"],
                               labels=["permintaan_imbalan"])
    assert report.confusion == [[0]]
    assert report.macro_f1 == 0.0 and report.accuracy == 0.5
    assert report.per_class["permintaan_imbalan"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([], []), {}, "nothing to score"),
        ((["a", "b"], ["a"]), {}, "has 2 labels"),
        ((["a"], ["a"]), {"labels": []}, "labels is empty"),
    ],
)
def test_score_predictions_says_what_is_wrong(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        score_predictions(*args, **kwargs)
