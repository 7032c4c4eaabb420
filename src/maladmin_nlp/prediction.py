"""What a prediction is, and how one is explained: shared by every model class of the library.

:class:`Prediction` is what ``classify`` returns. :class:`ExplainingMixin` turns probabilities and
TF-IDF rows into predictions with confidence, review flag and evidence (the words that drove the
decision, as the citizen wrote them); :class:`~maladmin_nlp.ComplaintClassifier` and
:class:`~maladmin_nlp.compact.CompactModel` both use it, so they explain alike. Nothing here
imports scikit-learn or SciPy.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .normalize import ENTITY_TOKENS, PII_TOKENS
from .taxonomy import NOT_MALADMINISTRATION, label_name
from .text_pipeline import TextPipeline, check_documents

__all__ = ["DECISIONS", "ExplainingMixin", "Prediction", "centred_weights", "decide"]

DECISIONS = ("auto", "maladministration_first", "argmax")
"""Values of a model's ``decision`` parameter: the two rules of :func:`decide`, or ``"auto"``
(``"maladministration_first"`` for a model with calibrated probabilities, ``"argmax"`` otherwise)."""
_RULES = DECISIONS[1:]

_PLACEHOLDER_SURFACE = {tok: f"[{tok[1:-1].upper()}]" for tok in ENTITY_TOKENS} | {
    tok.strip(): f"[{tok.strip()[1:-1].upper()}]" for tok in PII_TOKENS.values()
}


@dataclass(frozen=True)
class Prediction:
    """The label of one complaint, with its confidence and the words that drove it.

    Attributes
    ----------
    label : str
        Predicted label id.
    label_name : str
        Indonesian name of the label (the id itself for labels outside the taxonomy).
    confidence : float
        Calibrated probability of ``label``.
    needs_review : bool
        True when ``confidence`` is under the model's ``review_threshold``, ``label`` is less than
        ``review_margin`` ahead of the most probable other label (or behind it: see
        :func:`decide`), or the text holds no term the model knows (empty, another language):
        route such complaints to a person.
    scores : dict of str to float
        Probability of every label, in the model's ``classes_`` order.
    other_labels : tuple of str
        Further labels whose probability is at least ``other_labels_threshold`` (complaints
        that report several forms), best first.
    evidence : tuple of (str, float)
        Terms of this complaint that pushed the decision towards ``label``, as written by the
        citizen (``dilayani``, not the stem ``layan``), with their weight, strongest first.
    """

    label: str
    label_name: str
    confidence: float
    needs_review: bool
    scores: dict[str, float] = field(repr=False)
    other_labels: tuple[str, ...] = ()
    evidence: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        out = asdict(self)
        out["other_labels"] = list(self.other_labels)
        out["evidence"] = [[term, weight] for term, weight in self.evidence]
        return out


def centred_weights(weights: np.ndarray) -> np.ndarray:
    """Per-class term weights for explanations: one row per class, centred across classes.

    A binary model's single row ``w`` (for the second class) becomes ``[-w/2, w/2]``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape[0] == 1:
        weights = np.vstack([-weights[0], weights[0]]) / 2.0
    return (weights - weights.mean(axis=0, keepdims=True)).astype(np.float32)


def decide(
    proba: np.ndarray, classes: Sequence[Any] | np.ndarray, decision: str = "maladministration_first"
) -> np.ndarray:
    """The index of the chosen label in each row of ``proba``.

    ``"argmax"`` takes the most probable label. ``"maladministration_first"`` answers the
    operator's first question before the second: is this a report of maladministration at all
    (the ten forms' probabilities summed, against ``bukan_maladministrasi``'s), and if so, which
    form (the most probable of the ten). The two differ only when ``bukan_maladministrasi`` is the
    single most probable label but has less than half of the probability: the complaint is then
    filed under its most probable form. Without a ``bukan_maladministrasi`` class both are argmax.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Probabilities, rows summing to 1.
    classes : sequence of str
        The labels of the columns.
    decision : {"maladministration_first", "argmax"}, default="maladministration_first"

    Returns
    -------
    ndarray of int, shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> classes = ["bukan_maladministrasi", "penundaan_berlarut", "tidak_patut"]
    >>> proba = np.array([[0.45, 0.30, 0.25], [0.60, 0.30, 0.10]])
    >>> decide(proba, classes).tolist(), decide(proba, classes, "argmax").tolist()
    ([1, 0], [0, 0])
    """
    if decision not in _RULES:
        raise ValueError(f"decision must be one of {', '.join(map(repr, _RULES))}; got {decision!r}")
    proba = np.asarray(proba, dtype=np.float64)
    best = proba.argmax(axis=1)
    where = [i for i, c in enumerate(classes) if str(c) == NOT_MALADMINISTRATION]
    if decision == "argmax" or not where or proba.shape[1] < 2:
        return best
    k = where[0]
    forms = proba.copy()
    forms[:, k] = -np.inf
    is_not = proba[:, k] >= 0.5 * proba.sum(axis=1)
    return np.where(is_not, k, forms.argmax(axis=1))


