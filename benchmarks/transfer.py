"""How well does a model transfer from the authored corpus to real complaints?

    python benchmarks/transfer.py                    # the shipped default model
    python benchmarks/transfer.py --model my.joblib  # any saved model
    python benchmarks/transfer.py --cv 0             # skip the corpus cross-validation

Prints corpus cross-validation macro-F1 (a fresh model with the same parameters, stratified k-fold
on the packaged corpus), real-dev macro-F1 over the labels with at least 5 items, real-dev
accuracy, maladministration-vs-not F1 (each with its 95% bootstrap interval), and the per-class
table on real-dev. Real-dev lives in ``../shared/eval`` and is read at run time only; without it the
real-dev part is skipped with a note.
"""

from __future__ import annotations

import argparse
import json

from common import load_real_dev, real_dev_report
from sklearn.base import clone

from maladmin_nlp import load_model
from maladmin_nlp.datasets import load_corpus
from maladmin_nlp.evaluation import METRIC_NAMES, bootstrap_intervals, cross_validate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="saved model (.joblib); default: the shipped model")
    parser.add_argument("--cv", type=int, default=5, help="folds for corpus cross-validation (0 = skip)")
    parser.add_argument("--json", help="also write the figures as JSON here")
    args = parser.parse_args()

    model = load_model(args.model, estimator=True)  # cross-validation clones it
    out: dict[str, object] = {"model": args.model or "default"}
    if args.cv:
        corpus = load_corpus()
        cv = cross_validate(clone(model), corpus.texts, corpus.labels, cv=args.cv)
        out["corpus_cv"] = {"macro_f1": round(cv.macro_f1, 4), "accuracy": round(cv.accuracy, 4)}
        print(f"corpus {args.cv}-fold CV: macro-F1 {cv.macro_f1:.3f}, accuracy {cv.accuracy:.3f}")
    if load_real_dev() is None:
        print("real-dev: skipped (../shared/eval/real-dev.jsonl not found; set MALADMIN_SHARED)")
    else:
        dev = real_dev_report(model)
        assert dev is not None
        out["real_dev"] = dev.to_dict()
        ci = bootstrap_intervals(dev.y_true, dev.y_pred, labels=dev.labels)
        out["real_dev"]["intervals_95"] = {k: [round(low, 4), round(high, 4)] for k, (low, high) in ci.items()}
        print(
            f"real-dev ({dev.n_samples} real complaints): macro-F1 {dev.macro_f1:.3f} "
            f"(labels with >= 5 items), accuracy {dev.accuracy:.3f}, "
            f"maladministration-vs-not F1 {dev.maladministration_f1:.3f}"
        )
        print(
            "  95% bootstrap intervals (2,000 resamples): "
            + ", ".join(f"{METRIC_NAMES[k]} {low:.3f}-{high:.3f}" for k, (low, high) in ci.items())
        )
        print()
        print(dev.to_text())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
