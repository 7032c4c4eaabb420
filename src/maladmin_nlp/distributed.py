"""Label complaint archives on a Dask cluster, for archives beyond one machine.

:func:`label_dataframe` adds the columns of ``maladmin-nlp label`` (:data:`~maladmin_nlp.batch.OUTPUT_COLUMNS`:
``label``, ``label_name``, ``confidence``, ``needs_review``, ``evidence``, ``error``) to a Dask
DataFrame, one partition at a time, with exactly the per-row logic of :func:`maladmin_nlp.batch.label_file`.
:func:`label_files` does the whole job: CSV/TSV or Parquet files in, one Parquet (or CSV) part per
input partition out, on an existing cluster (``scheduler="tcp://host:8786"``) or on a
:class:`distributed.LocalCluster` it starts and stops.

The model reaches each worker process once, never once per task. A model given by path (or the
shipped default model) is loaded by each worker process from a path every worker can read, and cached
in that process (:data:`_MODEL_CACHE`, keyed by path, size and modification time, at most two models).
An in-memory model is carried by a worker plugin for the duration of :func:`label_files` (every
worker, and every worker that joins or restarts meanwhile, unpickles it once); :func:`label_dataframe`,
which is lazy, scatters it and lets each worker fetch it when it first runs a partition.

Each part is written to a hidden temporary file in the output directory, synced, and renamed into
place with :func:`os.replace`. A worker that dies mid-run loses only its unfinished parts; Dask
recomputes them elsewhere, and no half-written part can appear under a final name.

Needs the optional extra ``pip install 'maladmin-nlp[dask]'`` (dask[dataframe], distributed). The
module itself imports without it; the functions say what to install.

Examples
--------
On a laptop (starts two worker processes; in a script, guard it with ``if __name__ == "__main__":``)

>>> from maladmin_nlp.distributed import label_files
>>> summary = label_files("arsip/laporan_*.csv", "hasil/")            # doctest: +SKIP
>>> print(summary.to_text())                                          # doctest: +SKIP
labelled 20,000 rows of 8 files -> hasil (8 parts) in 49.6 s (403 rows/s) on a local cluster of 2 worker processes
...

On a running cluster, with a model file every worker can read

>>> label_files("/data/arsip/*.parquet", "/data/hasil", model_path="/data/models/saya.joblib",
...             scheduler="tcp://10.0.0.5:8786")                     # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import csv
import glob
import importlib
import io as _io
import logging
import os
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batch import (
    _TRUNCATED,
    OUTPUT_COLUMNS,
    BatchSummary,
    Progress,
    WorkerError,
    _added_names,
    _label_texts,
    _merge_label,
    _text_of,
    _truncated_line,
)
from .io import (
    ColumnNotFoundError,
    InputError,
    Record,
    cell_text,
    check_format,
    detect_encoding,
    detect_format,
    find_column,
    guess_text_column,
    sniff_delimiter,
)

__all__ = ["DistributedSummary", "label_dataframe", "label_files"]

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'maladmin-nlp[dask]'"
_OUTPUT_DTYPES = ("string", "string", "float64", "boolean", "string", "string")
_OUTPUT_ARROW_TYPES = ("string", "string", "float64", "bool_", "string", "string")
_INPUT_FORMATS = ("csv", "tsv", "parquet")
_OUTPUT_FORMATS = ("parquet", "csv")
_PART_PREFIX = "part-"
_TMP_SUFFIX = ".tmp"
_ERROR_EXAMPLES = 10
_SNIFF_CHARS = 64 * 1024
_WORKER_WAIT_SECONDS = 300.0
_LOCAL_NO_WORKER_SECONDS = 60.0
_POLL_SECONDS = 0.1


def _require(module: str) -> Any:
    """Import a module of the ``dask`` extra, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or module.split(".")[0]
        raise ImportError(
            f"maladmin_nlp.distributed needs {module.split('.')[0]} ({missing} is not installed): {INSTALL_HINT}"
        ) from exc


# --------------------------------------------------------------------------- the model on the workers
@dataclass(frozen=True)
class _ModelRef:
    """A model to load on the worker: a path every worker can read (``None``: the shipped default)."""

    path: str | None


_PLUGIN_PREFIX = "maladmin-nlp-model-"
"""The name of every worker plugin that carries a model object (:func:`_shipped_to_workers`)."""


@dataclass(frozen=True)
class _ShippedRef:
    """A model object installed on every worker by the plugin ``name`` (see :func:`_shipped_to_workers`)."""

    name: str


