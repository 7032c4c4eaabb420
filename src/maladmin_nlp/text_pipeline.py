"""``TextPipeline``: the fitted preprocessing chain, without scikit-learn.

:class:`~maladmin_nlp.preprocessing.IndonesianPreprocessor` is the scikit-learn estimator users
build and fit; this module holds what it runs, so that a model loaded for prediction only
(:class:`~maladmin_nlp.compact.CompactModel`) preprocesses text exactly as the estimator does
without importing scikit-learn. The chain: clean-up (Unicode, HTML, URLs, emoji, elongated
letters) -> PII masking -> money/duration/date/number tokens -> slang normalisation ->
negation-aware stopwords -> Sastrawi stemming, cached per chunk and per word.

Examples
--------
>>> from maladmin_nlp.text_pipeline import TextPipeline
>>> pipe = TextPipeline.from_state({"lexicon": {"gk": "tidak"}, "stopwords": ["saya"], "stem": False})
>>> pipe.process("Saya gk dilayani")
'tidak dilayani'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

from .normalize import (
    _DIGIT_RE,
    _MAX_PASSES,
    _NUMBER_WORDS,
    _WORD_RE,
    MAX_CHARS,
    _clean_head,
    _clean_tail,
    _mask_and_tag,
    _may_hold_markup,
    load_stem_exceptions,
)
from .stemming import CachedStemmer, StemGate

__all__ = ["TextPipeline", "check_documents"]


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NA / NaT without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")


def check_documents(X: Iterable[Any]) -> list[str]:
    """Validate an iterable of documents and return them as a list of ``str``.

    ``None`` and NaN become ``""``. A bare string is refused (it would be read as a sequence of
    characters), and so is any other non-text value, with its position and type.

    Parameters
    ----------
    X : iterable of str

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        If ``X`` is a single string, or holds a value that is neither text nor missing.

    Examples
    --------
    >>> check_documents(["a", None, float("nan")])
    ['a', '', '']
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "Iterable over raw text documents expected, got a single string. Wrap it in a list: [text]."
        )
    try:
        items = list(X)
    except TypeError:
        raise TypeError(f"Iterable over raw text documents expected, got {type(X).__name__}.") from None
    out: list[str] = []
    for i, doc in enumerate(items):
        if isinstance(doc, str):
            out.append(doc)
        elif _is_missing(doc):
            out.append("")
        else:
            raise TypeError(
                f"Document at position {i} is of type {type(doc).__name__}, expected str (or None/NaN for "
                "an empty complaint). Convert the column to text first, e.g. df[col].astype(str)."
            )
    return out


class _Caches:
    """The per-object caches, each bounded by ``cache_size`` (emptied when full).

    ``plain``: raw chunk -> output tokens, for chunks that masking and tagging never touch (a
    subset of ``cleaned``, emptied with it); ``cleaned``: raw chunk -> cleaned chunk;
    ``chunks``: normalised chunk -> output tokens; ``words``: word -> tokens. Output tokens are
    stored as ``"tok1 tok2 "``, so a document is its chunks' strings joined, minus the last space.
    :meth:`TextPipeline.analyze` keeps (token, surface) pairs the same way: ``plain_pairs`` per
    raw chunk that is plain, ``chunk_pairs`` per normalised chunk, ``word_pairs`` per word.
    """

    __slots__ = ("chunk_pairs", "chunks", "cleaned", "plain", "plain_pairs", "word_pairs", "words")

    def __init__(self) -> None:
        self.plain: dict[str, str] = {}
        self.cleaned: dict[str, str] = {}
        self.chunks: dict[str, str] = {}
        self.words: dict[str, tuple[str, ...]] = {}
        self.plain_pairs: dict[str, tuple[tuple[str, str], ...]] = {}
        self.chunk_pairs: dict[str, tuple[tuple[str, str], ...]] = {}
        self.word_pairs: dict[str, tuple[tuple[str, str], ...]] = {}


def _store(cache: dict[str, Any], key: str, value: Any, size: int) -> None:
    if len(cache) >= size:
        cache.clear()
    cache[key] = value


