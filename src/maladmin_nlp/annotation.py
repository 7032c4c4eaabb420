"""A labelling loop for organisations: pick the complaints worth labelling, write a sheet, read it back.

:func:`select_for_annotation` ranks an archive by how unsure the model is (the margin between its two
best labels), keeps a pool of the most uncertain complaints, and picks from it greedily the ones
farthest from everything already picked (cosine distance on the model's own TF-IDF features), so
the sheet covers different kinds of complaints instead of twenty copies of one. Near-duplicates
(cosine similarity above ``duplicate_threshold``) are never picked twice.

Examples
--------
>>> from maladmin_nlp import ComplaintClassifier
>>> from maladmin_nlp.annotation import select_for_annotation
>>> x = ["KTP belum jadi 3 bulan", "diminta uang 200rb", "KK belum jadi", "uang rokok 50 ribu"] * 3
>>> model = ComplaintClassifier(calibration=None).fit(x, ["tunda", "pungli"] * 6)
>>> archive = ["akta belum jadi", "akta belum jadi", "pungutan di sekolah", "jalan rusak parah"]
>>> sorted(select_for_annotation(model, archive, n=3))
[0, 2, 3]
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .classifier import ComplaintClassifier
from .preprocessing import check_documents
from .taxonomy import LABELS, get_label

__all__ = ["SHEET_COLUMNS", "read_annotation_sheet", "select_for_annotation", "write_annotation_sheet"]

logger = logging.getLogger(__name__)

_FORMULA_START = ("=", "+", "-", "@")
_QUOTED_FORMULA_START = tuple("'" + c for c in _FORMULA_START)

SHEET_COLUMNS = ("id", "text", "predicted_label", "confidence", "label", "secondary", "note")
"""Columns of a labelling sheet; annotators fill ``label`` (and optionally ``secondary``, ``note``)."""


def select_for_annotation(
    model: ComplaintClassifier,
    texts: Iterable[Any],
    n: int = 200,
    *,
    pool_factor: int = 5,
    duplicate_threshold: float = 0.8,
) -> list[int]:
    """Choose the ``n`` complaints whose labels would teach ``model`` most.

    Parameters
    ----------
    model : ComplaintClassifier
        Fitted model.
    texts : iterable of str
        The unlabelled archive.
    n : int, default=200
        How many to pick.
    pool_factor : int, default=5
        Diversity is sought among the ``pool_factor * n`` most uncertain complaints.
    duplicate_threshold : float, default=0.8
        Cosine similarity above which two complaints count as near-duplicates.

    Returns
    -------
    list of int
        Positions in ``texts``, in the order they were picked (most useful first).
    """
    docs = check_documents(texts)
    candidates = [i for i, d in enumerate(docs) if len(d.split()) >= 3]
    if not candidates or n <= 0:
        return []
    features = model._features([docs[i] for i in candidates]).tocsr()
    proba = model._proba_from_features(features)
    top2 = -np.sort(-proba, axis=1)[:, :2]
    uncertainty = 1.0 - (top2[:, 0] - (top2[:, 1] if top2.shape[1] > 1 else 0.0))
    order = np.argsort(-uncertainty, kind="stable")[: max(n * pool_factor, n)]
    pool = features[order]
    norms = np.sqrt(np.asarray(pool.multiply(pool).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    sims_to_chosen = np.full(len(order), -np.inf)
    chosen: list[int] = []
    blocked = np.zeros(len(order), dtype=bool)
    score = uncertainty[order].copy()
    while len(chosen) < min(n, len(order)):
        # farthest from what is chosen, weighted by uncertainty
        distance = 1.0 - np.where(np.isfinite(sims_to_chosen), sims_to_chosen, 0.0)
        value = np.where(blocked, -np.inf, score * distance)
        best = int(np.argmax(value))
        if not np.isfinite(value[best]):
            break
        chosen.append(best)
        blocked[best] = True
        sims = np.asarray(pool @ pool[best].T.toarray()).ravel() / (norms * norms[best])
        blocked |= sims > duplicate_threshold
        sims_to_chosen = np.maximum(sims_to_chosen, sims)
    return [candidates[int(order[c])] for c in chosen]


def _guide_rows() -> list[list[str]]:
    rows = [["label", "nama", "definisi / definition"]]
    for label_id in LABELS:
        label = get_label(label_id)
        rows.append([label.id, label.name_id, label.definition])
    return rows


def write_annotation_sheet(
    path: str | os.PathLike[str],
    texts: Sequence[str],
    *,
    ids: Sequence[Any] | None = None,
    predicted: Sequence[str] | None = None,
    confidences: Sequence[float] | None = None,
    labels: Sequence[str] = LABELS,
) -> Path:
    """Write a labelling sheet: CSV, or Excel (with a drop-down of valid labels and a guide sheet).

    The CSV variant starts with ``#`` comment lines listing the valid labels; Excel needs openpyxl
    (``pip install 'maladmin-nlp[io]'``). Written to a temporary file and renamed into place.
    """
    path = Path(path)
    ids = list(ids) if ids is not None else list(range(1, len(texts) + 1))
    predicted = list(predicted) if predicted is not None else [""] * len(texts)
    confidences = list(confidences) if confidences is not None else [float("nan")] * len(texts)
    rows = [
        [str(i), t, p, "" if np.isnan(c) else f"{c:.3f}", "", "", ""]
        for i, t, p, c in zip(ids, texts, predicted, confidences)
    ]
    if path.suffix.lower() != ".xlsx":
        # a complaint starting with = + - @ would run as a formula when the CSV is opened in a
        # spreadsheet: quote it (read_annotation_sheet removes the quote again)
        for row in rows:
            if row[1][:1] in _FORMULA_START:
                row[1] = "'" + row[1]
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        if path.suffix.lower() == ".xlsx":
            _write_xlsx(Path(tmp), rows, labels)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write("# Isi kolom 'label' dengan salah satu label berikut / fill 'label' with one of:\n")
                for label in labels:
                    fh.write(f"#   {label}\n")
                writer = csv.writer(fh)
                writer.writerow(SHEET_COLUMNS)
                writer.writerows(rows)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _write_xlsx(path: Path, rows: list[list[str]], labels: Sequence[str]) -> None:
    try:
        from openpyxl import Workbook
        from openpyxl.worksheet.datavalidation import DataValidation
    except ImportError as exc:
        raise ImportError("Excel labelling sheets need openpyxl: pip install 'maladmin-nlp[io]'") from exc
    wb = Workbook()
    ws = wb.active
    ws.title = "label"
    ws.append(list(SHEET_COLUMNS))
    for row in rows:
        ws.append(row)
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        if isinstance(cell.value, str) and cell.value[:1] in _FORMULA_START:
            cell.data_type = "s"  # complaint text, never a formula
    guide = wb.create_sheet("panduan")
    for row in _guide_rows():
        guide.append(row)
    last = len(labels) + 1
    validation = DataValidation(type="list", formula1=f"=panduan!$A$2:$A${last}", allow_blank=True)
    validation.error = "Pilih label dari daftar / choose a label from the list"
    ws.add_data_validation(validation)
    label_col = "E"
    validation.add(f"{label_col}2:{label_col}{max(len(rows) + 1, 2)}")
    ws.column_dimensions["B"].width = 100
    wb.save(path)


def read_annotation_sheet(
    path: str | os.PathLike[str], *, labels: Sequence[str] = LABELS, require_all: bool = False
) -> tuple[list[str], list[str]]:
    """Read a filled labelling sheet, returning the labelled texts and their labels.

    Rows with an empty ``label`` are skipped (unless ``require_all``); an invalid label or an empty
    text raises ``ValueError`` naming the row number, so the annotator can fix the sheet.
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        try:
            from openpyxl import load_workbook
        except ImportError as exc:
            raise ImportError("Reading Excel sheets needs openpyxl: pip install 'maladmin-nlp[io]'") from exc
        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb["label"] if "label" in wb.sheetnames else wb.worksheets[0]
        raw = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
        start_row = 1
    else:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            lines = [line for line in fh]
        skipped = 0
        while skipped < len(lines) and lines[skipped].startswith("#"):
            skipped += 1
        raw = list(csv.reader(lines[skipped:]))
        start_row = skipped + 1
    if not raw:
        raise ValueError(f"{path} is empty; expected the columns {', '.join(SHEET_COLUMNS)}.")
    header = [h.strip().lower() for h in raw[0]]
    for column in ("text", "label"):
        if column not in header:
            raise ValueError(f"{path} has no '{column}' column (columns: {', '.join(header)}).")
    t_col, l_col = header.index("text"), header.index("label")
    valid = set(labels)
    texts: list[str] = []
    out_labels: list[str] = []
    problems = []
    for offset, row in enumerate(raw[1:], start=1):
        row_no = start_row + offset
        text = row[t_col].strip() if t_col < len(row) else ""
        if text[:2] in _QUOTED_FORMULA_START:
            text = text[1:]
        label = row[l_col].strip() if l_col < len(row) else ""
        if not label:
            if require_all:
                problems.append(f"row {row_no}: empty label")
            continue
        if label not in valid:
            problems.append(f"row {row_no}: invalid label {label!r}")
            continue
        if not text:
            problems.append(f"row {row_no}: empty text")
            continue
        texts.append(text)
        out_labels.append(label)
    if problems:
        shown = "; ".join(problems[:10]) + (f"; ... {len(problems) - 10} more" if len(problems) > 10 else "")
        raise ValueError(f"{path}: {shown}. Valid labels: {', '.join(labels)}.")
    return texts, out_labels
