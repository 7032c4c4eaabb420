"""Check that a rewrite of the preprocessing gives the same output as a saved original.

    python benchmarks/preprocessing_equivalence.py [--orig /tmp/orig_pre] [--random 20000] [--show 5]

``--orig`` is a directory holding a copy of the original package's modules (``preprocessing.py``
imports ``text_pipeline.py``, which imports others, so copy them all), for instance from a commit::

    mkdir -p /tmp/orig_pre && git archive COMMIT src/maladmin_nlp | tar -x -C /tmp/orig_pre \
        && mv /tmp/orig_pre/src/maladmin_nlp/* /tmp/orig_pre/ && rm -r /tmp/orig_pre/src

It is imported as a separate package, so both versions run side by side in one process. Compared, document by document:

- ``IndonesianPreprocessor().transform`` (default settings, and a few switched-off steps);
- the public functions ``clean_text``, ``mask_pii`` (readable and token placeholders), ``redact``,
  ``replace_entities``, ``normalize_slang`` and ``tokenize``.

Texts: the packaged corpus, the Surabaya and Purbalingga archives in ``../shared/corpora`` (when
present), ``tests/data/pii_cases.jsonl``, ``tests/data/no_pii_sentences.txt`` and seeded random
strings built from fragments that exercise every pattern (digits, separators, keywords, tags,
emoji, control characters). Prints the number of differing documents per check and a few examples;
exits with status 1 when any differ.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from common import REPO, load_archive_texts

from maladmin_nlp import normalize as new_normalize
from maladmin_nlp import preprocessing as new_preprocessing
from maladmin_nlp.datasets import load_corpus

_FRAGMENTS = [
    " ", " ", " ", "  ", "\n", "\t", "\\n", ".", ",", "-", "/", ":", "(", ")", "+", "!", "?", "!!!", "...",
    "0", "1", "2", "3", "5", "8", "9", "08", "0812", "62", "+62", "(+62)", "(021)", "021", "0274",
    "123", "3456", "7890", "12", "2024", "1999", "500", "1.250.000", "2,5", "300rb", "16",
    "3578011203850002", "3578 0112 0385 0002", "0812-3456-7890", "1234567890", "123.456.789",
    "rek", "rekening", "no rek", "norek", "a.n.", "a/n", "an.", "atas nama", "bri", "BCA", "bank",
    "mandiri", "nik", "NIK", "kk", "ktp", "e-ktp", "hp", "wa", "telp", "hubungi", "rp", "Rp", "rp.",
    "ribu", "rb", "jt", "juta", "k", "miliar", "perak", "hari", "bln", "bulan", "tahun", "jam", "menit",
    "mgg", "minggu", "lebih", "an", "januari", "agustus", "des", "dua", "lima", "ratus", "puluh",
    "beberapa", "seratus", "sebulan", "plat", "motor", "nopol", "B", "AB", "DK", "L", "S", "D", "xyz",
    "CD", "XYZ", "ab", "dan", "ke", "jadi2", "lama2", "kata2", "aaa", "lamaaaa", "Gk", "sy", "udh",
    "yg", "tidak", "dilayani", "pungutan", "perbankan", "pelayanan", "petugas", "<b>", "</b>", "<br/>",
    "<script>x</script>", "<!-- c -->", "<", ">", "&amp;", "&lt;", "&#39;", "&", "http://x.id/a",
    "https://", "www.", "WWW.X.ID", "@", "siti@contoh.id", "a.b+c@mail.co.id", "é", "É", "ß", "ı",
    "İ", "ﬁ", "①", "²", "½", "٣", "😡", "🙏", "👍", "🤖", "™", "\u200b", "\u00ad", "\x00", "\x7f",
    "\u2028", "\u0085", "\ufeff", "_", "__", "<uang>", "<nik>", "'", '"', "`", "rt", "rw", "05",
    "s1", "d3", "kab", "jl", "no.", "No", "Rek.", "BRI:", "a.n", "(a.n.", "x", "q", "pt",
]
_CHARS = "abcdeghijklmnoprstuwyz ABKLRS0123456789.,-/:+()@<>&!?_'\n\té😡\u200b"


def random_texts(n: int, seed: int = 0) -> list[str]:
    """Seeded random strings: mostly fragment sequences, some raw character soup."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 5 == 4:
            out.append("".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 60))))
        else:
            parts = [rng.choice(_FRAGMENTS) for _ in range(rng.randint(0, 25))]
            joiner = rng.choice(["", " ", " ", " "])
            out.append(joiner.join(parts))
    return out


