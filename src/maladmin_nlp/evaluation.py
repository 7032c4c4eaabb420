"""Evaluation: cross-validation, per-class report, confusion matrix, HTML report.

Macro-F1 is the headline figure: complaint archives are very imbalanced, and accuracy rewards a
model that only ever answers the commonest label.

Examples
--------
>>> from maladmin_nlp.evaluation import score_predictions
>>> report = score_predictions(["a", "b", "b"], ["a", "b", "a"])
>>> round(report.macro_f1, 3), round(report.accuracy, 3)
(0.667, 0.667)
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from .preprocessing import check_documents
from .taxonomy import LABELS, NOT_MALADMINISTRATION

__all__ = [
    "METRICS",
    "METRIC_NAMES",
    "EvaluationReport",
    "bootstrap_difference",
    "bootstrap_intervals",
    "cross_validate",
    "evaluate",
    "score_predictions",
    "write_html_report",
]


@dataclass
class EvaluationReport:
    """Scores of a set of predictions against true labels.

    Attributes
    ----------
    labels : list of str
        Labels in the order of ``per_class`` and the confusion matrix rows/columns.
    macro_f1, accuracy : float
    maladministration_f1 : float or None
        F1 of "is a maladministration report" against ``bukan_maladministrasi`` (when that label occurs).
    per_class : dict of str to dict
        ``precision``, ``recall``, ``f1``, ``support`` per label.
    confusion : list of list of int
        Rows are true labels, columns predicted labels.
    n_samples : int
    y_true, y_pred : list of str
    """

    labels: list[str]
    macro_f1: float
    accuracy: float
    maladministration_f1: float | None
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    n_samples: int
    y_true: list[str] = field(repr=False, default_factory=list)
    y_pred: list[str] = field(repr=False, default_factory=list)

    def to_dict(self, *, with_predictions: bool = False) -> dict[str, Any]:
        """JSON-serialisable summary."""
        out: dict[str, Any] = {
            "n_samples": self.n_samples,
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "maladministration_f1": None
            if self.maladministration_f1 is None
            else round(self.maladministration_f1, 4),
            "labels": self.labels,
            "per_class": {
                k: {m: (round(v, 4) if m != "support" else int(v)) for m, v in d.items()}
                for k, d in self.per_class.items()
            },
            "confusion": self.confusion,
        }
        if with_predictions:
            out["y_true"], out["y_pred"] = self.y_true, self.y_pred
        return out

    def to_text(self) -> str:
        """A plain-text table: headline figures, then precision/recall/F1/support per label."""
        width = max([len(label) for label in self.labels] + [10])
        lines = [
            f"samples: {self.n_samples}   macro-F1: {self.macro_f1:.3f}   accuracy: {self.accuracy:.3f}"
            + (
                f"   maladministration-vs-not F1: {self.maladministration_f1:.3f}"
                if self.maladministration_f1 is not None
                else ""
            ),
            "",
            f"{'label':<{width}}  precision  recall     f1  support",
        ]
        for label in self.labels:
            d = self.per_class[label]
            lines.append(
                f"{label:<{width}}  {d['precision']:9.3f}  {d['recall']:6.3f}  {d['f1']:5.3f}  {int(d['support']):7d}"
            )
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The per-class table in Markdown."""
        rows = ["| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        for label in self.labels:
            d = self.per_class[label]
            rows.append(
                f"| {label} | {d['precision']:.3f} | {d['recall']:.3f} | {d['f1']:.3f} | {int(d['support'])} |"
            )
        return "\n".join(rows)

    def confusion_markdown(self) -> str:
        """The confusion matrix in Markdown (rows: true label, columns: predicted)."""
        short = [_abbrev(label) for label in self.labels]
        rows = ["| true \\ predicted | " + " | ".join(short) + " |", "|---|" + "---:|" * len(short)]
        for label, row in zip(self.labels, self.confusion):
            rows.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
        return "\n".join(rows)


def _abbrev(label: str) -> str:
    return "".join(part[:3] for part in label.split("_"))[:9]


def _ordered_labels(values: Iterable[str]) -> list[str]:
    present = set(values)
    known = [label for label in LABELS if label in present]
    return known + sorted(present - set(known))


def score_predictions(
    y_true: Sequence[Any], y_pred: Sequence[Any], *, labels: Sequence[str] | None = None
) -> EvaluationReport:
    """Score predictions against true labels.

    Parameters
    ----------
    y_true, y_pred : sequence of str
    labels : sequence of str, default=None
        Labels to report and average macro-F1 over (e.g. only labels with at least 5 items).
        Defaults to every label in ``y_true`` and ``y_pred``.

    Returns
    -------
    EvaluationReport

    Raises
    ------
    ValueError
        When there is nothing to score: no items, lists of different lengths, or an empty
        ``labels``. A label of ``labels`` that never occurs in ``y_true`` is scored like any other
        (recall and F1 0), even when none of them occurs.

    Examples
    --------
    >>> report = score_predictions(["tidak_patut", "tidak_patut"], ["tidak_patut", "bukan_maladministrasi"])
    >>> report.accuracy, report.per_class["tidak_patut"]["recall"]
    (0.5, 0.5)
    """
    yt = [str(v) for v in y_true]
    yp = [str(v) for v in y_pred]
    if len(yt) != len(yp):
        raise ValueError(f"y_true has {len(yt)} labels but y_pred has {len(yp)}.")
    if not yt:
        raise ValueError("There is nothing to score: y_true and y_pred are empty.")
    labs = list(labels) if labels is not None else _ordered_labels(yt + yp)
    if not labs:
        raise ValueError("labels is empty: name at least one label to score, or pass labels=None for all of them.")
    p, r, f, s = precision_recall_fscore_support(yt, yp, labels=labs, zero_division=0)
    per_class = {
        label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, label in enumerate(labs)
    }
    mal_f1 = None
    if NOT_MALADMINISTRATION in set(yt):
        mal_true = np.array([v != NOT_MALADMINISTRATION for v in yt])
        mal_pred = np.array([v != NOT_MALADMINISTRATION for v in yp])
        mal_f1 = float(f1_score(mal_true, mal_pred, zero_division=0))
    return EvaluationReport(
        labels=labs,
        macro_f1=float(f1_score(yt, yp, labels=labs, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(yt, yp)),
        maladministration_f1=mal_f1,
        per_class=per_class,
        confusion=_confusion(yt, yp, labs),
        n_samples=len(yt),
        y_true=yt,
        y_pred=yp,
    )


def _confusion(y_true: list[str], y_pred: list[str], labels: list[str]) -> list[list[int]]:
    """``confusion_matrix(y_true, y_pred, labels=labels)``, also when no label of ``labels`` is in
    ``y_true`` (scikit-learn refuses that case); items with a label outside ``labels`` are left out."""
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        i, j = index.get(t), index.get(p)
        if i is not None and j is not None:
            counts[i, j] += 1
    return counts.tolist()


METRIC_NAMES = {"macro_f1": "macro-F1", "accuracy": "accuracy", "maladministration_f1": "maladministration-vs-not F1"}
"""The figures :func:`bootstrap_intervals` and :func:`bootstrap_difference` resample, with their printed names."""
METRICS = tuple(METRIC_NAMES)


def _resampled_scores(
    y_true: Sequence[Any],
    predictions: Sequence[Sequence[Any]],
    labels: Sequence[str] | None,
    n_resamples: int,
    random_state: int | None,
) -> list[dict[str, np.ndarray]]:
    """Each metric of each prediction list on the same bootstrap resamples, computed from
    confusion counts (the figures :func:`score_predictions` gives each resample with the labels
    of the whole sample; zero_division=0)."""
    yt = [str(v) for v in y_true]
    preds = [[str(v) for v in p] for p in predictions]
    n = len(yt)
    if n == 0:
        raise ValueError("y_true is empty: there is nothing to resample.")
    for p in preds:
        if len(p) != n:
            raise ValueError(f"y_true has {n} labels but a prediction list has {len(p)}.")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1; got {n_resamples}")
    labs = list(labels) if labels is not None else _ordered_labels(yt + [v for p in preds for v in p])
    codes = {label: i for i, label in enumerate(dict.fromkeys([*labs, *yt, *(v for p in preds for v in p)]))}
    k = len(codes)
    t = np.fromiter((codes[v] for v in yt), dtype=np.int64, count=n)
    averaged = np.array([codes[label] for label in labs], dtype=np.int64)
    mal_t = np.array([v != NOT_MALADMINISTRATION for v in yt])
    rng = np.random.default_rng(random_state)
    idx = rng.integers(0, n, size=(n_resamples, n))
    # counts per (resample, class) cell: true items, predicted items, true positives
    offsets = np.arange(n_resamples)[:, None] * k
    size = n_resamples * k
    true_cells = (offsets + t[idx]).ravel()
    true_n = np.bincount(true_cells, minlength=size)
    out = []
    for pred in preds:
        pc = np.fromiter((codes[v] for v in pred), dtype=np.int64, count=n)
        hit = (t == pc)[idx]
        tp = np.bincount(true_cells, weights=hit.ravel(), minlength=size)
        denom = true_n + np.bincount((offsets + pc[idx]).ravel(), minlength=size)
        f1 = np.divide(2 * tp, denom, out=np.zeros(size), where=denom > 0).reshape(n_resamples, k)
        scores = {"macro_f1": f1[:, averaged].mean(axis=1), "accuracy": hit.mean(axis=1)}
        if NOT_MALADMINISTRATION in yt:
            mt, mp = mal_t[idx], np.array([v != NOT_MALADMINISTRATION for v in pred])[idx]
            tp_m = (mt & mp).sum(axis=1)
            d = mt.sum(axis=1) + mp.sum(axis=1)
            scores["maladministration_f1"] = np.divide(2 * tp_m, d, out=np.zeros(n_resamples), where=d > 0)
        out.append(scores)
    return out


def _tail_percent(confidence: float) -> float:
    """The percentile cut from each end for a two-sided interval of ``confidence``."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1; got {confidence}")
    return (1 - confidence) / 2 * 100


def bootstrap_intervals(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    *,
    labels: Sequence[str] | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = 0,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap confidence intervals of macro-F1, accuracy and maladministration F1.

    A small evaluation set gives wide intervals: on 143 real complaints a difference of two or three
    complaints moves macro-F1 by a few hundredths. The items are resampled with replacement
    ``n_resamples`` times and each figure is computed as :func:`score_predictions` computes it.

    Parameters
    ----------
    y_true, y_pred : sequence of str
    labels : sequence of str, default=None
        Labels macro-F1 is averaged over (as in :func:`score_predictions`).
    n_resamples : int, default=2000
    confidence : float, default=0.95
    random_state : int or None, default=0
        Seed of the resampling, so the intervals are reproducible.

    Returns
    -------
    dict of str to (float, float)
        ``macro_f1``, ``accuracy`` and, when ``bukan_maladministrasi`` occurs in ``y_true``,
        ``maladministration_f1``: the lower and upper bounds.

    See Also
    --------
    bootstrap_difference : whether one set of predictions is better than another on the same items.

    Examples
    --------
    >>> y_true = ["penundaan_berlarut", "bukan_maladministrasi"] * 20
    >>> y_pred = y_true[:30] + ["penundaan_berlarut"] * 10  # 35 of 40 right
    >>> low, high = bootstrap_intervals(y_true, y_pred)["accuracy"]
    >>> bool(low < 35 / 40 < high), bool(high - low > 0.1)
    (True, True)
    """
    tail = _tail_percent(confidence)
    scores = _resampled_scores(y_true, [y_pred], labels, n_resamples, random_state)[0]
    return {
        name: (float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail)))
        for name, values in scores.items()
    }


def bootstrap_difference(
    y_true: Sequence[Any],
    y_pred_a: Sequence[Any],
    y_pred_b: Sequence[Any],
    *,
    labels: Sequence[str] | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    random_state: int | None = 0,
) -> dict[str, dict[str, float]]:
    """Paired bootstrap of the difference between two sets of predictions on the same items.

    Both are scored on the same resamples, so what the items have in common cancels out: the way
    to compare two settings on a small evaluation set.

    Parameters
    ----------
    y_true, y_pred_a, y_pred_b : sequence of str
    labels, n_resamples, confidence, random_state
        As in :func:`bootstrap_intervals`. Without ``labels``, both are averaged over every label
        of ``y_true`` and of either prediction.

    Returns
    -------
    dict of str to dict
        Per figure (``macro_f1``, ``accuracy``, ``maladministration_f1``): ``difference`` (a minus
        b on all the items), ``low`` and ``high`` (its interval) and ``a_better`` (the share of
        resamples on which a scored higher).

    Examples
    --------
    >>> y_true = ["tidak_patut", "bukan_maladministrasi"] * 25
    >>> a = list(y_true)
    >>> b = ["bukan_maladministrasi"] * 50
    >>> d = bootstrap_difference(y_true, a, b)["accuracy"]
    >>> d["difference"], d["a_better"]
    (0.5, 1.0)
    """
    tail = _tail_percent(confidence)
    if labels is None:  # one label set for both, or a label only one of them predicts counts for it alone
        labels = _ordered_labels([str(v) for v in (*y_true, *y_pred_a, *y_pred_b)])
    a, b = _resampled_scores(y_true, [y_pred_a, y_pred_b], labels, n_resamples, random_state)
    full_a = score_predictions(y_true, y_pred_a, labels=labels)
    full_b = score_predictions(y_true, y_pred_b, labels=labels)
    out: dict[str, dict[str, float]] = {}
    for name in a:
        diff = a[name] - b[name]
        out[name] = {
            "difference": float(getattr(full_a, name)) - float(getattr(full_b, name)),
            "low": float(np.percentile(diff, tail)),
            "high": float(np.percentile(diff, 100 - tail)),
            "a_better": float((diff > 0).mean()),
        }
    return out


def evaluate(
    model: Any, texts: Iterable[Any], labels: Sequence[Any], *, min_support: int = 1
) -> EvaluationReport:
    """Score a fitted model on labelled texts.

    Parameters
    ----------
    model : fitted classifier with ``predict``
    texts : iterable of str
    labels : sequence of str
    min_support : int, default=1
        Report and average only over labels with at least this many true items (the real-text
        development set is scored over labels with at least 5).

    Returns
    -------
    EvaluationReport
    """
    docs = check_documents(texts)
    pred = model.predict(docs)
    counts: dict[str, int] = {}
    for v in labels:
        counts[str(v)] = counts.get(str(v), 0) + 1
    labs = None
    if min_support > 1:
        labs = [label for label in _ordered_labels(counts) if counts[label] >= min_support]
    return score_predictions(labels, pred, labels=labs)


def cross_validate(
    model: Any,
    texts: Iterable[Any],
    labels: Sequence[Any],
    *,
    cv: int = 5,
    random_state: int = 0,
    n_jobs: int | None = None,
) -> EvaluationReport:
    """Stratified k-fold cross-validation: every text is predicted by a model that never saw it.

    Parameters
    ----------
    model : unfitted estimator (it is cloned)
    texts : iterable of str
    labels : sequence of str
    cv : int, default=5
    random_state : int, default=0
        Seed of the fold shuffle, so runs are reproducible.
    n_jobs : int or None
        Folds fitted in parallel.

    Returns
    -------
    EvaluationReport
    """
    docs = check_documents(texts)
    y = np.asarray([str(v) for v in labels], dtype=object)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    pred = cross_val_predict(clone(model), docs, y, cv=folds, n_jobs=n_jobs)
    return score_predictions(list(y), list(pred))


