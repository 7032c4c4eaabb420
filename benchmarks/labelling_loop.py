"""Does labelling k complaints chosen by the loop improve the model on the rest of the archive more
than labelling k chosen at random? Simulated on real-dev.

    python benchmarks/labelling_loop.py [--sizes 20 40 70] [--seeds 3] [--weights 3 10]
                                        [--split-seeds 0] [--jobs 2] [--json FILE]

Design (needs ``../shared/eval/real-dev.jsonl``):

* real-dev (143 real complaints) is split into two halves, stratified by label, with a fixed seed
  (``--split-seeds``, 0 by default). In the first split one half is the *pool* (the "archive" an
  organisation labels from) and the other the *evaluation half*; the second split swaps them. Every
  strategy, budget and weight of a split is scored on the same evaluation half, which no strategy
  ever labels. Each split seed gives 2 splits.
* The base model is the shipped default recipe (``ComplaintClassifier(**DEFAULT_PARAMS)``) trained on
  the packaged corpus: the same predictions as ``models/default``. ``--calibration-cv 3`` trains
  a little faster but changes a few predictions.
* For each budget k: **loop** = ``select_for_annotation(base, pool, n=k)`` (deterministic);
  **random** = the first k of a random permutation of the pool (``--seeds`` seeds per split, nested:
  the k = 20 picks are among the k = 40 picks). The picked complaints' gold labels are revealed and a
  model is retrained on the corpus plus those complaints, each repeated ``weight`` times as
  ``maladmin-nlp train --extra`` does (``--weights``; ``maladmin_nlp.batch.DEFAULT_EXTRA_WEIGHT`` is
  the shipped default).
* Scores on the evaluation half: macro-F1 over the labels with at least 5 items *in that half*
  (``common.real_dev_labels``), maladministration-vs-not F1 and accuracy, from
  ``maladmin_nlp.evaluation.score_predictions``; beside each, the k = 0 model's score on the same
  half, and how many of the evaluation half's predictions the retrained model changed.

``--json`` writes every score (per split, seed, k, weight and strategy; no real-dev text). The
trainings are independent and run in ``--jobs`` processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime, timezone
from typing import Any

import numpy as np
from common import REPO, load_real_dev, real_dev_labels

from maladmin_nlp.annotation import select_for_annotation
from maladmin_nlp.batch import DEFAULT_EXTRA_WEIGHT
from maladmin_nlp.datasets import corpus_sha256, load_corpus
from maladmin_nlp.evaluation import score_predictions
from maladmin_nlp.training import DEFAULT_PARAMS, train

# set in every process by _init: the training corpus, real-dev and each split's (pool, evaluation half)
_STATE: dict[str, Any] = {}


def stratified_halves(labels: list[str], seed: int) -> tuple[list[int], list[int]]:
    """Two halves of ``range(len(labels))``, stratified by label.

    The items of each label are shuffled, the labels are laid end to end (largest first) and the
    items are dealt alternately to the two halves, so each label is split as evenly as it can be
    and the halves differ in size by at most one.
    """
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    order = sorted(by_label, key=lambda lab: (-len(by_label[lab]), lab))
    dealt = [i for lab in order for i in rng.permutation(by_label[lab]).tolist()]
    return sorted(dealt[0::2]), sorted(dealt[1::2])


def _init(
    corpus_x: list[str], corpus_y: list[str], dev_x: list[str], dev_y: list[str], pairs: list[Any], limit: bool
) -> None:
    if limit:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # one BLAS thread per process when several processes share the cores
    _STATE.update(corpus_x=corpus_x, corpus_y=corpus_y, dev_x=dev_x, dev_y=dev_y, pairs=pairs)


def _fit(extra: list[int], weight: int, calibration_cv: int) -> Any:
    """The default recipe fitted on the corpus plus the real-dev items ``extra``, each ``weight`` times."""
    dev_x, dev_y = _STATE["dev_x"], _STATE["dev_y"]
    # as train_file(extra=...): the sheet's rows after the corpus, each row repeated in place
    x = _STATE["corpus_x"] + [dev_x[i] for i in extra for _ in range(weight)]
    y = _STATE["corpus_y"] + [dev_y[i] for i in extra for _ in range(weight)]
    model, _ = train(x, y, cv=None, **{**DEFAULT_PARAMS, "calibration_cv": calibration_cv})
    return model


def _base_task(sizes: list[int], calibration_cv: int) -> dict[str, Any]:
    """Fit the k = 0 model; predict every real-dev item; rank each pool with the loop."""
    start = time.perf_counter()
    model = _fit([], 1, calibration_cv)
    seconds = time.perf_counter() - start
    dev_x = _STATE["dev_x"]
    picks: dict[int, dict[int, list[int]]] = {}
    for split, (pool, _) in enumerate(_STATE["pairs"]):
        pool_texts = [dev_x[i] for i in pool]
        picks[split] = {k: [pool[j] for j in select_for_annotation(model, pool_texts, n=k)] for k in sizes}
    return {"pred": model.predict(dev_x).tolist(), "picks": picks, "train_s": seconds}


def _run_task(task: dict[str, Any], calibration_cv: int) -> dict[str, Any]:
    start = time.perf_counter()
    model = _fit(task["picked"], task["weight"], calibration_cv)
    seconds = time.perf_counter() - start
    evaluation = _STATE["pairs"][task["split"]][1]
    pred = model.predict([_STATE["dev_x"][i] for i in evaluation]).tolist()
    return {**task, "pred": pred, "train_s": seconds}


def _scores(gold: list[str], pred: list[str], labels: list[str]) -> dict[str, Any]:
    report = score_predictions(gold, pred, labels=labels)
    return {
        "macro_f1": round(report.macro_f1, 4),
        "maladministration_f1": None if report.maladministration_f1 is None else round(report.maladministration_f1, 4),
        "accuracy": round(report.accuracy, 4),
        "per_label_f1": {label: round(report.per_class[label]["f1"], 4) for label in labels},
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def run(
    sizes: list[int],
    seeds: int,
    weights: list[int],
    *,
    calibration_cv: int = 5,
    split_seeds: tuple[int, ...] = (0,),
    jobs: int = 2,
    corpus_sample: int | None = None,
) -> dict[str, Any]:
    data = load_real_dev()
    if data is None:
        raise SystemExit("../shared/eval/real-dev.jsonl not found (set MALADMIN_SHARED): nothing to simulate on.")
    started = time.perf_counter()
    dev_x, dev_y = data
    corpus = load_corpus()
    corpus_x, corpus_y = list(corpus.texts), list(corpus.labels)
    if corpus_sample:  # smoke tests only: a random subset of the corpus, not the shipped recipe
        keep = sorted(np.random.default_rng(0).permutation(len(corpus_x))[:corpus_sample].tolist())
        corpus_x, corpus_y = [corpus_x[i] for i in keep], [corpus_y[i] for i in keep]
    pairs: list[tuple[list[int], list[int]]] = []  # per split: (pool, evaluation half)
    splits: list[dict[str, Any]] = []
    for split_seed in split_seeds:
        halves = stratified_halves(dev_y, split_seed)
        for side in (0, 1):
            pool, evaluation = halves[side], halves[1 - side]
            gold = [dev_y[i] for i in evaluation]
            pairs.append((pool, evaluation))
            splits.append(
                {
                    "split": len(splits),
                    "split_seed": split_seed,
                    "pool_half": side,
                    "pool_size": len(pool),
                    "eval_size": len(evaluation),
                    "eval_labels": real_dev_labels(gold),
                    "eval_label_counts": dict(Counter(gold).most_common()),
                    "pool_label_counts": dict(Counter(dev_y[i] for i in pool).most_common()),
                }
            )
    smallest = min(len(pool) for pool, _ in pairs)
    if max(sizes) > smallest:
        raise SystemExit(f"--sizes {max(sizes)}: larger than a half of real-dev ({smallest} items)")

    init_args = (corpus_x, corpus_y, dev_x, dev_y, pairs, jobs > 1)
    runs: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=init_args) as executor:
        # the random picks do not depend on the base model: queue them first, beside it
        futures = [executor.submit(_base_task, sizes, calibration_cv)]
        for info, (pool, _) in zip(splits, pairs):
            for seed in range(seeds):
                rng = np.random.default_rng([info["split_seed"], info["pool_half"], seed])
                order = rng.permutation(len(pool)).tolist()
                for weight in weights:
                    for k in sizes:
                        task = {"split": info["split"], "weight": weight, "k": k, "strategy": "random", "seed": seed}
                        futures.append(
                            executor.submit(
                                _run_task, {**task, "picked": sorted(pool[j] for j in order[:k])}, calibration_cv
                            )
                        )
        pending = set(futures)
        base: dict[str, Any] | None = None
        done = 0
        while pending:
            for future in as_completed(list(pending)):
                pending.discard(future)
                result = future.result()
                done += 1
                if "picks" in result:  # the base model: score k = 0, queue the loop's trainings
                    base = result
                    for info, (_, evaluation) in zip(splits, pairs):
                        gold = [dev_y[i] for i in evaluation]
                        info["baseline"] = _scores(gold, [base["pred"][i] for i in evaluation], info["eval_labels"])
                        for k in sizes:
                            for weight in weights:
                                task = {
                                    "split": info["split"],
                                    "weight": weight,
                                    "k": k,
                                    "strategy": "loop",
                                    "seed": None,
                                }
                                future_loop = executor.submit(
                                    _run_task,
                                    {**task, "picked": sorted(base["picks"][info["split"]][k])},
                                    calibration_cv,
                                )
                                pending.add(future_loop)
                                futures.append(future_loop)
                    figures = " / ".join(f"{info['baseline']['macro_f1']:.3f}" for info in splits)
                    print(
                        f"[{time.perf_counter() - started:6.0f} s] k = 0 model trained ({base['train_s']:.0f} s); "
                        f"macro-F1 on the evaluation halves {figures}",
                        flush=True,
                    )
                    break  # as_completed holds the old set: restart it with the loop's trainings
                runs.append(result)
                print(
                    f"[{time.perf_counter() - started:6.0f} s] {done}/{len(futures)} split {result['split']} "
                    f"weight {result['weight']} k {result['k']:3d} {result['strategy']:6s} "
                    f"seed {'-' if result['seed'] is None else result['seed']} ({result['train_s']:.0f} s)",
                    flush=True,
                )
    assert base is not None

    rows: list[dict[str, Any]] = []
    for result in runs:
        info = splits[result["split"]]
        evaluation = pairs[result["split"]][1]
        gold = [dev_y[i] for i in evaluation]
        before = [base["pred"][i] for i in evaluation]
        scored = _scores(gold, result["pred"], info["eval_labels"])
        picked = set(result["picked"])
        rows.append(
            {
                "split": result["split"],
                "weight": result["weight"],
                "k": result["k"],
                "strategy": result["strategy"],
                "seed": result["seed"],
                "n_labelled": len(picked),
                # how many of the picks the k = 0 model gets wrong (what the loop is meant to find)
                "picked_errors": sum(base["pred"][i] != dev_y[i] for i in picked),
                "picked_label_counts": dict(Counter(dev_y[i] for i in result["picked"]).most_common()),
                **scored,
                "baseline_macro_f1": info["baseline"]["macro_f1"],
                "baseline_maladministration_f1": info["baseline"]["maladministration_f1"],
                "changed_predictions": sum(a != b for a, b in zip(before, result["pred"])),
                "train_s": round(result["train_s"], 1),
            }
        )
    order = {"loop": 0, "random": 1}
    rows.sort(key=lambda r: (r["split"], r["weight"], r["k"], order[r["strategy"]], r["seed"] or 0))
    for info, (pool, _) in zip(splits, pairs):
        info["pool_errors"] = sum(base["pred"][i] != dev_y[i] for i in pool)
    return {
        "design": {
            "question": "does labelling k complaints chosen by the loop improve the model on the rest of the "
            "archive more than k chosen at random?",
            "real_dev_items": len(dev_x),
            "split_seeds": list(split_seeds),
            "splits": "real-dev halved, stratified by label (per split seed); one half is the pool, the other the "
            "evaluation half, then swapped",
            "sizes": sizes,
            "weights": weights,
            "default_extra_weight": DEFAULT_EXTRA_WEIGHT,
            "random_seeds_per_split": seeds,
            "min_support": 5,
            "scores": "macro-F1 over the labels with >= 5 items in the evaluation half; maladministration-vs-not "
            "F1; accuracy (maladmin_nlp.evaluation.score_predictions)",
            "model": {"params": DEFAULT_PARAMS, "calibration_cv": calibration_cv},
            "corpus": {"n_samples": len(corpus_x), "sha256": corpus_sha256(), "sample": corpus_sample},
        },
        "splits": splits,
        "runs": rows,
        "runtime_s": round(time.perf_counter() - started, 1),
        "jobs": jobs,
        "finished_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": _git_commit(),
    }


def summarise(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per weight, k and strategy: mean, min and max over splits (and seeds), and the k = 0 mean."""
    groups: dict[tuple[int, int, str], list[dict[str, Any]]] = {}
    for row in result["runs"]:
        groups.setdefault((row["weight"], row["k"], row["strategy"]), []).append(row)
    out = []
    for (weight, k, strategy), rows in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        entry: dict[str, Any] = {"weight": weight, "k": k, "strategy": strategy, "n": len(rows)}
        for key in (
            "macro_f1",
            "maladministration_f1",
            "accuracy",
            "baseline_macro_f1",
            "baseline_maladministration_f1",
            "changed_predictions",
            "picked_errors",
        ):
            values = [r[key] for r in rows if r[key] is not None]
            entry[key] = round(statistics.mean(values), 4)
            entry[key + "_min"], entry[key + "_max"] = min(values), max(values)
        out.append(entry)
    return out


