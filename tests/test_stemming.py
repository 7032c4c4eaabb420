"""The stemmer's shortcuts must not change a single stem, nor a single prediction."""

import importlib.util
import random
import re
from pathlib import Path

import pytest

import maladmin_nlp.stemming as stemming
from maladmin_nlp.datasets import load_corpus
from maladmin_nlp.stemming import (
    CachedStemmer,
    StemGate,
    get_sastrawi_stemmer,
    load_known_stems,
    may_have_affix,
    may_stem_to,
    needs_rule_search,
)

BUILD_TOOL = Path(__file__).resolve().parents[1] / "tools" / "build_known_stems.py"


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


_PREFIXES = ["", "di", "ke", "se", "ber", "be", "ter", "me", "mem", "men", "meng", "meny", "pe", "pem", "pen",
             "peng", "peny", "per", "memper", "diper", "keber", "pel", "menge"]
_SUFFIXES = ["", "i", "an", "kan", "nya", "lah", "kannya", "annya", "ilah", "ku", "mu", "pun", "isme"]


def _affixed_words(seed: int, n: int) -> list[str]:
    """Invented roots dressed in real prefix and suffix chains: what Sastrawi works hardest on."""
    rng = random.Random(seed)
    roots = _random_words(seed, n) + [w for w in _corpus_words() if not may_have_affix(w)][: n // 2]
    return [rng.choice(_PREFIXES) + rng.choice(roots) + rng.choice(_SUFFIXES) for _ in range(n)]


@pytest.mark.parametrize("source", ["corpus", "affixed-0", "affixed-1"])
def test_every_stem_sastrawi_gives_is_a_form_the_gate_considers(source):
    """The soundness of StemGate: Sastrawi's result for a word is always among its root forms."""
    words = _corpus_words() if source == "corpus" else _affixed_words(int(source[-1]), 3000)
    words = [w for w in words if may_have_affix(w)]
    sastrawi = get_sastrawi_stemmer()
    stems = {w: sastrawi.stem_word(w) for w in words}
    assert sum(s != w for w, s in stems.items()) > 300  # Sastrawi changed many of them
    missed = [(w, s) for w, s in stems.items() if s and not may_stem_to(w, s)]
    assert missed == []


@pytest.mark.parametrize(
    ("word", "stem"),
    [("menyetujui", "tuju"), ("menelusuri", "telusur"), ("kinerja", "kerja"), ("mengerjakan", "kerja"),
     ("memperbaiki", "baik"), ("pengetahuan", "tahu"), ("pelajaran", "ajar"), ("keberhasilannya", "hasil")],
)
def test_may_stem_to_knows_recoding_infixes_and_prefix_chains(word, stem):
    assert may_stem_to(word, stem)
    assert get_sastrawi_stemmer().stem_word(word) == stem


def test_the_gate_skips_only_words_whose_stem_is_in_no_term():
    corpus = _corpus_words()
    terms = corpus[::3]
    gate = StemGate([*terms, "tidak " + terms[0]])
    sastrawi = get_sastrawi_stemmer()
    tokens = set(terms) | {"tidak"}
    words = corpus + _affixed_words(2, 2000)
    skipped = [w for w in words if not gate.may_matter(w)]
    assert len(skipped) > 0.1 * len(words)  # it does skip
    assert [w for w in skipped if w in tokens or sastrawi.stem_word(w) in tokens] == []


# -- the table of known stems ----------------------------------------------------


def test_every_known_stem_is_the_stem_sastrawi_gives():
    known = load_known_stems()
    sastrawi = get_sastrawi_stemmer()
    assert len(known) > 5000
    assert sum(stem != word for word, stem in known.items()) > 3000
    wrong = [(w, s, sastrawi.stem_word(w)) for w, s in known.items() if (sastrawi.stem_word(w) or w) != s]
    assert wrong == []


def test_known_stems_hold_only_words_that_reach_the_rule_search():
    assert all(needs_rule_search(word) for word in load_known_stems())


@pytest.mark.skipif(not BUILD_TOOL.exists(), reason="tools/ is not in this source tree")
def test_known_stems_are_up_to_date_with_the_corpus_and_lexicons():
    spec = importlib.util.spec_from_file_location("build_known_stems", BUILD_TOOL)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    wanted = tool.candidates()
    missing = sorted(wanted - load_known_stems().keys())
    assert missing == [], f"{len(missing)} words missing: run python tools/build_known_stems.py"
    assert set(load_known_stems()) == wanted


def test_the_cached_stemmer_takes_known_stems_without_a_rule_search(monkeypatch):
    def no_rules():
        raise AssertionError("Sastrawi's rules were searched")

    monkeypatch.setattr(stemming, "get_sastrawi_stemmer", no_rules)
    stemmer = CachedStemmer()
    words = ["dilayani", "dipersulit", "ditanggapi", "dipungut", "menunggu"]
    assert all(w in load_known_stems() for w in words)
    assert [stemmer.stem_word(w) for w in words] == ["layan", "sulit", "tanggap", "pungut", "tunggu"]
    # the overrides still come first
    assert CachedStemmer(exceptions={"dilayani": "dilayani"}).stem_word("dilayani") == "dilayani"


def test_words_outside_the_table_still_get_sastrawis_stem():
    words = [w for w in _affixed_words(3, 400) if needs_rule_search(w) and w not in load_known_stems()]
    assert len(words) > 300
    stemmer, sastrawi = CachedStemmer(), get_sastrawi_stemmer()
    assert [stemmer.stem_word(w) for w in words] == [sastrawi.stem_word(w) or w for w in words]
