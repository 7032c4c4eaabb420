import pickle
import re
import threading

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import (
    check_estimator_cloneable,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from maladmin_nlp import ComplaintClassifier, Prediction
from maladmin_nlp.classifier import MODELS
from maladmin_nlp.datasets import load_corpus


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def small(corpus):
    """A stratified sample of ~40 complaints per label."""
    rng = np.random.default_rng(0)
    idx = []
    labels = np.array(corpus.labels)
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        idx.extend(rng.choice(where, size=min(40, len(where)), replace=False))
    idx = sorted(idx)
    return [corpus.texts[i] for i in idx], [corpus.labels[i] for i in idx]


@pytest.fixture(scope="module")
def fitted(corpus):
    return ComplaintClassifier().fit(corpus.texts, corpus.labels)


@pytest.mark.parametrize(
    "check",
    [check_estimator_cloneable, check_no_attributes_set_in_init, check_get_params_invariance, check_set_params,
     check_parameters_default_constructible],
)
def test_sklearn_api_checks(check):
    check("ComplaintClassifier", ComplaintClassifier())


def test_init_stores_params_unchanged():
    clf = ComplaintClassifier(C=0.5, word_ngram_range=(1, 3), class_weight=None)
    params = clf.get_params()
    assert params["C"] == 0.5 and params["word_ngram_range"] == (1, 3) and params["class_weight"] is None
    assert clone(clf).get_params() == params


@pytest.mark.parametrize("model", MODELS)
def test_every_model_type_fits_and_gives_probabilities(small, model):
    texts, labels = small
    clf = ComplaintClassifier(model=model, calibration_cv=3).fit(texts, labels)
    proba = clf.predict_proba(texts[:5])
    assert proba.shape == (5, len(set(labels)))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert list(clf.classes_) == sorted(set(labels))
    assert clf.score(texts, labels) > 0.8


@pytest.mark.parametrize("calibration", ["sigmoid", "isotonic", "temperature", None])
def test_calibration_methods(small, calibration):
    texts, labels = small
    clf = ComplaintClassifier(calibration=calibration, calibration_cv=3).fit(texts, labels)
    proba = clf.predict_proba(texts[:3])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert (clf.classes_[proba.argmax(1)] == clf.predict(texts[:3])).all()


def test_char_ngrams(small):
    texts, labels = small
    clf = ComplaintClassifier(char_ngram_range=(2, 4), calibration_cv=3).fit(texts, labels)
    assert clf.score(texts, labels) > 0.9
    pred = clf.classify(texts[0])
    assert pred.evidence  # evidence comes from word features even with char n-grams


def test_any_label_set_works():
    texts = ["jalan rusak parah", "jalan berlubang besar", "lampu jalan mati", "lampu pju padam",
             "jalan ambles", "lampu tidak menyala"]
    labels = ["jalan", "jalan", "lampu", "lampu", "jalan", "lampu"]
    clf = ComplaintClassifier(calibration="sigmoid", calibration_cv=2).fit(texts, labels)
    pred = clf.classify("lampu jalan di gang mati")
    assert pred.label == "lampu"
    assert pred.label_name == "lampu"
    assert set(pred.scores) == {"jalan", "lampu"}


def test_gridsearch_over_preprocessing_and_model(small):
    texts, labels = small
    grid = GridSearchCV(
        ComplaintClassifier(calibration=None),
        {"stem": [True, False], "C": [0.5, 1.0]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring="f1_macro",
    )
    grid.fit(texts, labels)
    assert set(grid.best_params_) == {"stem", "C"}
    assert grid.best_score_ > 0.3


def test_sits_inside_a_pipeline(small):
    texts, labels = small
    pipe = Pipeline([("clf", ComplaintClassifier(calibration=None))]).fit(texts, labels)
    assert (pipe.predict(texts[:4]) == pipe.named_steps["clf"].predict(texts[:4])).all()


def test_pickle_round_trip_gives_identical_proba(fitted, corpus):
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(corpus.texts[:50]), fitted.predict_proba(corpus.texts[:50]))


def test_classify_one_string(fitted):
    pred = fitted.classify("Sudah 5 bulan e-KTP saya belum jadi, tiap ke Dukcapil disuruh kembali bulan depan")
    assert isinstance(pred, Prediction)
    assert pred.label == "penundaan_berlarut"
    assert pred.label_name == "Penundaan Berlarut"
    assert 0 <= pred.confidence <= 1
    assert abs(sum(pred.scores.values()) - 1) < 1e-4
    assert pred.confidence == max(pred.scores.values())
    assert pred.evidence and all(w > 0 for _, w in pred.evidence)


def test_classify_batch_matches_predict(fitted, corpus):
    texts = corpus.texts[::97]
    preds = fitted.classify(texts)
    assert isinstance(preds, list) and len(preds) == len(texts)
    assert [p.label for p in preds] == list(fitted.predict(texts))


def test_classify_empty_list(fitted):
    assert fitted.classify([]) == []


def test_evidence_terms_are_readable_surface_words(fitted):
    text = "Petugas kelurahan meminta uang Rp 200.000 supaya surat pengantar cepat diproses"
    pred = fitted.classify(text)
    assert pred.label == "permintaan_imbalan"
    terms = " ".join(t for t, _ in pred.evidence)
    # terms are words of the complaint as written (or placeholders like [UANG]), not bare stems
    for term, _ in pred.evidence:
        for word in term.split():
            assert word in text.lower() or re.fullmatch(r"\[[A-Z]+\]", word), (term, terms)


_PAIRS = [("tidak", "tidak"), ("layan", "dilayani"), ("<uang>", "<uang>"), ("tidak", "gak"), ("layan", "melayani")]


@pytest.mark.parametrize(
    ("feature", "surface"),
    [
        ("layan", "dilayani"),  # a word: its first occurrence as written
        ("<uang>", "[UANG]"),  # a placeholder: readable
        ("tunda", "tunda"),  # not in the complaint: the term itself
        ("tidak layan", "tidak dilayani"),
        ("<uang> tidak", "[UANG] gak"),
        ("tidak tunda", "tidak tunda"),
        ("<uang> layan", "[UANG] layan"),  # not in the complaint, placeholder still readable
    ],
)
def test_surface_of_a_feature_is_the_complaints_words(feature: str, surface: str) -> None:
    from maladmin_nlp.prediction import _surface

    assert _surface(feature, _PAIRS, [t for t, _ in _PAIRS]) == surface


def test_evidence_never_contains_pii(fitted):
    text = "NIK 3578011203850002 hp 081234567890 sudah 4 bulan KTP belum jadi, email andi@contoh.id"
    pred = fitted.classify(text)
    joined = " ".join(t for t, _ in fitted.explain(text, top=50)[pred.label]) + " ".join(t for t, _ in pred.evidence)
    assert not re.search(r"\d{5,}", joined)
    assert "andi" not in joined


def test_explain_covers_every_label(fitted):
    out = fitted.explain("Kepala desa memberikan proyek jalan ke perusahaan milik menantunya", top=5)
    assert list(out) == list(fitted.classes_)
    assert all(len(v) <= 5 for v in out.values())
    assert out["konflik_kepentingan"]


def test_explain_refuses_lists(fitted):
    with pytest.raises(TypeError, match="one complaint"):
        fitted.explain(["a"])  # type: ignore[arg-type]


def test_needs_review_and_other_labels_follow_thresholds(fitted):
    text = "Ngurus sertifikat sudah setahun belum selesai, terus diminta uang 2 juta biar cepat"
    strict = clone(fitted).set_params(review_threshold=1.0)
    strict.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
    assert strict.classify(text).needs_review
    lenient = clone(fitted).set_params(review_threshold=0.0, review_margin=0.0, other_labels_threshold=0.0)
    lenient.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
    pred = lenient.classify(text)
    assert not pred.needs_review
    assert len(pred.other_labels) == len(fitted.classes_) - 1


def test_decision_function_shape(fitted):
    scores = fitted.decision_function(["tidak dilayani", "jalan rusak"])
    assert scores.shape == (2, len(fitted.classes_))


def test_to_dict_is_json_serialisable(fitted):
    import json

    json.dumps(fitted.classify("pungli di samsat 50 ribu").to_dict())


def test_threads_give_the_same_results(fitted, corpus):
    texts = corpus.texts[:64]
    expected = [p.label for p in fitted.classify(texts)]
    results = {}

    def work(k):
        results[k] = [fitted.classify(t).label for t in texts]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results.values())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"model": "bert"}, "model must be one of"), ({"calibration": "platt"}, "calibration must be"),
     ({"review_threshold": 2}, "review_threshold must be between"), ({"C": -1}, "C must be a positive")],
)
def test_bad_params_are_reported_in_fit(small, kwargs, match):
    texts, labels = small
    with pytest.raises(ValueError, match=match):
        ComplaintClassifier(**kwargs).fit(texts, labels)


