"""word_tfidf_transform must give exactly what TfidfVectorizer.transform gives."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from maladmin_nlp.features import supports, word_tfidf_transform

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