@contextlib.contextmanager
def _shipped_to_workers(client: Any, model: Any) -> Iterator[_ShippedRef]:
    """Install ``model`` on every worker of ``client`` for the duration of the block.

    Every worker process unpickles it once, a worker that joins or is restarted meanwhile too; the
    partition tasks carry only the plugin's name. The plugin is removed (and the model freed on the
    workers) when the block ends, whatever happened in it.
    """
    from ._model_plugin import ModelPlugin

    name = f"{_PLUGIN_PREFIX}{uuid.uuid4().hex}"
    logger.debug("installing the model on every worker (plugin %s)", name)
    try:
        try:
            client.register_plugin(ModelPlugin(name, model), name=name)
        except Exception as exc:  # distributed re-raises a worker's unpickling error as a bare Exception
            raise WorkerError(
                f"the workers could not load the model object ({exc}). Each worker needs maladmin_nlp and "
                f"the modules that define {type(model).__name__}, in the versions this machine has; or save "
                "the model with save_model and pass model_path= (a path every worker can read)"
            ) from exc
        yield _ShippedRef(name)
    finally:
        try:
            client.unregister_worker_plugin(name)
        except Exception as exc:  # a lost cluster: the error that matters is the one in the block
            logger.debug("could not remove plugin %s: %s", name, exc)


class _ModelCache:
    """Models loaded in this process by :class:`_ModelRef`, the explicit per-process cache.

    Keyed by the model file's path, size and modification time (a replaced file is loaded again),
    bounded to ``maxsize`` models, and thread-safe: a worker with several threads loads a model once.
    ``loads`` counts the loads per path, so tests and benchmarks can check that a model was loaded
    once per worker process, not once per partition.
    """

    def __init__(self, maxsize: int = 2) -> None:
        self.maxsize = maxsize
        self.loads: Counter[str] = Counter()
        self._models: OrderedDict[tuple[str, int, int], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str | None) -> Any:
        from .persistence import default_model_path, load_model

        file = Path(path) if path is not None else default_model_path()
        try:
            st = file.stat()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"No model file at {file} on worker {_worker_name()}: a model given by path must be readable "
                "by every worker (a shared file system), or pass the model object instead"
            ) from None
        key = (str(file), st.st_size, st.st_mtime_ns)
        with self._lock:
            model = self._models.get(key)
            if model is None:
                model = load_model(file)
                self.loads[str(file)] += 1
                self._models[key] = model
                while len(self._models) > self.maxsize:
                    self._models.popitem(last=False)
            else:
                self._models.move_to_end(key)
            return model

    def clear(self) -> None:
        """Forget every cached model (and the load counts)."""
        with self._lock:
            self._models.clear()
            self.loads.clear()


_MODEL_CACHE = _ModelCache()
"""Models loaded by path in this (worker) process; see :class:`_ModelCache`."""


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"process {os.getpid()}"


def _default_client() -> Any:
    """The current distributed client, or None (no distributed, or no client running)."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def _model_arg(model: Any, client: Any) -> Any:
    """What the partition tasks receive: a :class:`_ModelRef`, a scattered future, or the model itself."""
    if model is None or isinstance(model, (str, os.PathLike)):
        if model is None:
            return _ModelRef(None)
        path = os.path.abspath(os.fspath(model))
        if os.path.exists(path):
            from .persistence import read_card

            read_card(path)  # a missing card or an unknown format fails here, not on every worker
        else:
            logger.warning("model file %s is not on this machine; the workers must be able to read it", path)
        return _ModelRef(path)
    if not callable(getattr(model, "classify", None)):
        raise TypeError(
            f"model must be a fitted ComplaintClassifier, the path of a saved model, or None for the "
            f"shipped default; got {type(model).__name__}"
        )
    if client is None:
        return model  # a local scheduler: the tasks share this process's model, nothing is shipped
    # Not broadcast: Dask's active memory manager drops the copies no waiting task needs within
    # seconds, so a broadcast is mostly undone before the graph is even submitted.
    logger.debug("scattering the model")
    return client.scatter(model)


# --------------------------------------------------------------------------- per partition
def _plain(value: Any) -> Any:
    """A pandas cell as the value the single-machine readers give (None for a missing value)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()  # a numpy array (a Parquet list cell) or a numpy scalar
    return value


