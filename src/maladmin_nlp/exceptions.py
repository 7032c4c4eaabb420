"""The few errors and warnings that callers may want to catch."""

from __future__ import annotations

__all__ = ["ModelFormatError", "ModelIntegrityError", "ModelVersionWarning"]


class ModelFormatError(ValueError):
    """The file is not a maladmin_nlp model, or its card is of an unknown format."""


class ModelIntegrityError(ModelFormatError):
    """The model file does not match the SHA-256 in its card (tampered or truncated); it was not loaded."""


class ModelVersionWarning(UserWarning):
    """The model was saved with other library versions than the ones installed now."""
