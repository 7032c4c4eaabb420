"""Saving and loading models: a joblib file, a compact file and a JSON model card, checked before use.

A saved model ``NAME.joblib`` has its card ``NAME.card.json`` beside it and, for the models
:class:`~maladmin_nlp.compact.CompactModel` supports (the default settings among them), its
compact form ``NAME.compact.npz``: arrays only, no pickle, loaded without scikit-learn.
:func:`load_model` returns the compact form when there is one (fast to load, safe to open) and
the scikit-learn estimator when asked (``estimator=True``: to refit, clone or grid-search). The card records the
library versions, label set and taxonomy version, parameters, the training data's SHA-256 and
size, cross-validated metrics, the creation time, the SHA-256 of the joblib file, and the SHA-256
of the card itself (``card_sha256``, over its other fields). :func:`load_model` checks the card
(format, version, its own hash, the serialization it names) and then the file's hash before
anything is unpickled, so a tampered or truncated file, an edited card, a card of an unknown
format version and a file in an unknown serialization are refused with a message saying which.

.. warning::
   A joblib file is a pickle: loading one can run arbitrary code. Only load models from sources
   you trust. The SHA-256 check protects against corruption and accidental edits, not against an
   attacker who can change both the model and its card.

Examples
--------
>>> from maladmin_nlp import load_model
>>> model = load_model()          # the shipped default model
>>> model.classify("KTP saya sudah 6 bulan belum jadi").label
'penundaan_berlarut'
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
import platform
import tempfile
import warnings
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from ._version import __version__
from .exceptions import ModelFormatError, ModelIntegrityError, ModelVersionWarning
from .taxonomy import TAXONOMY_VERSION

if TYPE_CHECKING:  # scikit-learn is imported only to save or load an estimator, not to read a card
    from .classifier import ComplaintClassifier
    from .compact import CompactModel

__all__ = ["CARD_FORMAT", "CARD_FORMAT_VERSION", "SERIALIZATIONS", "card_path", "compact_path", "default_model_path",
           "load_model", "read_card", "save_model"]

logger = logging.getLogger(__name__)

CARD_FORMAT = "maladmin_nlp.model_card"
CARD_FORMAT_VERSION = 1
DEFAULT_MODEL_NAME = "model.joblib"
SERIALIZATIONS = ("joblib", "skops")
"""Model file formats :func:`save_model` writes and :func:`load_model` reads."""


def _versions() -> dict[str, str]:
    out = {"maladmin_nlp": __version__, "python": platform.python_version()}
    for dist in ("scikit-learn", "numpy", "joblib", "PySastrawi"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "unknown"
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _card_digest(card: dict[str, Any]) -> str:
    """SHA-256 of a card's fields other than ``card_sha256``, as canonical JSON."""
    fields = {k: v for k, v in card.items() if k != "card_sha256"}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def card_path(model_path: str | os.PathLike[str]) -> Path:
    """Path of the card beside a model file (``model.joblib`` -> ``model.card.json``)."""
    return _beside(model_path, ".card.json")


def compact_path(model_path: str | os.PathLike[str]) -> Path:
    """Path of the compact form beside a model file (``model.joblib`` -> ``model.compact.npz``)."""
    return _beside(model_path, ".compact.npz")


def _beside(model_path: str | os.PathLike[str], suffix: str) -> Path:
    p = Path(model_path)
    return p.with_name(p.name[: -len(p.suffix)] + suffix if p.suffix else p.name + suffix)


def default_model_path() -> Path:
    """Where the shipped default model lives: inside the installed package, or ``models/default`` in a checkout."""
    packaged = Path(str(resources.files("maladmin_nlp"))) / "models" / "default" / DEFAULT_MODEL_NAME
    if packaged.exists():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "models" / "default" / DEFAULT_MODEL_NAME
    return checkout if checkout.exists() else packaged


