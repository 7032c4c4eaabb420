"""Write src/maladmin_nlp/data/known_stems.tsv: Sastrawi's stem of every corpus word it would search.

Usage: python tools/build_known_stems.py

The words are those the preprocessing hands to the stemmer (after clean-up, masking, slang
normalisation and stop-word removal) in the packaged corpus, the slang lexicon's standard forms,
the stop-word and courtesy lists (for pipelines that keep them), restricted to the words that reach
Sastrawi's rule search (:func:`maladmin_nlp.stemming.needs_rule_search`) and are not overridden.
Run it after the corpus or the lexicons change; tests/test_stemming.py fails while the file is stale.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from maladmin_nlp import IndonesianPreprocessor  # noqa: E402
from maladmin_nlp.datasets import load_corpus  # noqa: E402
from maladmin_nlp.normalize import (  # noqa: E402
    load_courtesy_words,
    load_slang_lexicon,
    load_stem_exceptions,
    load_stopwords,
)
from maladmin_nlp.stemming import KNOWN_STEMS_FILE, get_sastrawi_stemmer, needs_rule_search  # noqa: E402

OUT = REPO / "src" / "maladmin_nlp" / "data" / KNOWN_STEMS_FILE


def candidates() -> set[str]:
    """The words the table must hold (also used by the test that finds a stale table)."""
    unstemmed = IndonesianPreprocessor(stem=False).fit([])
    words = {token for doc in unstemmed.transform(load_corpus().texts) for token in doc.split()}
    words.update(part for value in load_slang_lexicon().values() for part in value.split())
    words.update(load_stopwords())
    words.update(part for phrase in load_courtesy_words() for part in phrase.split())
    exceptions = load_stem_exceptions()
    return {word for word in words if word not in exceptions and needs_rule_search(word)}


def main() -> None:
    words = sorted(candidates())
    stemmer = get_sastrawi_stemmer()
    lines = [
        "# Sastrawi's stem of each word of the packaged corpus and lexicons that reaches its rule search.",
        f"# Written by tools/build_known_stems.py with PySastrawi {version('PySastrawi')}; do not edit by hand.",
        "# word<TAB>stem, or the word alone when it is its own stem.",
    ]
    changed = 0
    for word in words:
        stem = stemmer.stem_word(word) or word
        if stem == word:
            lines.append(word)
        else:
            lines.append(f"{word}\t{stem}")
            changed += 1
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(REPO)}: {len(words):,} words, {changed:,} with a different stem")


if __name__ == "__main__":
    main()
