"""Preprocessing throughput: this pipeline against the naive PySastrawi way, one core.

    python benchmarks/preprocessing.py [--n 5000] [--repeats 3] [--json FILE]

Texts: the packaged corpus, plus ``../shared/corpora/surabaya-wargaku`` when present, cycled to
``--n`` complaints. Each figure is the median of ``--repeats`` runs, each in a fresh process state:

- cold: a new ``IndonesianPreprocessor`` (empty word cache) on the texts;
- warm: the same object on the same texts again (every word cached);
- naive: ``StemmerFactory().create_stemmer()`` and PySastrawi's default stop-word remover, with
  ``.remove()`` / ``.stem()`` per complaint (the stemmer built once, as a newcomer would); its
  first pass is its cold figure, the second its warm one (CachedStemmer caches words too).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import time

from common import load_archive_texts

from maladmin_nlp import IndonesianPreprocessor
from maladmin_nlp.datasets import load_corpus


def texts_for(n: int) -> list[str]:
    pool = load_corpus().texts + load_archive_texts("surabaya-wargaku")
    return [pool[i % len(pool)] for i in range(n)]


def rate(fn: object, texts: list[str]) -> float:
    t0 = time.perf_counter()
    fn(texts)  # type: ignore[operator]
    return len(texts) / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    texts = texts_for(args.n)
    words = statistics.mean(len(re.findall(r"\w+", t)) for t in texts)

    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    ours_cold, ours_warm, naive_cold, naive_warm = [], [], [], []
    for _ in range(args.repeats):
        pre = IndonesianPreprocessor().fit([])
        ours_cold.append(rate(pre.transform, texts))
        ours_warm.append(rate(pre.transform, texts))
        stemmer = StemmerFactory().create_stemmer()
        remover = StopWordRemoverFactory().create_stop_word_remover()

        def naive(batch: list[str], stemmer: object = stemmer, remover: object = remover) -> list[str]:
            return [stemmer.stem(remover.remove(t)) for t in batch]  # type: ignore[attr-defined]

        naive_cold.append(rate(naive, texts))
        naive_warm.append(rate(naive, texts))
    res = {
        "complaints": len(texts),
        "mean_words": round(words, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "maladmin_nlp_cold": round(statistics.median(ours_cold)),
        "maladmin_nlp_warm": round(statistics.median(ours_warm)),
        "naive_cold": round(statistics.median(naive_cold)),
        "naive_warm": round(statistics.median(naive_warm)),
    }
    print(f"{len(texts)} complaints, {words:.1f} words on average; one core; median of {args.repeats} runs")
    print(f"{'pipeline':40s} {'cold /s':>10s} {'warm /s':>10s}")
    cold, warm = res["maladmin_nlp_cold"], res["maladmin_nlp_warm"]
    print(f"{'maladmin_nlp IndonesianPreprocessor':40s} {cold:>10,} {warm:>10,}")
    print(f"{'naive PySastrawi remove()+stem()':40s} {res['naive_cold']:>10,} {res['naive_warm']:>10,}")
    print(f"ratio ours/naive: cold {res['maladmin_nlp_cold'] / res['naive_cold']:.2f}x, "
          f"warm {res['maladmin_nlp_warm'] / res['naive_warm']:.2f}x")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
