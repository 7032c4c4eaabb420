"""word_tfidf_transform must give exactly what TfidfVectorizer.transform gives."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from maladmin_nlp import features
from maladmin_nlp.features import NgramIndex, supports, word_tfidf_rows, word_tfidf_transform

TRAIN = [
    "sudah tiga bulan ktp tidak jadi",
    "tidak layan petugas kasar",
    "minta uang <uang> untuk urus surat",
    "jalan rusak tidak baik baik",
    "layan lambat tidak jelas tidak jelas",
]
DOCS = [
    *TRAIN,
    "",
    "kata baru sama sekali",
    "tidak tidak tidak layan layan",
    "<uang> <uang> minta",
    "jelas tidak",  # a bigram that exists only across two training documents' boundary
    "   spasi   ganda  ",
]


def _words(**params):
    return TfidfVectorizer(token_pattern=r"\S+", lowercase=False, **params)


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (2, 2), (1, 3), (2, 3)])
@pytest.mark.parametrize("sublinear_tf", [True, False])
@pytest.mark.parametrize("norm", ["l2", "l1", None])
@pytest.mark.parametrize("use_idf", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_equals_sklearn_transform(ngram_range, sublinear_tf, norm, use_idf, dtype):
    vec = _words(ngram_range=ngram_range, sublinear_tf=sublinear_tf, norm=norm, use_idf=use_idf, dtype=dtype)
    vec.fit(TRAIN)
    assert supports(vec)
    expected = vec.transform(DOCS).tocsr()
    got = word_tfidf_transform(vec, DOCS)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.data, expected.data, rtol=1e-6)


def test_empty_batch():
    vec = _words(ngram_range=(1, 2)).fit(TRAIN)
    got = word_tfidf_transform(vec, [])
    assert got.shape == (0, len(vec.vocabulary_))


@pytest.mark.parametrize(
    "params",
    [
        {"lowercase": True},
        {"stop_words": ["tidak"]},
        {"analyzer": "char_wb"},
        {"binary": True},
        {"token_pattern": r"(?u)\b\w\w+\b"},
        {"max_df": 1.0, "preprocessor": str.upper},
    ],
)
def test_other_vectorizers_are_not_supported(params):
    base = {"token_pattern": r"\S+", "lowercase": False}
    if params.get("analyzer", "word") != "word":
        base["token_pattern"] = None  # scikit-learn warns that a character analyzer ignores it
    vec = TfidfVectorizer(**{**base, **params}).fit(TRAIN)
    assert not supports(vec)


def test_unfitted_is_not_supported():
    assert not supports(_words())


TOKENS = st.sampled_from(["tidak", "layan", "uang", "baru", "<uang>", "x"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(TOKENS, max_size=12), min_size=1, max_size=8))
def test_equals_sklearn_on_random_token_documents(token_lists):
    docs = [" ".join(tokens) for tokens in token_lists]
    vec = _words(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32).fit(TRAIN)
    expected = vec.transform(docs).tocsr()
    got = word_tfidf_transform(vec, docs)
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.data, expected.data, rtol=1e-6)


def _rows_with_index(vec, docs):
    return word_tfidf_transform(vec, docs, lookup=NgramIndex(vec.vocabulary_))


def _assert_same(got, expected):
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.data, expected.data, rtol=1e-6)


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (2, 2), (1, 3), (2, 3), (3, 3)])
@pytest.mark.parametrize(
    "pruning",
    [{}, {"max_df": 0.5}, {"min_df": 2}, {"max_features": 7}],
    ids=["all", "max_df", "min_df", "max_features"],
)
def test_ngram_index_equals_sklearn_transform(ngram_range, pruning):
    # pruning leaves n-grams whose tokens are not unigram terms (max_df drops "tidak" but keeps
    # "tidak layan"), and tokens of the documents that are in no term at all
    vec = _words(ngram_range=ngram_range, sublinear_tf=True, **pruning).fit(TRAIN + TRAIN[:2])
    _assert_same(_rows_with_index(vec, DOCS), vec.transform(DOCS).tocsr())


def test_ngram_index_keeps_bigrams_of_tokens_that_are_not_unigram_terms():
    vec = _words(ngram_range=(1, 2), max_df=0.5).fit(TRAIN)
    assert "tidak" not in vec.vocabulary_ and "tidak layan" in vec.vocabulary_
    got = _rows_with_index(vec, ["tidak layan"])
    assert got.indices.tolist() == sorted([vec.vocabulary_["tidak layan"], vec.vocabulary_["layan"]])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(TOKENS, max_size=12), min_size=1, max_size=8),
    st.sampled_from([(1, 1), (1, 2), (1, 3), (2, 3)]),
)
def test_ngram_index_equals_sklearn_on_random_token_documents(token_lists, ngram_range):
    docs = [" ".join(tokens) for tokens in token_lists]
    vec = _words(ngram_range=ngram_range, max_df=0.6).fit(TRAIN)
    _assert_same(_rows_with_index(vec, docs), vec.transform(docs).tocsr())


def test_ngram_index_of_an_empty_vocabulary_finds_nothing():
    index = NgramIndex({})
    assert (index.n_tokens, index.max_n) == (0, 0)
    rows = word_tfidf_rows(["tidak layan", ""], index, 0, ngram_range=(1, 2))
    assert rows.indptr.tolist() == [0, 0, 0] and len(rows.indices) == 0


def test_ngram_index_refuses_what_its_keys_cannot_hold(monkeypatch):
    with pytest.raises(ValueError, match=r"4-grams\. Pass vocabulary\.get"):
        NgramIndex({"a b c d": 0})
    monkeypatch.setattr(features, "_KEY_BASE", 4)
    with pytest.raises(ValueError, match="5 tokens"):
        NgramIndex({"a b": 0, "c d e": 1})
