"""Training: fit a model, cross-validate it, and record everything its card needs.

Examples
--------
>>> from maladmin_nlp.training import train
>>> texts = ["KTP belum jadi 3 bulan", "dimintai uang 200rb", "KK belum jadi 2 bulan", "diminta uang rokok"] * 3
>>> labels = ["penundaan_berlarut", "permintaan_imbalan"] * 6
>>> model, report = train(texts, labels, cv=3, calibration=None)
>>> round(report.macro_f1, 2)
1.0
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .classifier import ComplaintClassifier
from .datasets import corpus_sha256, load_corpus
from .evaluation import EvaluationReport, cross_validate
from .persistence import save_model
from .preprocessing import check_documents

__all__ = ["DEFAULT_PARAMS", "data_sha256", "train", "train_default_model"]

logger = logging.getLogger(__name__)

DEFAULT_PARAMS: dict[str, Any] = {}
"""Parameters of the shipped default model (the ``ComplaintClassifier`` defaults; chosen in ``models/README.md``)."""


def data_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 of a labelled data set (texts and labels in order), for model cards.

    Examples
    --------
    >>> len(data_sha256(["a"], ["b"]))
    64
    """
    digest = hashlib.sha256()
    for text, label in zip(texts, labels):
        digest.update(json.dumps([text, str(label)], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def train(
    texts: Iterable[Any],
    labels: Iterable[Any],
    *,
    cv: int | None = 5,
    random_state: int = 0,
    sample_weight: Sequence[float] | None = None,
    **params: Any,
) -> tuple[ComplaintClassifier, EvaluationReport | None]:
    """Cross-validate, then fit a :class:`ComplaintClassifier` on all the data.

    Parameters
    ----------
    texts : iterable of str
    labels : iterable of str
    cv : int or None, default=5
        Folds of stratified cross-validation; ``None`` or ``0`` skips it.
    random_state : int, default=0
        Seed of the fold shuffle.
    sample_weight : sequence of float, default=None
        Not supported yet by every model type; reserved.
    **params
        ``ComplaintClassifier`` parameters.

    Returns
    -------
    model : ComplaintClassifier
        Fitted on all the data.
    report : EvaluationReport or None
        Cross-validated figures (``None`` when ``cv`` is off).
    """
    if sample_weight is not None:
        raise NotImplementedError("sample_weight is not supported yet; repeat rows to weight them up.")
    docs = check_documents(texts)
    y = [str(v) for v in labels]
    model = ComplaintClassifier(**params)
    report = None
    if cv:
        report = cross_validate(model, docs, y, cv=cv, random_state=random_state)
        logger.info("cross-validated macro-F1 %.3f over %d folds", report.macro_f1, cv)
    model.fit(docs, y)
    return model, report


def train_default_model(out_dir: str | Path = "models/default", *, cv: int = 5) -> Path:
    """Train the shipped default model on the packaged corpus and save it with its card.

    Deterministic: the same corpus and library versions give the same predictions.

    Returns
    -------
    pathlib.Path
        The model file.
    """
    corpus = load_corpus()
    model, report = train(corpus.texts, corpus.labels, cv=cv, **DEFAULT_PARAMS)
    metrics: dict[str, Any] = {}
    if report is not None:
        metrics["cross_validation"] = {"folds": cv, "shuffle_seed": 0, **report.to_dict()}
    path = Path(out_dir) / "model.joblib"
    return save_model(
        model,
        path,
        training_data={
            "source": "maladmin_nlp packaged corpus (src/maladmin_nlp/data/corpus.jsonl)",
            "sha256": corpus_sha256(),
            "n_samples": len(corpus),
        },
        metrics=metrics,
    )