def print_table(result: dict[str, Any]) -> None:
    design = result["design"]
    print()
    for info in result["splits"]:
        base = info["baseline"]
        print(
            f"split {info['split']} (split seed {info['split_seed']}, pool = half {info['pool_half']}): "
            f"pool {info['pool_size']} items ({info['pool_errors']} errors of the k = 0 model), "
            f"evaluation {info['eval_size']} items, macro-F1 over {len(info['eval_labels'])} labels "
            f"({', '.join(info['eval_labels'])}); k = 0: macro-F1 {base['macro_f1']:.3f}, "
            f"mal-vs-not F1 {base['maladministration_f1']:.3f}"
        )
    summary = summarise(result)
    seeds = design["random_seeds_per_split"]
    print(
        f"\nmean over the {len(result['splits'])} splits [min-max]; random: {seeds} seeds per split. "
        "'changed': evaluation-half predictions that differ from the k = 0 model's;\n"
        "'err': picks the k = 0 model got wrong"
    )
    header = (
        f"{'weight':>6} {'k':>3} {'strategy':8} {'macro-F1':>8} {'[min-max]':>13} {'k=0':>6} {'gain':>7} "
        f"{'mal-F1':>7} {'[min-max]':>13} {'k=0':>6} {'changed':>7} {'err':>5}"
    )
    print(header)
    print("-" * len(header))
    for entry in summary:
        print(
            f"{entry['weight']:>6} {entry['k']:>3} {entry['strategy']:8} {entry['macro_f1']:8.3f} "
            f"{entry['macro_f1_min']:6.3f}-{entry['macro_f1_max']:.3f} {entry['baseline_macro_f1']:6.3f} "
            f"{entry['macro_f1'] - entry['baseline_macro_f1']:+7.3f} "
            f"{entry['maladministration_f1']:7.3f} {entry['maladministration_f1_min']:6.3f}-"
            f"{entry['maladministration_f1_max']:.3f} {entry['baseline_maladministration_f1']:6.3f} "
            f"{entry['changed_predictions']:7.1f} "
            f"{entry['picked_errors']:5.1f}"
        )
    print("\nper split (random: mean of its seeds, and each seed)")
    for split in range(len(result["splits"])):
        for weight in design["weights"]:
            for k in design["sizes"]:
                rows = [r for r in result["runs"] if (r["split"], r["weight"], r["k"]) == (split, weight, k)]
                loop = [r["macro_f1"] for r in rows if r["strategy"] == "loop"]
                rand = [r["macro_f1"] for r in rows if r["strategy"] == "random"]
                print(
                    f"  split {split} weight {weight:>2} k {k:>3}: loop {loop[0]:.3f} | random "
                    f"{statistics.mean(rand):.3f} ({', '.join(f'{v:.3f}' for v in rand)}) | k = 0 "
                    f"{rows[0]['baseline_macro_f1']:.3f}"
                )
    minutes = result["runtime_s"] / 60
    print(f"\n{len(result['runs']) + 1} trainings in {minutes:.1f} min with {result['jobs']} process(es)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 40, 70], help="budgets k (default 20 40 70)")
    parser.add_argument("--seeds", type=int, default=3, help="random draws per split (default 3)")
    default_weights = [DEFAULT_EXTRA_WEIGHT, 10] if DEFAULT_EXTRA_WEIGHT != 10 else [3, 10]
    parser.add_argument(
        "--weights", type=int, nargs="+", default=default_weights, help="extra weights (default: %(default)s)"
    )
    parser.add_argument("--calibration-cv", type=int, default=5, help="calibration folds (default 5, as shipped)")
    parser.add_argument("--split-seeds", type=int, nargs="+", default=[0], help="2 splits per seed (default 0)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="processes (default 2)")
    parser.add_argument(
        "--corpus-sample", type=int, help="train on this many corpus complaints only (smoke tests; not the recipe)"
    )
    parser.add_argument("--json", help="write every score here")
    args = parser.parse_args()
    result = run(
        args.sizes,
        args.seeds,
        args.weights,
        calibration_cv=args.calibration_cv,
        split_seeds=tuple(args.split_seeds),
        jobs=args.jobs,
        corpus_sample=args.corpus_sample,
    )
    result["summary"] = summarise(result)
    print_table(result)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1, ensure_ascii=False)
            fh.write("\n")


if __name__ == "__main__":
    main()