def _label_partition(df: Any, text_column: str, names: Sequence[str], model: Any) -> Any:
    """Add the output columns to one pandas partition, row by row as :func:`batch.label_file` does."""
    import pandas as pd

    if isinstance(model, _ModelRef):
        model = _MODEL_CACHE.get(model.path)
    elif isinstance(model, _ShippedRef):
        from ._model_plugin import shipped_model

        model = shipped_model(model.name)
    values = [_plain(v) for v in df[text_column].tolist()]
    results = _label_texts(model, [_text_of(v)[0] for v in values])
    scratch = BatchSummary("label", "", "", "", "", [text_column])
    merged = [
        _merge_label(Record(number, [value]), result, (0,), None, scratch)[1:]
        for number, (value, result) in enumerate(zip(values, results, strict=True), 1)
    ]
    columns: list[Sequence[Any]] = [list(col) for col in zip(*merged, strict=True)] if merged else [[]] * len(names)
    added = {
        name: pd.Series(col, dtype=dtype, index=df.index)
        for name, col, dtype in zip(names, columns, _OUTPUT_DTYPES, strict=True)
    }
    return df.assign(**added)


def _prepare(ddf: Any, text_column: str | None, *, source: str = "the input") -> tuple[str, list[str]]:
    """The text column (given or guessed) and the names of the added columns."""
    columns = [str(c) for c in ddf.columns]
    if text_column:
        text_col = find_column(columns, text_column, source=source, role="text")
    else:
        guessed = guess_text_column(columns)
        if guessed is None:
            raise ColumnNotFoundError(None, columns, source=source, role="text")
        logger.info(
            "using column %r of %s as the complaint text (guessed; pass the text column to choose another)",
            guessed,
            source,
        )
        text_col = guessed
    return text_col, _added_names(columns, OUTPUT_COLUMNS)


def _map(ddf: Any, text_col: str, names: list[str], model_arg: Any) -> Any:
    import pandas as pd

    meta = ddf._meta.assign(**{n: pd.Series(dtype=d) for n, d in zip(names, _OUTPUT_DTYPES, strict=True)})
    return ddf.map_partitions(_label_partition, text_col, names, model_arg, meta=meta)


def label_dataframe(ddf: Any, text_column: str | None, model: Any = None, *, client: Any = None) -> Any:
    """Label every row of a Dask DataFrame: add the columns of ``maladmin-nlp label``.

    Lazy: nothing runs until you compute or write the result. ``meta`` is given, so Dask does not
    call the model to infer the output's columns.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        The complaints, one per row, e.g. from ``dask.dataframe.read_parquet``.
    text_column : str or None
        Column with the complaint text (matched ignoring case and spaces); ``None`` guesses it from
        common names (``isi_laporan``, ``uraian``, ``keluhan``, ``text``...).
    model : ComplaintClassifier, str, path-like or None, default=None
        A fitted model, or the path of a saved one (which every worker must be able to read), or
        None for the shipped default model. A path or None is loaded once per worker process and
        cached there. A model object is scattered with ``client.scatter(model)`` when a distributed
        client is running (each worker fetches it when it first runs a partition; Dask's active
        memory manager may drop an idle copy, which costs another fetch, never a wrong row), else
        used in place by the local threaded scheduler. (With Dask's ``"processes"`` scheduler and
        no client, pass a path: an object would be pickled into every task.) :func:`label_files`
        ships an object exactly once per worker process.
    client : distributed.Client, default=None
        The client to scatter a model object with; by default the current one, if any. The result
        must be computed on that client, while it runs.

    Returns
    -------
    dask.dataframe.DataFrame
        Every input column, then ``label``, ``label_name`` (string), ``confidence`` (float64),
        ``needs_review`` (nullable boolean), ``evidence`` and ``error`` (string); prefixed ``pred_``
        if the input already has such columns. Rows are those of :func:`maladmin_nlp.batch.label_file`
        for the same texts: a row whose text is empty gets no label and ``error`` says why.

    Raises
    ------
    ColumnNotFoundError
        The text column is not in ``ddf`` (or none could be guessed).
    TypeError
        ``model`` is not a model, a path or None.
    ImportError
        dask is not installed (``pip install 'maladmin-nlp[dask]'``).

    See Also
    --------
    label_files : read files, label them, and write one part per partition.
    maladmin_nlp.batch.label_file : the same labelling on one machine, streaming one file.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd                       # doctest: +SKIP
    >>> df = pd.DataFrame({"no": [1, 2], "isi_laporan": ["KTP belum jadi 3 bulan", ""]})  # doctest: +SKIP
    >>> out = label_dataframe(dd.from_pandas(df, npartitions=1), "isi_laporan")  # doctest: +SKIP
    >>> out[["label", "error"]].compute().values.tolist()              # doctest: +SKIP
    [['penundaan_berlarut', <NA>], [<NA>, 'empty text']]
    """
    _require("dask.dataframe")
    text_col, names = _prepare(ddf, text_column)
    return _map(ddf, text_col, names, _model_arg(model, client if client is not None else _default_client()))


