"""``CompactModel``: a fitted model reduced to arrays, for prediction without scikit-learn.

A fitted :class:`~maladmin_nlp.ComplaintClassifier` with word features and a linear model
(sigmoid-calibrated, or an uncalibrated ``LinearSVC``) predicts with a handful of arrays: the
vocabulary, the IDF weights, the coefficients and the calibration parameters, plus the
preprocessor's lexicon and stopword list. :class:`CompactModel` holds exactly those, predicts,
classifies and explains with the same code and the same numbers as the estimator (the estimator
itself predicts through one), and is saved as a NumPy ``.npz`` archive with a JSON header:

- loading it imports neither scikit-learn nor SciPy (0.4 s instead of 3.5 s, and about 150 MB less
  memory per process, which matters for ``label --jobs N`` workers);
- it holds no pickle: :func:`numpy.load` opens it with ``allow_pickle=False``, so a compact file
  cannot run code, whoever made it.
- loaded from a file, it sends to Sastrawi only the words whose stem could be one of its terms
  (:class:`~maladmin_nlp.stemming.StemGate`): names and typos, most of the new words of an
  archive, stay as written, which changes no prediction and makes a first pass over a new
  archive about 1.35x faster. Its ``pipeline.transform`` output keeps those words unstemmed.

:func:`~maladmin_nlp.save_model` writes one beside the joblib file, and
:func:`~maladmin_nlp.load_model` returns it unless asked for the estimator (``estimator=True``,
needed to refit or grid-search).

Examples
--------
>>> from maladmin_nlp import load_model
>>> model = load_model()
>>> type(model).__name__
'CompactModel'
>>> model.classify("sudah 5 bulan sertifikat tanah belum selesai").label
'penundaan_berlarut'
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .exceptions import ModelFormatError
from .features import NgramIndex, Rows, word_tfidf_rows
from .persistence import _json_safe
from .prediction import DECISIONS, ExplainingMixin, centred_weights
from .text_pipeline import TextPipeline

if TYPE_CHECKING:
    import scipy.sparse as sp

    from .classifier import ComplaintClassifier

__all__ = ["COMPACT_FORMAT", "COMPACT_FORMAT_VERSION", "CompactModel", "compact_unsupported_reason"]

COMPACT_FORMAT = "maladmin_nlp.compact_model"
COMPACT_FORMAT_VERSION = 1
_ARRAYS = ("meta", "terms", "idf", "coef", "intercept", "a", "b")


def compact_unsupported_reason(model: ComplaintClassifier) -> str | None:
    """Why ``model`` cannot become a :class:`CompactModel`, or None when it can.

    Supported: word n-gram features only (no ``char_ngram_range``), and either sigmoid
    calibration over a linear model with ``coef_`` (``linear_svc``, ``logistic_regression``,
    ``sgd``) or ``linear_svc`` without calibration (a softmax of its decision values).
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    from .features import supports

    if not hasattr(model, "pipeline_"):
        return "the model is not fitted"
    blocks = model.pipeline_.named_steps["features"].transformer_list
    if len(blocks) != 1 or not supports(blocks[0][1]):
        return "only word n-gram features are supported (the model has character n-grams or another vectoriser)"
    head = model.pipeline_.named_steps["model"]
    if isinstance(head, CalibratedClassifierCV):
        if head.method != "sigmoid" or head.ensemble or len(head.calibrated_classifiers_) != 1:
            return f"calibration {head.method!r} (ensemble={head.ensemble}) is not supported, only 'sigmoid'"
        base = head.calibrated_classifiers_[0].estimator
        if not (hasattr(base, "coef_") and hasattr(base, "intercept_")):
            return f"{type(base).__name__} has no linear coefficients"
        return None
    if type(head) is LinearSVC:
        return None
    return f"uncalibrated {type(head).__name__} is not supported (only LinearSVC)"