def _missing(found: list[Any]) -> Iterator[int]:
    """Positions of the ``None`` entries of ``found`` (cache misses), found by ``list.index`` in C.

    A document's chunks are looked up all at once with ``map(cache.get, chunks)``; the few that
    miss are then filled in one by one, instead of calling a Python method for every chunk.
    ``found`` may be filled in while this runs.
    """
    i = -1
    while True:
        try:
            i = found.index(None, i + 1)
        except ValueError:
            return
        yield i


def _is_plain(cleaned: str) -> bool:
    """True for a cleaned chunk free of "@", digits and a final number word.

    :func:`mask_pii` and :func:`replace_entities` change a text made of such chunks at most in its
    whitespace: masking needs "@" or a digit, numbers need a digit, and a word entity
    (``dua minggu``) needs a number word followed by whitespace.
    """
    return (
        "@" not in cleaned
        and not _DIGIT_RE.search(cleaned)
        and not any(part.endswith(_NUMBER_WORDS) for part in cleaned.split())
    )


def _has_ascii_digit(text: str) -> bool:
    """Whether ``text`` holds a digit 0-9: ten substring searches in C, 0.9 us on a 400-character
    complaint against 2.1 us for a regular expression. A raw chunk with a digit is never in the
    ``plain`` caches, so a document with one skips the attempt to join its chunks from them, which
    would fail part way (17 us per benchmark complaint with digits, measured); either path gives
    the same tokens."""
    return any(map(text.__contains__, "0123456789"))


class NotFittedPipelineError(RuntimeError):
    """A :class:`TextPipeline` used before it has its lexicon (``fit`` or ``from_state``)."""


