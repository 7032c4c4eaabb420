"""``IndonesianPreprocessor``: raw complaint text in, cleaned token string out.

The chain, each step switchable: clean-up (Unicode, HTML, URLs, emoji, elongated letters) ->
PII masking -> money/duration/date/number tokens -> slang normalisation -> negation-aware
stopwords -> Sastrawi stemming. The result is a string of space-separated tokens, ready for
``TfidfVectorizer(token_pattern=r"\\S+")``.

Examples
--------
>>> from maladmin_nlp import IndonesianPreprocessor
>>> pre = IndonesianPreprocessor().fit([])
>>> pre.transform(["sy udh 3 bln nunggu e-ktp gk jadi2, diminta Rp 300rb"])
['sudah <durasi> tunggu ktp tidak jadi minta <uang>']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .normalize import (
    _DIGIT_RE,
    _NUMBER_WORDS,
    _WORD_RE,
    MAX_CHARS,
    _clean_head,
    _clean_tail,
    _mask_and_tag,
    _may_hold_markup,
    clean_text,
    load_courtesy_words,
    load_slang_lexicon,
    load_stem_exceptions,
    load_stopwords,
)
from .stemming import CachedStemmer

__all__ = ["IndonesianPreprocessor", "check_documents"]


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
    """

    __slots__ = ("chunks", "cleaned", "plain", "words")

    def __init__(self) -> None:
        self.plain: dict[str, str] = {}
        self.cleaned: dict[str, str] = {}
        self.chunks: dict[str, str] = {}
        self.words: dict[str, tuple[str, ...]] = {}


def _store(cache: dict[str, Any], key: str, value: Any, size: int) -> None:
    if len(cache) >= size:
        cache.clear()
    cache[key] = value


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