class CompactModel(ExplainingMixin):
    """A fitted complaint classifier as plain arrays: predicts, classifies and explains.

    Build one with :meth:`from_estimator` or :meth:`load`; :func:`maladmin_nlp.load_model`
    returns one for models saved with it. It is not a scikit-learn estimator: to refit, clone
    or grid-search, load the estimator with ``load_model(path, estimator=True)``.

    Attributes
    ----------
    classes_ : ndarray of str
        The labels, in the order of ``predict_proba``'s columns.
    params : dict
        The parameters of the :class:`~maladmin_nlp.ComplaintClassifier` it came from.
    decision : {"auto", "maladministration_first", "argmax"}
        How the label is chosen from the probabilities (see
        :class:`~maladmin_nlp.ComplaintClassifier`; ``"auto"`` resolves by ``calibration``).
    review_threshold, review_margin, other_labels_threshold : float
        When a prediction ``needs_review`` and which further labels are reported (see
        :class:`~maladmin_nlp.ComplaintClassifier`). These four may be changed with
        :meth:`set_params`.
    n_evidence : int
        Evidence terms per prediction.
    card_ : dict
        The model card (empty unless loaded with :func:`~maladmin_nlp.load_model`).

    Examples
    --------
    >>> from maladmin_nlp import ComplaintClassifier
    >>> from maladmin_nlp.compact import CompactModel
    >>> texts = ["KTP saya sudah 3 bulan belum jadi", "Petugas minta uang Rp 200rb biar cepat",
    ...          "KK sudah dua bulan belum selesai", "diminta uang rokok 50 ribu oleh petugas"]
    >>> clf = ComplaintClassifier(calibration=None).fit(texts, ["tunda", "pungli", "tunda", "pungli"])
    >>> compact = CompactModel.from_estimator(clf)
    >>> compact.predict(["akta sudah 4 bulan belum jadi"]).tolist()
    ['tunda']
    """

    def __init__(
        self,
        *,
        pipeline: TextPipeline,
        terms: Sequence[str],
        idf: np.ndarray | None,
        ngram_range: tuple[int, int],
        sublinear_tf: bool,
        norm: str | None,
        coef: np.ndarray,
        intercept: np.ndarray,
        classes: Sequence[str],
        calibration: tuple[np.ndarray, np.ndarray] | None,
        decision: str = "auto",
        review_threshold: float = 0.5,
        review_margin: float = 0.1,
        other_labels_threshold: float = 0.25,
        n_evidence: int = 6,
        params: Mapping[str, Any] | None = None,
        vocabulary: dict[str, int] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.terms = terms
        self.vocabulary = vocabulary if vocabulary is not None else dict(zip(terms, range(len(terms))))
        self.idf = idf
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.sublinear_tf = bool(sublinear_tf)
        self.norm = norm
        coef = np.asarray(coef, dtype=np.float64)
        if coef.ndim != 2 or coef.shape[1] != len(terms):
            raise ValueError(f"coef must have shape (n_rows, {len(terms)}); got {coef.shape}")
        self.coef = np.ascontiguousarray(coef)  # one row per class: contiguous gathers
        self.intercept = np.asarray(intercept, dtype=np.float64).ravel()
        self.classes_ = np.asarray([str(c) for c in classes])
        self.calibration = calibration
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(map(repr, DECISIONS))}; got {decision!r}")
        self.decision = str(decision)
        self.review_threshold = float(review_threshold)
        self.review_margin = float(review_margin)
        self.other_labels_threshold = float(other_labels_threshold)
        self.n_evidence = int(n_evidence)
        self.params = dict(params or {})
        self.card_: dict[str, Any] = {}
        self.term_weights_ = centred_weights(coef)
        self.n_word_features_ = len(terms)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_estimator(cls, model: ComplaintClassifier) -> CompactModel:
        """The compact form of a fitted :class:`~maladmin_nlp.ComplaintClassifier`.

        It shares the estimator's preprocessor (and so its caches) and vocabulary.

        Raises
        ------
        ValueError
            The model's features or calibration are not supported (see
            :func:`compact_unsupported_reason`).
        """
        from sklearn.calibration import CalibratedClassifierCV

        reason = compact_unsupported_reason(model)
        if reason is not None:
            raise ValueError(f"This model cannot be made compact: {reason}.")
        vec = model.pipeline_.named_steps["features"].transformer_list[0][1]
        head = model.pipeline_.named_steps["model"]
        calibration = None
        if isinstance(head, CalibratedClassifierCV):
            calibrated = head.calibrated_classifiers_[0]
            base = calibrated.estimator
            if not np.array_equal(np.asarray(base.classes_), np.asarray(head.classes_)):
                raise ValueError("This model cannot be made compact: its base model's classes differ.")
            calibration = (
                np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64),
                np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64),
            )
        else:
            base = head
        terms = vec.get_feature_names_out().tolist()
        return cls(
            pipeline=model.pipeline_.named_steps["preprocess"],
            terms=terms,
            vocabulary=vec.vocabulary_,
            idf=vec.idf_ if vec.use_idf else None,
            ngram_range=vec.ngram_range,
            sublinear_tf=vec.sublinear_tf,
            norm=vec.norm,
            coef=base.coef_,
            intercept=base.intercept_,
            classes=[str(c) for c in model.classes_],
            calibration=calibration,
            decision=model.decision,
            review_threshold=model.review_threshold,
            review_margin=model.review_margin,
            other_labels_threshold=model.other_labels_threshold,
            n_evidence=model.n_evidence,
            params=model.get_params(),
        )

    _SETTABLE = ("decision", "review_threshold", "review_margin", "other_labels_threshold", "n_evidence")

    def get_params(self) -> dict[str, Any]:
        """The estimator's parameters, with the current thresholds (plain values, for reports)."""
        return {**self.params, **{name: getattr(self, name) for name in self._SETTABLE}}

    def set_params(self, **params: Any) -> CompactModel:
        """Change how labels are chosen and reported (``decision``, ``review_threshold``,
        ``review_margin``, ``other_labels_threshold``, ``n_evidence``); anything else needs a
        refit of the estimator.

        Returns
        -------
        self
        """
        for name, value in params.items():
            if name not in self._SETTABLE:
                raise ValueError(
                    f"{name!r} cannot be changed on a CompactModel (only {', '.join(self._SETTABLE)}); "
                    "load the estimator with load_model(path, estimator=True), set it and refit."
                )
            if name == "decision":
                if value not in DECISIONS:
                    raise ValueError(f"decision must be one of {', '.join(map(repr, DECISIONS))}; got {value!r}")
            elif name == "n_evidence":
                if not isinstance(value, int) or value < 0:
                    raise ValueError(f"n_evidence must be a non-negative int; got {value!r}")
            elif not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1; got {value!r}")
            setattr(self, name, value if name in ("decision", "n_evidence") else float(value))
        return self

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        return None

    def _calibrated(self) -> bool:
        return self.calibration is not None

    def _text_pipeline(self) -> TextPipeline:
        return self.pipeline

    def _word_feature_names(self) -> Sequence[str]:
        return self.terms

    def _ngram_lookup(self) -> NgramIndex | Callable[[str, int], int]:
        """The vocabulary as an :class:`~maladmin_nlp.features.NgramIndex`, built on first use
        (``vocabulary.get`` for a vocabulary too large for one)."""
        lookup = self.__dict__.get("_lookup")
        if lookup is None:
            try:
                lookup = NgramIndex(self.vocabulary)
            except ValueError:
                lookup = self.vocabulary.get
            self.__dict__["_lookup"] = lookup
        return lookup

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_lookup", None)  # rebuilt on first use
        return state

    def _vectorize(self, prepared: list[str]) -> Rows:
        return word_tfidf_rows(
            prepared,
            self._ngram_lookup(),
            len(self.terms),
            ngram_range=self.ngram_range,
            idf=self.idf,
            sublinear_tf=self.sublinear_tf,
            norm=self.norm,
        )

    def _features(self, texts: list[str]) -> sp.csr_matrix:
        """TF-IDF rows of raw texts as a SciPy matrix (imports SciPy; for the labelling sheet)."""
        return self._vectorize(self.pipeline.transform(texts)).tocsr()

    def _scores(self, features: Any) -> np.ndarray:
        rows = features if isinstance(features, Rows) else _as_rows(features)
        return rows.dot_transposed(self.coef) + self.intercept

    def _proba_from_features(self, features: Any) -> np.ndarray:
        scores = self._scores(features)
        n_classes = len(self.classes_)
        if self.calibration is None:
            if scores.shape[1] == 1:
                scores = np.column_stack([-scores[:, 0], scores[:, 0]])
            scores = scores - scores.max(axis=1, keepdims=True)
            expd = np.exp(scores)
            return np.asarray(expd / expd.sum(axis=1, keepdims=True))
        a, b = self.calibration
        calibrated = 1.0 / (1.0 + np.exp(a * scores + b))
        proba = np.zeros((scores.shape[0], n_classes))
        if n_classes == 2:
            proba[:, 1] = calibrated[:, 0]
            proba[:, 0] = 1.0 - proba[:, 1]
            return proba
        proba[:, : calibrated.shape[1]] = calibrated
        denominator = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / n_classes)
        return np.divide(proba, denominator, out=uniform, where=denominator != 0)

    def decision_function(self, X: Iterable[Any]) -> np.ndarray:
        """Uncalibrated decision values of the linear model (binary: one column)."""
        scores = self._scores(self._vectorize(self.pipeline.transform(X)))
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X: Iterable[Any]) -> np.ndarray:
        """Calibrated probabilities, one column per label in ``classes_`` order."""
        return self._proba_from_features(self._vectorize(self.pipeline.transform(X)))

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        """Predicted label ids, chosen from ``predict_proba`` as ``decision`` says."""
        return np.asarray(self.classes_[self._decide(self.predict_proba(X))])

    def __repr__(self) -> str:
        return (
            f"CompactModel({len(self.classes_)} labels, {len(self.terms):,} terms, "
            f"ngram_range={self.ngram_range}, calibration={'sigmoid' if self.calibration else None})"
        )

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model to ``path`` (a NumPy ``.npz`` archive without pickles).

        Use :func:`maladmin_nlp.save_model` to save it with a model card; this writes the
        archive alone, in place (no temporary file).
        """
        meta = {
            "format": COMPACT_FORMAT,
            "format_version": COMPACT_FORMAT_VERSION,
            "classes": self.classes_.tolist(),
            "ngram_range": list(self.ngram_range),
            "sublinear_tf": self.sublinear_tf,
            "norm": self.norm,
            "calibration": "sigmoid" if self.calibration is not None else None,
            "decision": self.decision,
            "review_threshold": self.review_threshold,
            "review_margin": self.review_margin,
            "other_labels_threshold": self.other_labels_threshold,
            "n_evidence": self.n_evidence,
            "params": _json_safe(self.params),
            "pipeline": self.pipeline.state(),
        }
        arrays: dict[str, np.ndarray] = {
            "meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
            "terms": np.frombuffer("\n".join(self.terms).encode("utf-8"), dtype=np.uint8),
            "coef": self.coef,
            "intercept": self.intercept,
        }
        if self.idf is not None:
            arrays["idf"] = np.asarray(self.idf)
        if self.calibration is not None:
            arrays["a"], arrays["b"] = self.calibration
        path = Path(path)
        with path.open("wb") as fh:
            np.savez_compressed(fh, allow_pickle=False, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CompactModel:
        """Read a model written by :meth:`save` (no pickle is ever loaded).

        Raises
        ------
        ModelFormatError
            The file is not a compact model of a format version this library reads.
        """
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as archive:
                unknown = sorted(set(archive.files) - set(_ARRAYS))
                if unknown or "meta" not in archive.files:
                    raise ModelFormatError(
                        f"{path} is not a maladmin_nlp compact model (arrays {', '.join(archive.files) or 'none'})."
                    )
                arrays = {name: archive[name] for name in archive.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise ModelFormatError(f"{path} could not be read as a compact model: {exc}") from exc
        try:
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelFormatError(f"{path}: the compact model's header is not JSON ({exc}).") from None
        if not isinstance(meta, dict) or meta.get("format") != COMPACT_FORMAT:
            raise ModelFormatError(f"{path} is not a maladmin_nlp compact model (wrong format field).")
        if meta.get("format_version") != COMPACT_FORMAT_VERSION:
            raise ModelFormatError(
                f"{path} is a compact model of format version {meta.get('format_version')!r}; this "
                f"maladmin_nlp reads version {COMPACT_FORMAT_VERSION}. Upgrade maladmin-nlp, or load the "
                "estimator with load_model(path, estimator=True)."
            )
        try:
            terms = arrays["terms"].tobytes().decode("utf-8").split("\n") if arrays["terms"].size else []
            calibration = (arrays["a"], arrays["b"]) if meta["calibration"] == "sigmoid" else None
            pipeline = TextPipeline.from_state(meta["pipeline"])
            pipeline.restrict_stemming(terms)  # its own pipeline: Sastrawi only where a stem can matter
            return cls(
                pipeline=pipeline,
                terms=terms,
                idf=arrays.get("idf"),
                ngram_range=(int(meta["ngram_range"][0]), int(meta["ngram_range"][1])),
                sublinear_tf=meta["sublinear_tf"],
                norm=meta["norm"],
                coef=arrays["coef"],
                intercept=arrays["intercept"],
                classes=meta["classes"],
                calibration=calibration,
                # files written before ``decision`` existed predicted with argmax
                decision=meta.get("decision", "argmax"),
                review_threshold=meta["review_threshold"],
                review_margin=meta["review_margin"],
                other_labels_threshold=meta["other_labels_threshold"],
                n_evidence=meta["n_evidence"],
                params=meta.get("params"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFormatError(f"{path}: the compact model is incomplete or inconsistent ({exc}).") from exc


def _as_rows(features: Any) -> Rows:
    """Any CSR-like matrix (SciPy's included) as :class:`~maladmin_nlp.features.Rows`."""
    return Rows(np.asarray(features.indptr), np.asarray(features.indices), np.asarray(features.data),
                tuple(features.shape))
