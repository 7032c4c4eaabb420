"""Whole files in one call: label an archive, redact it, train on it, evaluate on it, adapt a model
to it, and pick complaints from it for labelling.

:func:`label_file` streams an archive of any size in chunks, optionally over several processes,
and writes every input row, unchanged and in order, with its label, confidence, review flag,
evidence and an ``error`` cell. Rows whose text is empty or unreadable are kept, unlabelled, with
the reason in ``error``; a text longer than the model reads (:data:`maladmin_nlp.normalize.MAX_CHARS`,
20,000 characters) is labelled from its start, and ``error`` says so. Nothing stops a run but a
failure of the machine (a full disk, a dead worker process: a clear error, and the run can be
resumed) or of the model.

Output is built in a partial file beside the target (``hasil.csv.partial``) and moved into place
when complete. After each chunk the partial file is synced to disk and a small JSON state file
(``hasil.csv.state.json``) records the input's size and modification time, the options, the rows
done and the partial file's length, so an interrupted run (killed, out of power, Ctrl-C) continues
with ``resume=True`` from its last completed chunk, with no row lost or duplicated.

Examples
--------
>>> import pathlib, tempfile
>>> from maladmin_nlp import ComplaintClassifier
>>> from maladmin_nlp.batch import redact_file
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> _ = (tmp / "laporan.csv").write_text("no,isi_laporan\\n1,hubungi saya di 081234567890\\n")
>>> summary = redact_file(tmp / "laporan.csv", tmp / "bersih.csv")
>>> (tmp / "bersih.csv").read_text(encoding="utf-8")
'no,isi_laporan\\n1,hubungi saya di [TELEPON]\\n'
"""

from __future__ import annotations

import concurrent.futures
import errno
import importlib.util
import json
import logging
import math
import multiprocessing
import multiprocessing.connection
import numbers
import os
import shutil
import signal
import threading
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from .io import (
    MISSING,
    ColumnNotFoundError,
    InputError,
    Record,
    ResumeError,
    TableReader,
    cell_text,
    check_format,
    detect_format,
    file_sha256,
    find_column,
    guess_column,
    guess_text_column,
    open_table,
    open_writer,
    partial_path,
    read_labelled_file,
)
from .normalize import redact

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_EXTRA_WEIGHT",
    "ID_COLUMN_CANDIDATES",
    "OUTPUT_COLUMNS",
    "BatchSummary",
    "Progress",
    "WorkerError",
    "adapt_file",
    "annotate_file",
    "evaluate_file",
    "format_evidence",
    "label_file",
    "redact_file",
    "state_path",
    "train_file",
]

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 2000
"""Rows per chunk: the unit of work, of parallelism and of resumption."""

DEFAULT_EXTRA_WEIGHT = 3
"""How many times :func:`train_file` repeats each row of a labelling sheet (``extra``)."""

ID_COLUMN_CANDIDATES = (
    "id_laporan",
    "nomor_laporan",
    "no_laporan",
    "kode_laporan",
    "nomor_registrasi",
    "no_registrasi",
    "nomor_tiket",
    "no_tiket",
    "id",
    "kode",
    "nomor",
    "no",
    "report_id",
    "ticket_id",
)
"""Column names tried, in this order, for the ids of a labelling sheet (:func:`annotate_file`)."""

OUTPUT_COLUMNS = ("label", "label_name", "confidence", "needs_review", "evidence", "error")
"""Columns :func:`label_file` adds after the input columns (prefixed ``pred_`` if the input has them)."""

_OUTPUT_TYPES = ("string", "string", "float", "bool", "string", "string")
_STATE_FORMAT = "maladmin_nlp.batch_state"
_STATE_VERSION = 1
_ERROR_EXAMPLES = 10
_N_EVIDENCE = 5


class WorkerError(RuntimeError):
    """A worker process died (killed, out of memory) while labelling a chunk; the run stopped."""


# --------------------------------------------------------------------------- reporting
@dataclass(frozen=True)
class Progress:
    """Where a running :func:`label_file` / :func:`redact_file` is, passed to ``progress`` after each chunk.

    Attributes
    ----------
    rows : int
        Rows written so far, including those of the interrupted run this one resumes.
    rows_this_run : int
    elapsed : float
        Seconds since this run started.
    fraction : float or None
        Share of the input read (0-1), when known.
    start_fraction : float
        Share of the input that had been read when this run started writing (after skipping the
        rows of a resumed run).
    total_rows : int or None
        Rows in the input, when the format tells it cheaply.
    """

    rows: int
    rows_this_run: int
    elapsed: float
    fraction: float | None = None
    start_fraction: float = 0.0
    total_rows: int | None = None

    @property
    def rows_per_second(self) -> float:
        """Rows per second in this run."""
        return self.rows_this_run / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Estimated seconds left, or None when unknown.

        Examples
        --------
        >>> Progress(rows=500, rows_this_run=500, elapsed=10.0, total_rows=1500).eta_seconds
        20.0
        """
        if self.total_rows and self.rows_per_second > 0:
            return max(self.total_rows - self.rows, 0) / self.rows_per_second
        if self.fraction is not None and self.fraction > self.start_fraction and self.elapsed > 0:
            return self.elapsed * (1.0 - self.fraction) / (self.fraction - self.start_fraction)
        return None


@dataclass
class BatchSummary:
    """What :func:`label_file` or :func:`redact_file` did.

    Attributes
    ----------
    operation : {"label", "redact"}
    input, output : str
    input_format, output_format : str
    text_columns : list of str
    encoding, delimiter : str or None
        Of a CSV input, as detected or given.
    rows : int
        Output rows (one per input row), including rows of a resumed earlier run.
    labels : dict of str to int
        Rows per label.
    needs_review : int
        Labelled rows flagged for review.
    errors : int
        Rows with a non-empty ``error`` (a reading problem, a text cut to the length the model
        reads, or no label).
    unlabelled : int
        Rows without a label (empty or unreadable text).
    truncated : int
        Labelled rows whose text was longer than the model reads (label only): the model saw its
        first :data:`maladmin_nlp.normalize.MAX_CHARS` characters, and ``error`` says so.
    redacted : int
        Rows whose text changed (redact only).
    error_examples : list of dict
        The first rows with an error: ``{"row": n, "id": ..., "error": ...}``.
    resumed_from : int
        Rows already done by the interrupted run this one resumed (0 for a fresh run).
    rows_this_run : int
    elapsed_seconds : float
        Duration of this run.
    """

    operation: str
    input: str
    output: str
    input_format: str
    output_format: str
    text_columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    rows: int = 0
    labels: dict[str, int] = field(default_factory=dict)
    needs_review: int = 0
    errors: int = 0
    unlabelled: int = 0
    truncated: int = 0
    redacted: int = 0
    error_examples: list[dict[str, Any]] = field(default_factory=list)
    resumed_from: int = 0
    rows_this_run: int = 0
    elapsed_seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        """Rows per second in this run."""
        return self.rows_this_run / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    def _counts(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "labels": dict(self.labels),
            "needs_review": self.needs_review,
            "errors": self.errors,
            "unlabelled": self.unlabelled,
            "truncated": self.truncated,
            "redacted": self.redacted,
            "error_examples": list(self.error_examples),
        }

    def _add(self, error: str, record: Record, id_value: Any) -> None:
        if error:
            self.errors += 1
            if len(self.error_examples) < _ERROR_EXAMPLES:
                example: dict[str, Any] = {"row": record.number, "error": error}
                if id_value is not None:
                    example["id"] = id_value
                self.error_examples.append(example)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (the ``--summary`` file)."""
        out: dict[str, Any] = {
            "operation": self.operation,
            "input": self.input,
            "output": self.output,
            "input_format": self.input_format,
            "output_format": self.output_format,
            "text_columns": list(self.text_columns),
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            **self._counts(),
            "resumed_from": self.resumed_from,
            "rows_this_run": self.rows_this_run,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
        }
        if self.operation == "label":
            del out["redacted"]
        else:
            for key in ("labels", "needs_review", "unlabelled", "truncated"):
                del out[key]
        return out

    def to_text(self) -> str:
        """A short human-readable report.

        Examples
        --------
        >>> s = BatchSummary("label", "a.csv", "b.csv", "csv", "csv", ["isi"], rows=3,
        ...                  labels={"tidak_patut": 2}, unlabelled=1, errors=1, rows_this_run=3,
        ...                  elapsed_seconds=1.5)
        >>> print(s.to_text())
        labelled 3 rows of a.csv -> b.csv in 1.5 s (2 rows/s)
          tidak_patut  2
          needs review: 0   errors: 1   unlabelled: 1
        """
        verb = "labelled" if self.operation == "label" else "redacted"
        resumed = f" (resumed after {self.resumed_from:,} rows)" if self.resumed_from else ""
        lines = [
            f"{verb} {self.rows:,} rows of {Path(self.input).name} -> {Path(self.output).name} in "
            f"{self.elapsed_seconds:.1f} s ({self.rows_per_second:,.0f} rows/s){resumed}"
        ]
        if self.operation == "label":
            width = max([len(k) for k in self.labels] + [5])
            for label, n in sorted(self.labels.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"  {label:<{width}}  {n:,}")
            lines.append(
                f"  needs review: {self.needs_review:,}   errors: {self.errors:,}   "
                f"unlabelled: {self.unlabelled:,}"
            )
            if self.truncated:
                lines.append(_truncated_line(self.truncated))
        else:
            lines.append(f"  rows changed: {self.redacted:,}   errors: {self.errors:,}")
        for ex in self.error_examples[:3]:
            who = f"row {ex['row']}" + (f" (id {ex['id']})" if "id" in ex else "")
            lines.append(f"  {who}: {ex['error']}")
        return "\n".join(lines)


