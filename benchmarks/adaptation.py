"""Which ways of adapting to an unlabelled archive help? Measured on real-dev.

    python benchmarks/adaptation.py [--archive surabaya-wargaku] [--json FILE]

The unlabelled archive is ``../shared/corpora/<archive>/complaints.csv`` (read at run time only).
Real-dev's Surabaya items come from that archive, so every method is measured twice: with the whole
archive (the real use: adapt on the archive you are about to label) and with the real-dev texts
removed from it (stricter: the adapted model never saw the evaluation texts, even unlabelled).

Methods: the base model; plain self-training at confidence 0.9 and 0.7; vocabulary and IDF fitted on
corpus + archive; EM re-estimation of label priors on the archive (Saerens, Latinne & Decaestecker,
2002); class-balanced self-training (:func:`maladmin_nlp.adaptation.adapt`) with 50, 100, 150 per label.
The base model is scored with its own rule (maladministration-first) and with argmax; adapted models
with argmax (what ``adapt`` returns) and with maladministration-first.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

import numpy as np
from common import load_archive_texts, load_real_dev, real_dev_labels
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import LinearSVC

from maladmin_nlp import ComplaintClassifier
from maladmin_nlp.adaptation import adapt
from maladmin_nlp.datasets import load_corpus
from maladmin_nlp.evaluation import score_predictions
from maladmin_nlp.prediction import decide


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))[:200]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", default="surabaya-wargaku")
    parser.add_argument("--json")
    args = parser.parse_args()
    data = load_real_dev()
    archive_all = load_archive_texts(args.archive)
    if data is None or not archive_all:
        raise SystemExit("needs ../shared/eval/real-dev.jsonl and the archive in ../shared/corpora")
    dev_x, dev_y = data
    labels = real_dev_labels(dev_y)
    dev_keys = {_key(t) for t in dev_x}
    archive_strict = [t for t in archive_all if _key(t) not in dev_keys]
    corpus = load_corpus()
    x, y = corpus.texts, np.asarray(corpus.labels)
    base = ComplaintClassifier().fit(x, y)
    rows: list[dict[str, Any]] = []

    def record(method: str, variant: str, pred: Any) -> None:
        r = score_predictions(dev_y, pred, labels=labels)
        rows.append({"method": method, "archive": variant, "macro_f1": round(r.macro_f1, 4),
                     "accuracy": round(r.accuracy, 4), "mal_f1": round(r.maladministration_f1 or 0.0, 4)})
        print(f"{method:38s} {variant:8s} macro-F1 {r.macro_f1:.3f}  acc {r.accuracy:.3f}  "
              f"mal-F1 {r.maladministration_f1:.3f}", flush=True)

    record("none (shipped model)", "-", base.predict(dev_x))
    record("  the same, labelling with argmax", "-", base.set_params(decision="argmax").predict(dev_x))
    base.set_params(decision="auto")
    for variant, archive in (("whole", archive_all), ("strict", archive_strict)):
        proba = base.predict_proba(archive)
        conf, pred = proba.max(axis=1), base.classes_[proba.argmax(axis=1)]
        for th in (0.9, 0.7):
            sel = conf >= th
            model = clone(base).fit(list(x) + [a for a, s in zip(archive, sel) if s], list(y) + list(pred[sel]))
            record(f"self-training, confidence >= {th}", variant, model.predict(dev_x))
        pre = base.pipeline_.named_steps["preprocess"]
        both = pre.transform(list(x) + archive)
        feats = clone(base.pipeline_.named_steps["features"]).fit(both)
        svm = CalibratedClassifierCV(LinearSVC(class_weight="balanced", random_state=0), cv=5, ensemble=False)
        svm.fit(feats.transform(both[: len(x)]), y)
        dev_p = svm.predict_proba(feats.transform(pre.transform(dev_x)))
        record("vocabulary + IDF on corpus + archive", variant, svm.classes_[decide(dev_p, svm.classes_,
                                                                                    base.decision_rule())])
        prior_train = np.array([np.mean(y == k) for k in base.classes_])
        prior = prior_train.copy()
        for _ in range(200):
            q = proba * (prior / prior_train)
            q /= q.sum(axis=1, keepdims=True)
            new = q.mean(axis=0)
            if np.abs(new - prior).max() < 1e-6:
                break
            prior = new
        dev_p = base.predict_proba(dev_x) * (prior / prior_train)
        dev_p /= dev_p.sum(axis=1, keepdims=True)
        record("EM label-prior re-estimation", variant, base.classes_[decide(dev_p, base.classes_,
                                                                            base.decision_rule())])
        for cap in (50, 100, 150):
            adapted, _ = adapt(base, archive, per_class=cap)  # labels with argmax (adapt's choice)
            record(f"class-balanced self-training, {cap}/label", variant, adapted.predict(dev_x))
            adapted.set_params(decision="maladministration_first")
            record("  the same, maladministration-first", variant, adapted.predict(dev_x))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
