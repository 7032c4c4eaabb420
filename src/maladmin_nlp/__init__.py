"""maladmin_nlp: label Indonesian public-service complaints by form of maladministration.

Heavy names (those that need scikit-learn) are imported on first use, so ``import maladmin_nlp``
and ``maladmin-nlp --help`` stay fast.

Examples
--------
>>> from maladmin_nlp import LABELS, redact
>>> len(LABELS)
11
>>> redact("hub 081234567890")
'hub [TELEPON]'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .exceptions import ModelFormatError, ModelIntegrityError, ModelVersionWarning
from .normalize import redact
from .taxonomy import LABELS, TAXONOMY_VERSION, get_label

if TYPE_CHECKING:
    from .batch import label_file, redact_file
    from .classifier import ComplaintClassifier, Prediction
    from .persistence import load_model, save_model
    from .preprocessing import IndonesianPreprocessor

__all__ = [
    "LABELS",
    "TAXONOMY_VERSION",
    "ComplaintClassifier",
    "IndonesianPreprocessor",
    "ModelFormatError",
    "ModelIntegrityError",
    "ModelVersionWarning",
    "Prediction",
    "__version__",
    "get_label",
    "label_file",
    "load_model",
    "redact",
    "redact_file",
    "save_model",
]

_LAZY = {
    "ComplaintClassifier": "classifier",
    "Prediction": "classifier",
    "IndonesianPreprocessor": "preprocessing",
    "load_model": "persistence",
    "save_model": "persistence",
    "label_file": "batch",
    "redact_file": "batch",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'maladmin_nlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
