"""Is the labelling loop worth it? Simulate it on real-dev.

    python benchmarks/labelling_loop.py [--sizes 20 40 80] [--seeds 5] [--json FILE]

For each budget k, k real-dev complaints are "labelled" (their gold labels revealed), either chosen
by :func:`maladmin_nlp.annotation.select_for_annotation` (uncertainty + diversity) or at random
(several seeds); a model is trained on the packaged corpus plus those k complaints (repeated
``--weight`` times, as ``maladmin-nlp train --extra`` does) and scored on the remaining real-dev
complaints (macro-F1 over the labels with at least 5 items in real-dev). Needs ../shared.
"""

from __future__ import annotations

import argparse
import json
import statistics

import numpy as np
from common import load_real_dev, real_dev_labels

from maladmin_nlp import ComplaintClassifier
from maladmin_nlp.annotation import select_for_annotation
from maladmin_nlp.datasets import load_corpus
from maladmin_nlp.evaluation import score_predictions


def run(sizes: list[int], seeds: int, weight: int) -> list[dict[str, object]]:
    data = load_real_dev()
    if data is None:
        raise SystemExit("../shared/eval/real-dev.jsonl not found: nothing to simulate on.")
    dev_x, dev_y = data
    labels = real_dev_labels(dev_y)
    corpus = load_corpus()
    base = ComplaintClassifier().fit(corpus.texts, corpus.labels)

    def score_with(chosen: list[int]) -> float:
        rest = [i for i in range(len(dev_x)) if i not in set(chosen)]
        x = corpus.texts + [dev_x[i] for i in chosen] * weight
        y = corpus.labels + [dev_y[i] for i in chosen] * weight
        model = ComplaintClassifier().fit(x, y)
        pred = model.predict([dev_x[i] for i in rest])
        return score_predictions([dev_y[i] for i in rest], pred, labels=labels).macro_f1

    rows: list[dict[str, object]] = []
    base_score = score_predictions(dev_y, base.predict(dev_x), labels=labels).macro_f1
    rows.append({"k": 0, "strategy": "none", "macro_f1": round(base_score, 4)})
    print(f"k=0: macro-F1 {base_score:.3f}", flush=True)
    ranking = select_for_annotation(base, dev_x, n=max(sizes))
    for k in sizes:
        loop = score_with(ranking[:k])
        rng_scores = []
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            rng_scores.append(score_with(sorted(rng.choice(len(dev_x), size=k, replace=False).tolist())))
        rows.append({"k": k, "strategy": "loop", "macro_f1": round(loop, 4)})
        rows.append(
            {
                "k": k,
                "strategy": "random",
                "macro_f1": round(statistics.mean(rng_scores), 4),
                "sd": round(statistics.pstdev(rng_scores), 4),
                "seeds": seeds,
            }
        )
        print(
            f"k={k}: loop {loop:.3f} | random {statistics.mean(rng_scores):.3f} "
            f"(sd {statistics.pstdev(rng_scores):.3f}, {seeds} seeds)",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 40, 80])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--weight", type=int, default=3)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    rows = run(args.sizes, args.seeds, args.weight)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