# --------------------------------------------------------------------------- summary
@dataclass
class DistributedSummary:
    """What :func:`label_files` did.

    Attributes
    ----------
    inputs : list of str
        The input files, in partition order.
    output_dir : str
    input_format, output_format : str
    text_column : str
    cluster : str
        Where it ran (``"tcp://10.0.0.5:8786"`` or ``"a local cluster of 2 worker processes"``).
    parts : list of str
        The part files written, in input order (one per input partition).
    rows : int
    labels : dict of str to int
        Rows per label.
    needs_review, errors, unlabelled, truncated : int
        As in :class:`maladmin_nlp.batch.BatchSummary`.
    error_examples : list of dict
        The first rows with an error: ``{"part": "part-000002.parquet", "row": 5, "error": ...}``
        (``row`` counts from 1 within the part).
    elapsed_seconds : float
    encoding, delimiter : str or None
        Of CSV inputs, as detected or given.

    Examples
    --------
    >>> s = DistributedSummary(["a.csv", "b.csv"], "hasil", "csv", "parquet", "isi", "tcp://10.0.0.5:8786",
    ...                        parts=["part-000000.parquet", "part-000001.parquet"], rows=4,
    ...                        labels={"tidak_patut": 3}, unlabelled=1, errors=1, elapsed_seconds=2.0)
    >>> print(s.to_text())
    labelled 4 rows of 2 files -> hasil (2 parts) in 2.0 s (2 rows/s) on tcp://10.0.0.5:8786
      tidak_patut  3
      needs review: 0   errors: 1   unlabelled: 1
    """

    inputs: list[str]
    output_dir: str
    input_format: str
    output_format: str
    text_column: str
    cluster: str
    parts: list[str] = field(default_factory=list)
    rows: int = 0
    labels: dict[str, int] = field(default_factory=dict)
    needs_review: int = 0
    errors: int = 0
    unlabelled: int = 0
    truncated: int = 0
    error_examples: list[dict[str, Any]] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def rows_per_second(self) -> float:
        """Rows per second over the whole run (cluster start included)."""
        return self.rows / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    def _add(self, part: dict[str, Any]) -> None:
        self.rows += part["rows"]
        for label, n in part["labels"].items():
            self.labels[label] = self.labels.get(label, 0) + n
        self.needs_review += part["needs_review"]
        self.errors += part["errors"]
        self.unlabelled += part["unlabelled"]
        self.truncated += part.get("truncated", 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (the ``--summary`` file)."""
        return {
            "operation": "label",
            "engine": "dask",
            "inputs": list(self.inputs),
            "output_dir": self.output_dir,
            "input_format": self.input_format,
            "output_format": self.output_format,
            "text_column": self.text_column,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "cluster": self.cluster,
            "parts": list(self.parts),
            "rows": self.rows,
            "labels": dict(self.labels),
            "needs_review": self.needs_review,
            "errors": self.errors,
            "unlabelled": self.unlabelled,
            "truncated": self.truncated,
            "error_examples": list(self.error_examples),
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
        }

    def to_text(self) -> str:
        """A short human-readable report."""
        files = Path(self.inputs[0]).name if len(self.inputs) == 1 else f"{len(self.inputs):,} files"
        lines = [
            f"labelled {self.rows:,} rows of {files} -> {Path(self.output_dir).name} ({len(self.parts):,} parts) "
            f"in {self.elapsed_seconds:.1f} s ({self.rows_per_second:,.0f} rows/s) on {self.cluster}"
        ]
        width = max([len(k) for k in self.labels] + [5])
        for label, n in sorted(self.labels.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {label:<{width}}  {n:,}")
        lines.append(
            f"  needs review: {self.needs_review:,}   errors: {self.errors:,}   unlabelled: {self.unlabelled:,}"
        )
        if self.truncated:
            lines.append(_truncated_line(self.truncated))
        for ex in self.error_examples[:3]:
            lines.append(f"  {ex['part']} row {ex['row']}: {ex['error']}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading and writing
def _input_paths(spec: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    if isinstance(spec, (str, os.PathLike)):
        text = os.fspath(spec)
        if os.path.isfile(text):
            return [Path(os.path.abspath(text))]
        if os.path.isdir(text):
            raise InputError(f"{text} is a directory; pass a pattern such as '{os.path.join(text, '*.csv')}'")
        matches = sorted(glob.glob(text))
        if not matches:
            raise FileNotFoundError(f"no input file matches {text}")
        paths = [Path(os.path.abspath(m)) for m in matches if os.path.isfile(m)]
    else:
        paths = [Path(os.path.abspath(os.fspath(p))) for p in spec]
        if not paths:
            raise InputError("no input files given")
        for p in paths:
            if not p.is_file():
                raise FileNotFoundError(f"input file not found: {p}")
    return paths


def _input_format(paths: Sequence[Path], given: str | None) -> str:
    if given:
        fmt = check_format(given)
    else:
        found = {detect_format(p) for p in paths}
        if len(found) > 1:
            raise InputError(f"the input files mix formats ({', '.join(sorted(found))}); label each format separately")
        fmt = found.pop()
    if fmt not in _INPUT_FORMATS:
        raise InputError(
            f"label_files reads CSV/TSV or Parquet, not {fmt}; convert the files, or label each one with "
            "maladmin_nlp.batch.label_file (maladmin-nlp label without --engine dask)"
        )
    return fmt


def _read(
    paths: Sequence[Path], fmt: str, *, encoding: str | None, delimiter: str | None, blocksize: int | str | None
) -> tuple[Any, str | None, str | None, Any]:
    """The Dask DataFrame of the inputs, with the CSV encoding and delimiter and the Parquet schema."""
    dd = _require("dask.dataframe")
    files = [str(p) for p in paths]
    if fmt == "parquet":
        pq = _require("pyarrow.parquet")
        kwargs: dict[str, Any] = {"blocksize": blocksize} if blocksize is not None else {}
        ddf = dd.read_parquet(files, dtype_backend="pyarrow", **kwargs)
        return ddf, None, None, pq.read_schema(files[0])
    encoding = encoding or detect_encoding(paths[0])
    if delimiter is None:
        if fmt == "tsv":
            delimiter = "\t"
        else:
            with open(paths[0], encoding=encoding, errors="replace", newline="") as fh:
                delimiter = sniff_delimiter(fh.read(_SNIFF_CHARS))
    # Every cell as the text in the file, as batch.label_file reads it: no type guessing, no NA values.
    ddf = dd.read_csv(
        files,
        sep=delimiter,
        encoding=encoding,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        blocksize=blocksize,
    )
    return ddf, encoding, delimiter, None


@contextlib.contextmanager
def _csv_errors() -> Iterator[None]:
    """Turn pandas' CSV parser errors (raised on the client or on a worker) into advice."""
    parser_error = _require("pandas.errors").ParserError
    try:
        yield
    except parser_error as exc:
        raise InputError(
            f"a CSV file could not be parsed ({' '.join(str(exc).split())}); a row with more fields than "
            "the header usually means an unquoted delimiter in the text: fix the file, or label it with "
            "maladmin_nlp.batch.label_file (maladmin-nlp label without --engine dask), which repairs such rows"
        ) from exc


def _output_schema(columns: Sequence[str], n_added: int, input_schema: Any) -> Any:
    """Input columns keep a Parquet input's types (strings for CSV); the added columns are typed."""
    pa = _require("pyarrow")
    n_in = len(columns) - n_added
    fields = []
    for i, name in enumerate(columns):
        if i >= n_in:
            fields.append(pa.field(name, getattr(pa, _OUTPUT_ARROW_TYPES[i - n_in])()))
        elif input_schema is not None and name in input_schema.names:
            fields.append(pa.field(name, input_schema.field(name).type))
        else:
            fields.append(pa.field(name, pa.string()))
    return pa.schema(fields)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _part_counts(table: Any, names: Sequence[str], part_name: str) -> dict[str, Any]:
    label, _, _, review, _, error = (table.column(n).to_pylist() for n in names)
    examples = [{"part": part_name, "row": i, "error": e} for i, e in enumerate(error, 1) if e]
    return {
        "part": part_name,
        "rows": table.num_rows,
        "labels": dict(Counter(v for v in label if v)),
        "needs_review": sum(1 for v in review if v),
        "unlabelled": sum(1 for v in label if not v),
        "errors": len(examples),
        "truncated": sum(1 for e in error if e and _TRUNCATED in e),
        "error_examples": examples[:_ERROR_EXAMPLES],
    }


def _write_part(df: Any, path: str, fmt: str, schema: Any, names: Sequence[str], delimiter: str) -> dict[str, Any]:
    """Write one labelled partition to ``path`` atomically; return its counts."""
    pa = _require("pyarrow")
    target = Path(path)
    table = pa.Table.from_pandas(df, schema=schema, preserve_index=False).replace_schema_metadata(None)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}{_TMP_SUFFIX}")
    try:
        if fmt == "parquet":
            pq = _require("pyarrow.parquet")
            pq.write_table(table, tmp)
        else:
            buf = _io.StringIO()
            writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
            writer.writerow(table.column_names)
            columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
            writer.writerows([cell_text(v) for v in row] for row in zip(*columns, strict=True))
            tmp.write_bytes(buf.getvalue().encode("utf-8", errors="surrogateescape"))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(target.parent)
    return _part_counts(table, names, target.name)


