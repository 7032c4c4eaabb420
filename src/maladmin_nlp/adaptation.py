"""Adapt a model to the register of an unlabelled archive (class-balanced self-training).

A model learnt from authored complaints meets a real archive written differently. Without any
labels, the archive still tells the model what its complaints look like: the model labels the
archive, the most confident predictions *of each label* (at most ``per_class``, at least
``min_confidence``) join the training data as pseudo-labels, and the model is refit.

The per-label cap matters. Plain self-training with one confidence threshold mostly adds the
commonest, easiest class (first reports of a condition, in city archives) and made the model worse
when we measured it; capping per label keeps the training data balanced. What was tried and
measured (see the README, "Adapting to your archive"): plain self-training at thresholds 0.7-0.9,
fitting the vocabulary and IDF on archive + corpus, EM re-estimation of the label priors
(Saerens et al., 2002), and class-balanced self-training. Only the last helped a model labelling
with argmax, and it is what :func:`adapt` does. Against the shipped model, which decides
maladministration-first, it trades macro-F1 for the maladministration-vs-not decision (figures in
the README): use it when that first triage is what matters.

Examples
--------
>>> from maladmin_nlp import ComplaintClassifier
>>> from maladmin_nlp.adaptation import adapt
>>> base_x = ["KTP belum jadi 3 bulan", "diminta uang 200rb", "KK belum jadi", "uang rokok 50 ribu"] * 3
>>> base_y = ["tunda", "pungli"] * 6
>>> model = ComplaintClassifier(calibration=None).fit(base_x, base_y)
>>> archive = ["akta belum jadi sudah 2 bulan", "pungutan 100rb di kelurahan", "sertifikat belum jadi"]
>>> adapted, info = adapt(model, archive, base_texts=base_x, base_labels=base_y, min_confidence=0.0)
>>> info["n_pseudo_labelled"]
3
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone

from .classifier import ComplaintClassifier
from .datasets import load_corpus
from .preprocessing import check_documents

__all__ = ["adapt", "pseudo_label"]

logger = logging.getLogger(__name__)


def pseudo_label(
    model: ComplaintClassifier,
    texts: Sequence[str],
    *,
    per_class: int = 100,
    min_confidence: float = 0.6,
) -> tuple[list[int], list[str], list[float]]:
    """Pick the most confident predictions of each label.

    Returns
    -------
    indices : list of int
        Positions in ``texts`` of the chosen complaints.
    labels : list of str
        Their predicted labels.
    confidences : list of float
    """
    docs = check_documents(texts)
    keep = [i for i, d in enumerate(docs) if d.strip()]
    if not keep:
        return [], [], []
    proba = model.predict_proba([docs[i] for i in keep])
    conf = proba.max(axis=1)
    pred = model.classes_[proba.argmax(axis=1)]
    chosen: list[int] = []
    for label in model.classes_:
        where = np.flatnonzero((pred == label) & (conf >= min_confidence))
        where = where[np.argsort(-conf[where], kind="stable")][:per_class]
        chosen.extend(int(w) for w in where)
    chosen.sort()
    return [keep[i] for i in chosen], [str(pred[i]) for i in chosen], [float(conf[i]) for i in chosen]


def adapt(
    model: ComplaintClassifier,
    archive: Iterable[Any],
    *,
    base_texts: Sequence[str] | None = None,
    base_labels: Sequence[str] | None = None,
    per_class: int = 100,
    min_confidence: float = 0.6,
) -> tuple[ComplaintClassifier, dict[str, Any]]:
    """Refit ``model`` on its training data plus confident, class-balanced pseudo-labels from ``archive``.

    Parameters
    ----------
    model : ComplaintClassifier
        A fitted model (e.g. the default model).
    archive : iterable of str
        Unlabelled complaints from the archive you want to label.
    base_texts, base_labels : sequences of str, default=None
        The data ``model`` was trained on. Default: the packaged corpus (right for the default model
        and for models trained on it).
    per_class : int, default=100
        Most pseudo-labelled complaints added per label.
    min_confidence : float, default=0.6
        Pseudo-labels below this probability are not used.

    Returns
    -------
    adapted : ComplaintClassifier
        A new model (``model`` is not changed). When ``model.decision`` is ``"auto"``, the
        adapted model labels with ``"argmax"``: its pseudo-labels already shift it towards the
        forms of maladministration, and deciding maladministration-first on top overshoots.
    info : dict
        ``n_archive``, ``n_pseudo_labelled`` and ``per_label`` counts, for the model card.
    """
    docs = check_documents(archive)
    if base_texts is None or base_labels is None:
        corpus = load_corpus()
        base_texts, base_labels = corpus.texts, corpus.labels
    idx, labels, _ = pseudo_label(model, docs, per_class=per_class, min_confidence=min_confidence)
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    logger.info("adapting on %d pseudo-labelled complaints out of %d", len(idx), len(docs))
    adapted = clone(model)
    if adapted.decision == "auto":
        # The pseudo-labels (up to per_class for each of the ten forms, as many as for bukan) already
        # move the model towards the forms; labelling maladministration-first on top overshoots:
        # measured on real-dev, 100/label: argmax 0.729 macro-F1 / 0.892 mal-vs-not F1, the rule
        # 0.715 / 0.866 (benchmarks/adaptation.py).
        adapted.set_params(decision="argmax")
    adapted.fit(list(base_texts) + [docs[i] for i in idx], list(base_labels) + labels)
    info = {
        "method": "class-balanced self-training",
        "decision": adapted.decision,
        "n_archive": len(docs),
        "n_pseudo_labelled": len(idx),
        "per_class": per_class,
        "min_confidence": min_confidence,
        "per_label": counts,
    }
    return adapted, info
