"""Sastrawi stemming, made fast: one stemmer per process, each distinct word stemmed once.

PySastrawi implements the Enhanced Confix Stripping stemmer (Nazief & Adriani 1996; Asian 2007;
Arifin, Mahendra & Ciptaningtyas 2009) over Kateglo's root-word dictionary (CC BY-NC-SA 3.0).
Building it reads a 30,000-word dictionary, so it is built once per process and shared; its
word -> stem results are kept in a bounded cache owned by each :class:`CachedStemmer`.

Examples
--------
>>> from maladmin_nlp.stemming import CachedStemmer
>>> stemmer = CachedStemmer()
>>> [stemmer.stem_word(w) for w in ["dilayani", "pungutan", "perbankan", "tidak"]]
['layan', 'pungut', 'bank', 'tidak']
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from itertools import product
from typing import Any

from .normalize import load_stem_exceptions

__all__ = [
    "CachedStemmer",
    "StemGate",
    "get_sastrawi_stemmer",
    "load_known_stems",
    "may_have_affix",
    "may_stem_to",
    "needs_rule_search",
]

_BUILD_LOCK = threading.Lock()
_STEMMER: Any = None


def get_sastrawi_stemmer() -> Any:
    """The process-wide PySastrawi ``Stemmer`` (built on first use, thread-safe).

    Returns the uncached ``Sastrawi.Stemmer.Stemmer.Stemmer``; use :class:`CachedStemmer`
    for repeated words.

    Raises
    ------
    ImportError
        If PySastrawi is not installed, with the command that installs it.
    """
    global _STEMMER
    if _STEMMER is None:
        with _BUILD_LOCK:
            if _STEMMER is None:
                try:
                    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
                    from Sastrawi.Stemmer.Stemmer import Stemmer
                    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
                except ImportError as exc:  # pragma: no cover - core dependency
                    raise ImportError(
                        "maladmin_nlp needs PySastrawi for stemming: pip install 'PySastrawi>=1.2.1'"
                    ) from exc
                words = StemmerFactory().get_words()
                _STEMMER = Stemmer(ArrayDictionary(words))
    return _STEMMER


# Everything PySastrawi's Enhanced Confix Stripping rules can remove from a word: the plain
# prefixes (di-, ke-, se-), the prefixes its disambiguation rules handle (be-, me-, pe-, te-, ku-,
# kau-, er-), the infixes -el-, -em-, -er-, -in- after a first consonant, and the suffixes
# -lah/-kah/-tah/-pun, -ku/-mu/-nya and -i/-kan/-an/-is/-isme/-isasi. A word with none of them comes
# back unchanged, yet costs Sastrawi its whole rule search (about 0.3 ms) when it is not a root
# word: names, typos, English words. That is most of the unseen words of a real archive.
_PREFIXES = ("be", "di", "ke", "se", "me", "pe", "te", "ku", "ka", "er")
_SUFFIXES = ("i", "an", "is", "isme", "lah", "kah", "tah", "pun", "ku", "mu", "nya")
_INFIXES = frozenset({"el", "em", "er", "in"})


def may_have_affix(word: str) -> bool:
    """Whether Sastrawi could remove anything from ``word`` (when false, its stem is ``word``).

    Checked word by word against PySastrawi on the packaged corpus and seeded random words in the
    tests, and on 87,000 words of real complaint archives while writing it.

    Examples
    --------
    >>> [may_have_affix(w) for w in ["dilayani", "pungutan", "surabaya", "ktp"]]
    [True, True, False, False]
    """
    return word.startswith(_PREFIXES) or word.endswith(_SUFFIXES) or word[1:3] in _INFIXES or "-" in word


# What a stem Sastrawi returns can look like, from the outside: the word minus a chain of suffixes
# (derivational, possessive, particle, in that order from the end) and minus up to three prefixes
# (the units below, as its disambiguation rules cut them), where a meN-/peN- prefix may have
# replaced the root's first letter (menulis -> tulis, menyetujui -> setuju -> tuju) and an infix
# may have gone after the first letter (gemetar -> getar). Checked against PySastrawi on every word
# it changes in the corpus, both real archives and random words (tests/test_stemming.py).
_PREFIX_UNITS = frozenset(
    {"di", "ke", "se", "ku", "kau", "be", "ber", "bel", "te", "ter", "tel", "me", "mem", "men", "meng", "meny",
     "menge", "pe", "pem", "pen", "peng", "peny", "penge", "per", "pel"}
)
_NASAL_UNITS = frozenset({"mem", "men", "meng", "meny", "menge", "pem", "pen", "peng", "peny", "penge"})
_UNITS_BY_TAIL: dict[str, tuple[str, ...]] = {}
for _unit in sorted(_PREFIX_UNITS):
    _UNITS_BY_TAIL[_unit[1:]] = (*_UNITS_BY_TAIL.get(_unit[1:], ()), _unit)
_UNIT_LENGTHS = tuple(sorted({len(u) for u in _PREFIX_UNITS}))
_SUFFIX_CHAINS = frozenset(
    a + b + c
    for a, b, c in product(
        ("", "i", "kan", "an", "is", "isme", "isasi"), ("", "ku", "mu", "nya"), ("", "lah", "kah", "tah", "pun")
    )
)
_LONGEST_CHAIN = max(map(len, _SUFFIX_CHAINS))
_WILD = "?"


def _root_forms(word: str) -> list[str]:
    """Every string Sastrawi's rules could leave of ``word``; a leading ``?`` stands for a letter
    that a meN-/peN- prefix replaced (any letter)."""
    stack = [(word[:j], False, 0) for j in range(max(1, len(word) - _LONGEST_CHAIN), len(word) + 1)
             if word[j:] in _SUFFIX_CHAINS]
    seen: set[tuple[str, bool]] = set()
    forms: list[str] = []
    while stack:
        form, after_nasal, depth = stack.pop()
        if (form, after_nasal) in seen:
            continue
        seen.add((form, after_nasal))
        forms.append(form)
        if depth >= 7 or len(form) < 2:
            continue
        if form[0] == _WILD:
            for n in _UNIT_LENGTHS:
                if len(form) > n:
                    for unit in _UNITS_BY_TAIL.get(form[1:n], ()):
                        stack.append((form[n:], unit in _NASAL_UNITS, depth + 1))
        else:
            for n in _UNIT_LENGTHS:
                if len(form) > n and form[:n] in _PREFIX_UNITS:
                    stack.append((form[n:], form[:n] in _NASAL_UNITS, depth + 1))
            if after_nasal:
                stack.append((_WILD + form, False, depth + 1))
        if len(form) > 3 and form[1:3] in _INFIXES:
            stack.append((form[0] + form[3:], False, depth + 1))
    return forms


def may_stem_to(word: str, stem: str) -> bool:
    """Whether ``stem`` is one of the forms Sastrawi's rules could leave of ``word`` (or ``word``).

    Examples
    --------
    >>> may_stem_to("menyetujui", "tuju"), may_stem_to("dilayani", "layan"), may_stem_to("dilayani", "lari")
    (True, True, False)
    """
    if stem == word:
        return True
    return any(
        form == stem or (form[0] == _WILD and len(form) == len(stem) and form[1:] == stem[1:])
        for form in _root_forms(word)
    )


def needs_rule_search(word: str, min_length: int = 4) -> bool:
    """Whether :class:`CachedStemmer` hands ``word`` to Sastrawi's rules (before any override).

    Short words, placeholders (``<uang>``), words with digits or symbols and words without an
    affix Sastrawi could remove are returned unchanged without a rule search.

    Examples
    --------
    >>> [needs_rule_search(w) for w in ["dilayani", "ktp", "<uang>", "surabaya", "e-ktp"]]
    [True, False, False, False, True]
    """
    return (
        len(word) >= min_length
        and word[0] != "<"
        and word.replace("-", "").isalpha()
        and may_have_affix(word)
    )


KNOWN_STEMS_FILE = "known_stems.tsv"
"""Package data file of :func:`load_known_stems` (written by ``tools/build_known_stems.py``)."""


@lru_cache(maxsize=1)
def load_known_stems() -> dict[str, str]:
    """Sastrawi's stems of the words of the packaged corpus, computed once when it was built.

    Every word of the corpus that reaches Sastrawi's rule search (see :func:`needs_rule_search`)
    is listed with the stem PySastrawi gave it, so the common words of complaints are never
    searched again: a fresh process stems them with one dictionary lookup instead of ~0.3-1 ms
    each. About 51-73% of the rule searches of a cold run on the two real archives in
    ``../shared/corpora`` are for such words. The stems are exactly Sastrawi's (tests compare
    every entry with the installed PySastrawi); overrides in :func:`load_stem_exceptions` still
    come first.

    Examples
    --------
    >>> load_known_stems()["dilayani"]
    'layan'
    """
    text = resources.files("maladmin_nlp.data").joinpath(KNOWN_STEMS_FILE).read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            word, _, stem = line.partition("\t")
            out[word] = stem or word  # a word alone on its line is its own stem
    return out


class StemGate:
    """Which words a model needs stemmed: those whose stem could be one of its terms.

    For prediction, a word whose stem is in no term of the model's vocabulary (and which is not
    in one itself) adds nothing, stemmed or not: it only has to stay one token. Names, typos and
    other words a model never saw are most of the new words of a real archive, and Sastrawi's
    rule search costs ~0.3 ms for each; ``may_matter`` rules most of them out in ~10 us by
    matching the word's possible root forms (see :func:`may_stem_to`) against the terms' tokens.

    Parameters
    ----------
    terms : iterable of str
        The model's terms: n-grams of tokens joined by single spaces.
    exceptions : mapping of str to str, default=None
        The stemmer's word -> stem overrides (always stemmed).

    Examples
    --------
    >>> gate = StemGate(["layan", "tidak layan", "tunda"])
    >>> gate.may_matter("dilayani"), gate.may_matter("surabayanya"), gate.may_matter("bambangkan")
    (True, False, False)
    """

    def __init__(self, terms: Iterable[str], exceptions: Mapping[str, str] | None = None) -> None:
        # the tokens of every term, by one join and one split: ~40 ms for the default model's 104,889
        # terms at load, where a generator over them took ~70 ms
        self.tokens = frozenset(" ".join(terms).split(" "))
        self._tails = frozenset(t[1:] for t in self.tokens if len(t) >= 2)
        self._exceptions = frozenset(exceptions or ())

    def may_matter(self, word: str) -> bool:
        """False only when no stem Sastrawi could give ``word`` is one of the tokens."""
        if word in self.tokens or word in self._exceptions or "-" in word or not may_have_affix(word):
            return True  # in a term, overridden, or returned unchanged by Sastrawi anyway
        tokens, tails = self.tokens, self._tails
        return any(
            (form[1:] in tails) if form[0] == _WILD else (form in tokens) for form in _root_forms(word)
        )


class CachedStemmer:
    """Stem single words with Sastrawi, caching each distinct word's stem.

    Parameters
    ----------
    max_size : int, default=200_000
        Most words kept in the cache; when it is full it is emptied and refilled, so memory
        stays bounded on archives whose vocabulary keeps growing (PySastrawi's own
        ``ArrayCache`` grows without limit).
    exceptions : mapping of str to str, default=None
        Word -> stem overrides. Defaults to the bundled list (``perbankan`` -> ``bank``,
        ``penyelidikan`` -> ``selidik``, place names kept whole).
    min_length : int, default=4
        Words shorter than this are returned unchanged (``ktp``, ``rt``, ``sim``).

    Notes
    -----
    A word missing from the cache is looked up in the overrides, then in the stems Sastrawi gave
    the packaged corpus's words (:func:`load_known_stems`), and only then searched with
    Sastrawi's rules. Safe to share between threads: a cache read or write is a single
    dictionary operation, and Sastrawi's stemmer keeps no state between words.
    """

    def __init__(
        self, max_size: int = 200_000, exceptions: Mapping[str, str] | None = None, min_length: int = 4
    ) -> None:
        self.max_size = max_size
        self.min_length = min_length
        self._exceptions = dict(load_stem_exceptions() if exceptions is None else exceptions)
        self._cache: dict[str, str] = {}

    def stem_word(self, word: str) -> str:
        """Stem one lower-case word. Placeholders (``<uang>``), numbers and short words pass through."""
        stem = self._cache.get(word)
        if stem is not None:
            return stem
        if word in self._exceptions:
            stem = self._exceptions[word]
        elif not needs_rule_search(word, self.min_length):  # Sastrawi would return it unchanged, slowly
            stem = word
        else:
            stem = load_known_stems().get(word) or get_sastrawi_stemmer().stem_word(word) or word
        if len(self._cache) >= self.max_size:
            self._cache.clear()
        self._cache[word] = stem
        return stem

    def clear(self) -> None:
        """Empty the cache."""
        self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)