def text_sets(n_random: int) -> dict[str, list[str]]:
    data = REPO / "tests" / "data"
    lines = (data / "pii_cases.jsonl").read_text("utf-8").splitlines()
    pii = [json.loads(line)["text"] for line in lines if line.strip()]
    no_pii = (data / "no_pii_sentences.txt").read_text("utf-8").splitlines()
    return {
        "packaged corpus": list(load_corpus().texts),
        "surabaya-wargaku": load_archive_texts("surabaya-wargaku", raw=True),
        "purbalingga-lapormasbup": load_archive_texts("purbalingga-lapormasbup", raw=True),
        "pii_cases.jsonl": pii,
        "no_pii_sentences.txt": no_pii,
        "random": random_texts(n_random),
    }


def load_original(path: str) -> tuple[ModuleType, ModuleType]:
    directory = Path(path).resolve()
    if not (directory / "normalize.py").exists():
        sys.exit(f"No normalize.py in {directory}: copy the original package there first (this script's docstring).")
    sys.path.insert(0, str(directory.parent))
    package = directory.name
    return importlib.import_module(f"{package}.normalize"), importlib.import_module(f"{package}.preprocessing")


def checks(old_n: ModuleType, old_p: ModuleType) -> dict[str, tuple[Callable[[str], str], Callable[[str], str]]]:
    def pre_pair(**params: object) -> tuple[Callable[[str], str], Callable[[str], str]]:
        old = old_p.IndonesianPreprocessor(**params).fit([])
        new = new_preprocessing.IndonesianPreprocessor(**params).fit([])
        return (lambda s: old.transform([s])[0]), (lambda s: new.transform([s])[0])

    def analyze_pair() -> tuple[Callable[[str], str], Callable[[str], str]]:
        old = old_p.IndonesianPreprocessor().fit([])
        new = new_preprocessing.IndonesianPreprocessor().fit([])
        return (lambda s: repr(old.analyze(s))), (lambda s: repr(new.analyze(s)))

    def both(name: str, wrap: Callable[[Callable[..., str]], Callable[[str], str]]) -> tuple[
        Callable[[str], str], Callable[[str], str]
    ]:
        return wrap(getattr(old_n, name)), wrap(getattr(new_normalize, name))

    tokens = new_normalize.PII_TOKENS
    return {
        "transform (default)": pre_pair(),
        "transform (stem=False)": pre_pair(stem=False),
        "transform (clean=False)": pre_pair(clean=False),
        "transform (mask_pii=False)": pre_pair(mask_pii=False),
        "transform (entities=False)": pre_pair(entities=False),
        "transform (normalize_slang=False, remove_stopwords=False)": pre_pair(
            normalize_slang=False, remove_stopwords=False
        ),
        "analyze": analyze_pair(),
        "clean_text": both("clean_text", lambda f: f),
        "clean_text (no lowercase, emoji=remove)": both(
            "clean_text", lambda f: lambda s: f(s, lowercase=False, emoji="remove")
        ),
        "redact": both("redact", lambda f: f),
        "mask_pii (tokens)": both("mask_pii", lambda f: lambda s: f(s, tokens)),
        "mask_pii (lower, tokens)": both("mask_pii", lambda f: lambda s: f(s.lower(), tokens)),
        "replace_entities (lower)": both("replace_entities", lambda f: lambda s: f(s.lower())),
        "replace_entities (money/dates off)": both(
            "replace_entities", lambda f: lambda s: f(s.lower(), money=False, dates=False)
        ),
        "normalize_slang": both("normalize_slang", lambda f: lambda s: f(s.lower())),
        "tokenize": both("tokenize", lambda f: lambda s: repr(f(s.lower()))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orig", default="/tmp/orig_pre")
    parser.add_argument("--random", type=int, default=20_000)
    parser.add_argument("--show", type=int, default=5)
    args = parser.parse_args()
    old_n, old_p = load_original(args.orig)
    sets = text_sets(args.random)
    total_diff = 0
    print(f"{'check':58s} " + " ".join(f"{name[:12]:>12s}" for name in sets))
    print(f"{'(documents)':58s} " + " ".join(f"{len(texts):>12,}" for texts in sets.values()))
    examples: list[tuple[str, str, str, str, str]] = []
    for check, (old, new) in checks(old_n, old_p).items():
        counts = []
        for set_name, texts in sets.items():
            n_diff = 0
            for text in texts:
                a, b = old(text), new(text)
                if a != b:
                    n_diff += 1
                    if len(examples) < args.show * 20:
                        examples.append((check, set_name, text, a, b))
            counts.append(n_diff)
            total_diff += n_diff
        print(f"{check:58s} " + " ".join(f"{c:>12,}" for c in counts))
    shown: dict[str, int] = {}
    for check, set_name, text, a, b in examples:
        if shown.get(check, 0) >= args.show:
            continue
        shown[check] = shown.get(check, 0) + 1
        print(f"\n[{check} / {set_name}]\n  text: {text[:300]!r}\n  orig: {a[:300]!r}\n  new:  {b[:300]!r}")
    print(f"\ndiffering (check, document) pairs: {total_diff}")
    sys.exit(1 if total_diff else 0)


if __name__ == "__main__":
    main()
