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

from collections.abc import Iterable, Mapping
from typing import Any

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .normalize import MAX_CHARS, load_courtesy_words, load_slang_lexicon, load_stem_exceptions, load_stopwords
from .text_pipeline import TextPipeline, check_documents

__all__ = ["IndonesianPreprocessor", "check_documents"]


class IndonesianPreprocessor(TransformerMixin, BaseEstimator, TextPipeline):
    """Clean, mask, normalise, filter and stem Indonesian complaint texts.

    Parameters
    ----------
    clean : bool, default=True
        Unicode NFKC, HTML tags and entities, URLs, control and zero-width characters, emoji,
        elongated letters (``lamaaaa`` -> ``lama``), reduplication (``jadi2`` -> ``jadi-jadi``).
        Lower-casing always happens.
    mask_pii : bool, default=True
        Replace NIK/KK numbers, phone numbers, e-mails, bank accounts, vehicle plates and other
        identity numbers (NISN, NIB, PBB tax object and certificate numbers) with ``<nik>``,
        ``<telepon>``, ``<email>``, ``<rekening>``, ``<nopol>``, ``<identitas>``.
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
    stem_exceptions_ : dict of str to str
        Word -> stem overrides applied before Sastrawi (the bundled list, copied at fit time so
        that a fitted or saved model is not changed by a later release's list).

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
        self.stem_exceptions_ = dict(load_stem_exceptions())
        self._reset_cache()
        return self

    def _check_fitted(self) -> None:
        check_is_fitted(self, "lexicon_")

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags
