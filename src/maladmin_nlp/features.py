"""A faster ``transform`` for the word TF-IDF block of :class:`~maladmin_nlp.ComplaintClassifier`.

The preprocessor already returns space-separated tokens, so the vectoriser's job at prediction time
is to look up each token and each n-gram in the fitted vocabulary. scikit-learn's
``TfidfVectorizer.transform`` does that with a Python loop per n-gram (build the string, count it in
a dict); on preprocessed complaints with word 1-2-grams that loop costs about as much as the whole
Indonesian preprocessing. :func:`word_tfidf_rows` does the lookups with ``map`` over
``dict.get`` (in C) and the counting and TF-IDF weighting with NumPy alone, so a model loaded for
prediction (:class:`~maladmin_nlp.compact.CompactModel`) needs neither scikit-learn nor SciPy;
:func:`word_tfidf_transform` wraps the result in a SciPy matrix equal to
``vectorizer.transform(docs)`` (tested, to float32 rounding) for the vectorisers that
:func:`supports` accepts, and the classifier falls back to ``transform`` for any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scikit-learn and SciPy are imported only by the functions that need them
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["NgramIndex", "Rows", "supports", "word_tfidf_rows", "word_tfidf_transform"]


@dataclass(frozen=True)
class Rows:
    """A sparse matrix in CSR layout, held in three NumPy arrays (no SciPy needed).

    Row ``i``'s stored entries are ``data[indptr[i]:indptr[i + 1]]`` in the columns
    ``indices[indptr[i]:indptr[i + 1]]``, sorted by column.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]

    def dot_transposed(self, weights: np.ndarray) -> np.ndarray:
        """``self @ weights.T`` for a dense ``(k, n_features)`` array, in float64.

        One pass per row of ``weights`` (a contiguous gather and a ``bincount``), summing each
        row's entries in order as SciPy's sparse product does.
        """
        n = self.shape[0]
        row_of_entry = np.repeat(np.arange(n), np.diff(self.indptr))
        data = self.data.astype(np.float64)
        out = np.empty((n, weights.shape[0]), dtype=np.float64)
        for k, row in enumerate(weights):
            out[:, k] = np.bincount(row_of_entry, weights=row[self.indices] * data, minlength=n)
        return out

    def tocsr(self) -> sp.csr_matrix:
        """The same matrix as a SciPy CSR matrix (imports SciPy)."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


class NgramIndex:
    """A vocabulary's n-grams as integer keys, so a batch is looked up with NumPy.

    Each distinct token of the vocabulary's terms gets an id; an n-gram's key is its token ids
    read as the digits of a base-2**21 number (up to 2 million tokens and 3-grams; a larger
    vocabulary raises ``ValueError``, and :class:`~maladmin_nlp.compact.CompactModel` then looks
    n-grams up as strings). :func:`word_tfidf_rows` then looks up each
    token once (one ``dict.get`` per token) and finds every n-gram's column with
    :func:`numpy.searchsorted` on the keys, instead of joining each n-gram into a string and
    hashing it: on preprocessed complaints with word 1-2-grams that is about half the
    vectoriser's time.

    Parameters
    ----------
    vocabulary : mapping of str to int
        N-gram (tokens joined by one space) -> column, as ``TfidfVectorizer.vocabulary_``.

    Examples
    --------
    >>> index = NgramIndex({"tidak": 0, "layan": 1, "tidak layan": 2})
    >>> index.n_tokens, index.max_n
    (2, 2)
    >>> rows = word_tfidf_rows(["tidak layan", "layan tidak"], index, 3, ngram_range=(1, 2), norm=None)
    >>> rows.indices.tolist()
    [0, 1, 2, 0, 1]
    """

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        terms = list(vocabulary)
        tokens = " ".join(terms).split(" ") if terms else []  # every term's tokens, in order
        self.token_ids: dict[str, int] = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
        self.n_tokens = len(self.token_ids)
        self._base = base = _KEY_BASE
        lengths = np.fromiter(map(str.count, terms, repeat(" ")), dtype=np.int64, count=len(terms)) + 1
        self.max_n = int(lengths.max(initial=0))
        if self.n_tokens >= base or self.max_n > _MAX_KEY_N:
            raise ValueError(
                f"NgramIndex holds up to {base - 1:,} distinct tokens and {_MAX_KEY_N}-grams; this "
                f"vocabulary has {self.n_tokens:,} tokens and {self.max_n}-grams. Pass vocabulary.get instead."
            )
        flat = np.fromiter(map(self.token_ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        starts = np.cumsum(lengths) - lengths
        columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(terms))
        self._tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n in np.unique(lengths).tolist():
            of_n = np.flatnonzero(lengths == n)
            key = np.zeros(len(of_n), dtype=np.int64)
            for i in range(n):
                key = key * base + flat[starts[of_n] + i]
            order = np.argsort(key, kind="stable")
            self._tables[n] = (key[order], columns[of_n][order])
        self._unigram_columns = np.full(self.n_tokens + 1, -1, dtype=np.int64)
        if 1 in self._tables:
            self._unigram_columns[self._tables[1][0]] = self._tables[1][1]

    def columns(self, token_ids: np.ndarray, n: int) -> np.ndarray:
        """Column of each run of ``n`` consecutive ids (``len(token_ids) - n + 1`` of them), -1 if none.

        ``token_ids`` holds -1 for a token outside the vocabulary's terms.
        """
        count = len(token_ids) - n + 1
        table = self._tables.get(n)
        if table is None or count <= 0:
            return np.full(max(count, 0), -1, dtype=np.int64)
        if n == 1:  # a direct gather; id -1 reads the last entry, which is -1
            return self._unigram_columns[token_ids]
        known = token_ids[:count] >= 0
        for i in range(1, n):
            known &= token_ids[i : i + count] >= 0
        at = np.flatnonzero(known)
        key = token_ids[at]
        for i in range(1, n):
            key = key * self._base + token_ids[at + i]
        sorted_keys, sorted_columns = table
        pos = np.searchsorted(sorted_keys, key)
        np.minimum(pos, len(sorted_keys) - 1, out=pos)
        out = np.full(count, -1, dtype=np.int64)
        out[at] = np.where(sorted_keys[pos] == key, sorted_columns[pos], -1)
        return out


_KEY_BASE = 1 << 21
"""Base of an n-gram key: token ids below 2**21 (2 million tokens), so a 3-gram key fits in 63 bits."""
_MAX_KEY_N = 3


def supports(vectorizer: Any) -> bool:
    """Whether :func:`word_tfidf_transform` reproduces ``vectorizer.transform`` exactly.

    True for a fitted :class:`~sklearn.feature_extraction.text.TfidfVectorizer` that splits on
    whitespace (``token_pattern=r"\\S+"``), does not lower-case, strip accents or remove stop words,
    and has no custom analyzer, preprocessor or tokenizer: the vectoriser this library builds.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    return (
        type(vectorizer) is TfidfVectorizer
        and hasattr(vectorizer, "vocabulary_")
        and vectorizer.analyzer == "word"
        and vectorizer.token_pattern == r"\S+"
        and vectorizer.tokenizer is None
        and vectorizer.preprocessor is None
        and not vectorizer.lowercase
        and vectorizer.strip_accents is None
        and vectorizer.stop_words is None
        and not vectorizer.binary
        and vectorizer.input == "content"
        and vectorizer.norm in ("l1", "l2", None)
        and 1 <= vectorizer.ngram_range[0] <= vectorizer.ngram_range[1]
    )