def _figure_png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def write_html_report(report: EvaluationReport, path: str, *, title: str = "maladmin_nlp evaluation") -> None:
    """Write a self-contained HTML page: figures, per-class table, confusion matrix and bar chart.

    Needs matplotlib (``pip install 'maladmin-nlp[plot]'``); images are embedded as PNG data URIs.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("The HTML report needs matplotlib: pip install 'maladmin-nlp[plot]'") from exc

    labs = report.labels
    cm = np.asarray(report.confusion)
    fig1, ax = plt.subplots(figsize=(1.0 + 0.6 * len(labs), 0.8 + 0.5 * len(labs)))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labs)), [_abbrev(label) for label in labs], rotation=45, ha="right")
    ax.set_yticks(range(len(labs)), labs)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(labs)):
        for j in range(len(labs)):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    cm_png = _figure_png(fig1)
    plt.close(fig1)

    fig2, ax2 = plt.subplots(figsize=(7, 0.4 + 0.35 * len(labs)))
    f1s = [report.per_class[label]["f1"] for label in labs]
    ax2.barh(range(len(labs)), f1s, color="#4477aa")
    ax2.set_yticks(range(len(labs)), labs)
    ax2.invert_yaxis()
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("F1")
    bars_png = _figure_png(fig2)
    plt.close(fig2)

    rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td>{d['precision']:.3f}</td><td>{d['recall']:.3f}</td>"
        f"<td>{d['f1']:.3f}</td><td>{int(d['support'])}</td></tr>"
        for label, d in report.per_class.items()
    )
    mal = (
        f" &middot; maladministration-vs-not F1 <b>{report.maladministration_f1:.3f}</b>"
        if report.maladministration_f1 is not None
        else ""
    )
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:980px;margin:2em auto}}td,th{{padding:2px 10px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{report.n_samples} complaints &middot; macro-F1 <b>{report.macro_f1:.3f}</b> &middot;
accuracy <b>{report.accuracy:.3f}</b>{mal}</p>
<h2>Per label</h2><table><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>
{rows}</table>
<h2>F1 per label</h2><img alt="F1 per label" src="data:image/png;base64,{bars_png}">
<h2>Confusion matrix</h2><img alt="confusion matrix" src="data:image/png;base64,{cm_png}">
</body></html>"""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(page)