class IndonesianPreprocessor(TransformerMixin, BaseEstimator):
    """Clean, mask, normalise, filter and stem Indonesian complaint texts.

    Parameters
    ----------
    clean : bool, default=True
        Unicode NFKC, HTML tags and entities, URLs, control and zero-width characters, emoji,
        elongated letters (``lamaaaa`` -> ``lama``), reduplication (``jadi2`` -> ``jadi-jadi``).
        Lower-casing always happens.
    mask_pii : bool, default=True
        Replace NIK/KK numbers, phone numbers, e-mails, bank accounts and vehicle plates with
        ``<nik>``, ``<telepon>``, ``<email>``, ``<rekening>``, ``<nopol>``.
    entities : bool, default=True
        Replace money amounts, durations, dates and other numbers with ``<uang>``, ``<durasi>``,
        ``<tanggal>``, ``<angka>``.
    normalize_slang : bool, default=True
        Map slang and abbreviations to standard words with the bundled lexicon.
    remove_courtesy : bool, default=True
        Drop courtesy formulas (``terima kasih``, ``mohon``, ``tolong``, ``matur nuwun``): real
        complaints of every label carry them, so they only teach a model the register of questions.
    remove_stopwords : bool, default=True
        Drop function words with the bundled negation-aware list (negations are kept).
    stem : bool, default=True
        Stem words with Sastrawi (cached per word).
    slang : mapping of str to str, default=None
        Extra slang -> standard forms, merged over the bundled lexicon.
    stopwords : iterable of str, default=None
        Replaces the bundled stopword list when given.
    max_chars : int, default=20000
        Characters read per document; longer texts are cut (see
        :data:`maladmin_nlp.normalize.MAX_CHARS`).
    cache_size : int, default=200000
        Most distinct words whose processed form is cached.

    Attributes
    ----------
    lexicon_ : dict of str to str
        The slang lexicon in use.
    stopwords_ : frozenset of str
        The stopwords in use.

    Examples
    --------
    >>> pre = IndonesianPreprocessor(stem=False).fit([])
    >>> pre.transform(["Pelayanan TIDAK dilayani, disuruh balik lagi!!"])
    ['pelayanan tidak dilayani disuruh kembali lagi']
    """

    def __init__(
        self,
        *,
        clean: bool = True,
        mask_pii: bool = True,
        entities: bool = True,
        normalize_slang: bool = True,
        remove_stopwords: bool = True,
        remove_courtesy: bool = True,
        stem: bool = True,
        slang: Mapping[str, str] | None = None,
        stopwords: Iterable[str] | None = None,
        max_chars: int = MAX_CHARS,
        cache_size: int = 200_000,
    ) -> None:
        self.clean = clean
        self.mask_pii = mask_pii
        self.entities = entities
        self.normalize_slang = normalize_slang
        self.remove_stopwords = remove_stopwords
        self.remove_courtesy = remove_courtesy
        self.stem = stem
        self.slang = slang
        self.stopwords = stopwords
        self.max_chars = max_chars
        self.cache_size = cache_size

    # -- sklearn API ---------------------------------------------------------
    def fit(self, X: Iterable[Any], y: object = None) -> IndonesianPreprocessor:
        """Load the lexicons. The data is only validated: nothing is learned from it."""
        check_documents(X)
        if not isinstance(self.max_chars, int) or self.max_chars < 1:
            raise ValueError(f"max_chars must be a positive int, got {self.max_chars!r}")
        lexicon = dict(load_slang_lexicon()) if self.normalize_slang else {}
        if self.normalize_slang and self.slang:
            lexicon.update({k.lower(): v.lower() for k, v in self.slang.items()})
        self.lexicon_ = lexicon
        stopwords = frozenset(
            (w.lower() for w in self.stopwords) if self.stopwords is not None else load_stopwords()
        )
        self.stopwords_ = stopwords | load_courtesy_words() if self.remove_courtesy else stopwords
        self._reset_cache()
        return self

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
        check_is_fitted(self, "lexicon_")
        return [self.process(doc) for doc in check_documents(X)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags

    # -- one document ----------------------------------------------------------
    def _normalized(self, doc: str) -> str:
        """Cleaned, masked and tagged text, up to whitespace (the chunk caches of
        :meth:`process` do the clean-up)."""
        text = doc[: self.max_chars]
        if not self.clean:
            return _mask_and_tag(text.lower(), self.mask_pii, self.entities, False)
        head = _clean_head(text)
        if _may_hold_markup(head):
            text = clean_text(text)
        else:
            chunks = head.split()
            caches = self._caches()
            try:
                text = " ".join(map(caches.cleaned.__getitem__, chunks))
            except KeyError:
                text = self._clean_chunks(chunks, caches)
            if "  " in text or text[:1] == " " or text[-1:] == " ":  # a chunk cleaned away to nothing
                text = " ".join(text.split())
        return _mask_and_tag(text, self.mask_pii, self.entities, True)

    def process(self, doc: str) -> str:
        """Preprocess one document (the fitted object's single-text path)."""
        caches = self._caches()
        text = doc[: self.max_chars]
        if not self.clean:
            return self._finish(_mask_and_tag(text.lower(), self.mask_pii, self.entities, False), caches)
        # clean_text's remaining steps work chunk by chunk, so they are cached per raw chunk
        head = _clean_head(text)
        if _may_hold_markup(head):  # rare: clean_text takes a second look, see there
            return self._finish(_mask_and_tag(clean_text(text), self.mask_pii, self.entities, True), caches)
        chunks = head.split()
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
        if "  " in text or text[:1] == " " or text[-1:] == " ":  # a chunk cleaned away to nothing
            text = " ".join(text.split())
        return self._finish(_mask_and_tag(text, self.mask_pii, self.entities, True), caches)

    def _clean_chunks(self, chunks: list[str], caches: _Caches) -> str:
        """Clean the chunks not cached yet; chunks that masking and tagging never touch also get
        their output tokens cached in ``caches.plain``. Returns the cleaned chunks joined by spaces."""
        cleaned_cache, plain = caches.cleaned, caches.plain
        parts: list[str] = []
        for chunk in chunks:
            cleaned = cleaned_cache.get(chunk)
            if cleaned is None:
                cleaned = _clean_tail(chunk)
                if len(cleaned_cache) >= self.cache_size:
                    cleaned_cache.clear()
                    plain.clear()
                cleaned_cache[chunk] = cleaned
                if _is_plain(cleaned):
                    plain[chunk] = "".join([self._chunk_string(part, caches) for part in cleaned.split()])
            parts.append(cleaned)
        return " ".join(parts)

    def _finish(self, text: str, caches: _Caches) -> str:
        """Tokens of normalised text, looked up per whitespace chunk (``_WORD_RE`` never spans one)."""
        chunks = text.split()
        try:
            return "".join(map(caches.chunks.__getitem__, chunks))[:-1]
        except KeyError:
            return "".join([self._chunk_string(chunk, caches) for chunk in chunks])[:-1]

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
        >>> IndonesianPreprocessor().fit([]).analyze("gk dilayani")
        [('tidak', 'tidak'), ('layan', 'dilayani')]
        """
        check_is_fitted(self, "lexicon_")
        cache = self.__dict__.get("_pair_cache")
        if cache is None:
            cache = self.__dict__["_pair_cache"] = {}
        pairs: list[tuple[str, str]] = []
        for word in _WORD_RE.findall(self._normalized(doc)):
            found = cache.get(word)
            if found is None:
                found = tuple(
                    (token, part)
                    for part in self._expand(word)
                    if (token := self._final_token(part)) is not None
                )
                if len(cache) >= self.cache_size:
                    cache.clear()
                cache[word] = found
            pairs.extend(found)
        return pairs

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
            return self._stemmer().stem_word(part)
        return part

    def _word_tokens(self, word: str) -> tuple[str, ...]:
        tokens = (self._final_token(part) for part in self._expand(word))
        return tuple(t for t in tokens if t)

    # -- caches (private, never pickled) ---------------------------------------
    def _reset_cache(self) -> None:
        self.__dict__["_cache"] = _Caches()
        self.__dict__["_pair_cache"] = {}
        self.__dict__["_stemmer_obj"] = None

    def _caches(self) -> _Caches:
        caches = self.__dict__.get("_cache")
        if caches is None:
            check_is_fitted(self, "lexicon_")
            caches = self.__dict__["_cache"] = _Caches()
        return caches

    def _stemmer(self) -> CachedStemmer:
        stemmer = self.__dict__.get("_stemmer_obj")
        if stemmer is None:
            stemmer = self.__dict__["_stemmer_obj"] = CachedStemmer(
                max_size=self.cache_size, exceptions=load_stem_exceptions()
            )
        return stemmer

    def clear_cache(self) -> None:
        """Forget cached word results (they are rebuilt on demand)."""
        self._reset_cache()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state = dict(state)
        for key in ("_cache", "_pair_cache", "_stemmer_obj"):
            state.pop(key, None)
        return state