def word_tfidf_rows(
    docs: Sequence[str],
    lookup: Callable[[str, int], int] | NgramIndex,
    n_features: int,
    *,
    ngram_range: tuple[int, int] = (1, 1),
    idf: np.ndarray | None = None,
    sublinear_tf: bool = False,
    norm: str | None = "l2",
    dtype: Any = np.float32,
) -> Rows:
    """TF-IDF rows of whitespace-tokenised documents, with NumPy only.

    Parameters
    ----------
    docs : sequence of str
        Space-separated tokens, as :class:`~maladmin_nlp.text_pipeline.TextPipeline` returns them.
    lookup : callable or NgramIndex
        ``vocabulary.get``: maps an n-gram (tokens joined by one space) and a default ``-1`` to its
        column, or to ``-1`` when it is not in the vocabulary. An :class:`NgramIndex` of the
        vocabulary gives the same result faster (reuse it across calls).
    n_features : int
        Columns (the vocabulary's size).
    ngram_range : (int, int), default=(1, 1)
        Smallest and largest n-gram.
    idf : ndarray of shape (n_features,), default=None
        Inverse document frequencies (``TfidfVectorizer.idf_``); None for raw term frequencies.
    sublinear_tf : bool, default=False
        Use ``1 + log(tf)``.
    norm : {"l2", "l1", None}, default="l2"
        Row normalisation, as scikit-learn's ``normalize`` does it (empty rows stay empty).
    dtype : numpy dtype, default=float32
        Dtype of the values.

    Returns
    -------
    Rows

    Examples
    --------
    >>> vocab = {"tidak": 0, "layan": 1, "tidak layan": 2}
    >>> rows = word_tfidf_rows(["tidak layan", ""], vocab.get, 3, ngram_range=(1, 2), norm=None)
    >>> rows.indptr.tolist(), rows.indices.tolist(), rows.data.tolist()
    ([0, 3, 3], [0, 1, 2], [1.0, 1.0, 1.0])
    """
    # All documents' tokens in one list, so every lookup is one C-level map over the batch;
    # n-grams that straddle two documents are dropped by comparing the rows of their ends.
    split_docs = list(map(str.split, docs))
    n_docs = len(split_docs)
    lengths = np.fromiter(map(len, split_docs), dtype=np.int64, count=n_docs)
    tokens = list(chain.from_iterable(split_docs))
    token_rows = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    low, high = ngram_range
    keys: list[np.ndarray] = []
    # with an NgramIndex, each token is looked up once and the n-grams by their integer keys
    token_ids = (
        np.fromiter(map(lookup.token_ids.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        if isinstance(lookup, NgramIndex)
        else np.empty(0, dtype=np.int64)
    )
    for n in range(low, high + 1):
        count = len(tokens) - n + 1
        if count <= 0:
            break
        if isinstance(lookup, NgramIndex):
            ids = lookup.columns(token_ids, n)
        else:
            grams = tokens if n == 1 else map(" ".join, zip(*(tokens[i:] for i in range(n))))
            ids = np.fromiter(map(lookup, grams, repeat(-1)), dtype=np.int64, count=count)
        keep = ids >= 0
        if n > 1:
            keep &= token_rows[:count] == token_rows[n - 1 :]
        keys.append(token_rows[:count][keep] * n_features + ids[keep])
    # counts per (row, column), sorted by row then column: the layout scikit-learn returns
    key, counts = np.unique(np.concatenate(keys) if keys else np.zeros(0, np.int64), return_counts=True)
    row = key // max(n_features, 1)
    indices = (key - row * n_features).astype(np.int32)
    indptr = np.zeros(n_docs + 1, dtype=np.int32)
    np.cumsum(np.bincount(row, minlength=n_docs), out=indptr[1:])
    data = counts.astype(dtype)
    if sublinear_tf:
        np.log(data, data)
        data += 1.0
    if idf is not None:
        data *= idf[indices]
    if norm is not None and len(data):
        filled = np.diff(indptr) > 0
        part = np.abs(data) if norm == "l1" else data * data
        totals = np.add.reduceat(part.astype(np.float64), indptr[:-1][filled])
        if norm == "l2":
            totals = np.sqrt(totals)
        totals[totals == 0.0] = 1.0
        data = (data / np.repeat(totals, np.diff(indptr)[filled])).astype(dtype)
    return Rows(indptr, indices, data, (n_docs, n_features))


def word_tfidf_transform(
    vectorizer: TfidfVectorizer, docs: Sequence[str], lookup: NgramIndex | None = None
) -> sp.csr_matrix:
    """``vectorizer.transform(docs)`` for whitespace-tokenised documents, faster.

    Parameters
    ----------
    vectorizer : TfidfVectorizer
        A fitted vectoriser for which :func:`supports` is true.
    docs : sequence of str
        Space-separated tokens, as :class:`~maladmin_nlp.preprocessing.IndonesianPreprocessor`
        returns them.
    lookup : NgramIndex, default=None
        An index of ``vectorizer.vocabulary_``, to reuse across calls; None looks n-grams up
        with ``vocabulary_.get``. The result is the same.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (len(docs), len(vectorizer.vocabulary_))
        The same sparsity structure as ``vectorizer.transform(docs)``, values equal to float32
        rounding.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> vec = TfidfVectorizer(token_pattern=r"\\S+", lowercase=False, ngram_range=(1, 2))
    >>> vec = vec.fit(["tidak layan", "layan lambat"])
    >>> a = word_tfidf_transform(vec, ["tidak layan lambat"])
    >>> bool(abs(a - vec.transform(["tidak layan lambat"])).max() < 1e-6)
    True
    """
    return word_tfidf_rows(
        docs,
        vectorizer.vocabulary_.get if lookup is None else lookup,
        len(vectorizer.vocabulary_),
        ngram_range=vectorizer.ngram_range,
        idf=vectorizer.idf_ if vectorizer.use_idf else None,
        sublinear_tf=vectorizer.sublinear_tf,
        norm=vectorizer.norm,
        dtype=vectorizer.dtype,
    ).tocsr()