def format_evidence(evidence: Iterable[tuple[str, float]], top: int = _N_EVIDENCE) -> str:
    """Evidence terms as a short readable string, strongest first.

    Examples
    --------
    >>> format_evidence([("dilayani", 0.4213), ("sudah 3 bulan", 0.31)])
    'dilayani (0.42); sudah 3 bulan (0.31)'
    """
    return "; ".join(f"{term} ({weight:.2g})" for term, weight in islice(evidence, top))


def state_path(output: str | os.PathLike[str]) -> Path:
    """The state file of an output being written (``hasil.csv`` -> ``hasil.csv.state.json``).

    Examples
    --------
    >>> state_path("hasil.csv").name
    'hasil.csv.state.json'
    """
    p = Path(output)
    return p.with_name(p.name + ".state.json")


# --------------------------------------------------------------------------- per-chunk work
_LabelResult = tuple[str, str, float, bool, str, str]


def _prediction_row(pred: Any) -> _LabelResult:
    return (
        str(pred.label),
        str(pred.label_name),
        round(float(pred.confidence), 4),
        bool(pred.needs_review),
        format_evidence(pred.evidence),
        "",
    )


_TRUNCATED = "text too long"


def _truncated_line(n: int) -> str:
    """The summary line counting rows labelled from a truncated text (label_file and the Dask engine)."""
    return f"  texts too long, labelled from their start: {n:,} (see the 'error' column)"


def _max_chars(model: Any) -> int | None:
    """Characters of a text the model reads (its preprocessor's ``max_chars``), or None if unknown."""
    try:
        limit = model.max_chars
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return limit if isinstance(limit, int) and limit > 0 else None


def _truncation_note(length: int, limit: int) -> str:
    """The ``error`` note of a text the model reads only in part.

    Examples
    --------
    >>> _truncation_note(1_000_000, 20_000)
    'text too long: the model read only its first 20,000 of 1,000,000 characters'
    """
    return f"{_TRUNCATED}: the model read only its first {limit:,} of {length:,} characters"


def _label_texts(model: Any, texts: Sequence[str | None]) -> list[_LabelResult | None]:
    """Label the non-None texts; a text the model fails on gets an error, the others are kept.

    A text longer than the model reads is labelled from its start, with a note in ``error``.
    """
    index = [i for i, t in enumerate(texts) if t is not None]
    docs = [texts[i] for i in index]
    out: list[_LabelResult | None] = [None] * len(texts)
    if not docs:
        return out
    # the cut of long texts is reported per row below, not by classify's warning
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*the model read only the first", category=UserWarning)
        return _label_docs(model, texts, index, docs, out)


def _label_docs(
    model: Any, texts: Sequence[str | None], index: list[int], docs: list[Any], out: list[_LabelResult | None]
) -> list[_LabelResult | None]:
    try:
        rows = [_prediction_row(p) for p in model.classify(docs)]
    except Exception:
        rows = []
        for doc in docs:
            try:
                rows.append(_prediction_row(model.classify([doc])[0]))
            except Exception as exc:  # one bad text must not stop the run
                rows.append(
                    ("", "", math.nan, False, "", f"could not be labelled: {type(exc).__name__}: {exc}")
                )
    limit = _max_chars(model)
    for i, row in zip(index, rows, strict=True):
        length = len(texts[i] or "")
        if limit is not None and length > limit and row[0]:
            row = (*row[:5], "; ".join(p for p in (row[5], _truncation_note(length, limit)) if p))
        out[i] = row
    return out


def _redact_texts(texts: Sequence[str | None]) -> list[str | None]:
    return [None if t is None else redact(t) for t in texts]


# Per-process state of a worker of the labelling pool: the model, loaded once by the pool's
# initializer (or the error that prevented it, re-raised with the first task).
_WORKER: dict[str, Any] = {}


