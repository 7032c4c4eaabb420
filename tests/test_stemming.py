"""The stemmer's shortcut for words without any affix must not change a single stem."""

import random
import re

import pytest

from maladmin_nlp.datasets import load_corpus
from maladmin_nlp.stemming import CachedStemmer, get_sastrawi_stemmer, may_have_affix


def _corpus_words() -> list[str]:
    words: set[str] = set()
    for text in load_corpus().texts:
        words.update(re.findall(r"[a-z]+", text.lower()))
    return sorted(w for w in words if len(w) >= 4)


def _random_words(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdeghijklmnoprstuwy" + "aaiiueo"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 12))) for _ in range(n)]


@pytest.mark.parametrize("source", ["corpus", "random-0", "random-1"])
def test_words_without_affixes_are_their_own_sastrawi_stem(source):
    words = _corpus_words() if source == "corpus" else _random_words(int(source[-1]), 4000)
    sastrawi = get_sastrawi_stemmer()
    skipped = [w for w in words if not may_have_affix(w)]
    assert len(skipped) > 500  # the shortcut is exercised
    changed = [(w, sastrawi.stem_word(w)) for w in skipped if sastrawi.stem_word(w) not in (w, "")]
    assert changed == []


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("dilayani", "layan"),
        ("pungutan", "pungut"),
        ("premanisme", "preman"),  # -isme
        ("kinerja", "kerja"),  # -in- infix
        ("geragal", "gagal"),  # -er- infix
        ("bertanya", "tanya"),
        ("surabaya", "surabaya"),  # no affix: never sent to Sastrawi
        ("tidak", "tidak"),
    ],
)
def test_cached_stemmer(word, stem):
    assert CachedStemmer().stem_word(word) == stem