def test_fit_input_errors():
    with pytest.raises(ValueError, match="2 texts but y has 1"):
        ComplaintClassifier().fit(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="at least 2 different labels"):
        ComplaintClassifier().fit(["a", "b"], ["x", "x"])
    with pytest.raises(ValueError, match="missing labels"):
        ComplaintClassifier().fit(["a", "b"], ["x", None])


def test_singleton_class_warns_and_still_fits():
    with pytest.warns(UserWarning, match="single example"):
        clf = ComplaintClassifier().fit(["jalan rusak", "lampu mati", "lampu padam"], ["a", "b", "b"])
    assert clf.predict(["lampu"])[0] == "b"


def test_fitted_vocabulary_holds_no_personal_data(fitted):
    vocab = fitted.pipeline_.named_steps["features"].transformer_list[0][1].vocabulary_
    assert len(vocab) > 1000
    for term in vocab:
        assert not re.search(r"\d{3,}", term), term  # no NIK, phone, account or plate digits
        assert "@" not in term


@pytest.mark.parametrize("calibration", ["sigmoid", None])
@pytest.mark.parametrize("n_labels", [2, 4])
def test_compact_probability_path_equals_scikit_learn(small, n_labels, calibration):
    texts, labels = small
    keep = sorted(set(labels))[:n_labels]
    x = [t for t, y in zip(texts, labels) if y in keep]
    y = [lab for lab in labels if lab in keep]
    clf = ComplaintClassifier(calibration_cv=3, calibration=calibration).fit(x, y)
    assert clf._compact() is not None
    features = clf._features(x[:30])
    head = clf.pipeline_.named_steps["model"]
    if calibration is None:  # LinearSVC: a softmax of its decision values
        scores = head.decision_function(features)
        scores = np.column_stack([-scores, scores]) if scores.ndim == 1 else scores
        expected = np.exp(scores - scores.max(axis=1, keepdims=True))
        expected /= expected.sum(axis=1, keepdims=True)
    else:
        expected = head.predict_proba(features)
    np.testing.assert_allclose(clf.predict_proba(x[:30]), expected, rtol=1e-10, atol=1e-12)
    prepared = clf.pipeline_.named_steps["preprocess"].transform(x[:5])
    np.testing.assert_allclose(
        clf._vectorize(prepared).tocsr().toarray(),
        clf.pipeline_.named_steps["features"].transform(prepared).toarray(),
        rtol=1e-6,
    )