def _json_safe(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return repr(value)


def save_model(
    model: ComplaintClassifier,
    path: str | os.PathLike[str],
    *,
    training_data: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    compress: int = 3,
    format: str = "joblib",
) -> Path:
    """Save a fitted model as a joblib file with a JSON model card beside it.

    When the model allows it (word features; sigmoid calibration or plain ``linear_svc``: see
    :func:`~maladmin_nlp.compact.compact_unsupported_reason`), its compact form is written too,
    as ``NAME.compact.npz``, and :func:`load_model` will return that. All files are written to
    temporary names and renamed into place, the card last, so a crash never leaves a model
    whose card describes another file.

    Parameters
    ----------
    model : ComplaintClassifier
        A fitted model.
    path : str or path-like
        Where to write the model, e.g. ``models/mine.joblib``; the card goes to
        ``models/mine.card.json``.
    training_data : dict, default=None
        Description of the training data, e.g. ``{"sha256": ..., "n_samples": ..., "source": ...}``.
    metrics : dict, default=None
        Evaluation figures (e.g. cross-validated macro-F1) to record in the card.
    extra : dict, default=None
        Anything else to record in the card.
    compress : int, default=3
        Compression level (joblib; for skops, 0 stores and anything else deflates).
    format : {"joblib", "skops"}, default="joblib"
        ``"joblib"`` is a pickle: fast, but only safe to load from sources you trust. ``"skops"``
        (needs ``pip install 'maladmin-nlp[skops]'``) stores the model in skops' format, which
        :func:`load_model` opens without unpickling, accepting only the types this library uses:
        use it to share models with people who should not have to trust you. It is larger and
        slower to save and load.

    Returns
    -------
    pathlib.Path
        The path of the model file.
    """
    if format not in SERIALIZATIONS:
        raise ValueError(f"format must be 'joblib' or 'skops'; got {format!r}")
    from .classifier import ComplaintClassifier

    if not isinstance(model, ComplaintClassifier) or not hasattr(model, "pipeline_"):
        raise TypeError("save_model() expects a fitted ComplaintClassifier; call fit() first.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    compact_tmp: Path | None = None
    try:
        compact = model._compact()
        compact_fields: dict[str, Any] = {}
        if compact is not None:
            fd, compact_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".npz.tmp", dir=path.parent)
            os.close(fd)
            compact_tmp = compact.save(compact_name)
            compact_fields = {
                "compact_file": compact_path(path).name,
                "compact_sha256": _sha256(compact_tmp),
                "compact_size": compact_tmp.stat().st_size,
            }
        if format == "skops":
            import zipfile

            sio = _import_skops()
            sio.dump(model, tmp, compression=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
        else:
            import joblib

            joblib.dump(model, tmp, compress=compress)
        digest = _sha256(tmp)
        size = tmp.stat().st_size
        card = {
            "format": CARD_FORMAT,
            "format_version": CARD_FORMAT_VERSION,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(),
            "taxonomy_version": TAXONOMY_VERSION,
            "labels": [str(c) for c in model.classes_],
            "params": _json_safe(model.get_params()),
            "training_data": _json_safe(training_data or {}),
            "metrics": _json_safe(metrics or {}),
            "model_file": path.name,
            "model_sha256": digest,
            "model_size": size,
            "serialization": format,
            "serialization_note": "joblib files are pickles: load only files you trust"
            if format == "joblib"
            else "skops: loaded without pickle, only maladmin_nlp and scikit-learn types are trusted",
            **compact_fields,
        }
        if extra:
            card["extra"] = _json_safe(extra)
        card["card_sha256"] = _card_digest(card)
        os.replace(tmp, path)
        if compact_tmp is not None:
            os.replace(compact_tmp, compact_path(path))
        elif compact_path(path).exists():  # an older save of another model under this name
            compact_path(path).unlink()
        card_tmp = card_path(path).with_suffix(".tmp")
        card_tmp.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(card_tmp, card_path(path))
    finally:
        for leftover in (tmp, compact_tmp):
            if leftover is not None and leftover.exists():
                leftover.unlink()
    logger.info("saved model to %s (%d bytes)", path, size)
    return path


def read_card(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read and check the model card of a model file (or of the default model).

    Raises
    ------
    FileNotFoundError
        No model file or no card beside it.
    ModelFormatError
        The card is not JSON, is of an unknown format or version, or names an unknown serialization.
    ModelIntegrityError
        The card was edited after :func:`save_model` wrote it (its ``card_sha256`` does not match
        its other fields). Cards written before ``card_sha256`` existed are accepted without it.
    """
    model_file = Path(path) if path is not None else default_model_path()
    if not model_file.exists():
        hint = (
            " The default model is missing from this installation; reinstall maladmin-nlp or train one with "
            "`maladmin-nlp train`." if path is None else ""
        )
        raise FileNotFoundError(f"No model file at {model_file}.{hint}")
    cpath = card_path(model_file)
    if not cpath.exists():
        raise FileNotFoundError(
            f"No model card at {cpath}. maladmin_nlp only loads models saved with save_model(), "
            "which writes the card beside the model."
        )
    try:
        card = json.loads(cpath.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"The model card {cpath} is not valid JSON ({exc}).") from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise ModelFormatError(f"{cpath} is not a maladmin_nlp model card (format field missing or wrong).")
    if card.get("format_version") != CARD_FORMAT_VERSION:
        raise ModelFormatError(
            f"{cpath} has card format version {card.get('format_version')!r}; this maladmin_nlp "
            f"({__version__}) reads version {CARD_FORMAT_VERSION}. Upgrade maladmin-nlp or re-save the model."
        )
    for key in ("model_sha256", "labels", "versions"):
        if key not in card:
            raise ModelFormatError(f"{cpath} lacks the required field {key!r}.")
    if "card_sha256" in card and card["card_sha256"] != _card_digest(card):
        raise ModelIntegrityError(
            f"The model card {cpath} was edited after the model was saved (its card_sha256 does not match its "
            "content). The model was not loaded. Re-download the model with its card, or re-save it with save_model()."
        )
    serialization = card.get("serialization", "joblib")
    if serialization not in SERIALIZATIONS:
        raise ModelFormatError(
            f"{cpath} names the serialization {serialization!r}; this maladmin_nlp ({__version__}) reads "
            f"{' and '.join(SERIALIZATIONS)}. The model was not loaded. Upgrade maladmin-nlp or re-save the model."
        )
    return card


def _check_versions(card: dict[str, Any], model_file: Path, dists: tuple[str, ...]) -> None:
    saved = card.get("versions", {})
    now = _versions()
    diffs = []
    for dist in dists:
        a, b = str(saved.get(dist, "unknown")), now.get(dist, "unknown")
        if a.split(".")[:2] != b.split(".")[:2]:
            diffs.append(f"{dist} {a} (saved) vs {b} (installed)")
    if diffs:
        warnings.warn(
            f"Model {model_file.name} was saved with other library versions: {'; '.join(diffs)}. "
            "Predictions may differ or loading may fail; retrain with `maladmin-nlp train` or install the "
            "versions in the model card.",
            ModelVersionWarning,
            stacklevel=3,
        )


_SKOPS_TRUSTED = frozenset(
    {
        "builtins.frozenset",
        "maladmin_nlp.classifier.ComplaintClassifier",
        "maladmin_nlp.preprocessing.IndonesianPreprocessor",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.calibration._TemperatureScaling",
        "sklearn.isotonic.IsotonicRegression",
    }
)


def _import_skops() -> Any:
    try:
        import skops.io as sio
    except ImportError as exc:
        raise ImportError("The skops model format needs skops: pip install 'maladmin-nlp[skops]'") from exc
    return sio


def _load_skops(model_file: Path) -> Any:
    sio = _import_skops()
    untrusted = set(sio.get_untrusted_types(file=model_file))
    unexpected = sorted(untrusted - _SKOPS_TRUSTED)
    if unexpected:
        raise ModelFormatError(
            f"{model_file} contains types maladmin_nlp does not trust: {', '.join(unexpected)}. It was not loaded."
        )
    return sio.load(model_file, trusted=sorted(untrusted))


@overload
def load_model(path: str | os.PathLike[str] | None = ..., *, estimator: Literal[True]) -> ComplaintClassifier: ...


@overload
def load_model(
    path: str | os.PathLike[str] | None = ..., *, estimator: bool = ...
) -> CompactModel | ComplaintClassifier: ...


def load_model(
    path: str | os.PathLike[str] | None = None, *, estimator: bool = False
) -> CompactModel | ComplaintClassifier:
    """Load a model saved with :func:`save_model`, or the shipped default model.

    By default this returns the model's compact form (:class:`~maladmin_nlp.compact.CompactModel`)
    when it was saved with one, as the default model was: it classifies, predicts and explains
    exactly as the estimator does, loads without importing scikit-learn (about 0.4 s instead of 3.5)
    and is never unpickled. ``estimator=True`` returns the
    :class:`~maladmin_nlp.ComplaintClassifier` itself, to refit, clone or grid-search it.
    Either way the file's SHA-256 is checked against its card before it is opened.

    .. warning::
       joblib files are pickles: only load models from sources you trust (the compact form holds
       no pickle).

    Parameters
    ----------
    path : str or path-like, default=None
        The ``.joblib`` file (its card and compact form are found beside it). ``None`` loads the
        default model shipped with the package.
    estimator : bool, default=False
        Return the scikit-learn estimator even when a compact form exists.

    Returns
    -------
    CompactModel or ComplaintClassifier
        The compact form, unless ``estimator=True`` or the model has none.

    Raises
    ------
    FileNotFoundError
        The model file or its card (or the compact file the card names) is missing.
    ModelIntegrityError
        The file's SHA-256 differs from the card's (tampered, truncated or replaced file), or the
        card was edited after the model was saved.
    ModelFormatError
        The card is of an unknown format, format version or serialization, or the file does not
        hold a maladmin_nlp model.

    Warns
    -----
    ModelVersionWarning
        The model was saved with other versions of maladmin_nlp, scikit-learn, numpy or PySastrawi.

    Examples
    --------
    >>> from maladmin_nlp import load_model
    >>> type(load_model()).__name__, type(load_model(estimator=True)).__name__
    ('CompactModel', 'ComplaintClassifier')
    """
    model_file = Path(path) if path is not None else default_model_path()
    card = read_card(path if path is not None else None)
    if not estimator and card.get("compact_file"):
        name = str(card["compact_file"])
        if not name or Path(name).name != name:  # checked before use: with_name() would raise on "../x"
            raise ModelFormatError(f"{card_path(model_file)} names a compact file outside its folder.")
        compact_file = model_file.with_name(name)
        if not compact_file.exists():
            raise FileNotFoundError(
                f"No compact model at {compact_file}, which the card names. Copy it with the model, or load the "
                "estimator with load_model(path, estimator=True)."
            )
        _check_hash(compact_file, card.get("compact_sha256"))
        _check_versions(card, model_file, ("maladmin_nlp", "numpy", "PySastrawi"))
        from .compact import CompactModel

        compact = CompactModel.load(compact_file)
        if compact.classes_.tolist() != [str(c) for c in card["labels"]]:
            raise ModelFormatError(f"{compact_file} holds other labels than its card lists.")
        compact.card_ = card
        return compact
    _check_hash(model_file, card["model_sha256"])
    _check_versions(card, model_file, ("maladmin_nlp", "scikit-learn", "numpy", "PySastrawi"))
    serialization = card.get("serialization", "joblib")
    try:
        if serialization == "skops":
            model = _load_skops(model_file)
        else:
            import joblib

            model = joblib.load(model_file)
    except ModelFormatError:
        raise
    except Exception as exc:  # a file whose hash matches but cannot be read
        raise ModelFormatError(f"{model_file} could not be read as a {serialization} model: {exc}") from exc
    from .classifier import ComplaintClassifier

    if not isinstance(model, ComplaintClassifier):
        raise ModelFormatError(
            f"{model_file} holds a {type(model).__name__}, not a maladmin_nlp ComplaintClassifier."
        )
    model.__dict__["card_"] = card
    return model


def _check_hash(file: Path, expected: Any) -> None:
    digest = _sha256(file)
    if digest != expected:
        raise ModelIntegrityError(
            f"{file} does not match its model card (SHA-256 {digest[:12]}... vs {str(expected)[:12]}...): "
            "the file was modified, truncated or replaced. It was not loaded. Re-download or re-save the model."
        )