def _our_files(out_dir: Path) -> tuple[list[Path], list[Path]]:
    """Part files and leftover temporary files of a run in ``out_dir``."""
    parts, tmps = [], []
    for p in out_dir.iterdir():
        if p.name.startswith(_PART_PREFIX) and p.suffix in (".parquet", ".csv"):
            parts.append(p)
        elif p.name.startswith("." + _PART_PREFIX) and p.name.endswith(_TMP_SUFFIX):
            tmps.append(p)
    return parts, tmps


def _prepare_output(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"the output {out_dir} is a file; label_files writes a directory of part files")
    out_dir.mkdir(parents=True, exist_ok=True)
    parts, tmps = _our_files(out_dir)
    if parts and not overwrite:
        raise InputError(
            f"{out_dir} already holds {len(parts)} part files of an earlier run; choose an empty directory "
            "or replace them (overwrite=True, --overwrite)"
        )
    for p in parts + tmps:
        p.unlink()


def _wait_for_workers(client: Any, wanted: int, where: str) -> None:
    if len(client.scheduler_info().get("workers", {})) >= wanted:
        return
    logger.info("waiting for %d worker(s) to connect to %s", wanted, where)
    try:
        client.wait_for_workers(wanted, timeout=_WORKER_WAIT_SECONDS)
    except TimeoutError:
        raise TimeoutError(
            f"fewer than {wanted} worker(s) connected to {where} within {_WORKER_WAIT_SECONDS:.0f} s; start "
            f"workers (dask worker {where}) or check the job queue"
        ) from None


