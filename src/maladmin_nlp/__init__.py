"""maladmin_nlp: label Indonesian public-service complaints by form of maladministration.

Examples
--------
>>> from maladmin_nlp import LABELS, redact
>>> len(LABELS)
11
>>> redact("hub 081234567890")
'hub [TELEPON]'
"""

from ._version import __version__
from .classifier import ComplaintClassifier, Prediction
from .exceptions import ModelFormatError, ModelIntegrityError, ModelVersionWarning
from .normalize import redact
from .persistence import load_model, save_model
from .preprocessing import IndonesianPreprocessor
from .taxonomy import LABELS, TAXONOMY_VERSION, get_label

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
    "load_model",
    "redact",
    "save_model",
]
