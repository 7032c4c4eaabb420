"""Shared helpers for the benchmark and model-selection scripts.

The real-text material in ``../shared`` (real-dev set, unlabelled archives) carries no licence:
it is read at run time for evaluation only, never copied into the project or used for training
the shipped model. Set ``MALADMIN_SHARED`` to point elsewhere.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from maladmin_nlp.evaluation import EvaluationReport, score_predictions  # noqa: E402


def shared_dir() -> Path | None:
    """``$MALADMIN_SHARED`` or ``../shared`` beside the repository, when it exists."""
    env = os.environ.get("MALADMIN_SHARED")
    path = Path(env) if env else REPO.parent / "shared"
    return path if path.is_dir() else None


def load_real_dev() -> tuple[list[str], list[str]] | None:
    """The 143 real complaints labelled blind by two annotators, or None when absent."""
    base = shared_dir()
    if base is None or not (base / "eval" / "real-dev.jsonl").exists():
        return None
    texts, labels = [], []
    with (base / "eval" / "real-dev.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                texts.append(record["text"])
                labels.append(record["label"])
    return texts, labels


def real_dev_labels(labels: list[str], min_support: int = 5) -> list[str]:
    """Labels with at least ``min_support`` items (the set macro-F1 is averaged over)."""
    counts = Counter(labels)
    from maladmin_nlp.taxonomy import LABELS

    return [label for label in LABELS if counts.get(label, 0) >= min_support]


def real_dev_report(model: Any) -> EvaluationReport | None:
    """Score a fitted model on real-dev (macro-F1 over labels with >= 5 items), or None."""
    data = load_real_dev()
    if data is None:
        return None
    texts, labels = data
    return score_predictions(labels, model.predict(texts), labels=real_dev_labels(labels))


def load_archive_texts(name: str = "surabaya-wargaku", limit: int | None = None, raw: bool = False) -> list[str]:
    """Texts of an unlabelled real archive in ``../shared/corpora`` (empty list when absent).

    ``raw``: every cell as stored, empty ones and literal ``\\n`` included (for equivalence checks);
    otherwise literal ``\\n`` become spaces and empty texts are dropped.
    """
    base = shared_dir()
    if base is None:
        return []
    path = base / "corpora" / name / "complaints.csv"
    if not path.exists():
        return []
    column = {"surabaya-wargaku": "keluhan", "purbalingga-lapormasbup": "text"}.get(name, "text")
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = row.get(column) or ""
            if not raw:
                text = text.replace("\\n", " ").strip()
            if text or raw:
                out.append(text)
            if limit and len(out) >= limit:
                break
    return out
