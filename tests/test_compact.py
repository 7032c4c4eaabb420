"""The compact form of a model: same answers as the estimator, no scikit-learn, no pickle."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from contextlib import nullcontext

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maladmin_nlp import (
    ComplaintClassifier,
    IndonesianPreprocessor,
    ModelFormatError,
    ModelIntegrityError,
    load_model,
    normalize,
    save_model,
)
from maladmin_nlp.compact import CompactModel, compact_unsupported_reason
from maladmin_nlp.datasets import load_corpus
from maladmin_nlp.persistence import compact_path, default_model_path
from maladmin_nlp.text_pipeline import TextPipeline

needs_default_model = pytest.mark.skipif(not default_model_path().exists(), reason="default model not built")

AWKWARD = [
    "",
    "   ",
    "😡😡😡",
    "<b>pungli</b> di kelurahan 200rb!!",
    "NIK 3578011203850002 hp 0812-3456-7890, KTP belum jadi 3 bln",
    "The office was closed and nobody answered the phone.",
    "tidak tidak tidak dilayani dilayani",
    "a" * 30_000,
]


@pytest.fixture(scope="module")
def small():
    corpus = load_corpus()
    keep = [i for i, lab in enumerate(corpus.labels) if i % 6 == 0]
    return [corpus.texts[i] for i in keep], [corpus.labels[i] for i in keep]


@pytest.fixture(scope="module", params=["sigmoid", None], ids=["sigmoid", "uncalibrated"])
def fitted(request, small):
    texts, labels = small
    return ComplaintClassifier(calibration=request.param, calibration_cv=3).fit(texts, labels)


def _same_predictions(a, b, texts):
    long = any(len(t) > 20_000 for t in texts)
    with pytest.warns(UserWarning, match="longer than") if long else nullcontext():
        left = [p.to_dict() for p in a.classify(texts)]
    with pytest.warns(UserWarning, match="longer than") if long else nullcontext():
        right = [p.to_dict() for p in b.classify(texts)]
    assert left == right
    np.testing.assert_array_equal(a.predict(texts), b.predict(texts))
    np.testing.assert_allclose(a.predict_proba(texts), b.predict_proba(texts), rtol=0, atol=1e-12)


def test_compact_answers_exactly_as_the_estimator(fitted, small):
    texts = small[0][::7][:60] + AWKWARD
    compact = CompactModel.from_estimator(fitted)
    _same_predictions(fitted, compact, texts)
    for text in texts[:5] + AWKWARD[:5]:
        assert compact.explain(text) == fitted.explain(text)
    np.testing.assert_allclose(compact.decision_function(texts[:10]), fitted.decision_function(texts[:10]),
                               rtol=1e-10, atol=1e-12)


def test_save_and_load_round_trip_gives_the_compact_form(fitted, small, tmp_path):
    path = save_model(fitted, tmp_path / "m.joblib")
    assert compact_path(path).exists()
    card = json.loads((tmp_path / "m.card.json").read_text(encoding="utf-8"))
    assert card["compact_file"] == "m.compact.npz" and len(card["compact_sha256"]) == 64
    compact = load_model(path)
    estimator = load_model(path, estimator=True)
    assert isinstance(compact, CompactModel) and isinstance(estimator, ComplaintClassifier)
    assert compact.card_ == card == estimator.card_
    assert compact.params == json.loads(json.dumps(card["params"]))
    _same_predictions(compact, estimator, small[0][::11][:40] + AWKWARD[:7])


def test_thresholds_can_be_changed_on_the_compact_form(fitted, small):
    compact = CompactModel.from_estimator(fitted)
    text = small[0][3]
    compact.review_threshold, compact.review_margin = 1.0, 0.0
    assert compact.classify(text).needs_review
    compact.review_threshold, compact.other_labels_threshold = 0.0, 0.0
    prediction = compact.classify(text)
    assert not prediction.needs_review
    assert len(prediction.other_labels) == len(compact.classes_) - 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(
    ["ktp", "belum", "jadi", "tidak", "dilayani", "petugas", "minta", "uang", "200rb", "sudah", "3", "bulan",
     "pungli", "kasar", "!!", "<b>", "jalan", "rusak", "mohon", "info", "😡", "\u200b", "NIK", "3578011203850002"]),
    max_size=40).map(" ".join))
def test_compact_probabilities_equal_scikit_learns_on_any_text(fitted, text):
    compact = CompactModel.from_estimator(fitted)
    features = fitted.pipeline_.named_steps["features"].transform(
        fitted.pipeline_.named_steps["preprocess"].transform([text])
    )
    head = fitted.pipeline_.named_steps["model"]
    if hasattr(head, "predict_proba"):
        expected = head.predict_proba(features)
    else:
        scores = head.decision_function(features)
        expected = np.exp(scores - scores.max(axis=1, keepdims=True))
        expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(compact.predict_proba([text]), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    ("params", "reason"),
    [({"char_ngram_range": (2, 3)}, "word n-gram"), ({"calibration": "isotonic"}, "isotonic"),
     ({"model": "complement_nb", "calibration": None}, "ComplementNB")],
)
def test_unsupported_models_are_saved_and_loaded_as_estimators(small, tmp_path, params, reason):
    texts, labels = small
    model = ComplaintClassifier(calibration_cv=3, **params).fit(texts[:300], labels[:300])
    assert reason in compact_unsupported_reason(model)
    with pytest.raises(ValueError, match="cannot be made compact"):
        CompactModel.from_estimator(model)
    stale = compact_path(tmp_path / "m.joblib")
    stale.write_bytes(b"an older compact model saved under this name")
    path = save_model(model, tmp_path / "m.joblib")
    assert not stale.exists()
    assert "compact_file" not in json.loads((tmp_path / "m.card.json").read_text(encoding="utf-8"))
    loaded = load_model(path)
    assert isinstance(loaded, ComplaintClassifier)
    assert loaded.predict(texts[:5]).tolist() == model.predict(texts[:5]).tolist()


def test_a_tampered_or_missing_compact_file_is_refused(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.joblib")
    compact = compact_path(path)
    data = bytearray(compact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    compact.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="does not match its model card"):
        load_model(path)
    assert isinstance(load_model(path, estimator=True), ComplaintClassifier)  # the estimator is intact
    compact.unlink()
    with pytest.raises(FileNotFoundError, match="estimator=True"):
        load_model(path)


def _npz(path, **arrays):
    with path.open("wb") as fh:
        np.savez(fh, **arrays)
    return path


def test_compact_files_never_unpickle(fitted, tmp_path):
    good = CompactModel.from_estimator(fitted).save(tmp_path / "good.npz")
    with np.load(good, allow_pickle=False) as archive:  # every array is plain data
        assert all(archive[name].dtype != object for name in archive.files)
    # an object array (a pickle inside the archive) is refused, not loaded
    with zipfile.ZipFile(good) as zf:
        arrays = {name[:-4]: np.load(zf.open(name), allow_pickle=False) for name in zf.namelist()}
    arrays["coef"] = np.array([{"evil": 1}], dtype=object)
    with pytest.raises(ModelFormatError, match="could not be read"):
        CompactModel.load(_npz(tmp_path / "pickled.npz", **arrays))
    with pytest.raises(ModelFormatError, match="not a maladmin_nlp compact model"):
        CompactModel.load(_npz(tmp_path / "other.npz", weights=np.zeros(3)))
    meta = json.loads(arrays["meta"].tobytes())
    for change, message in [({"format_version": 99}, "format version 99"), ({"format": "x"}, "wrong format")]:
        edited = dict(arrays, meta=np.frombuffer(json.dumps({**meta, **change}).encode(), dtype=np.uint8))
        edited.pop("coef")
        edited["coef"] = fitted._compact().coef
        with pytest.raises(ModelFormatError, match=message):
            CompactModel.load(_npz(tmp_path / "edited.npz", **edited))
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelFormatError):
        CompactModel.load(tmp_path / "junk.npz")


@needs_default_model
def test_default_model_loads_without_scikit_learn_or_scipy():
    code = (
        "import sys\n"
        "from maladmin_nlp import load_model\n"
        "m = load_model()\n"
        "p = m.classify('KTP saya sudah 6 bulan belum jadi')\n"
        "m.explain('petugas minta uang 200rb')\n"
        "heavy = sorted({k.split('.')[0] for k in sys.modules} & {'sklearn', 'scipy', 'joblib', 'pandas'})\n"
        "print(type(m).__name__, p.label, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["CompactModel", "penundaan_berlarut", "[]"]


def _with_new_words(texts, seed):
    """Complaints with invented names and typos in affixed forms: the words the stem gate skips."""
    import random

    rng = random.Random(seed)
    syllables = ["ba", "mul", "se", "dy", "ja", "san", "ko", "ri", "wan", "tu", "lek", "gor", "pi", "nah"]
    out = []
    for text in texts:
        words = text.split()
        for _ in range(rng.randint(1, 4)):
            name = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
            word = rng.choice(["di", "me", "ke", "peng", "ber", ""]) + name + rng.choice(["", "nya", "kan", "an"])
            words.insert(rng.randint(0, len(words)), word)
        if len(words) > 3:  # a typo: two letters swapped
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        out.append(" ".join(words))
    return out


def test_a_loaded_compact_model_stems_less_and_answers_the_same(fitted, small, tmp_path):
    path = save_model(fitted, tmp_path / "m.joblib")
    compact = load_model(path)
    assert compact.pipeline.stem_gate is not None and fitted._compact().pipeline.stem_gate is None
    texts = _with_new_words(small[0][::3], seed=1)
    _same_predictions(compact, fitted, texts)
    for text in texts[:20]:
        assert compact.explain(text) == fitted.explain(text)


@needs_default_model
def test_default_model_compact_and_estimator_agree_on_the_corpus():
    corpus = load_corpus()
    texts = corpus.texts[::5] + _with_new_words(corpus.texts[1::9], seed=2)
    _same_predictions(load_model(), load_model(estimator=True), texts)


def test_settings_changed_after_predicting_are_saved(fitted, small, tmp_path):
    # the estimator predicts through a cached compact form; set_params after that must still reach the file
    fitted.predict(small[0][:3])
    before = fitted.get_params()
    fitted.set_params(review_threshold=0.77, other_labels_threshold=0.11, n_evidence=2, decision="argmax")
    try:
        compact = load_model(save_model(fitted, tmp_path / "m.joblib"))
        assert (compact.review_threshold, compact.other_labels_threshold, compact.n_evidence, compact.decision) == (
            0.77, 0.11, 2, "argmax")
        assert len(fitted.classify(small[0][0]).evidence) <= 2
    finally:
        fitted.set_params(**{k: before[k] for k in ("review_threshold", "other_labels_threshold", "n_evidence",
                                                     "decision")})


def test_ngram_index_is_built_on_first_use_and_never_pickled(fitted, small):
    import pickle

    from maladmin_nlp.features import NgramIndex

    compact = CompactModel.from_estimator(fitted)
    texts = small[0][:40]
    assert "_lookup" not in compact.__dict__
    expected = compact.predict_proba(texts)
    assert isinstance(compact.__dict__["_lookup"], NgramIndex)
    copy = pickle.loads(pickle.dumps(compact))
    assert "_lookup" not in copy.__dict__
    np.testing.assert_array_equal(copy.predict_proba(texts), expected)


def test_a_vocabulary_too_large_for_an_ngram_index_falls_back_to_string_lookups(fitted, small, monkeypatch):
    from maladmin_nlp import features

    texts = small[0][:40]
    expected = CompactModel.from_estimator(fitted).predict_proba(texts)
    monkeypatch.setattr(features, "_KEY_BASE", 4)  # no real vocabulary fits in 3 token ids
    compact = CompactModel.from_estimator(fitted)
    np.testing.assert_array_equal(compact.predict_proba(texts), expected)
    assert compact.__dict__["_lookup"] == compact.vocabulary.get


def test_threads_building_the_ngram_index_at_once_agree(fitted, small):
    import threading

    texts = small[0][:200]
    expected = CompactModel.from_estimator(fitted).predict_proba(texts)
    compact = CompactModel.from_estimator(fitted)  # no index yet: every thread may build it
    barrier = threading.Barrier(4)
    results = {}

    def work(k):
        barrier.wait()
        results[k] = compact.predict_proba(texts)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for got in results.values():
        np.testing.assert_array_equal(got, expected)


def _change_bundled_stem_exceptions(monkeypatch):
    """Make the bundled stem exceptions those of an imagined later release (undone with ``monkeypatch``)."""
    real = normalize._read_data_lines

    def read(name):
        lines = real(name)
        if name == "stem_exceptions.tsv":
            lines = [line for line in lines if not line.startswith("pelayanan\t")]
            lines += ["pelayanan\tpelayanan", "dilayani\tdilayani", "belum\tsudah"]
        return lines

    monkeypatch.setattr(normalize, "_read_data_lines", read)
    normalize.load_stem_exceptions.cache_clear()


@pytest.fixture
def restore_bundled_stem_exceptions():
    yield
    normalize.load_stem_exceptions.cache_clear()  # the next call reads the real file again


@pytest.mark.usefixtures("restore_bundled_stem_exceptions")
def test_a_saved_model_stems_as_trained_when_the_bundled_exceptions_change(fitted, small, tmp_path, monkeypatch):
    texts = [*small[0][::9][:40], "KTP belum jadi, pelayanan lambat, tidak dilayani", "belum belum belum"]
    path = save_model(fitted, tmp_path / "m.joblib")
    before = fitted.predict_proba(texts)
    state = load_model(path).pipeline.state()
    assert state["stem_exceptions"]["pelayanan"] == "layan" and "belum" not in state["stem_exceptions"]

    _change_bundled_stem_exceptions(monkeypatch)
    # the change is real: a model fitted now stems by the new list
    assert IndonesianPreprocessor().fit([]).transform(["pelayanan belum dilayani"]) == ["pelayanan sudah dilayani"]
    for model in (load_model(path), load_model(path, estimator=True), fitted):
        np.testing.assert_allclose(model.predict_proba(texts), before, rtol=0, atol=1e-12)
    assert load_model(path).pipeline.process("pelayanan belum dilayani") == "layan belum layan"
    # a state written before the list was saved with it follows the bundled list
    old = TextPipeline.from_state({k: v for k, v in state.items() if k != "stem_exceptions"})
    assert old.process("pelayanan belum dilayani") == "pelayanan sudah dilayani"
    assert TextPipeline.from_state(state).state() == state


@needs_default_model
def test_the_default_model_carries_its_own_preprocessing_lists():
    # so that editing the bundled slang, stopword or stem-exception files cannot change the shipped model
    estimator = load_model(estimator=True)
    for pipeline in (load_model().pipeline, estimator.pipeline_.named_steps["preprocess"]):
        assert {"lexicon_", "stopwords_", "stem_exceptions_"} <= set(vars(pipeline))
        assert pipeline.stem_exceptions_["perbankan"] == "bank" and pipeline.lexicon_["gk"] == "tidak"