def test_integer_labels_keep_their_order_in_cross_val_predict_proba(small):
    from sklearn.model_selection import cross_val_predict

    texts, labels = small
    codes = {lab: i for i, lab in enumerate(sorted(set(labels)))}
    y = np.array([codes[lab] for lab in labels])
    clf = ComplaintClassifier(calibration=None).fit(texts, y)
    assert list(clf.classes_) == sorted(set(y.tolist()))
    proba = cross_val_predict(ComplaintClassifier(calibration=None), texts, y, cv=3, method="predict_proba")
    accuracy = (proba.argmax(axis=1) == y).mean()
    assert accuracy > 0.5, accuracy


@pytest.mark.parametrize("text", ["", "   ", "这是一个投诉", "zzqx vvbn"])
def test_text_without_known_terms_needs_review(default_model_for_review, text):
    pred = default_model_for_review.classify(text)
    assert pred.needs_review
    assert pred.evidence == ()


def test_long_complaint_warns_that_it_was_cut(default_model_for_review):
    model = default_model_for_review
    limit = model.max_chars
    with pytest.warns(UserWarning, match="read only the first"):
        model.classify(["KTP belum jadi. " * (limit // 10), "pendek"])


@pytest.fixture(scope="module")
def default_model_for_review():
    from maladmin_nlp import load_model

    return load_model()