@contextlib.contextmanager
def _connect(scheduler: Any, workers: int | None) -> Iterator[tuple[Any, str, float]]:
    """(client, where it runs, how long to tolerate having no worker) for the run.

    ``scheduler`` is an address (a client is opened and closed here), a running ``distributed.Client``
    (used as it is, left open), or None (a LocalCluster is started and stopped here).
    """
    distributed = _require("distributed")
    if isinstance(scheduler, distributed.Client):
        where = str(scheduler.scheduler.address) if scheduler.scheduler is not None else "the given client"
        _wait_for_workers(scheduler, workers or 1, where)
        yield scheduler, where, _WORKER_WAIT_SECONDS
        return
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise OSError(
                f"could not connect to the Dask scheduler at {scheduler} ({exc}); check the address "
                "(tcp://HOST:8786) and that the scheduler is running"
            ) from exc
        with client:
            _wait_for_workers(client, workers or 1, str(scheduler))
            yield client, str(scheduler), _WORKER_WAIT_SECONDS
        return
    n = 2 if workers is None else workers
    with (
        # the dashboard listens on the loopback interface only, on a free port
        distributed.LocalCluster(
            n_workers=n, processes=True, threads_per_worker=1, dashboard_address="127.0.0.1:0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        where = f"a local cluster of {n} worker process{'es' if n != 1 else ''}"
        logger.info("started %s (dashboard %s)", where, cluster.dashboard_link)
        yield client, where, _LOCAL_NO_WORKER_SECONDS


def _collect(
    client: Any, futures: list[Any], grace: float, out_dir: Path, on_part: Callable[[dict[str, Any]], None]
) -> None:
    """Pass each part's counts to ``on_part`` as it finishes; fail, rather than wait forever, if the
    cluster has had no worker for ``grace`` seconds."""
    distributed = _require("distributed")
    pending = distributed.as_completed(futures, loop=client.loop)
    workerless_since: float | None = None
    while not pending.is_empty():
        batch = pending.next_batch(block=False)
        for future in batch:
            on_part(future.result())
        if batch:
            continue
        if client.scheduler_info().get("workers"):
            workerless_since = None
        elif workerless_since is None:
            workerless_since = time.monotonic()
        elif time.monotonic() - workerless_since > grace:
            raise WorkerError(
                f"the cluster has had no worker for {grace:.0f} s (killed, or out of memory?); the parts written "
                f"so far are in {out_dir}: run again with overwrite=True, with more memory per worker"
            )
        time.sleep(_POLL_SECONDS)


# --------------------------------------------------------------------------- the whole job
def label_files(
    input_glob_or_paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    output_dir: str | os.PathLike[str],
    *,
    text_column: str | None = None,
    model: Any = None,
    model_path: str | os.PathLike[str] | None = None,
    scheduler: Any = None,
    workers: int | None = None,
    output_format: str = "parquet",
    input_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    blocksize: int | str | None = None,
    overwrite: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> DistributedSummary:
    """Label CSV/TSV or Parquet files on a Dask cluster, writing one part per input partition.

    Every part holds its partition's rows, in input order, with every input column and the
    columns of :func:`label_dataframe`; reading the parts in name order gives the rows of the
    inputs in order, labelled exactly as :func:`maladmin_nlp.batch.label_file` labels them.
    Each part is written to a hidden temporary file in ``output_dir`` and renamed into place, so
    a part is either complete or absent; a worker lost mid-run has its parts recomputed by Dask.

    Parameters
    ----------
    input_glob_or_paths : str, path-like or sequence of them
        A file, a glob pattern (``"arsip/2024-*.csv"``, sorted by name) or a list of files, all CSV/TSV
        or all Parquet. On a cluster, every worker must be able to read them at the same paths.
    output_dir : str or path-like
        Directory for the parts ``part-000000.parquet``, ``part-000001.parquet``... (created if
        needed; on a cluster, a shared directory every worker can write to).
    text_column : str, default=None
        Column with the complaint text; guessed from common names when not given.
    model : ComplaintClassifier, default=None
        A fitted model in memory, unpickled once by every worker process (a worker plugin carries
        it for the duration of the call, to workers that join or restart meanwhile too). A path
        here is treated as ``model_path``.
    model_path : str or path-like, default=None
        A model saved with :func:`~maladmin_nlp.save_model`, at a path every worker can read; each
        worker process loads it once and caches it. With neither ``model`` nor ``model_path``, the
        workers load the shipped default model.
    scheduler : str or distributed.Client, default=None
        Address of a running Dask scheduler (``"tcp://10.0.0.5:8786"``), or a connected client (from
        dask-gateway or dask-kubernetes: ``cluster.get_client()``; left open). Default: start a
        ``LocalCluster(n_workers=workers or 2, processes=True, threads_per_worker=1)`` for this call.
    workers : int, default=None
        Worker processes of the local cluster (default 2). With ``scheduler``: wait until this many
        workers are connected (default 1) before starting.
    output_format : {"parquet", "csv"}, default="parquet"
        Parquet parts keep a Parquet input's column types (CSV columns are strings); CSV parts are
        written as :func:`~maladmin_nlp.batch.label_file` writes CSV (UTF-8, the input's delimiter,
        ``true``/``false``, empty cells for missing values), each with its header.
    input_format : {"csv", "tsv", "parquet"}, default=None
        Default: from the file extensions.
    encoding, delimiter : str, default=None
        Of CSV inputs; detected from the first file by default (all files must share them).
    blocksize : int or str, default=None
        CSV: ``None`` makes one partition per file, which is safe with complaint texts that contain
        line breaks; a size such as ``"64MB"`` splits files at line breaks, so use it only when no
        quoted text spans lines. Parquet: the target partition size (default: Dask's).
    overwrite : bool, default=False
        Replace the part files of an earlier run in ``output_dir`` (refused by default).
    progress : callable, default=None
        Called with a :class:`~maladmin_nlp.batch.Progress` after each part is written
        (``fraction`` is the share of parts done).

    Returns
    -------
    DistributedSummary

    Raises
    ------
    ColumnNotFoundError
        The text column is not in the files (or none could be guessed).
    InputError
        An unsupported format, a bad argument, or part files of an earlier run in ``output_dir``.
    FileNotFoundError
        No input file matches, or the model file is missing.
    OSError
        The scheduler cannot be reached.
    maladmin_nlp.batch.WorkerError
        The cluster lost every worker and got none back (60 s on the local cluster, 5 minutes on
        another); the parts already written stay in ``output_dir``. Or the workers could not
        unpickle a ``model`` object (its class is not importable there): nothing was written.
    ImportError
        Without ``pip install 'maladmin-nlp[dask]'``.

    See Also
    --------
    label_dataframe : the labelling step alone, on a Dask DataFrame you built.
    maladmin_nlp.batch.label_file : one machine, one file, resumable.

    Examples
    --------
    >>> summary = label_files("arsip/*.csv", "hasil", text_column="isi_laporan",
    ...                       model_path="models/saya.joblib", workers=2)  # doctest: +SKIP
    >>> summary.rows, summary.parts[:2]                                     # doctest: +SKIP
    (20000, ['part-000000.parquet', 'part-000001.parquet'])
    """
    start = time.monotonic()
    if model is not None and model_path is not None:
        raise InputError("pass either model (an object) or model_path (a file every worker can read), not both")
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1; got {workers}")
    out_fmt = check_format(output_format)
    if out_fmt not in _OUTPUT_FORMATS:
        raise InputError(f"label_files writes parquet or csv parts, not {out_fmt}")
    paths = _input_paths(input_glob_or_paths)
    in_fmt = _input_format(paths, input_format)
    out_dir = Path(os.path.abspath(os.fspath(output_dir)))
    model_spec = model_path if model_path is not None else model
    if (
        model_spec is not None
        and not isinstance(model_spec, (str, os.PathLike))
        and not callable(getattr(model_spec, "classify", None))
    ):
        raise TypeError(f"model must be a fitted ComplaintClassifier; got {type(model_spec).__name__}")

    delayed = _require("dask").delayed
    with _csv_errors():
        ddf, encoding, delimiter, input_schema = _read(
            paths, in_fmt, encoding=encoding, delimiter=delimiter, blocksize=blocksize
        )
    source = paths[0].name if len(paths) == 1 else f"{paths[0].name} (and {len(paths) - 1} more)"
    text_col, names = _prepare(ddf, text_column, source=source)
    columns = [*(str(c) for c in ddf.columns), *names]
    schema = _output_schema(columns, len(names), input_schema)
    out_delim = delimiter if in_fmt == "csv" and delimiter else ","
    _prepare_output(out_dir, overwrite)

    summary = DistributedSummary(
        inputs=[str(p) for p in paths],
        output_dir=str(out_dir),
        input_format=in_fmt,
        output_format=out_fmt,
        text_column=text_col,
        cluster="",
        encoding=encoding,
        delimiter=delimiter,
    )
    with contextlib.ExitStack() as stack:
        client, where, grace = stack.enter_context(_connect(scheduler, workers))
        summary.cluster = where
        if model_spec is None or isinstance(model_spec, (str, os.PathLike)):
            model_arg = _model_arg(model_spec, client)
        else:
            model_arg = stack.enter_context(_shipped_to_workers(client, model_spec))
        labelled = _map(ddf, text_col, names, model_arg)
        parts = labelled.to_delayed()
        targets = [out_dir / f"{_PART_PREFIX}{i:06d}.{out_fmt}" for i in range(len(parts))]
        logger.info("labelling %d partition(s) of %s on %s", len(parts), source, where)
        tasks = [
            delayed(_write_part, pure=False)(part, str(target), out_fmt, schema, names, out_delim)
            for part, target in zip(parts, targets, strict=True)
        ]
        futures = client.compute(tasks)
        results: dict[str, dict[str, Any]] = {}

        def on_part(counts: dict[str, Any]) -> None:
            results[counts["part"]] = counts
            if progress is not None:
                done = sum(r["rows"] for r in results.values())
                elapsed = time.monotonic() - start
                progress(Progress(done, done, elapsed, fraction=len(results) / len(futures)))

        try:
            with _csv_errors():
                _collect(client, futures, grace, out_dir, on_part)
        finally:
            if len(results) < len(futures):
                client.cancel(futures)
    for target in targets:
        counts = results[target.name]
        summary.parts.append(target.name)
        summary._add(counts)
        room = _ERROR_EXAMPLES - len(summary.error_examples)
        summary.error_examples.extend(counts["error_examples"][: max(room, 0)])
    for leftover in _our_files(out_dir)[1]:  # temporary files of a worker that died while writing
        leftover.unlink(missing_ok=True)
    summary.elapsed_seconds = time.monotonic() - start
    logger.debug("%s: %d rows in %.1f s", out_dir, summary.rows, summary.elapsed_seconds)
    return summary