class ExplainingMixin:
    """``classify`` and ``explain`` for a fitted linear text model.

    A class using it provides ``classes_``, ``term_weights_`` (class x feature weights, centred),
    ``n_word_features_``, ``decision`` (one of :data:`DECISIONS`), the thresholds
    ``review_threshold``, ``review_margin``, ``other_labels_threshold`` and ``n_evidence``, and the
    methods ``_calibrated()``, ``_check_fitted()``,
    ``_text_pipeline()``, ``_vectorize(prepared)`` (rows with ``indptr``, ``indices``, ``data``),
    ``_proba_from_features(features)`` and ``_word_feature_names()``.
    """

    classes_: np.ndarray
    term_weights_: np.ndarray
    n_word_features_: int
    decision: str
    review_threshold: float
    review_margin: float
    other_labels_threshold: float
    n_evidence: int

    def _check_fitted(self) -> None:
        raise NotImplementedError

    def _text_pipeline(self) -> TextPipeline:
        raise NotImplementedError

    def _vectorize(self, prepared: list[str]) -> Any:
        raise NotImplementedError

    def _proba_from_features(self, features: Any) -> np.ndarray:
        raise NotImplementedError

    def _word_feature_names(self) -> Sequence[str]:
        raise NotImplementedError

    @property
    def max_chars(self) -> int:
        """Characters of a complaint the model reads; the rest is ignored (with a warning)."""
        return int(self._text_pipeline().max_chars)

    def classify(self, texts: str | Iterable[Any]) -> Prediction | list[Prediction]:
        """Label one complaint or many, with confidence, review flag and evidence.

        Parameters
        ----------
        texts : str or iterable of str
            One complaint (returns one :class:`Prediction`) or several (returns a list).

        Returns
        -------
        Prediction or list of Prediction
        """
        self._check_fitted()
        single = isinstance(texts, str)
        docs: list[str] = [texts] if isinstance(texts, str) else check_documents(texts)
        if not docs:
            return []
        preprocess = self._text_pipeline()
        long = sum(len(doc) > preprocess.max_chars for doc in docs)
        if long:
            warnings.warn(
                f"{long} complaint(s) longer than {preprocess.max_chars:,} characters: the model read only "
                f"the first {preprocess.max_chars:,} characters of each",
                UserWarning,
                stacklevel=2,
            )
        analyses = [preprocess.analyze(doc) for doc in docs]
        token_lists = [[token for token, _ in pairs] for pairs in analyses]
        features = self._vectorize([" ".join(tokens) for tokens in token_lists])
        proba = self._proba_from_features(features)
        # Everything per row that numpy can do for the whole batch is done here once.
        order = np.argsort(-proba, axis=1, kind="stable")
        best = self._decide(proba)
        rows = np.arange(len(docs))
        confidence = proba[rows, best]
        if proba.shape[1] > 1:
            # against the most probable other label (negative when the decision passed over a
            # more probable label, see decide())
            runner_up = np.where(order[:, 0] == best, order[:, 1], order[:, 0])
            margin = confidence - proba[rows, runner_up]
        else:
            margin = np.ones(len(docs))
        # a text with no term the model knows (empty, another language) gets the prior: review it
        unknown = np.diff(features.indptr) == 0
        review = ((confidence < self.review_threshold) | (margin < self.review_margin) | unknown).tolist()
        classes = [str(c) for c in self.classes_]
        names = {label: label_name(label) for label in classes}
        evidence = self._evidence_rows(features, best, analyses, token_lists, self.n_evidence)
        # further labels: the others at or above the threshold, most probable first
        ordered = np.take_along_axis(proba, order, axis=1)
        others = np.where(ordered >= self.other_labels_threshold, order, -1)
        others[others == best[:, None]] = -1
        other_lists = others.tolist()
        out = []
        for i, (k, conf, scores) in enumerate(zip(best.tolist(), confidence.tolist(), np.round(proba, 6).tolist())):
            label = classes[k]
            out.append(
                Prediction(
                    label=label,
                    label_name=names[label],
                    confidence=round(conf, 6),
                    needs_review=review[i],
                    scores=dict(zip(classes, scores)),
                    other_labels=tuple(classes[j] for j in other_lists[i] if j >= 0),
                    evidence=evidence[i],
                )
            )
        return out[0] if single else out

    def _calibrated(self) -> bool:
        raise NotImplementedError

    def decision_rule(self) -> str:
        """The rule of :func:`decide` this model labels with (``decision``, with ``"auto"`` resolved).

        ``"maladministration_first"`` compares summed probabilities, so ``"auto"`` uses it only
        when the probabilities are calibrated.
        """
        if self.decision == "auto":
            return "maladministration_first" if self._calibrated() else "argmax"
        if self.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(map(repr, DECISIONS))}; got {self.decision!r}")
        return self.decision

    def _decide(self, proba: np.ndarray) -> np.ndarray:
        """Index of the chosen label per row (see :func:`decide`)."""
        return decide(proba, self.classes_, self.decision_rule())

    def _contributions(self, features: Any, classes: np.ndarray) -> np.ndarray:
        """For every stored entry of ``features``: value x term weight for its row's class in
        ``classes`` (0 for character n-grams, which are never shown as evidence)."""
        row_of_entry = np.repeat(classes, np.diff(features.indptr))
        indices = features.indices
        word = indices < self.n_word_features_
        contrib = np.zeros(len(indices), dtype=np.float64)
        contrib[word] = features.data[word] * self.term_weights_[row_of_entry[word], indices[word]]
        return contrib

    def _evidence_rows(
        self,
        features: Any,
        classes: np.ndarray,
        analyses: Sequence[list[tuple[str, str]]],
        token_lists: Sequence[list[str]],
        top: int,
    ) -> list[tuple[tuple[str, float], ...]]:
        """For each row of ``features``: the ``top`` terms pushing it towards its class in
        ``classes``, strongest first, shown as written (one sort for the whole batch)."""
        contrib = self._contributions(features, classes)
        positive = np.flatnonzero(contrib > 0)
        row_of = np.repeat(np.arange(len(analyses)), np.diff(features.indptr))[positive]
        values = contrib[positive]
        # by row, then strongest first; ties keep the column order (lexsort is stable)
        order = np.lexsort((-values, row_of))
        columns = np.asarray(features.indices)[positive][order].tolist()
        weights = values[order].tolist()
        bounds = np.searchsorted(row_of[order], np.arange(len(analyses) + 1)).tolist()
        names = self._word_feature_names()
        out: list[tuple[tuple[str, float], ...]] = []
        for i, (pairs, tokens) in enumerate(zip(analyses, token_lists)):
            terms: list[tuple[str, float]] = []
            seen: set[str] = set()
            for j in range(bounds[i], bounds[i + 1]):
                if len(terms) >= top:
                    break
                term = _surface(names[columns[j]], pairs, tokens)
                if term not in seen:
                    seen.add(term)
                    terms.append((term, round(weights[j], 4)))
            out.append(tuple(terms))
        return out

    def explain(self, text: str, top: int = 10) -> dict[str, list[tuple[str, float]]]:
        """The evidence for every label, for reviewers who ask "why not X?".

        Parameters
        ----------
        text : str
            One complaint.
        top : int, default=10
            Terms per label.

        Returns
        -------
        dict of str to list of (str, float)
            For each label in ``classes_`` order, the terms of ``text`` that push towards it,
            strongest first (empty when nothing in the text supports that label).
        """
        self._check_fitted()
        if not isinstance(text, str):
            raise TypeError(f"explain() takes one complaint as str, got {type(text).__name__}")
        pairs = self._text_pipeline().analyze(text)
        tokens = [token for token, _ in pairs]
        row = self._vectorize([" ".join(tokens)])
        return {
            str(c): list(self._evidence_rows(row, np.array([k]), [pairs], [tokens], top)[0])
            for k, c in enumerate(self.classes_)
        }


def _surface(feature: str, pairs: list[tuple[str, str]], tokens: list[str]) -> str:
    """Readable form of an n-gram feature: the words as written in the complaint.

    ``tokens`` are the tokens of ``pairs``; the first occurrence of the n-gram gives the words.
    """
    if " " not in feature:  # a single word, most evidence: its first occurrence, if any
        try:
            surface = pairs[tokens.index(feature)][1]
        except ValueError:
            surface = feature
        return _PLACEHOLDER_SURFACE.get(surface, surface)
    grams = feature.split(" ")
    n = len(grams)
    start = 0
    while True:
        try:
            i = tokens.index(grams[0], start)
        except ValueError:
            break
        if tokens[i : i + n] == grams:
            return " ".join(_PLACEHOLDER_SURFACE.get(s, s) for _, s in pairs[i : i + n])
        start = i + 1
    return " ".join(_PLACEHOLDER_SURFACE.get(g, g) for g in grams)
