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
from typing import TYPE_CHECKING, Any, Literal

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
from .prediction import DECISIONS, ExplainingMixin, Prediction, centred_weights
from .preprocessing import IndonesianPreprocessor, check_documents

if TYPE_CHECKING:
    from .compact import CompactModel

__all__ = ["MODELS", "ComplaintClassifier", "Prediction"]

MODELS = ("linear_svc", "logistic_regression", "complement_nb", "sgd")
"""Model types accepted by ``ComplaintClassifier(model=...)``."""

class ComplaintClassifier(ClassifierMixin, BaseEstimator, ExplainingMixin):
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
    decision : {"auto", "maladministration_first", "argmax"}, default="auto"
        How ``predict`` and ``classify`` choose the label from the probabilities.
        ``"maladministration_first"`` first asks whether the complaint reports maladministration
        at all (the ten forms' probabilities together against ``bukan_maladministrasi``'s), then
        which form; ``"argmax"`` takes the single most probable label. They differ only when
        ``bukan_maladministrasi`` is the most probable label with less than half of the
        probability (see :func:`maladmin_nlp.prediction.decide`). ``"auto"``: the first when
        ``calibration`` is set (summed probabilities mean something only when calibrated),
        ``argmax`` otherwise. Changing it needs no refit.
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
        decision: Literal["auto", "maladministration_first", "argmax"] = "auto",
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
        self.decision = decision
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
        if self.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(map(repr, DECISIONS))}; got {self.decision!r}")
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
        self.__dict__.pop("_compact_model", None)
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
        self.term_weights_ = centred_weights(weights)
        word = self.pipeline_.named_steps["features"].transformer_list[0][1]
        self.n_word_features_ = len(word.vocabulary_)

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        check_is_fitted(self, "pipeline_")

    def _calibrated(self) -> bool:
        return self.calibration is not None

    def _text_pipeline(self) -> IndonesianPreprocessor:
        return self.pipeline_.named_steps["preprocess"]

    def _compact(self) -> CompactModel | None:
        """The fitted model as a :class:`~maladmin_nlp.compact.CompactModel`, which does the
        vectorising and the probabilities whenever the model allows it (word features, sigmoid
        calibration or plain LinearSVC): the estimator and its saved compact form then give the
        same numbers by construction. None for other models (scikit-learn's own path is used)."""
        if "_compact_model" not in self.__dict__:
            from .compact import CompactModel, compact_unsupported_reason

            supported = compact_unsupported_reason(self) is None
            self.__dict__["_compact_model"] = CompactModel.from_estimator(self) if supported else None
        compact: CompactModel | None = self.__dict__["_compact_model"]
        if compact is not None:
            # what may change after fit without a refit (set_params): follow the estimator's
            for name in compact._SETTABLE:
                setattr(compact, name, getattr(self, name))
            compact.params = {**compact.params, **{name: getattr(self, name) for name in compact._SETTABLE}}
        return compact

    def _features(self, texts: list[str]) -> Any:
        """TF-IDF features of raw texts, as a SciPy CSR matrix."""
        features = self._vectorize(self._text_pipeline().transform(texts))
        return features.tocsr()

    def _vectorize(self, prepared: list[str]) -> Any:
        compact = self._compact()
        if compact is not None:
            return compact._vectorize(prepared)
        # The blocks of the FeatureUnion, called directly: same result, without the per-call
        # overhead of FeatureUnion's parallel dispatch (it matters for one complaint at a time).
        # The word block goes through features.word_tfidf_transform (same matrix, faster).
        blocks = [
            word_tfidf_transform(vec, prepared) if supports(vec) else vec.transform(prepared)
            for _, vec in self.pipeline_.named_steps["features"].transformer_list
        ]
        return blocks[0].tocsr() if len(blocks) == 1 else sp.hstack(blocks, format="csr")

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
        prepared = self._text_pipeline().transform(X)
        return self._proba_from_features(self._vectorize(prepared))

    def _proba_from_features(self, features: Any) -> np.ndarray:
        compact = self._compact()
        if compact is not None:
            return compact._proba_from_features(features)
        features = features.tocsr()
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
        """Predicted label ids, chosen from ``predict_proba`` as ``decision`` says."""
        return np.asarray(self.classes_[self._decide(self.predict_proba(X))])

    def _word_feature_names(self) -> Sequence[str]:
        compact = self._compact()
        if compact is not None:
            return compact.terms
        names = self.__dict__.get("_names")
        if names is None:
            word = self.pipeline_.named_steps["features"].transformer_list[0][1]
            names = self.__dict__["_names"] = word.get_feature_names_out()
        return names

    # ------------------------------------------------------------------ misc
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def __setstate__(self, state: dict[str, Any]) -> None:
        # models pickled before ``decision`` existed predicted with argmax
        state.setdefault("decision", "argmax")
        super().__setstate__(state)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_names", None)
        state.pop("_compact_model", None)
        return state

    def clone_unfitted(self) -> ComplaintClassifier:
        """A fresh, unfitted copy with the same parameters (``sklearn.base.clone``)."""
        return clone(self)