class TextPipeline:
    """Clean, mask, normalise, filter and stem complaint texts with a fixed lexicon and stopword set.

    The fitted state is ``lexicon_`` (slang -> standard form), ``stopwords_`` and
    ``stem_exceptions_``; the switches are the attributes of the same names as
    :class:`~maladmin_nlp.preprocessing.IndonesianPreprocessor`'s parameters. Build one with
    :meth:`from_state`, or fit an ``IndonesianPreprocessor`` (a subclass).

    Attributes
    ----------
    lexicon_ : dict of str to str
        Slang and abbreviations -> standard words.
    stopwords_ : frozenset of str
        Words dropped (courtesy formulas included when they are removed).
    stem_exceptions_ : dict of str to str
        Words stemmed by this list instead of by Sastrawi (the bundled
        :func:`~maladmin_nlp.normalize.load_stem_exceptions` when fitted). It is part of the
        state, so a saved model keeps stemming as it was trained when a later release changes the
        bundled list. A pipeline pickled or a state written without it uses the bundled list.
    """

    clean: bool = True
    mask_pii: bool = True
    entities: bool = True
    remove_stopwords: bool = True
    stem: bool = True
    max_chars: int = MAX_CHARS
    cache_size: int = 200_000
    stem_gate: StemGate | None = None
    lexicon_: dict[str, str]
    stopwords_: frozenset[str]
    stem_exceptions_: dict[str, str]

    _STATE_FLAGS = ("clean", "mask_pii", "entities", "remove_stopwords", "stem")

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> TextPipeline:
        """A ready pipeline from :meth:`state` output (plain JSON types).

        Parameters
        ----------
        state : mapping
            ``lexicon`` (mapping), ``stopwords`` (list) and optionally ``stem_exceptions``
            (mapping; default the bundled list), the switches ``clean``, ``mask_pii``,
            ``entities``, ``remove_stopwords``, ``stem`` (default True), ``max_chars`` and
            ``cache_size``.
        """
        pipe = cls.__new__(cls)
        for name in cls._STATE_FLAGS:
            setattr(pipe, name, bool(state.get(name, True)))
        max_chars = state.get("max_chars", MAX_CHARS)
        cache_size = state.get("cache_size", 200_000)
        if not isinstance(max_chars, int) or max_chars < 1:
            raise ValueError(f"max_chars must be a positive int, got {max_chars!r}")
        if not isinstance(cache_size, int) or cache_size < 1:
            raise ValueError(f"cache_size must be a positive int, got {cache_size!r}")
        pipe.max_chars = max_chars
        pipe.cache_size = cache_size
        pipe.lexicon_ = {str(k): str(v) for k, v in dict(state["lexicon"]).items()}
        pipe.stopwords_ = frozenset(str(w) for w in state["stopwords"])
        exceptions = state.get("stem_exceptions")
        if exceptions is not None:
            pipe.stem_exceptions_ = {str(k): str(v) for k, v in dict(exceptions).items()}
        pipe._reset_cache()
        return pipe

    def state(self) -> dict[str, Any]:
        """The fitted state as plain JSON types; :meth:`from_state` rebuilds an equal pipeline."""
        self._check_fitted()
        out: dict[str, Any] = {name: bool(getattr(self, name)) for name in self._STATE_FLAGS}
        out["max_chars"] = int(self.max_chars)
        out["cache_size"] = int(self.cache_size)
        out["lexicon"] = dict(sorted(self.lexicon_.items()))
        out["stopwords"] = sorted(self.stopwords_)
        out["stem_exceptions"] = dict(sorted(self._stem_exceptions().items()))
        return out

    def _stem_exceptions(self) -> dict[str, str]:
        """``stem_exceptions_``, or the bundled list for a pipeline fitted or saved without one."""
        found: dict[str, str] | None = self.__dict__.get("stem_exceptions_")
        return load_stem_exceptions() if found is None else found

    def restrict_stemming(self, terms: Iterable[str] | None) -> None:
        """Stem only the words whose stem could be one of ``terms`` (a model's vocabulary).

        Prediction does not change: a word whose stem is in no term adds nothing to a model,
        stemmed or not (see :class:`~maladmin_nlp.stemming.StemGate`). Such words are then kept
        as they are in this pipeline's output, which saves Sastrawi's rule search on names and
        typos. ``None`` stems every word again. The caches are emptied.
        """
        self.stem_gate = None if terms is None else StemGate(terms, self._stem_exceptions())
        self._reset_cache()

    def _check_fitted(self) -> None:
        if "lexicon_" not in self.__dict__:
            raise NotFittedPipelineError(
                f"This {type(self).__name__} has no lexicon yet: call fit() (or build it with from_state())."
            )

    def transform(self, X: Iterable[Any]) -> list[str]:
        """Preprocess documents.

        Parameters
        ----------
        X : iterable of str
            Complaints. ``None``/NaN are treated as empty.

        Returns
        -------
        list of str
            One string of space-separated tokens per document.
        """
        self._check_fitted()
        return [self.process(doc) for doc in check_documents(X)]

    # -- one document ----------------------------------------------------------
    def process(self, doc: str) -> str:
        """Preprocess one document (the fitted object's single-text path)."""
        caches = self._caches()
        text = doc[: self.max_chars]
        # clean_text's remaining steps work chunk by chunk, so they are cached per raw chunk
        head = _clean_head(text) if self.clean else ""
        if not self.clean or _may_hold_markup(head):
            return self._finish(self._normalized_whole(text, head, caches), caches)
        chunks = head.split()
        if not _has_ascii_digit(head):
            try:
                # the common case, all in C: every chunk seen before, none with a digit, "@" or number word
                return "".join(map(caches.plain.__getitem__, chunks))[:-1]
            except KeyError:
                pass
        try:
            text = " ".join(map(caches.cleaned.__getitem__, chunks))
        except KeyError:
            text = self._clean_chunks(chunks, caches)
            try:
                return "".join(map(caches.plain.__getitem__, chunks))[:-1]
            except KeyError:
                pass
        return self._finish(self._tagged(text), caches)

    def _normalized_whole(self, text: str, head: str, caches: _Caches, plain_tokens: bool = True) -> str:
        """Normalised text for the paths that are not cached per document chunk: no clean-up, or
        markup that clean-up may uncover (``head`` is ``_clean_head(text)``). Masked and tagged, up
        to whitespace.

        With clean-up, this is :func:`clean_text` with its tail cleaned chunk by chunk from the
        cache (``_clean_tail`` works within chunks): a long pasted letter with a few odd characters
        no longer runs the per-character tail over the whole text two or three times.
        """
        if not self.clean:
            return _mask_and_tag(text.lower(), self.mask_pii, self.entities, False)
        cleaned = " ".join(self._clean_chunks(head.split(), caches, plain_tokens).split())
        for _ in range(_MAX_PASSES):  # clean_text's passes until nothing changes
            again = " ".join(self._clean_chunks(_clean_head(cleaned).split(), caches, plain_tokens).split())
            if again == cleaned:
                break
            cleaned = again
        return _mask_and_tag(cleaned, self.mask_pii, self.entities, True)

    def _tagged(self, cleaned: str) -> str:
        """Masked and tagged text of cleaned chunks joined by spaces, up to whitespace."""
        if "  " in cleaned or cleaned[:1] == " " or cleaned[-1:] == " ":  # a chunk cleaned away to nothing
            cleaned = " ".join(cleaned.split())
        return _mask_and_tag(cleaned, self.mask_pii, self.entities, True)

    def _clean_chunks(self, chunks: list[str], caches: _Caches, plain_tokens: bool = True) -> str:
        """Clean the chunks not cached yet; with ``plain_tokens``, chunks that masking and tagging
        never touch also get their output tokens cached in ``caches.plain`` (:meth:`analyze` keeps
        its own pairs instead). Returns the cleaned chunks joined by spaces."""
        cleaned_cache, plain = caches.cleaned, caches.plain
        parts: list[str | None] = list(map(cleaned_cache.get, chunks))
        for i in _missing(parts):
            chunk = chunks[i]
            cleaned = cleaned_cache.get(chunk)  # a chunk seen earlier in this document
            if cleaned is None:
                cleaned = _clean_tail(chunk)
                if len(cleaned_cache) >= self.cache_size:
                    cleaned_cache.clear()
                    plain.clear()
                cleaned_cache[chunk] = cleaned
                if plain_tokens and _is_plain(cleaned):
                    plain[chunk] = "".join([self._chunk_string(part, caches) for part in cleaned.split()])
            parts[i] = cleaned
        return " ".join(parts)  # type: ignore[arg-type]  # no None is left

    def _finish(self, text: str, caches: _Caches) -> str:
        """Tokens of normalised text, looked up per whitespace chunk (``_WORD_RE`` never spans one)."""
        chunks = text.split()
        found: list[str | None] = list(map(caches.chunks.get, chunks))
        try:
            return "".join(found)[:-1]  # type: ignore[arg-type]
        except TypeError:  # a chunk not seen yet
            for i in _missing(found):
                found[i] = self._chunk_string(chunks[i], caches)
            return "".join(found)[:-1]  # type: ignore[arg-type]

    def _chunk_string(self, chunk: str, caches: _Caches) -> str:
        """Tokens of one normalised chunk, each followed by a space (cached)."""
        s = caches.chunks.get(chunk)
        if s is None:
            words = caches.words
            tokens: list[str] = []
            for word in _WORD_RE.findall(chunk):
                found = words.get(word)
                if found is None:
                    found = self._word_tokens(word)
                    _store(words, word, found, self.cache_size)
                tokens.extend(found)
            s = "".join([token + " " for token in tokens])
            _store(caches.chunks, chunk, s, self.cache_size)
        return s

    def analyze(self, doc: str) -> list[tuple[str, str]]:
        """Preprocess one document keeping each token's readable surface form.

        Returns
        -------
        list of (token, surface) pairs
            ``surface`` is the word as normalised before stemming (``dilayani`` for the token
            ``layan``); placeholders are their own surface.

        Examples
        --------
        >>> from maladmin_nlp import IndonesianPreprocessor
        >>> IndonesianPreprocessor().fit([]).analyze("gk dilayani")
        [('tidak', 'tidak'), ('layan', 'dilayani')]
        """
        self._check_fitted()
        caches = self._caches()
        text = doc[: self.max_chars]
        head = _clean_head(text) if self.clean else ""
        if not self.clean or _may_hold_markup(head):
            return self._pairs(self._normalized_whole(text, head, caches, plain_tokens=False), caches)
        # as in process(): a document of plain chunks is its chunks' results joined
        raw = head.split()
        plain_pairs = caches.plain_pairs
        if not _has_ascii_digit(head):
            try:
                return list(chain.from_iterable(map(plain_pairs.__getitem__, raw)))
            except KeyError:
                pass
        cleaned = caches.cleaned
        try:
            text = " ".join(map(cleaned.__getitem__, raw))
        except KeyError:
            text = self._clean_chunks(raw, caches, plain_tokens=False)
        if _is_plain(text):  # the document is plain exactly when each of its chunks is
            try:
                found = [
                    tuple(chain.from_iterable(self._chunk_pairs(part, caches) for part in cleaned[chunk].split()))
                    for chunk in raw
                ]
            except KeyError:  # the cache was full and emptied on the way
                pass
            else:
                for chunk, pairs in zip(raw, found):
                    _store(plain_pairs, chunk, pairs, self.cache_size)
                return list(chain.from_iterable(found))
        return self._pairs(self._tagged(text), caches)

    def _pairs(self, text: str, caches: _Caches) -> list[tuple[str, str]]:
        """(token, surface) pairs of normalised text, looked up per whitespace chunk."""
        chunks = text.split()
        found: list[tuple[tuple[str, str], ...] | None] = list(map(caches.chunk_pairs.get, chunks))
        try:
            return list(chain.from_iterable(found))  # type: ignore[arg-type]
        except TypeError:  # a chunk not seen yet
            for i in _missing(found):
                found[i] = self._chunk_pairs(chunks[i], caches)
            return list(chain.from_iterable(found))  # type: ignore[arg-type]

    def _chunk_pairs(self, chunk: str, caches: _Caches) -> tuple[tuple[str, str], ...]:
        """(token, surface) pairs of one normalised chunk (cached; ``_WORD_RE`` never spans one)."""
        found = caches.chunk_pairs.get(chunk)
        if found is None:
            word_pairs = caches.word_pairs
            pairs: list[tuple[str, str]] = []
            for word in _WORD_RE.findall(chunk):
                of_word = word_pairs.get(word)
                if of_word is None:
                    of_word = tuple(
                        (token, part)
                        for part in self._expand(word)
                        if (token := self._final_token(part)) is not None
                    )
                    _store(word_pairs, word, of_word, self.cache_size)
                pairs.extend(of_word)
            found = tuple(pairs)
            _store(caches.chunk_pairs, chunk, found, self.cache_size)
        return found

    def _expand(self, word: str) -> list[str]:
        if word[0] == "<":
            return [word]
        return self.lexicon_.get(word, word).split()

    def _final_token(self, part: str) -> str | None:
        if part[0] == "<":
            return part
        if self.remove_stopwords and part in self.stopwords_:
            return None
        if self.stem:
            gate = self.stem_gate
            if gate is not None and not gate.may_matter(part):
                return part
            return self._stemmer().stem_word(part)
        return part

    def _word_tokens(self, word: str) -> tuple[str, ...]:
        tokens = (self._final_token(part) for part in self._expand(word))
        return tuple(t for t in tokens if t)

    # -- caches (private, never pickled) ---------------------------------------
    def _reset_cache(self) -> None:
        self.__dict__["_cache"] = _Caches()
        self.__dict__["_stemmer_obj"] = None

    def _caches(self) -> _Caches:
        caches = self.__dict__.get("_cache")
        if caches is None:
            self._check_fitted()
            caches = self.__dict__["_cache"] = _Caches()
        return caches

    def _stemmer(self) -> CachedStemmer:
        stemmer = self.__dict__.get("_stemmer_obj")
        if stemmer is None:
            stemmer = self.__dict__["_stemmer_obj"] = CachedStemmer(
                max_size=self.cache_size, exceptions=self._stem_exceptions()
            )
        return stemmer

    def clear_cache(self) -> None:
        """Forget cached word results (they are rebuilt on demand)."""
        self._reset_cache()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for key in ("_cache", "_stemmer_obj"):
            state.pop(key, None)
        return state
