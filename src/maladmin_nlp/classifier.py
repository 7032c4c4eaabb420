"""``ComplaintClassifier``: raw complaint text in, an explained, calibrated label out.

One scikit-learn estimator owns the whole chain (preprocessing, TF-IDF features, a linear model
and its probability calibration), so it clones, pickles, cross-validates and grid-searches like any
other estimator, and a saved model runs exactly what was evaluated.

Examples
--------
>>> from maladmin_nlp import ComplaintClassifier
>>> texts = ["KTP saya sudah 3 bulan belum jadi", "Petugas minta uang Rp 200rb biar cepat",
...          "KK sudah dua bulan belum selesai", "diminta uang rokok 50 ribu oleh petugas"]
>>> clf = ComplaintClassifier(calibration=None).fit(texts, ["tunda", "pungli", "tunda", "pungli"])
>>> clf.predict(["akta kelahiran sudah 4 bulan belum jadi"]).tolist()
['tunda']
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from .features import supports, word_tfidf_transform
from .normalize import ENTITY_TOKENS, PII_TOKENS
from .preprocessing import IndonesianPreprocessor, check_documents
from .taxonomy import label_name

__all__ = ["MODELS", "ComplaintClassifier", "Prediction"]

MODELS = ("linear_svc", "logistic_regression", "complement_nb", "sgd")
"""Model types accepted by ``ComplaintClassifier(model=...)``."""

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
        True when ``confidence`` is under the model's ``review_threshold``, the two best labels
        are closer than ``review_margin``, or the text holds no term the model knows (empty,
        another language): route such complaints to a person.
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


class ComplaintClassifier(ClassifierMixin, BaseEstimator):
    """Classify Indonesian complaints by form of maladministration.

    Parameters
    ----------
    clean, mask_pii, entities, normalize_slang, remove_stopwords, remove_courtesy, stem : bool, default=True
        Preprocessing steps, see :class:`~maladmin_nlp.IndonesianPreprocessor`.
    word_ngram_range : tuple of (int, int), default=(1, 2)
        Word n-grams over the preprocessed tokens (bigrams keep ``tidak layan`` together).
    char_ngram_range : tuple of (int, int) or None, default=None
        Character n-grams (``char_wb``) added to the word features, e.g. ``(2, 5)``. More robust
        to typos, about 10x slower to vectorise; off by default (see the model card).
    min_df : int or float, default=1
        Ignore terms in fewer documents than this (count) or fraction.
    max_df : float, default=1.0
        Ignore terms in more than this fraction of documents.
    max_features : int or None, default=None
        Keep only the most frequent terms per feature block.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)``.
    model : {"linear_svc", "logistic_regression", "complement_nb", "sgd"}, default="linear_svc"
        The linear model.
    C : float, default=2.0
        Inverse regularisation for ``linear_svc`` and ``logistic_regression``; ``alpha`` for
        ``complement_nb`` is ``1 / C``; ``sgd`` uses ``alpha = 1e-4 / C``.
    class_weight : "balanced", dict or None, default="balanced"
        Class weights (ignored by ``complement_nb``, which is robust to imbalance by design).
    calibration : {"sigmoid", "isotonic", "temperature"} or None, default="sigmoid"
        How ``predict_proba`` is calibrated, with ``CalibratedClassifierCV(ensemble=False)``:
        cross-validated decision values fit the calibrator, the model itself is fit on all data.
        ``None`` uses a softmax of the decision values (uncalibrated; for quick experiments).
    calibration_cv : int, default=5
        Folds for calibration (lowered to the smallest class size when that is smaller).
    review_threshold : float, default=0.5
        Below this confidence a prediction ``needs_review``.
    review_margin : float, default=0.1
        A prediction also ``needs_review`` when the two best probabilities are closer than this.
    other_labels_threshold : float, default=0.25
        Probability from which further labels are reported in ``other_labels``.
    n_evidence : int, default=6
        Evidence terms reported per prediction.
    random_state : int or None, default=0
        Seed for ``sgd`` and ``linear_svc``.

    Attributes
    ----------
    classes_ : ndarray of str
        Labels seen in ``fit``, in the order of ``predict_proba``'s columns.
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted chain: ``preprocess`` -> ``features`` -> ``model``.

    See Also
    --------
    maladmin_nlp.load_model : the shipped default model.
    maladmin_nlp.IndonesianPreprocessor : the preprocessing step alone.

    Examples
    --------
    >>> clf = ComplaintClassifier(calibration=None)
    >>> clf.get_params()["model"]
    'linear_svc'
    """

    def __init__(
        self,
        *,
        clean: bool = True,
        mask_pii: bool = True,
        entities: bool = True,
        normalize_slang: bool = True,
        remove_stopwords: bool = True,
        remove_courtesy: bool = True,
        stem: bool = True,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] | None = None,
        min_df: int | float = 1,
        max_df: float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        model: Literal["linear_svc", "logistic_regression", "complement_nb", "sgd"] = "linear_svc",
        C: float = 2.0,
        class_weight: str | dict[str, float] | None = "balanced",
        calibration: Literal["sigmoid", "isotonic", "temperature"] | None = "sigmoid",
        calibration_cv: int = 5,
        review_threshold: float = 0.5,
        review_margin: float = 0.1,
        other_labels_threshold: float = 0.25,
        n_evidence: int = 6,
        random_state: int | None = 0,
    ) -> None:
        self.clean = clean
        self.mask_pii = mask_pii
        self.entities = entities
        self.normalize_slang = normalize_slang
        self.remove_stopwords = remove_stopwords
        self.remove_courtesy = remove_courtesy
        self.stem = stem
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.model = model
        self.C = C
        self.class_weight = class_weight
        self.calibration = calibration
        self.calibration_cv = calibration_cv
        self.review_threshold = review_threshold
        self.review_margin = review_margin
        self.other_labels_threshold = other_labels_threshold
        self.n_evidence = n_evidence
        self.random_state = random_state

    # ------------------------------------------------------------------ building
    def _build_preprocessor(self) -> IndonesianPreprocessor:
        return IndonesianPreprocessor(
            clean=self.clean,
            mask_pii=self.mask_pii,
            entities=self.entities,
            normalize_slang=self.normalize_slang,
            remove_stopwords=self.remove_stopwords,
            remove_courtesy=self.remove_courtesy,
            stem=self.stem,
        )

    def _build_features(self) -> FeatureUnion:
        blocks: list[tuple[str, Any]] = [
            (
                "word",
                TfidfVectorizer(
                    token_pattern=r"\S+",
                    lowercase=False,
                    ngram_range=tuple(self.word_ngram_range),
                    min_df=self.min_df,
                    max_df=self.max_df,
                    max_features=self.max_features,
                    sublinear_tf=self.sublinear_tf,
                    dtype=np.float32,
                ),
            )
        ]
        if self.char_ngram_range is not None:
            blocks.append(
                (
                    "char",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        lowercase=False,
                        ngram_range=tuple(self.char_ngram_range),
                        min_df=self.min_df,
                        max_df=self.max_df,
                        max_features=self.max_features,
                        sublinear_tf=self.sublinear_tf,
                        dtype=np.float32,
                    ),
                )
            )
        return FeatureUnion(blocks)

    def _build_model(self) -> Any:
        if self.model == "linear_svc":
            return LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        if self.model == "logistic_regression":
            return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000)
        if self.model == "complement_nb":
            return ComplementNB(alpha=1.0 / self.C)
        if self.model == "sgd":
            return SGDClassifier(
                loss="modified_huber",
                alpha=1e-4 / self.C,
                class_weight=self.class_weight,
                random_state=self.random_state,
                max_iter=50,
                tol=1e-4,
            )
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {self.model!r}")

    def _validate_params_values(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}; got {self.model!r}")
        if self.calibration not in ("sigmoid", "isotonic", "temperature", None):
            raise ValueError(
                f"calibration must be 'sigmoid', 'isotonic', 'temperature' or None; got {self.calibration!r}"
            )
        for name in ("review_threshold", "review_margin", "other_labels_threshold"):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1; got {value!r}")
        if not isinstance(self.C, (int, float)) or self.C <= 0:
            raise ValueError(f"C must be a positive number; got {self.C!r}")

    # ------------------------------------------------------------------ fit
    def fit(self, X: Iterable[Any], y: Iterable[Any]) -> ComplaintClassifier:
        """Learn the model from complaint texts and their labels.

        Parameters
        ----------
        X : iterable of str
            Complaint texts. ``None``/NaN count as empty texts.
        y : iterable of str
            One label per text; any label set works (not only the 11 default ids).

        Returns
        -------
        self
        """
        self._validate_params_values()
        texts = check_documents(X)
        raw = list(y)
        if len(raw) != len(texts):
            raise ValueError(f"X has {len(texts)} texts but y has {len(raw)} labels; they must match.")
        if any(label is None or (isinstance(label, float) and np.isnan(label)) for label in raw):
            raise ValueError("y contains missing labels (None/NaN); drop those rows or label them.")
        # keep the labels' own type: scikit-learn's meta-estimators (cross_val_predict, GridSearchCV)
        # may pass integer-encoded labels and expect classes_ in their numeric order
        labels = np.asarray(raw)
        classes, counts = np.unique(labels, return_counts=True)
        if len(classes) < 2:
            raise ValueError(f"Need at least 2 different labels to train; got only {classes.tolist()}.")

        preprocess = self._build_preprocessor().fit(texts)
        features = self._build_features()
        model: Any = self._build_model()
        n_cv = int(min(self.calibration_cv, counts.min()))
        if self.calibration is not None and n_cv >= 2:
            model = CalibratedClassifierCV(model, method=self.calibration, cv=n_cv, ensemble=False)
        elif self.calibration is not None:
            warnings.warn(
                f"Label {classes[counts.argmin()]!r} has a single example: probabilities are not calibrated. "
                "Add examples or pass calibration=None to silence this.",
                UserWarning,
                stacklevel=2,
            )
        self.pipeline_ = Pipeline([("preprocess", preprocess), ("features", features), ("model", model)])
        self.__dict__.pop("_fast", None)
        self.__dict__.pop("_names", None)
        self.pipeline_.fit(texts, labels)
        self.classes_ = np.asarray(self.pipeline_.classes_)
        self._set_weights()
        return self

    def _base_model(self) -> Any:
        model = self.pipeline_.named_steps["model"]
        if isinstance(model, CalibratedClassifierCV):
            return model.calibrated_classifiers_[0].estimator
        return model

    def _set_weights(self) -> None:
        """Per-class term weights for explanations, centred across classes."""
        base = self._base_model()
        if hasattr(base, "coef_"):
            weights = np.asarray(base.coef_, dtype=np.float64)
        else:  # ComplementNB
            weights = np.asarray(base.feature_log_prob_, dtype=np.float64)
        if weights.shape[0] == 1:  # binary: one row for the positive class
            weights = np.vstack([-weights[0], weights[0]]) / 2.0
        self.term_weights_ = (weights - weights.mean(axis=0, keepdims=True)).astype(np.float32)
        word = self.pipeline_.named_steps["features"].transformer_list[0][1]
        self.n_word_features_ = len(word.vocabulary_)

    # ------------------------------------------------------------------ predict
    def _features(self, texts: list[str]) -> Any:
        prepared = self.pipeline_.named_steps["preprocess"].transform(texts)
        return self._vectorize(prepared)

    def _vectorize(self, prepared: list[str]) -> Any:
        # The blocks of the FeatureUnion, called directly: same result, without the per-call
        # overhead of FeatureUnion's parallel dispatch (it matters for one complaint at a time).
        # The word block goes through features.word_tfidf_transform (same matrix, faster).
        blocks = [
            word_tfidf_transform(vec, prepared) if supports(vec) else vec.transform(prepared)
            for _, vec in self.pipeline_.named_steps["features"].transformer_list
        ]
        return blocks[0].tocsr() if len(blocks) == 1 else sp.hstack(blocks, format="csr")

    def _fast_sigmoid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """Parameters to compute sigmoid-calibrated probabilities with one sparse product.

        scikit-learn's ``CalibratedClassifierCV.predict_proba`` validates its input once per class,
        which costs ~10 ms per call; for a linear model and sigmoid calibration the same numbers
        come from ``X @ coef.T + intercept`` and one logistic per class (tested for equality).
        """
        cached = self.__dict__.get("_fast")
        if cached is not None:
            return cached if cached != () else None
        model = self.pipeline_.named_steps["model"]
        result: Any = ()
        if isinstance(model, CalibratedClassifierCV) and model.method == "sigmoid":
            calibrated = model.calibrated_classifiers_[0]
            base = calibrated.estimator
            if hasattr(base, "coef_") and hasattr(base, "intercept_") and hasattr(base, "decision_function"):
                cal = calibrated.calibrators
                index = np.searchsorted(np.asarray(model.classes_), np.asarray(base.classes_))
                result = (
                    np.ascontiguousarray(np.asarray(base.coef_, dtype=np.float64).T),
                    np.asarray(base.intercept_, dtype=np.float64).ravel(),
                    np.array([c.a_ for c in cal], dtype=np.float64),
                    np.array([c.b_ for c in cal], dtype=np.float64),
                    index,
                )
        self.__dict__["_fast"] = result
        return result if result != () else None

    def decision_function(self, X: Iterable[Any]) -> np.ndarray:
        """Uncalibrated decision values of the linear model, one column per class (binary: one)."""
        check_is_fitted(self, "pipeline_")
        features = self._features(check_documents(X))
        base = self._base_model()
        if hasattr(base, "decision_function"):
            return np.asarray(base.decision_function(features))
        return np.asarray(base.predict_log_proba(features))

    def predict_proba(self, X: Iterable[Any]) -> np.ndarray:
        """Calibrated probabilities, one column per label in ``classes_`` order."""
        check_is_fitted(self, "pipeline_")
        return self._proba_from_features(self._features(check_documents(X)))

    def _proba_from_features(self, features: Any) -> np.ndarray:
        fast = self._fast_sigmoid()
        if fast is not None:
            coef_t, intercept, a, b, index = fast
            scores = np.asarray(features @ coef_t) + intercept
            n_classes = len(self.classes_)
            calibrated = 1.0 / (1.0 + np.exp(a * scores + b))
            proba = np.zeros((scores.shape[0], n_classes))
            if n_classes == 2:
                proba[:, 1] = calibrated[:, 0]
                proba[:, 0] = 1.0 - proba[:, 1]
                return proba
            proba[:, index] = calibrated
            denominator = proba.sum(axis=1, keepdims=True)
            uniform = np.full_like(proba, 1.0 / n_classes)
            return np.divide(proba, denominator, out=uniform, where=denominator != 0)
        model = self.pipeline_.named_steps["model"]
        if hasattr(model, "predict_proba"):
            return np.asarray(model.predict_proba(features))
        scores = np.asarray(model.decision_function(features), dtype=np.float64)
        if scores.ndim == 1:
            scores = np.column_stack([-scores, scores])
        scores -= scores.max(axis=1, keepdims=True)
        expd = np.exp(scores)
        return np.asarray(expd / expd.sum(axis=1, keepdims=True))

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        """Predicted label ids (the most probable label per text)."""
        proba = self.predict_proba(X)
        return np.asarray(self.classes_[proba.argmax(axis=1)])

    # ------------------------------------------------------------------ explain
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
        check_is_fitted(self, "pipeline_")
        single = isinstance(texts, str)
        docs: list[str] = [texts] if isinstance(texts, str) else check_documents(texts)
        if not docs:
            return []
        preprocess = self.pipeline_.named_steps["preprocess"]
        long = sum(len(doc) > preprocess.max_chars for doc in docs)
        if long:
            warnings.warn(
                f"{long} complaint(s) longer than {preprocess.max_chars:,} characters: the model read only "
                f"the first {preprocess.max_chars:,} characters of each",
                UserWarning,
                stacklevel=2,
            )
        analyses = [preprocess.analyze(doc) for doc in docs]
        features = self._vectorize([" ".join([token for token, _ in pairs]) for pairs in analyses])
        proba = self._proba_from_features(features)
        # Everything per row that numpy can do for the whole batch is done here once.
        order = np.argsort(-proba, axis=1, kind="stable")
        best = order[:, 0]
        rows = np.arange(len(docs))
        confidence = proba[rows, best]
        margin = confidence - proba[rows, order[:, 1]] if proba.shape[1] > 1 else np.ones(len(docs))
        # a text with no term the model knows (empty, another language) gets the prior: review it
        unknown = np.diff(features.indptr) == 0
        review = (confidence < self.review_threshold) | (margin < self.review_margin) | unknown
        classes = [str(c) for c in self.classes_]
        rounded = np.round(proba, 6).tolist()
        contrib = self._contributions(features, best)
        indptr, indices = features.indptr, features.indices
        out = []
        for i, pairs in enumerate(analyses):
            k = int(best[i])
            label = classes[k]
            lo, hi = indptr[i], indptr[i + 1]
            out.append(
                Prediction(
                    label=label,
                    label_name=label_name(label),
                    confidence=round(float(confidence[i]), 6),
                    needs_review=bool(review[i]),
                    scores=dict(zip(classes, rounded[i])),
                    other_labels=tuple(
                        classes[j] for j in order[i, 1:] if proba[i, j] >= self.other_labels_threshold
                    ),
                    evidence=tuple(self._top_terms(pairs, indices[lo:hi], contrib[lo:hi], self.n_evidence)),
                )
            )
        return out[0] if single else out

    def _contributions(self, features: Any, classes: np.ndarray) -> np.ndarray:
        """For every stored entry of ``features``: value x term weight for its row's class in
        ``classes`` (0 for character n-grams, which are never shown as evidence)."""
        row_of_entry = np.repeat(classes, np.diff(features.indptr))
        indices = features.indices
        word = indices < self.n_word_features_
        contrib = np.zeros(len(indices), dtype=np.float64)
        contrib[word] = features.data[word] * self.term_weights_[row_of_entry[word], indices[word]]
        return contrib

    def _top_terms(
        self, pairs: list[tuple[str, str]], indices: np.ndarray, contrib: np.ndarray, top: int
    ) -> list[tuple[str, float]]:
        """The ``top`` positive contributions among one row's entries, shown as written."""
        positive = contrib > 0
        if not positive.any():
            return []
        indices, contrib = indices[positive], contrib[positive]
        order = np.argsort(-contrib, kind="stable")
        names = self._word_feature_names()
        out: list[tuple[str, float]] = []
        seen: set[str] = set()
        tokens: list[str] | None = None
        for j in order:
            if len(out) >= top:
                break
            if tokens is None:
                tokens = [token for token, _ in pairs]
            term = _surface(names[indices[j]], pairs, tokens)
            if term in seen:
                continue
            seen.add(term)
            out.append((term, round(float(contrib[j]), 4)))
        return out

    def _evidence(
        self, pairs: list[tuple[str, str]], row: Any, class_index: int, top: int
    ) -> list[tuple[str, float]]:
        """Word n-grams of ``row`` (one row of features) that push towards ``class_index``."""
        row = row.tocsr() if hasattr(row, "tocsr") else row
        contrib = self._contributions(row, np.array([class_index]))
        return self._top_terms(pairs, row.indices, contrib, top)

    def _word_feature_names(self) -> Sequence[str]:
        names = self.__dict__.get("_names")
        if names is None:
            word = self.pipeline_.named_steps["features"].transformer_list[0][1]
            names = self.__dict__["_names"] = word.get_feature_names_out()
        return names

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
        check_is_fitted(self, "pipeline_")
        if not isinstance(text, str):
            raise TypeError(f"explain() takes one complaint as str, got {type(text).__name__}")
        pairs = self.pipeline_.named_steps["preprocess"].analyze(text)
        row = self._vectorize([" ".join(token for token, _ in pairs)])[0]
        return {str(c): self._evidence(pairs, row, k, top) for k, c in enumerate(self.classes_)}

    # ------------------------------------------------------------------ misc
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_names", None)
        state.pop("_fast", None)
        return state

    def clone_unfitted(self) -> ComplaintClassifier:
        """A fresh, unfitted copy with the same parameters (``sklearn.base.clone``)."""
        return clone(self)


def _surface(feature: str, pairs: list[tuple[str, str]], tokens: list[str]) -> str:
    """Readable form of an n-gram feature: the words as written in the complaint.

    ``tokens`` are the tokens of ``pairs``; the first occurrence of the n-gram gives the words.
    """
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