def _exit_with_parent() -> None:
    """Stop this worker when the parent process dies (even by SIGKILL), instead of lingering."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="maladmin-nlp-parent-watch", daemon=True).start()


def _init_worker(model_ref: tuple[str, Any] | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the parent
    _exit_with_parent()
    if model_ref is None:
        return
    kind, value = model_ref
    try:
        if kind == "path":
            from .persistence import load_model

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the parent has already warned
                _WORKER["model"] = load_model(value)
        else:
            _WORKER["model"] = value
    except BaseException as exc:
        _WORKER["error"] = exc


def _label_in_worker(texts: Sequence[str | None]) -> list[_LabelResult | None]:
    if "error" in _WORKER:
        raise _WORKER["error"]
    return _label_texts(_WORKER["model"], texts)


def _text_of(value: Any) -> tuple[str | None, str]:
    """The text to label in a cell, or None and why not."""
    if value is None or value is MISSING or (isinstance(value, float) and math.isnan(value)):
        return None, "empty text"
    if isinstance(value, dict):
        return None, "text is a JSON object, not a string"
    if isinstance(value, list):
        return None, "text is a JSON array, not a string"
    text = value if isinstance(value, str) else str(value)
    if not text.strip():
        return None, "empty text"
    if not any(ch.isprintable() and not ch.isspace() for ch in text):  # stops at the first visible character
        return None, "empty text (only invisible or control characters)"
    return text, ""


# --------------------------------------------------------------------------- the engine
@dataclass
class _Job:
    """What differs between labelling and redacting."""

    operation: str
    text_columns: list[str | None]
    id_column: str | None
    added: tuple[str, ...]
    added_types: tuple[str, ...]
    local: Callable[[Sequence[str | None]], list[Any]]
    pool_func: Callable[[Sequence[str | None]], list[Any]]
    pool_init_arg: tuple[str, Any] | None
    identity: dict[str, Any]


def _fingerprint(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("format") != _STATE_FORMAT:
        return None
    return state


def _write_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(state, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _check_resumable(state: dict[str, Any], fingerprint: dict[str, Any], identity: dict[str, Any]) -> None:
    if state.get("version") != _STATE_VERSION:
        raise ResumeError(
            "cannot resume: the state file was written by another maladmin_nlp version; "
            "start over (--restart)"
        )
    old = state.get("input", {})
    if old.get("path") != fingerprint["path"]:
        raise ResumeError(
            f"cannot resume: the interrupted run read {old.get('path')}, not {fingerprint['path']}; "
            "use the same input or start over (--restart)"
        )
    if (old.get("size"), old.get("mtime_ns")) != (fingerprint["size"], fingerprint["mtime_ns"]):
        raise ResumeError(
            f"cannot resume: {Path(fingerprint['path']).name} changed since the interrupted run "
            f"(size {old.get('size')} -> {fingerprint['size']} bytes, or modification time); "
            "start over (--restart)"
        )
    diffs = [
        f"{key} {state.get('options', {}).get(key)!r} -> {value!r}"
        for key, value in identity.items()
        if state.get("options", {}).get(key) != value
    ]
    if diffs:
        raise ResumeError(
            "cannot resume: options differ from the interrupted run's ("
            + "; ".join(diffs)
            + "); use the same options or start over (--restart)"
        )


def _chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while True:
        chunk = list(islice(records, size))
        if not chunk:
            return
        yield chunk


def _added_names(columns: Sequence[str], added: Sequence[str]) -> list[str]:
    taken = {c.lower() for c in columns}
    prefix, k = "", 1
    while any((prefix + a).lower() in taken for a in added):
        k += 1
        prefix = "pred_" if k == 2 else f"pred{k - 1}_"
    if prefix:
        logger.warning(
            "the input already has a column named like %s: new columns are prefixed %r", added, prefix
        )
    return [prefix + a for a in added]


def _check_args(
    src: Path,
    dest: Path,
    jobs: int,
    chunk_size: int,
    output_format: str | None,
    progress: Callable[[Progress], None] | None = None,
) -> tuple[int, str]:
    """Cheap checks of the arguments, before any model is loaded; returns (jobs, output format)."""
    for name, value in (("jobs", jobs), ("chunk_size", chunk_size)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an int; got {value!r} ({type(value).__name__})")
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress must be a function that takes a Progress, or None for no progress report; got {progress!r}"
        )
    if jobs < 0:
        raise InputError(f"jobs must be 0 (one per CPU) or more; got {jobs}")
    if chunk_size < 1:
        raise InputError(f"chunk size must be at least 1; got {chunk_size}")
    out_fmt = check_format(output_format) if output_format else detect_format(dest, role="output")
    if src.resolve() == dest.resolve():
        raise InputError(f"the output {dest} is the input file; write the results to another file")
    if not src.is_file():
        raise FileNotFoundError(f"input file not found: {src}")
    _check_output_location(dest)
    return int(jobs) or os.cpu_count() or 1, out_fmt


def _check_output_location(dest: Path) -> None:
    """Refuse, before any work, an output that cannot be written where it is asked for."""
    if dest.is_dir():
        raise InputError(f"the output {dest} is a directory; give a file name, e.g. {dest / 'hasil.csv'}")
    folder = dest.parent
    while not folder.exists() and folder != folder.parent:  # the directories to create start here
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(f"cannot write the output {dest}: {folder} is a file, not a directory; choose another output")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(
            errno.EACCES,
            f"cannot write the output {dest}: the directory {folder} is not writable (no permission, or a "
            "read-only file system); choose another output",
        )


_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG)
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def _output_error(exc: OSError, dest: Path, ppath: Path, rows_saved: int | None) -> OSError | None:
    """A clear error for a failed write of the output (full disk, no permission), else None."""
    if exc.filename is not None:  # an error about another file (the input, a worker's) is left as it is
        failed, folder = os.path.abspath(exc.filename), os.path.abspath(dest.parent)
        if not (failed.startswith(folder + os.sep) or folder == failed or folder.startswith(failed + os.sep)):
            return None
    code = exc.errno
    if code is None and "No space left on device" in str(exc):  # pyarrow does not always set errno
        code = errno.ENOSPC
    if code is None:
        return None
    if code in _DISK_FULL:
        reason = f"the disk holding {dest.parent} is full ({os.strerror(code)})"
        fix = "free some space"
    elif code in _NOT_WRITABLE:
        reason = f"{exc.filename or dest.parent} cannot be written ({os.strerror(code)})"
        fix = "make it writable"
    else:
        return None
    if rows_saved is None:
        advice = f"{fix} or choose another output, then run again"
    else:
        advice = (
            f"the {rows_saved:,} rows done are saved in {ppath.name}: {fix}, then resume the run (--resume), "
            "or start over with another output"
        )
    return OSError(code, f"cannot write the output {dest.name}: {reason}; {advice}")


def _run(
    job: _Job,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    jobs: int,
    chunk_size: int,
    resume: bool,
    restart: bool,
    input_format: str | None,
    output_format: str | None,
    encoding: str | None,
    delimiter: str | None,
    progress: Callable[[Progress], None] | None,
) -> BatchSummary:
    start = time.monotonic()
    src, dest = Path(input_path), Path(output_path)
    jobs, out_fmt = _check_args(src, dest, jobs, chunk_size, output_format, progress)
    spath, ppath = state_path(dest), partial_path(dest)
    old_state = _read_state(spath) if spath.exists() else None
    if spath.exists() and restart:
        logger.info("discarding the interrupted run's partial output %s", ppath)
        for stale in (spath, ppath):
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
        old_state = None
    elif spath.exists() and not resume:
        done = f"{old_state.get('rows_done', 0):,} rows" if old_state else "some rows"
        raise ResumeError(
            f"{ppath.name} holds {done} of an interrupted run writing {dest.name}; continue it (--resume) "
            "or start over (--restart)"
        )
    elif spath.exists() and old_state is None:
        raise ResumeError(f"cannot resume: the state file {spath} is unreadable; start over (--restart)")

    with open_table(
        src, format=input_format, encoding=encoding, delimiter=delimiter, batch_size=chunk_size
    ) as table:
        text_cols = _resolve_text_columns(table, job.text_columns, job.operation)
        id_col = (
            find_column(table.columns, job.id_column, source=src.name, role="id") if job.id_column else None
        )
        t_idx = [table.columns.index(c) for c in text_cols]
        id_idx = table.columns.index(id_col) if id_col else None
        added = _added_names(table.columns, job.added)
        columns = [*table.columns, *added]
        out_delim = (
            "\t"
            if out_fmt == "tsv"
            else (table.delimiter if table.format == "csv" and table.delimiter else ",")
        )
        identity = {
            **job.identity,
            "operation": job.operation,
            "text_columns": text_cols,
            "id_column": id_col,
            "input_format": table.format,
            "output_format": out_fmt,
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "output": str(dest.resolve()),
            "columns": columns,
        }
        fingerprint = _fingerprint(src)
        summary = BatchSummary(
            operation=job.operation,
            input=str(src),
            output=str(dest),
            input_format=table.format,
            output_format=out_fmt,
            text_columns=text_cols,
            encoding=table.encoding,
            delimiter=table.delimiter,
        )
        position: int | None = None
        if old_state is not None:
            _check_resumable(old_state, fingerprint, identity)
            position = int(old_state["position"])
            for key, value in old_state.get("stats", {}).items():
                setattr(summary, key, value)
            summary.resumed_from = summary.rows
            logger.info("resuming %s after %d rows", dest.name, summary.rows)
        elif resume:
            logger.info("nothing to resume for %s; starting from the first row", dest.name)

        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            writer = open_writer(
                dest,
                out_fmt,
                columns,
                delimiter=out_delim,
                types=[*([None] * len(table.columns)), *job.added_types],
                input_schema=table.schema,
                resume_from=position,
            )
        except OSError as exc:
            error = _output_error(exc, dest, ppath, None if position is None else summary.rows)
            if error is None:
                raise
            raise error from exc
        state: dict[str, Any] = {
            "format": _STATE_FORMAT,
            "version": _STATE_VERSION,
            "input": fingerprint,
            "options": identity,
        }

        def save(pos: int) -> None:
            state.update(rows_done=summary.rows, position=pos, stats=summary._counts(), updated=time.time())
            _write_state(spath, state)
            saved[0] = summary.rows

        saved = [summary.rows if position is not None else 0]
        ok = False
        processed: Generator[tuple[list[Record], list[Any]], None, None] | None = None
        try:
            if position is None:
                save(writer.checkpoint())
            records = table.records(extra_into=t_idx[0])
            skipped = sum(1 for _ in islice(records, summary.rows))
            if skipped < summary.rows:
                raise ResumeError(
                    f"cannot resume: {src.name} has {skipped} rows but the interrupted run wrote "
                    f"{summary.rows}; "
                    "start over (--restart)"
                )
            start_fraction = (table.fraction_read() or 0.0) if summary.rows else 0.0
            merge = _merge_label if job.operation == "label" else _merge_redact
            processed = _process(job, _chunks(records, chunk_size), t_idx, jobs, summary, ppath)
            for chunk, results in processed:
                rows = [
                    merge(rec, res, t_idx, id_idx, summary) for rec, res in zip(chunk, results, strict=True)
                ]
                writer.write(rows)
                save(writer.checkpoint())
                summary.rows_this_run += len(rows)
                if progress is not None:
                    progress(
                        Progress(
                            rows=summary.rows,
                            rows_this_run=summary.rows_this_run,
                            elapsed=time.monotonic() - start,
                            fraction=table.fraction_read(),
                            start_fraction=start_fraction,
                            total_rows=table.total_rows,
                        )
                    )
            writer.commit()
            ok = True
        except OSError as exc:
            error = _output_error(exc, dest, ppath, saved[0] if spath.exists() else None)
            if error is None:
                raise
            raise error from exc
        finally:
            if not ok:
                if processed is not None:
                    processed.close()  # stops the worker pool now, not when garbage-collected
                writer.close()
                spath.with_name(spath.name + ".tmp").unlink(missing_ok=True)
    spath.unlink(missing_ok=True)
    summary.elapsed_seconds = time.monotonic() - start
    logger.debug("%s: %d rows in %.1f s", dest, summary.rows, summary.elapsed_seconds)
    return summary


def _resolve_text_columns(table: TableReader, wanted: Sequence[str | None], operation: str) -> list[str]:
    name = table.path.name
    out = []
    for col in wanted:
        if col:
            out.append(find_column(table.columns, col, source=name, role="text"))
            continue
        guessed = guess_text_column(table.columns)
        if guessed is None:
            raise ColumnNotFoundError(None, table.columns, source=name, role="text")
        logger.info(
            "using column %r of %s as the complaint text (guessed; pass the text column to choose another)",
            guessed,
            name,
        )
        out.append(guessed)
    return out


def _texts(chunk: Sequence[Record], t_idx: Sequence[int]) -> list[str | None]:
    """Per row, the text to label (None when there is none; :func:`_merge_label` says why)."""
    texts: list[str | None] = []
    col = t_idx[0]
    for rec in chunk:
        text = _text_of(rec.values[col])[0]
        texts.append(None if col in rec.undecodable else text)
    return texts


def _process(
    job: _Job,
    chunks: Iterator[list[Record]],
    t_idx: Sequence[int],
    jobs: int,
    summary: BatchSummary,
    ppath: Path,
) -> Generator[tuple[list[Record], list[Any]], None, None]:
    """Chunks with their results, in input order; in a pool of ``jobs`` processes when > 1."""
    if job.operation == "redact":
        prepare: Callable[[list[Record]], list[str | None]] = lambda chunk: _redact_payload(chunk, t_idx)  # noqa: E731
    else:
        prepare = lambda chunk: _texts(chunk, t_idx)  # noqa: E731
    if jobs == 1:
        for chunk in chunks:
            yield chunk, job.local(prepare(chunk))
        return

    context = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(job.pool_init_arg,)
    )
    pending: deque[tuple[list[Record], concurrent.futures.Future[list[Any]]]] = deque()
    ok = False

    def died(first: Record, last: Record) -> WorkerError:
        return WorkerError(
            f"a worker process died (killed, or out of memory?) while handling rows "
            f"{first.number:,}-{last.number:,}; the {summary.rows:,} rows before them are saved "
            f"in {ppath.name}: resume the run (--resume), with fewer jobs or a smaller chunk size if "
            "memory is short"
        )

    def collect() -> tuple[list[Record], list[Any]]:
        chunk, future = pending.popleft()
        try:
            return chunk, future.result()
        except BrokenProcessPool as exc:
            raise died(chunk[0], chunk[-1]) from exc

    try:
        for chunk in chunks:
            try:
                future = pool.submit(job.pool_func, prepare(chunk))
            except BrokenProcessPool as exc:  # the pool broke while earlier chunks were in flight
                raise died(pending[0][0][0] if pending else chunk[0], chunk[-1]) from exc
            pending.append((chunk, future))
            while len(pending) >= 2 * jobs:
                yield collect()
        while pending:
            yield collect()
        ok = True
    finally:
        pool.shutdown(wait=ok, cancel_futures=not ok)


def _redact_payload(chunk: Sequence[Record], t_idx: Sequence[int]) -> list[str | None]:
    """Every text cell of the chunk, row by row, flattened (None for empty cells)."""
    out: list[str | None] = []
    for rec in chunk:
        for i in t_idx:
            value = rec.values[i]
            if isinstance(value, (dict, list, bool)) or _text_of(value)[0] is None:
                out.append(None)
            else:
                out.append(value if isinstance(value, str) else str(value))
    return out


def _merge_label(
    rec: Record, res: Any, t_idx: Sequence[int], id_idx: int | None, summary: BatchSummary
) -> list[Any]:
    why = ""
    if res is None:
        _, why = _text_of(rec.values[t_idx[0]])
        if not why:
            why = "text not labelled because it could not be decoded"
        label = name = evidence = None
        conf = review = None
    else:
        label, name, conf, review, evidence, why = res
        if not label:
            label = name = evidence = None
            conf = review = None
    error = "; ".join(p for p in (rec.problem, why) if p)
    summary.rows += 1
    if label:
        summary.labels[label] = summary.labels.get(label, 0) + 1
        summary.needs_review += bool(review)
        summary.truncated += _TRUNCATED in why
    else:
        summary.unlabelled += 1
    summary._add(error, rec, rec.values[id_idx] if id_idx is not None else None)
    return [*rec.values, label, name, conf, review, evidence, error or None]


def _merge_redact(
    rec: Record, res: Any, t_idx: Sequence[int], id_idx: int | None, summary: BatchSummary
) -> list[Any]:
    # ``res`` is this row's slice of the flattened results (see _redact_payload): regroup below.
    values = list(rec.values)
    changed = False
    for i, new in zip(t_idx, res, strict=True):
        if new is not None and new != (values[i] if isinstance(values[i], str) else str(values[i])):
            values[i] = new
            changed = True
    summary.rows += 1
    summary.redacted += changed
    summary._add(rec.problem, rec, rec.values[id_idx] if id_idx is not None else None)
    return values


def _regroup(results: list[Any], width: int) -> list[list[Any]]:
    return [results[i : i + width] for i in range(0, len(results), width)]


# --------------------------------------------------------------------------- public API
def label_file(
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    model: Any = None,
    text_column: str | None = None,
    id_column: str | None = None,
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    resume: bool = False,
    restart: bool = False,
    input_format: str | None = None,
    output_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> BatchSummary:
    """Label every complaint of an archive, streaming it in chunks.

    The output has every input column, unchanged and in order, then :data:`OUTPUT_COLUMNS`:
    ``label``, ``label_name``, ``confidence``, ``needs_review``, ``evidence`` (e.g.
    ``"dilayani (0.42); sudah 3 bulan (0.31)"``) and ``error``. Every input row gives exactly one
    output row, in input order. A row whose text is empty or unreadable gets no label and an
    ``error`` saying why; a ragged CSV row is padded, or its extra fields are joined back into the
    text column, a malformed CSV record (a quote never closed) is read from its first line and the
    lines it swallowed as rows of their own, and ``error`` says so. A text longer than the model
    reads (:data:`maladmin_nlp.normalize.MAX_CHARS`, 20,000 characters) is labelled from its start;
    its ``error`` says ``text too long: the model read only its first 20,000 of N characters``,
    the summary counts it (``truncated``) and a warning is logged. Texts are never cut in the output.

    Parameters
    ----------
    input_path : str or path-like
        CSV/TSV (any delimiter among ``, ; TAB |``, UTF-8, UTF-8 with BOM, UTF-16, Windows-1252 or
        Latin-1, detected), JSONL, Excel ``.xlsx`` or Parquet.
    output_path : str or path-like
        ``.csv``, ``.tsv``, ``.jsonl``, ``.xlsx`` or ``.parquet``. A CSV output keeps a CSV input's
        delimiter (so a semicolon archive opens in Excel with Indonesian settings).
    model : ComplaintClassifier, str, path-like or None, default=None
        A fitted model, the path of a saved one, or None for the shipped default model.
    text_column : str, default=None
        Column with the complaint text; guessed from common names (``isi_laporan``, ``uraian``,
        ``keluhan``, ``text``...) when not given.
    id_column : str, default=None
        Column identifying rows, quoted in the summary's error examples.
    jobs : int, default=1
        Processes; ``0`` uses one per CPU. Workers are started with ``spawn`` (safe with the
        threads numpy starts, and the same on every OS), each loads the model once, and at most
        two chunks per worker are in flight; results are the same as with ``jobs=1``. As with any
        ``spawn`` pool, a script that calls this must guard its entry point with
        ``if __name__ == "__main__":``.
    chunk_size : int, default=2000
        Rows per chunk (the unit of parallel work and of resumption).
    resume : bool, default=False
        Continue an interrupted run into the same output from its last completed chunk (starts
        from the beginning when there is nothing to resume).
    restart : bool, default=False
        Discard the partial output of an interrupted run and start over.
    input_format, output_format : str, default=None
        Override the formats given by the file extensions.
    encoding, delimiter : str, default=None
        Of a CSV input (detected by default).
    progress : callable, default=None
        Called with a :class:`Progress` after each chunk.

    Returns
    -------
    BatchSummary

    Raises
    ------
    ColumnNotFoundError
        The text or id column is not in the file (or no text column could be guessed).
    ResumeError
        An interrupted run's partial output is in the way (pass ``resume`` or ``restart``), or it
        cannot be resumed because the input or the options changed.
    WorkerError
        A worker process died; the rows before its chunk are saved and the run can be resumed.
    OSError
        The output cannot be written: its directory is not writable (checked before any work), or
        the disk filled up. The message says which, and how many rows are saved for ``resume``;
        the output file itself only ever appears complete.
    ImportError
        Excel or Parquet without ``pip install 'maladmin-nlp[io]'``.

    See Also
    --------
    redact_file : the same streaming, masking personal data instead.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from maladmin_nlp import ComplaintClassifier
    >>> clf = ComplaintClassifier(calibration=None).fit(
    ...     ["KTP belum jadi 3 bulan", "diminta uang rokok", "KK belum selesai", "petugas minta uang"],
    ...     ["penundaan_berlarut", "permintaan_imbalan"] * 2)
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "laporan.csv").write_text("no,isi_laporan\\n1,akta belum jadi 4 bulan\\n2,\\n")
    >>> summary = label_file(tmp / "laporan.csv", tmp / "hasil.csv", model=clf)
    >>> summary.rows, summary.labels, summary.unlabelled
    (2, {'penundaan_berlarut': 1}, 1)
    """
    from .persistence import load_model, read_card

    n_jobs, _ = _check_args(Path(input_path), Path(output_path), jobs, chunk_size, output_format, progress)
    loaded: Any = None
    if model is None or isinstance(model, (str, os.PathLike)):
        ref: tuple[str, Any] = ("path", None if model is None else str(Path(model).resolve()))
        if n_jobs == 1:
            loaded = load_model(model)
            card = getattr(loaded, "card_", None) or {}
        else:  # the workers load the model; the parent needs only its card (memory, start-up)
            card = read_card(model)
    else:
        loaded = model
        ref = ("object", model)
        card = getattr(loaded, "card_", None) or {}

    def local(texts: Sequence[str | None]) -> list[_LabelResult | None]:
        nonlocal loaded
        if loaded is None:
            loaded = load_model(model)
        return _label_texts(loaded, texts)

    job = _Job(
        operation="label",
        text_columns=[text_column],
        id_column=id_column,
        added=OUTPUT_COLUMNS,
        added_types=_OUTPUT_TYPES,
        local=local,
        pool_func=_label_in_worker,
        pool_init_arg=ref,
        identity={"model_sha256": card.get("model_sha256")},
    )
    summary = _run(
        job,
        input_path,
        output_path,
        jobs=jobs,
        chunk_size=chunk_size,
        resume=resume,
        restart=restart,
        input_format=input_format,
        output_format=output_format,
        encoding=encoding,
        delimiter=delimiter,
        progress=progress,
    )
    if summary.truncated:
        logger.warning(
            "texts longer than the %s characters the model reads: %d in %s; each was labelled from its start, "
            "and its 'error' cell says so",
            f"{_max_chars(loaded) or 0:,}",
            summary.truncated,
            Path(input_path).name,
        )
    return summary


def redact_file(
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    text_column: str | Sequence[str] | None = None,
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    resume: bool = False,
    restart: bool = False,
    input_format: str | None = None,
    output_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> BatchSummary:
    """Mask personal data (NIK, phone, e-mail, account, plate and other identity numbers) in the text column(s).

    Same streaming, atomic and resumable I/O as :func:`label_file`; each text cell goes through
    :func:`maladmin_nlp.redact`, every other cell and the column order stay as they are, and no
    column is added.

    Parameters
    ----------
    input_path, output_path : str or path-like
    text_column : str or sequence of str, default=None
        Column(s) to redact; guessed like :func:`label_file`'s when not given.
    jobs, chunk_size, resume, restart, input_format, output_format, encoding, delimiter, progress
        As for :func:`label_file`.

    Returns
    -------
    BatchSummary
        With ``redacted``, the number of rows whose text changed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "a.jsonl").write_text('{"id": 7, "isi": "email saya budi@contoh.id"}\\n', encoding="utf-8")
    >>> redact_file(tmp / "a.jsonl", tmp / "b.jsonl").redacted
    1
    >>> (tmp / "b.jsonl").read_text(encoding="utf-8")
    '{"id": 7, "isi": "email saya [EMAIL]"}\\n'
    """
    wanted: list[str | None] = (
        [text_column] if text_column is None or isinstance(text_column, str) else list(text_column)
    )
    if not wanted:
        wanted = [None]
    regrouped = _RegroupedRedact(len(wanted))
    job = _Job(
        operation="redact",
        text_columns=wanted,
        id_column=None,
        added=(),
        added_types=(),
        local=regrouped,
        pool_func=regrouped,
        pool_init_arg=None,
        identity={},
    )
    return _run(
        job,
        input_path,
        output_path,
        jobs=jobs,
        chunk_size=chunk_size,
        resume=resume,
        restart=restart,
        input_format=input_format,
        output_format=output_format,
        encoding=encoding,
        delimiter=delimiter,
        progress=progress,
    )


class _RegroupedRedact:
    """Picklable worker function: redact a flattened chunk and regroup it per row."""

    def __init__(self, width: int) -> None:
        self.width = width

    def __call__(self, texts: Sequence[str | None]) -> list[Any]:
        return _regroup(_redact_texts(texts), self.width)


def train_file(
    data: str | os.PathLike[str] | None,
    model_path: str | os.PathLike[str],
    *,
    extra: str | os.PathLike[str] | None = None,
    extra_weight: int = DEFAULT_EXTRA_WEIGHT,
    text_column: str | None = None,
    label_column: str | None = None,
    cv: int = 5,
    custom_labels: bool = False,
    skip_invalid: bool = False,
    input_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    **params: Any,
) -> tuple[Path, Any]:
    """Train a model on a labelled file and/or a filled labelling sheet, cross-validate it, save it.

    Parameters
    ----------
    data : str, path-like or None
        Labelled file (any format :func:`maladmin_nlp.io.open_table` reads). ``None`` (only with
        ``extra``) trains on the packaged corpus (:func:`maladmin_nlp.datasets.load_corpus`) plus
        the sheet.
    model_path : str or path-like
        Where to write the model (``.joblib``); the card goes beside it.
    extra : str or path-like, default=None
        A labelling sheet filled by annotators (``.csv`` or ``.xlsx``, written by
        :func:`annotate_file`), read with :func:`maladmin_nlp.annotation.read_annotation_sheet`:
        rows with an empty ``label`` are left out, an invalid label or an empty text stops
        training with the row numbers (:class:`~maladmin_nlp.io.InputError`).
    extra_weight : int, default=3
        Each sheet row is repeated this many times, so a few hundred labels from your own archive
        count against thousands of corpus complaints.
    text_column, label_column : str, default=None
        Of ``data``; guessed from common names when not given.
    cv : int, default=5
        Cross-validation folds; 0 skips cross-validation. With ``extra`` the folds split distinct
        rows and the sheet's rows are repeated only in the training folds, so a repeated row is
        never scored by a model that saw it.
    custom_labels : bool, default=False
        Allow labels outside the taxonomy (:data:`maladmin_nlp.LABELS`); by default an unknown
        label is refused, which catches typos. The sheet may then also use ``data``'s labels.
    skip_invalid : bool, default=False
        Leave out rows of ``data`` with an empty text or an empty/invalid label instead of refusing
        the file (the sheet is always checked strictly).
    input_format, encoding, delimiter : str, default=None
        Of ``data``; see :func:`maladmin_nlp.io.open_table`.
    **params
        :class:`~maladmin_nlp.ComplaintClassifier` parameters (``model``, ``C``,
        ``char_ngram_range``...).

    Returns
    -------
    path : pathlib.Path
        The saved model.
    report : EvaluationReport or None
        Cross-validated figures (None when ``cv=0``), also recorded in the card.

    Raises
    ------
    InputError
        Neither ``data`` nor ``extra``; an invalid sheet row (named by row number); a sheet with no
        labelled row.
    ValueError
        Invalid rows of ``data`` (named by row number), fewer than two labels, or a label with
        fewer examples than ``cv``.

    See Also
    --------
    annotate_file : write the labelling sheet that ``extra`` reads back.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> rows = ["teks,label"] + ["KTP belum jadi,penundaan_berlarut", "diminta uang,permintaan_imbalan"] * 3
    >>> _ = (tmp / "latih.csv").write_text("\\n".join(rows), encoding="utf-8")
    >>> path, report = train_file(tmp / "latih.csv", tmp / "model.joblib", cv=3, calibration=None)
    >>> path.name, round(report.macro_f1, 2)
    ('model.joblib', 1.0)

    Adding a filled labelling sheet, each of its rows counted twice:

    >>> sheet = "id,text,predicted_label,confidence,label,secondary,note\\n7,petugas membentak,,,tidak_patut,,\\n"
    >>> _ = (tmp / "lembar.csv").write_text(sheet, encoding="utf-8")
    >>> path, _ = train_file(tmp / "latih.csv", tmp / "m2.joblib", extra=tmp / "lembar.csv", extra_weight=2,
    ...                      cv=0, calibration=None)
    >>> from maladmin_nlp.persistence import read_card
    >>> [s["n_samples"] for s in read_card(path)["training_data"]["sources"]]
    [6, 1]
    """
    from .persistence import save_model
    from .taxonomy import LABELS
    from .training import train

    if cv < 0 or cv == 1:
        raise InputError(f"cv must be 0 (no cross-validation) or at least 2; got {cv}")
    if data is None and extra is None:
        raise InputError("nothing to train on: give a labelled file (data), a labelling sheet (extra), or both")
    if extra_weight < 1:
        raise InputError(f"extra_weight must be at least 1; got {extra_weight}")
    if data is None:
        texts, labels, base = _corpus_source(
            text_column=text_column,
            label_column=label_column,
            skip_invalid=skip_invalid,
            input_format=input_format,
            encoding=encoding,
            delimiter=delimiter,
        )
        name = "the packaged corpus"
    else:
        src = Path(data)
        labelled = read_labelled_file(
            src,
            text_column=text_column,
            label_column=label_column,
            format=input_format,
            encoding=encoding,
            delimiter=delimiter,
            valid_labels=None if custom_labels else LABELS,
            skip_invalid=skip_invalid,
        )
        texts, labels = labelled.texts, labelled.labels
        name = src.name
        base = {
            "source": str(src),
            "sha256": labelled.sha256,
            "n_samples": len(labelled),
            "text_column": labelled.text_column,
            "label_column": labelled.label_column,
            "rows_skipped": labelled.n_skipped,
        }
    repeats = [1] * len(texts)
    sheet: dict[str, Any] | None = None
    if extra is not None:
        valid = tuple(dict.fromkeys([*LABELS, *labels])) if custom_labels else LABELS
        sheet_texts, sheet_labels = _read_sheet(extra, valid)
        sheet = {
            "source": str(extra),
            "sha256": file_sha256(extra),
            "n_samples": len(sheet_texts),
            "weight": extra_weight,
        }
        texts, labels = [*texts, *sheet_texts], [*labels, *sheet_labels]
        repeats += [extra_weight] * len(sheet_texts)
        name = f"{name} + {Path(extra).name}"

    counts = Counter(labels)
    if len(counts) < 2:
        raise ValueError(
            f"{name} has {len(texts)} usable rows with {len(counts)} label(s) "
            f"({', '.join(counts) or 'none'}); "
            "training needs at least 2 different labels"
        )
    if cv:
        label, smallest = min(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if smallest < cv:
            raise ValueError(
                f"label {label!r} has only {smallest} example(s) in {name}, fewer than the {cv} "
                "cross-validation folds; add examples, lower cv (--cv) or skip cross-validation (--cv 0)"
            )
    metrics: dict[str, Any] = {}
    if sheet is None:
        logger.info("training on %d rows of %s (%d labels)", len(texts), name, len(counts))
        model, report = train(texts, labels, cv=cv or None, **params)
        training_data = base
    else:
        logger.info(
            "training on %d rows of %s, the sheet's %d rows counted %d times (%d labels)",
            len(texts),
            name,
            sheet["n_samples"],
            extra_weight,
            len(counts),
        )
        report = _cross_validate_repeated(texts, labels, repeats, cv=cv, params=params) if cv else None
        weighted = [(t, y) for t, y, k in zip(texts, labels, repeats) for _ in range(k)]
        model, _ = train([t for t, _ in weighted], [y for _, y in weighted], cv=None, **params)
        training_data = _combined_source(base, sheet, texts, labels, n_rows=len(weighted))
    if report is not None:
        metrics["cross_validation"] = {"folds": cv, "shuffle_seed": 0, **report.to_dict()}
        if sheet is not None:
            metrics["cross_validation"]["note"] = (
                f"folds split the {len(texts)} distinct rows; sheet rows are repeated "
                f"x{extra_weight} in the training folds only"
            )
    path = save_model(model, model_path, training_data=training_data, metrics=metrics)
    return path, report


def _packaged_corpus() -> tuple[list[str], list[str], dict[str, Any]]:
    """Texts, labels and card entry of the packaged corpus (looked up at call time, so tests can swap it)."""
    from . import datasets

    corpus = datasets.load_corpus()
    source = {
        "source": "maladmin_nlp packaged corpus (src/maladmin_nlp/data/corpus.jsonl)",
        "sha256": datasets.corpus_sha256(),
        "n_samples": len(corpus),
    }
    return corpus.texts, corpus.labels, source


def _corpus_source(**ignored: Any) -> tuple[list[str], list[str], dict[str, Any]]:
    """The packaged corpus as training data, warning about options that only describe a data file."""
    given = [f"{key}={value!r}" for key, value in ignored.items() if value]
    if given:
        warnings.warn(
            f"{', '.join(given)} ignored: these describe a labelled data file, and none was given "
            "(training on the packaged corpus + the labelling sheet)",
            UserWarning,
            stacklevel=3,
        )
    return _packaged_corpus()


def _read_sheet(path: str | os.PathLike[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """A filled labelling sheet's labelled rows; any problem with it is an :class:`InputError`."""
    from .annotation import read_annotation_sheet

    sheet = Path(path)
    try:
        texts, sheet_labels = read_annotation_sheet(sheet, labels=labels)
    except UnicodeDecodeError:
        raise InputError(
            f"{sheet.name} is not UTF-8 text; save it again as 'CSV UTF-8' (or as .xlsx) and retry"
        ) from None
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if not texts:
        raise InputError(
            f"{sheet.name} has no labelled rows: fill its 'label' column (see the list of labels at its top, "
            "or the 'panduan' sheet of an .xlsx) and retry"
        )
    return texts, sheet_labels


