"""Choose and build the shipped default model, and write its model card (models/README.md).

    python benchmarks/model_selection.py            # compare alternatives, train default, write card
    python benchmarks/model_selection.py --quick    # 3 folds, fewer alternatives (smoke test)

Every alternative is scored by stratified 5-fold cross-validation on the packaged corpus (same
folds for all), timed, and - when ``../shared/eval/real-dev.jsonl`` exists - scored on the 143
real complaints (fit on the whole corpus). The default model is then trained on the corpus alone
with ``maladmin_nlp.training.train_default_model`` and saved to ``models/default/`` with its JSON card.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
from common import REPO, load_real_dev, real_dev_report
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from maladmin_nlp import ComplaintClassifier, load_model
from maladmin_nlp.datasets import corpus_sha256, load_corpus
from maladmin_nlp.evaluation import METRIC_NAMES, bootstrap_difference, bootstrap_intervals, score_predictions
from maladmin_nlp.taxonomy import LABELS
from maladmin_nlp.training import DEFAULT_PARAMS, train_default_model

ALTERNATIVES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("naive", "baseline: default TfidfVectorizer on raw text + LinearSVC", None),
    ("word12_nostem", "word 1-2-grams, no stemming", {"stem": False}),
    ("default", "word 1-2-grams, stemmed, courtesy words dropped, LinearSVC C=2 (shipped)", {}),
    ("default_argmax", "the same, labelling with the single most probable label (decision='argmax')",
     {"decision": "argmax"}),
    ("default_C1", "the same with C=1", {"C": 1.0}),
    ("min_df2", "the same keeping only terms seen in 2+ complaints (smaller vocabulary)", {"min_df": 2}),
    ("keep_courtesy", "the same keeping courtesy words (terima kasih, mohon, tolong ...)", {"remove_courtesy": False}),
    ("word12_char25", "word 1-2-grams + char_wb 2-5-grams, stemmed", {"char_ngram_range": (2, 5)}),
    (
        "logreg",
        "word 1-2-grams, stemmed, LogisticRegression C=1 (its own probabilities)",
        {"model": "logistic_regression", "C": 1.0, "calibration": None},
    ),
    ("cnb", "word 1-2-grams, stemmed, ComplementNB", {"model": "complement_nb", "C": 3.0}),
    ("sgd", "word 1-2-grams, stemmed, SGDClassifier (modified Huber)", {"model": "sgd"}),
]
QUICK = {"naive", "default", "cnb"}
BOOTSTRAP_RESAMPLES = 2000


def naive_pipeline() -> Pipeline:
    return Pipeline([("tfidf", TfidfVectorizer()), ("svm", LinearSVC(random_state=0))])


def build(params: dict[str, Any] | None) -> Any:
    return naive_pipeline() if params is None else ComplaintClassifier(**params)


def throughput(model: Any, texts: list[str]) -> float:
    model.predict(texts[:50])  # warm
    t0 = time.perf_counter()
    model.predict(texts)
    return len(texts) / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 folds and three alternatives")
    parser.add_argument("--no-train", action="store_true", help="compare only; do not rebuild models/default")
    parser.add_argument(
        "--reuse-comparison",
        action="store_true",
        help="take the comparison from models/selection.json (from an earlier run on the same corpus); train only",
    )
    args = parser.parse_args()

    corpus = load_corpus()
    texts, labels = corpus.texts, np.asarray(corpus.labels, dtype=object)
    folds = StratifiedKFold(n_splits=3 if args.quick else 5, shuffle=True, random_state=0)
    real = load_real_dev()
    rows = []
    if args.reuse_comparison:
        rows = json.loads((REPO / "models" / "selection.json").read_text(encoding="utf-8"))
    for key, description, params in ALTERNATIVES:
        if args.reuse_comparison or (args.quick and key not in QUICK):
            continue
        t0 = time.perf_counter()
        pred = cross_val_predict(build(params), texts, labels, cv=folds)
        cv_seconds = time.perf_counter() - t0
        cv = score_predictions(labels, pred, labels=list(LABELS))
        model = build(params).fit(texts, labels)
        rate = throughput(model, texts)
        dev = real_dev_report(model) if real is not None else None
        rows.append(
            {
                "key": key,
                "description": description,
                "params": params,
                "cv": cv.to_dict(),
                "cv_seconds": round(cv_seconds, 1),
                "predict_per_second": round(rate),
                "real_dev": dev.to_dict() if dev is not None else None,
            }
        )
        print(
            f"{key:15s} cv macro-F1 {cv.macro_f1:.3f} acc {cv.accuracy:.3f}"
            + (f" | real-dev macro-F1 {dev.macro_f1:.3f} acc {dev.accuracy:.3f} mal-F1 {dev.maladministration_f1:.3f}"
               if dev is not None else "")
            + f" | {rate:,.0f} texts/s",
            flush=True,
        )

    model_path = REPO / "models" / "default" / "model.joblib"
    if not args.no_train:
        model_path = train_default_model(REPO / "models" / "default", cv=folds.n_splits)
    card = json.loads((model_path.parent / "model.card.json").read_text(encoding="utf-8"))
    default = load_model(model_path)
    dev_default = real_dev_report(default) if real is not None else None
    # the same fitted model labelling with argmax, for the paired comparison of the decision rule
    dev_argmax = real_dev_report(load_model(model_path).set_params(decision="argmax")) if real is not None else None
    (REPO / "models" / "selection.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    write_card(rows, card, dev_default, n=len(corpus), dev_argmax=dev_argmax)
    print(f"wrote {REPO / 'models' / 'README.md'}")


def _cv(key: str, rows: list[dict[str, Any]]) -> str:
    found = [r for r in rows if r["key"] == key]
    return f"{found[0]['cv']['macro_f1']:.3f}" if found else "-"


def _dev(key: str, rows: list[dict[str, Any]]) -> str:
    found = [r["real_dev"] for r in rows if r["key"] == key]
    if not found or not found[0]:
        return "-"
    return f"{found[0]['macro_f1']:.3f} / {_fmt(found[0].get('maladministration_f1'))}"


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _intervals_text(dev: Any) -> str:
    """95% bootstrap intervals of the real-dev figures, as a sentence."""
    ci = bootstrap_intervals(dev.y_true, dev.y_pred, labels=dev.labels, n_resamples=BOOTSTRAP_RESAMPLES)
    parts = [f"{METRIC_NAMES[k]} {low:.3f}-{high:.3f}" for k, (low, high) in ci.items()]
    return (
        f"95% bootstrap intervals on real-dev ({BOOTSTRAP_RESAMPLES:,} resamples of its {dev.n_samples} "
        f"complaints, `maladmin_nlp.evaluation.bootstrap_intervals`): {', '.join(parts)}. With this few real "
        "complaints, differences of a few hundredths between models are within the noise."
    )


def _paired_text(dev: Any, other: Any) -> str:
    """Paired bootstrap of the shipped model against another set of predictions on real-dev."""
    d = bootstrap_difference(dev.y_true, dev.y_pred, other.y_pred, labels=dev.labels, n_resamples=BOOTSTRAP_RESAMPLES)
    parts = [
        f"{name} {x['difference']:+.3f} (95% interval {x['low']:+.3f} to {x['high']:+.3f}, higher on "
        f"{x['a_better']:.0%} of resamples)"
        for name, x in ((METRIC_NAMES[k], d[k]) for k in ("macro_f1", "maladministration_f1"))
    ]
    return "Paired bootstrap on real-dev, maladministration-first minus argmax: " + "; ".join(parts) + ". "


def write_card(
    rows: list[dict[str, Any]], card: dict[str, Any], dev: Any, n: int, dev_argmax: Any = None
) -> None:
    from maladmin_nlp.evaluation import EvaluationReport

    cvd = card["metrics"]["cross_validation"]
    cv_report = EvaluationReport(
        labels=cvd["labels"], macro_f1=cvd["macro_f1"], accuracy=cvd["accuracy"],
        maladministration_f1=cvd["maladministration_f1"], per_class=cvd["per_class"],
        confusion=cvd["confusion"], n_samples=cvd["n_samples"],
    )
    short = {label: "".join(p[:3] for p in label.split("_"))[:9] for label in LABELS}
    lines = [
        "# Model card: maladmin_nlp default model",
        "",
        "Generated by `python benchmarks/model_selection.py` (do not edit by hand).",
        "",
        "## What it is",
        f"- `models/default/model.joblib` (+ `model.card.json`): `ComplaintClassifier` with parameters "
        f"`{json.dumps(DEFAULT_PARAMS) if DEFAULT_PARAMS else 'the class defaults'}` "
        "(Indonesian preprocessing -> word 1-2-gram TF-IDF -> LinearSVC, sigmoid-calibrated).",
        f"- Trained on the packaged authored corpus only: {n} complaints, SHA-256 `{corpus_sha256()[:16]}...`. "
        "Never trained on `../shared` (real-dev or the real archives).",
        "- Library versions: " + ", ".join(f"{k} {v}" for k, v in card["versions"].items()) + ".",
        f"- File size: {card['model_size'] / 1e6:.2f} MB; SHA-256 `{card['model_sha256'][:16]}...`.",
        "- Reproduce: `python benchmarks/model_selection.py` (same corpus + versions -> same predictions).",
        "",
        "## Headline figures",
        "",
        "| evaluation | macro-F1 | accuracy | maladministration-vs-not F1 |",
        "|---|---:|---:|---:|",
        f"| corpus, stratified {cvd.get('folds', 5)}-fold CV ({cvd['n_samples']} authored complaints) | "
        f"{cv_report.macro_f1:.3f} | {cv_report.accuracy:.3f} | {_fmt(cv_report.maladministration_f1)} |",
    ]
    if dev is not None:
        lines.append(
            f"| real-dev: {dev.n_samples} real complaints (macro-F1 over labels with >= 5 items) | "
            f"{dev.macro_f1:.3f} | {dev.accuracy:.3f} | {_fmt(dev.maladministration_f1)} |"
        )
    else:
        lines.append("| real-dev | skipped: `../shared/eval/real-dev.jsonl` not found | | |")
    if dev is not None:
        lines += ["", _intervals_text(dev)]
    lines += [
        "",
        "Macro-F1 is the headline metric: real archives are very imbalanced (in Ombudsman statistics the top "
        "three forms are about 80% of reports, and about half of what reaches a complaint channel is not "
        "maladministration at all), so accuracy flatters a model that favours the common labels.",
        "",
        "## Alternatives compared (same folds)",
        "",
        "| alternative | CV macro-F1 | CV accuracy | real-dev macro-F1 | real-dev accuracy | real-dev mal-F1 "
        "| predict texts/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        d = r["real_dev"] or {}
        lines.append(
            f"| {r['key']}: {r['description']} | {r['cv']['macro_f1']:.3f} | {r['cv']['accuracy']:.3f} | "
            f"{_fmt(d.get('macro_f1'))} | {_fmt(d.get('accuracy'))} | {_fmt(d.get('maladministration_f1'))} | "
            f"{r['predict_per_second']:,} |"
        )
    speed = {r["key"]: r["predict_per_second"] for r in rows}
    char_cost = (
        f"~{speed['default'] / speed['word12_char25']:.1f}x"
        if speed.get("word12_char25") and speed.get("default")
        else "several times"
    )
    dev_f1 = {r["key"]: (r["real_dev"] or {}).get("macro_f1") for r in rows}
    naive_gap = (
        f"by {dev_f1['default'] - dev_f1['naive']:.2f} macro-F1"
        if dev_f1.get("default") is not None and dev_f1.get("naive") is not None
        else "clearly"
    )
    lines += [
        "",
        "### How the default was chosen",
        "",
        "- Word 1-2-grams over the Indonesian preprocessing, LinearSVC: the best real-complaint figures at a "
        "corpus CV figure within 0.02 of the best one. Stemming helps on real complaints "
        "(`word12_nostem` vs `default`).",
        f"- Character 2-5-grams are not used: they cost {char_cost} in prediction speed (texts/s column, one "
        "run, on a shared machine) and did not help on either evaluation.",
        "- Real-dev shaped three decisions, and only these: dropping courtesy words (`keep_courtesy` vs "
        "`default`, chosen on an earlier corpus; on later ones the two are within 0.01 macro-F1 either way), "
        "C=2 instead of 1 (`default_C1`), and the corpus itself: its fifth authoring round (453 complaints) "
        "was written after reading the real-dev errors of the previous model, as new situations in the "
        "patterns missed (never copies or paraphrases). Real-dev is therefore optimistic for this model; the "
        "project also scores it on real complaints nobody on the team sees.",
        "- The sixth round (470 complaints) was written from the unlabelled archives' topic mix and register "
        "only, without looking at real-dev. It was kept although real-dev did not move (with argmax labels: "
        "macro-F1 0.739 -> 0.730, maladministration-vs-not F1 0.861 -> 0.853: one complaint of 143; 8 "
        "predictions changed, 2 for the better, 3 for the worse): it widens the register the model has "
        "seen, which is what the unseen real complaints test, and corpus CV held (0.807 -> 0.812, larger corpus).",
        "- **The decision rule** (`decision='auto'`, the default since this round, which is "
        "`'maladministration_first'` for calibrated models; `default_argmax` is the rule before): the label is "
        "chosen in the order an operator asks. First: is it maladministration at all, i.e. do the ten forms "
        "together hold more probability than `bukan_maladministrasi`? Then: which form. Argmax filed a "
        "complaint as `bukan` whenever `bukan` was the single most probable label, even when the forms together "
        "outweighed it. The split is at one half, where the calibrated probabilities put it; no threshold was "
        "tuned. It changes no fitted weight: "
        f"corpus CV {_cv('default_argmax', rows)} -> {_cv('default', rows)}, real-dev "
        f"{_dev('default_argmax', rows)} -> {_dev('default', rows)} (macro-F1 / maladministration-vs-not F1). "
        + (_paired_text(dev, dev_argmax) if dev is not None and dev_argmax is not None else "")
        +
        "Every sigmoid-calibrated alternative below kept its CV figure within 0.01 under it (`sgd` lost the "
        "most, 0.008) and all but `word12_nostem` gained on real-dev. It needs calibrated probabilities: "
        "`logreg` (its own probabilities, balanced class weights) fell from CV macro-F1 0.770 to 0.625 with it, "
        "so `auto` keeps argmax for uncalibrated "
        "models (as `logreg` here). Complaints filed this way had a more probable label passed over, so they "
        "are always flagged `needs_review`. The rule was found while reading the real-dev errors, so its "
        "real-dev gain is optimistic in the same way as the choices above.",
        "- A seventh authoring round (342 complaints, written from the unlabelled archives' complaints on "
        "which this model hesitates between `bukan` and a form, without looking at real-dev) was measured and "
        "left out: corpus CV unchanged (0.811 on the same records), real-dev unchanged in ranking quality "
        "(maladministration-vs-not ROC AUC 0.923 -> 0.922) and two complaints worse at the decision (F1 "
        "0.884 -> 0.871). Data that does not help is not shipped.",
        "- `sgd` scores higher on real-dev here (and had the best maladministration-vs-not F1 on the last two "
        "corpora) but lower in corpus CV on all three; switching on that evidence would be tuning to 143 "
        "complaints, so the default stays LinearSVC.",
        f"- The raw-text baseline (`naive`) wins on the authored corpus and loses {naive_gap} on real "
        "complaints: corpus CV alone would have picked the wrong model.",
    ]
    lines += ["", "Per-class cross-validated F1 of every alternative:", ""]
    lines.append("| alternative | " + " | ".join(short[label] for label in LABELS) + " |")
    lines.append("|---|" + "---:|" * len(LABELS))
    for r in rows:
        pc = r["cv"]["per_class"]
        lines.append(f"| {r['key']} | " + " | ".join(f"{pc[label]['f1']:.2f}" for label in LABELS) + " |")
    lines += [
        "",
        "Column keys: " + ", ".join(f"`{short[label]}` = {label}" for label in LABELS) + ".",
        "",
        "## The chosen model, per class (cross-validated)",
        "",
        cv_report.to_markdown(),
        "",
        "Confusion matrix (rows: true label, columns: predicted):",
        "",
        cv_report.confusion_markdown(),
        "",
    ]
    if dev is not None:
        lines += ["## The chosen model on real-dev, per class", "", dev.to_markdown(), "",
                  "Confusion matrix on real-dev (rows: true, columns: predicted):", "", dev.confusion_markdown(), ""]
    lines += [
        "## Limits - read before you rely on it",
        "",
        "- **Authored training data.** Every training complaint was written by this team. Real citizens write "
        "differently (longer rambles, several issues at once, local words), so performance on a real archive is "
        "lower than the cross-validation figure above: compare the real-dev row.",
        "- **Label distribution.** The corpus is roughly balanced over the 11 labels; real archives are not. "
        "Rare forms (berpihak, konflik kepentingan, diskriminasi, penyalahgunaan wewenang) are seldom seen "
        "in real archives, and the real-dev figures for them rest on a handful of items or none.",
        "- **Use `needs_review`.** Route low-confidence predictions to a person; choose the threshold from your "
        "own trade-off between automation rate and accuracy (notebook 04).",
        "- **What to do about it:** label a few hundred complaints from your own archive and retrain "
        "(`maladmin-nlp train`), merging them with the packaged corpus.",
        "- **Persistence.** The joblib file is a pickle: load only files you trust. `load_model` checks the "
        "SHA-256 in the card before unpickling.",
        "",
    ]
    (REPO / "models" / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