def _combined_source(
    base: dict[str, Any], sheet: dict[str, Any], texts: list[str], labels: list[str], *, n_rows: int
) -> dict[str, Any]:
    from .training import data_sha256

    base_name = "packaged corpus" if "packaged corpus" in base["source"] else Path(base["source"]).name
    return {
        "source": (
            f"{base_name} ({base['n_samples']}) + labelling sheet {Path(sheet['source']).name} "
            f"({sheet['n_samples']}, each x{sheet['weight']})"
        ),
        "sha256": data_sha256(texts, labels),
        "sha256_of": "the distinct texts and labels trained on (maladmin_nlp.training.data_sha256)",
        "n_samples": len(texts),
        "n_training_rows": n_rows,
        "sources": [base, sheet],
    }


def _cross_validate_repeated(
    texts: Sequence[str], labels: Sequence[str], repeats: Sequence[int], *, cv: int, params: dict[str, Any]
) -> Any:
    """Stratified k-fold over distinct rows, each training fold repeating rows ``repeats`` times.

    With every repeat 1 this gives the folds and predictions of
    :func:`maladmin_nlp.evaluation.cross_validate` (same splitter, same seed).
    """
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from .classifier import ComplaintClassifier
    from .evaluation import score_predictions

    y = np.asarray([str(v) for v in labels], dtype=object)
    predicted = np.empty(len(y), dtype=object)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=0)
    for train_idx, test_idx in folds.split(np.zeros(len(y)), y):
        fit_idx = [i for i in train_idx for _ in range(repeats[i])]
        model = ComplaintClassifier(**params).fit([texts[i] for i in fit_idx], y[fit_idx])
        predicted[test_idx] = model.predict([texts[i] for i in test_idx])
    report = score_predictions(list(y), list(predicted))
    logger.info("cross-validated macro-F1 %.3f over %d folds", report.macro_f1, cv)
    return report


def evaluate_file(
    model: Any,
    data: str | os.PathLike[str],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    report: str | os.PathLike[str] | None = None,
    skip_invalid: bool = False,
    input_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Any:
    """Score a model on a labelled file; optionally write the self-contained HTML report.

    Parameters
    ----------
    model : ComplaintClassifier, str, path-like or None
        A fitted model, the path of a saved one, or None for the shipped default.
    data : str or path-like
        Labelled file.
    text_column, label_column : str, default=None
        Guessed from common names when not given.
    report : str or path-like, default=None
        Write the HTML report (needs ``pip install 'maladmin-nlp[plot]'``) to this path.
    skip_invalid : bool, default=False
        Leave out rows with an empty text or label instead of refusing the file.
    input_format, encoding, delimiter : str, default=None
        See :func:`maladmin_nlp.io.open_table`.

    Returns
    -------
    EvaluationReport
        Macro-F1, accuracy, per-class precision/recall/F1 and the confusion matrix.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from maladmin_nlp import ComplaintClassifier
    >>> clf = ComplaintClassifier(calibration=None).fit(
    ...     ["KTP belum jadi", "diminta uang rokok"] * 2, ["penundaan_berlarut", "permintaan_imbalan"] * 2)
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> rows = "teks,label\\nKK belum jadi,penundaan_berlarut\\nminta uang rokok,permintaan_imbalan\\n"
    >>> _ = (tmp / "uji.csv").write_text(rows, encoding="utf-8")
    >>> evaluate_file(clf, tmp / "uji.csv").accuracy
    1.0
    """
    from .evaluation import evaluate, write_html_report
    from .persistence import load_model

    if report is not None and importlib.util.find_spec("matplotlib") is None:
        raise ImportError(
            "The HTML report needs matplotlib, which is not installed: pip install 'maladmin-nlp[plot]'"
        )
    labelled = read_labelled_file(
        data,
        text_column=text_column,
        label_column=label_column,
        format=input_format,
        encoding=encoding,
        delimiter=delimiter,
        skip_invalid=skip_invalid,
    )
    if not len(labelled):
        raise ValueError(f"{Path(data).name} has no rows to evaluate on")
    clf = load_model(model) if model is None or isinstance(model, (str, os.PathLike)) else model
    result = evaluate(clf, labelled.texts, labelled.labels)
    if report is not None:
        write_html_report(result, str(report), title=f"maladmin_nlp evaluation on {Path(data).name}")
    return result


# --------------------------------------------------------------------------- the labelling loop
@dataclass
class _ArchiveTexts:
    """The usable texts of an archive's text column, with their row numbers and ids."""

    texts: list[str]
    rows: list[int]
    ids: list[str]
    text_column: str
    id_column: str | None
    n_rows: int = 0
    n_empty: int = 0
    n_undecodable: int = 0


def _read_texts(
    path: str | os.PathLike[str],
    *,
    text_column: str | None,
    id_column: str | None = None,
    guess_id: bool = False,
    input_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> _ArchiveTexts:
    """Stream an archive's text column (guessed like :func:`label_file`'s), leaving out empty texts."""
    src = Path(path)
    with open_table(src, format=input_format, encoding=encoding, delimiter=delimiter) as table:
        icol = find_column(table.columns, id_column, source=src.name, role="id") if id_column else None
        tcol = _resolve_text_columns(table, [text_column], "read")[0]
        if icol is None and guess_id:
            icol = guess_column([c for c in table.columns if c != tcol], ID_COLUMN_CANDIDATES)
            if icol is not None:
                logger.info(
                    "using column %r of %s as the row id (guessed; pass the id column to choose another)",
                    icol,
                    src.name,
                )
        ti = table.columns.index(tcol)
        ii = table.columns.index(icol) if icol is not None else None
        out = _ArchiveTexts([], [], [], tcol, icol)
        for rec in table.records(extra_into=ti):
            out.n_rows += 1
            if ti in rec.undecodable:
                out.n_undecodable += 1
                continue
            text = _text_of(rec.values[ti])[0]
            if text is None:
                out.n_empty += 1
                continue
            out.texts.append(text)
            out.rows.append(rec.number)
            out.ids.append(cell_text(rec.values[ii]) if ii is not None else str(rec.number))
        encoding_used = table.encoding
    if out.n_undecodable:
        logger.warning(
            "left out %d rows of %s whose text is not valid %s; pass the file's encoding (--encoding)",
            out.n_undecodable,
            src.name,
            encoding_used,
        )
    if out.n_empty:
        logger.info("left out %d of %d rows of %s with an empty text", out.n_empty, out.n_rows, src.name)
    if not out.texts:
        raise InputError(
            f"{src.name} has no complaint text: column {tcol!r} is empty or unreadable in all "
            f"{out.n_rows} rows; pass the text column (--text-column)"
        )
    return out


def _check_not_input(src: Path, dest: Path, what: str) -> None:
    if dest.exists() and src.exists() and dest.resolve() == src.resolve():
        raise InputError(f"the {what} {dest} is the input archive; write it to another file")


def _model_source(model: Any) -> str:
    if model is None:
        return "the shipped default model"
    return str(model) if isinstance(model, (str, os.PathLike)) else "a model object"


def _as_model(model: Any, *, estimator: bool = False) -> Any:
    from .persistence import load_model

    if model is None or isinstance(model, (str, os.PathLike)):
        return load_model(model, estimator=estimator)
    return model


def adapt_file(
    archive: str | os.PathLike[str],
    model_path: str | os.PathLike[str],
    *,
    model: Any = None,
    text_column: str | None = None,
    per_class: int = 100,
    min_confidence: float = 0.6,
    base_texts: Sequence[str] | None = None,
    base_labels: Sequence[str] | None = None,
    input_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Adapt a model to an unlabelled archive and save it with its card.

    Reads the archive's text column and calls :func:`maladmin_nlp.adaptation.adapt`: the model
    labels the archive, its most confident predictions of each label join the base training
    data as pseudo-labels, and a copy of the model is refit on both.

    Parameters
    ----------
    archive : str or path-like
        The unlabelled archive (any format :func:`maladmin_nlp.io.open_table` reads).
    model_path : str or path-like
        Where to write the adapted model (``.joblib``); the card goes beside it and records the
        archive's SHA-256, the base model and data, and ``adapt``'s counts (under ``extra``).
    model : ComplaintClassifier, str, path-like or None, default=None
        The base model: fitted, the path of a saved one, or None for the shipped default model.
    text_column : str, default=None
        Column with the complaint text; guessed like :func:`label_file`'s when not given.
    per_class : int, default=100
        Most pseudo-labelled complaints added per label.
    min_confidence : float, default=0.6
        Predictions below this probability are not used.
    base_texts, base_labels : sequences of str, default=None
        The data the base model was trained on; default: the packaged corpus
        (:func:`maladmin_nlp.datasets.load_corpus`), right for the default model. A base model
        whose card names other training data gets a warning: that data is not used again.
    input_format, encoding, delimiter : str, default=None
        See :func:`maladmin_nlp.io.open_table`.

    Returns
    -------
    path : pathlib.Path
        The saved model.
    info : dict
        ``n_archive`` (complaints read), ``n_pseudo_labelled``, ``per_label`` (pseudo-labels
        added per label, 0 included), ``per_class``, ``min_confidence`` and ``method``.

    Raises
    ------
    ColumnNotFoundError
        The text column is not in the archive (or cannot be guessed).
    InputError
        An out-of-range argument, or an archive without any text.

    See Also
    --------
    maladmin_nlp.adaptation.adapt : the same on texts in memory.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from maladmin_nlp import ComplaintClassifier
    >>> x = ["KTP belum jadi 3 bulan", "diminta uang 200rb", "KK belum jadi", "uang rokok 50 ribu"] * 3
    >>> y = ["penundaan_berlarut", "permintaan_imbalan"] * 6
    >>> clf = ComplaintClassifier(calibration=None).fit(x, y)
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "arsip.csv").write_text("isi\\nakta belum jadi 2 bulan\\npungutan 100rb\\n", encoding="utf-8")
    >>> path, info = adapt_file(tmp / "arsip.csv", tmp / "adaptasi.joblib", model=clf, min_confidence=0.0,
    ...                         base_texts=x, base_labels=y)
    >>> info["n_pseudo_labelled"], info["per_label"]
    (2, {'penundaan_berlarut': 1, 'permintaan_imbalan': 1})
    """
    from .adaptation import adapt
    from .persistence import save_model
    from .training import data_sha256

    src, dest = Path(archive), Path(model_path)
    if per_class < 1:
        raise InputError(f"per_class must be at least 1; got {per_class}")
    if not 0.0 <= min_confidence <= 1.0:
        raise InputError(f"min_confidence must be between 0 and 1; got {min_confidence}")
    if (base_texts is None) != (base_labels is None):
        raise InputError("give both base_texts and base_labels, or neither (for the packaged corpus)")
    _check_not_input(src, dest, "model")
    read = _read_texts(
        src, text_column=text_column, input_format=input_format, encoding=encoding, delimiter=delimiter
    )
    clf = _as_model(model, estimator=True)  # refit: the estimator, not the compact form
    card = getattr(clf, "card_", None) or {}
    if base_texts is None or base_labels is None:
        base_texts, base_labels, base = _packaged_corpus()
        base_name = "packaged corpus"
        trained_on = card.get("training_data") or {}
        source = str(trained_on.get("source", ""))
        if trained_on.get("sha256") not in (None, base["sha256"]) and not source.startswith(
            "maladmin_nlp packaged corpus"
        ):
            warnings.warn(
                f"the base model was trained on {trained_on.get('source', 'other data')}, not the packaged "
                "corpus alone; the adapted model is refit on the packaged corpus + the pseudo-labels, so "
                "what the base model learnt from other data is not kept",
                UserWarning,
                stacklevel=2,
            )
    else:
        base_texts, base_labels = list(base_texts), list(base_labels)
        base_name = "base data"
        base = {
            "source": "base data given to adapt_file",
            "sha256": data_sha256(base_texts, base_labels),
            "n_samples": len(base_texts),
        }
    adapted, info = adapt(
        clf,
        read.texts,
        base_texts=base_texts,
        base_labels=base_labels,
        per_class=per_class,
        min_confidence=min_confidence,
    )
    info["per_label"] = {str(label): int(info["per_label"].get(str(label), 0)) for label in adapted.classes_}
    n = int(info["n_pseudo_labelled"])
    if n == 0:
        logger.warning(
            "no complaint of %s was predicted with confidence >= %.2f: the adapted model is the base model "
            "refit on its base data alone; lower the minimum confidence (--min-confidence)",
            src.name,
            min_confidence,
        )
    training_data = {
        "source": f"{base_name} + {n} pseudo-labelled complaints of {src}",
        "sha256": file_sha256(src),
        "n_samples": base["n_samples"] + n,
        "text_column": read.text_column,
        "rows_skipped": read.n_empty + read.n_undecodable,
        "base_data": base,
        "base_model": {
            "source": _model_source(model),
            "model_sha256": card.get("model_sha256"),
        },
    }
    path = save_model(adapted, dest, training_data=training_data, extra=info)
    return path, info


def annotate_file(
    archive: str | os.PathLike[str],
    sheet_path: str | os.PathLike[str],
    *,
    model: Any = None,
    n: int = 200,
    text_column: str | None = None,
    id_column: str | None = None,
    input_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Pick the complaints of an archive most worth labelling and write them to a labelling sheet.

    Reads the archive's text column, drops exact repeats (ignoring case and spacing), picks ``n``
    complaints with :func:`maladmin_nlp.annotation.select_for_annotation` (the most uncertain,
    spread over different kinds, near-duplicates once) and writes them, most useful first, with
    the model's guess and confidence, with
    :func:`maladmin_nlp.annotation.write_annotation_sheet`. Annotators fill the ``label`` column;
    :func:`train_file` reads the sheet back (``extra=``).

    Parameters
    ----------
    archive : str or path-like
        The unlabelled archive (any format :func:`maladmin_nlp.io.open_table` reads).
    sheet_path : str or path-like
        ``.csv`` (valid labels listed in ``#`` lines at the top) or ``.xlsx`` (a drop-down of
        valid labels and a ``panduan`` guide sheet; needs ``pip install 'maladmin-nlp[io]'``).
    model : ComplaintClassifier, str, path-like or None, default=None
        A fitted model, the path of a saved one, or None for the shipped default model.
    n : int, default=200
        Complaints to put on the sheet (fewer when the archive has fewer distinct complaints of at
        least three words).
    text_column : str, default=None
        Column with the complaint text; guessed like :func:`label_file`'s when not given.
    id_column : str, default=None
        Column whose value identifies each row on the sheet; guessed from
        :data:`ID_COLUMN_CANDIDATES` (``id``, ``no_laporan``, ``nomor``...), else the 1-based
        data row number.
    input_format, encoding, delimiter : str, default=None
        See :func:`maladmin_nlp.io.open_table`.

    Returns
    -------
    path : pathlib.Path
        The sheet.
    info : dict
        ``rows`` read, ``texts`` (non-empty), ``duplicates`` dropped, ``selected``,
        ``text_column``, ``id_column`` (None: row numbers) and ``predicted`` (sheet rows per
        predicted label).

    Raises
    ------
    ColumnNotFoundError
        The text or id column is not in the archive.
    InputError
        The sheet is not ``.csv``/``.xlsx``, or no complaint can be picked.
    ImportError
        An ``.xlsx`` sheet without openpyxl.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from maladmin_nlp import ComplaintClassifier
    >>> x = ["KTP belum jadi 3 bulan", "diminta uang 200rb", "KK belum jadi", "uang rokok 50 ribu"] * 3
    >>> clf = ComplaintClassifier(calibration=None).fit(x, ["penundaan_berlarut", "permintaan_imbalan"] * 6)
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> rows = "kode,isi\\nA1,akta belum jadi lama\\nA2,akta belum jadi lama\\nA3,pungutan di sekolah negeri\\n"
    >>> _ = (tmp / "arsip.csv").write_text(rows, encoding="utf-8")
    >>> path, info = annotate_file(tmp / "arsip.csv", tmp / "lembar.csv", model=clf, id_column="kode")
    >>> info["selected"], info["duplicates"]
    (2, 1)
    """
    from .annotation import select_for_annotation, write_annotation_sheet
    from .prediction import decide

    src, dest = Path(archive), Path(sheet_path)
    if n < 1:
        raise InputError(f"n must be at least 1; got {n}")
    if dest.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"a labelling sheet is a .csv or .xlsx file; got {dest.name!r}")
    if dest.suffix.lower() == ".xlsx" and importlib.util.find_spec("openpyxl") is None:
        raise ImportError(
            "Excel labelling sheets need openpyxl, which is not installed: pip install 'maladmin-nlp[io]' "
            "(or write a .csv sheet)"
        )
    _check_not_input(src, dest, "sheet")
    read = _read_texts(
        src,
        text_column=text_column,
        id_column=id_column,
        guess_id=True,
        input_format=input_format,
        encoding=encoding,
        delimiter=delimiter,
    )
    seen: set[str] = set()
    keep: list[int] = []
    for i, text in enumerate(read.texts):
        key = " ".join(text.casefold().split())
        if key not in seen:
            seen.add(key)
            keep.append(i)
    texts = [read.texts[i] for i in keep]
    clf = _as_model(model)
    picked = select_for_annotation(clf, texts, n=n)
    if not picked:
        raise InputError(
            f"no complaint of {src.name} can go on a labelling sheet: the texts of column "
            f"{read.text_column!r} are all shorter than three words"
        )
    chosen = [texts[i] for i in picked]
    proba = clf.predict_proba(chosen)
    chosen_index = decide(proba, clf.classes_, clf.decision_rule())
    predicted = [str(label) for label in clf.classes_[chosen_index]]
    if len(picked) < n:
        logger.info(
            "only %d complaints could be picked (%d distinct texts; those under three words and "
            "near-duplicates are left out)",
            len(picked),
            len(texts),
        )
    path = write_annotation_sheet(
        dest,
        chosen,
        ids=[read.ids[keep[i]] for i in picked],
        predicted=predicted,
        confidences=[float(proba[i, j]) for i, j in enumerate(chosen_index)],
    )
    info = {
        "archive": str(src),
        "sheet": str(path),
        "rows": read.n_rows,
        "texts": len(read.texts),
        "duplicates": len(read.texts) - len(texts),
        "selected": len(picked),
        "text_column": read.text_column,
        "id_column": read.id_column,
        "predicted": dict(Counter(predicted).most_common()),
    }
    return path, info
