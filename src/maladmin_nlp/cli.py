"""The ``maladmin-nlp`` command line: label, train, evaluate, classify, redact, info, annotate, adapt.

A thin layer over the library: each command parses its arguments, calls one library function
(:func:`maladmin_nlp.batch.label_file`, :func:`~maladmin_nlp.batch.redact_file`,
:func:`~maladmin_nlp.batch.train_file`, :func:`~maladmin_nlp.batch.evaluate_file`,
:meth:`ComplaintClassifier.classify <maladmin_nlp.ComplaintClassifier.classify>`,
:func:`~maladmin_nlp.persistence.read_card`, :func:`~maladmin_nlp.batch.annotate_file`,
:func:`~maladmin_nlp.batch.adapt_file`), prints the result and maps exceptions to exit codes:
0 success, 1 failure, 2 usage error (bad option, missing column or file), 130 interrupted.
Errors are one line saying what to do; ``--verbose`` adds the traceback.

Examples
--------
>>> from maladmin_nlp.cli import main
>>> main(["label", "--help"])  # doctest: +ELLIPSIS
usage: maladmin-nlp label ...
0
"""

from __future__ import annotations

import argparse
import codecs
import glob
import json
import logging
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

from ._version import __version__

__all__ = ["build_parser", "main"]

PROG = "maladmin-nlp"
_LIB_LOGGER = "maladmin_nlp"
_NO_DEFAULT_MODEL = (
    " The default model is not installed: pass --model PATH, or train one with 'maladmin-nlp train'."
)


# --------------------------------------------------------------------------- argument types
class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors that point to ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _existing_file(value: str) -> str:
    if not Path(value).exists():
        raise argparse.ArgumentTypeError(f"file not found: {value}")
    if Path(value).is_dir():
        raise argparse.ArgumentTypeError(f"{value} is a directory, not a file")
    return value


def _file_or_pattern(value: str) -> str:
    """An existing file, or (for --engine dask) a glob pattern that matches files."""
    if any(c in value for c in "*?[") and not Path(value).exists():
        if not glob.glob(value):
            raise argparse.ArgumentTypeError(f"no file matches {value}")
        return value
    return _existing_file(value)


def _encoding(value: str) -> str:
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"unknown encoding {value!r}; try utf-8, utf-8-sig, cp1252 or latin-1"
        ) from None


def _delimiter(value: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = named.get(value.lower(), value)
    if len(value) != 1:
        raise argparse.ArgumentTypeError(
            f"a delimiter is one character (or tab/comma/semicolon/pipe); got {value!r}"
        )
    return value


def _positive_int(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {number}")
        return number

    return parse


def _ngram_range(value: str) -> tuple[int, int] | None:
    if value.lower() in ("none", "off", "0"):
        return None
    try:
        low, high = (int(v) for v in value.replace("-", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected two numbers like 1,2 (or 'none'); got {value!r}"
        ) from None
    if not 1 <= low <= high:
        raise argparse.ArgumentTypeError(f"expected MIN,MAX with 1 <= MIN <= MAX; got {value!r}")
    return low, high


def _min_df(value: str) -> int | float:
    try:
        number: int | float = int(value)
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a count (2) or a fraction (0.01); got {value!r}"
            ) from None
    if number <= 0 or (isinstance(number, float) and number >= 1):
        raise argparse.ArgumentTypeError(
            f"expected a count >= 1 or a fraction between 0 and 1; got {value!r}"
        )
    return number


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value!r}")
    return number


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value!r}")
    return number


# --------------------------------------------------------------------------- parser
_FORMATS = ("csv", "tsv", "jsonl", "xlsx", "parquet")


def _common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output on the terminal")
    group.add_argument("-v", "--verbose", action="store_true", help="more detail, and tracebacks on errors")
    group.add_argument("-q", "--quiet", action="store_true", help="only errors (no progress bar or summary)")


def _input_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reading the input")
    group.add_argument("--input-format", choices=_FORMATS, help="input format (default: from the extension)")
    group.add_argument(
        "--encoding",
        type=_encoding,
        help="text encoding of a CSV input (default: detected: UTF-8, cp1252, latin-1)",
    )
    group.add_argument(
        "--delimiter", type=_delimiter, help="CSV delimiter (default: sniffed among , ; tab |)"
    )


def _streaming_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("running")
    group.add_argument(
        "--format", dest="output_format", choices=_FORMATS, help="output format (default: from the extension)"
    )
    group.add_argument(
        "--jobs",
        "-j",
        type=_positive_int(0),
        default=1,
        metavar="N",
        help="worker processes (0: one per CPU; default: 1)",
    )
    group.add_argument(
        "--chunk-size",
        type=_positive_int(1),
        default=2000,
        metavar="N",
        help="rows per chunk (default: 2000)",
    )
    group.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from its last completed chunk"
    )
    group.add_argument(
        "--restart",
        action="store_true",
        help="discard the partial output of an interrupted run and start over",
    )
    group.add_argument("--summary", metavar="FILE.json", help="also write the summary as JSON")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``maladmin-nlp`` (for documentation tools and tests).

    Examples
    --------
    >>> sorted(build_parser()._subparsers._group_actions[0].choices)
    ['adapt', 'annotate', 'classify', 'evaluate', 'info', 'label', 'redact', 'train']
    """
    parser = _Parser(
        prog=PROG,
        description="Label Indonesian public-service complaints by Ombudsman RI maladministration type.",
        epilog=(
            "examples:\n"
            "  maladmin-nlp label laporan_2024.csv -o hasil.csv\n"
            '  maladmin-nlp classify "KTP saya sudah 3 bulan belum jadi"\n'
            "  maladmin-nlp COMMAND --help"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help: str, epilog: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help,
            description=help,
            epilog="example:\n" + epilog if epilog.count("\n") == 0 else "examples:\n" + epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return p

    p = command(
        "label",
        "Label every complaint of an archive (CSV/TSV, JSONL, Excel, Parquet), streaming it in chunks.",
        "  maladmin-nlp label laporan_2024.csv -o hasil.csv\n"
        '  maladmin-nlp label arsip.xlsx -o hasil.parquet --text-column "Isi Laporan" --jobs 4\n'
        "  maladmin-nlp label arsip.csv -o hasil.csv --resume      # continue an interrupted run\n"
        '  maladmin-nlp label "arsip/*.csv" -o hasil/ --engine dask --workers 4   # one part per file\n\n'
        "The output has every input column, then label, label_name, confidence, needs_review,\n"
        "evidence and error. Rows with an empty or unreadable text are kept, unlabelled, with the\n"
        "reason in 'error'. The output appears only when complete (built in OUTPUT.partial).",
    )
    p.add_argument(
        "input", metavar="INPUT", type=_file_or_pattern, help="the archive to label (--engine dask: or a pattern)"
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help=".csv .tsv .jsonl .xlsx or .parquet (--engine dask: a directory for the parts)",
    )
    p.add_argument("--text-column", metavar="C", help="column with the complaint text (default: guessed)")
    p.add_argument("--id-column", metavar="C", help="column identifying rows, quoted in the summary's errors")
    p.add_argument(
        "--model", metavar="PATH", help="a model saved by 'maladmin-nlp train' (default: the shipped one)"
    )
    _streaming_options(p)
    group = p.add_argument_group("running on a Dask cluster (pip install 'maladmin-nlp[dask]', docs/distributed.md)")
    group.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local: stream on this machine (default); dask: label CSV/Parquet files on a Dask cluster, "
        "one part per input file in the OUTPUT directory",
    )
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDR", help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local one)"
    )
    where.add_argument(
        "--workers", type=_positive_int(1), metavar="N", help="worker processes of the local cluster (default: 2)"
    )
    group.add_argument("--overwrite", action="store_true", help="replace the parts of an earlier run in OUTPUT")
    _input_options(p)
    _common(p)
    p.set_defaults(handler=_cmd_label)

    p = command(
        "redact",
        "Mask personal data (NIK, phone, e-mail, account, plate and other identity numbers) in the text column(s).",
        "  maladmin-nlp redact laporan.csv -o laporan_anonim.csv --text-column isi_laporan\n"
        "  maladmin-nlp redact arsip.jsonl -o bersih.jsonl --text-column isi --text-column kontak",
    )
    p.add_argument("input", metavar="INPUT", type=_existing_file, help="the archive to redact")
    p.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT", help=".csv .tsv .jsonl .xlsx or .parquet"
    )
    p.add_argument(
        "--text-column",
        metavar="C",
        action="append",
        help="column to redact; repeat for several (default: guessed)",
    )
    _streaming_options(p)
    _input_options(p)
    _common(p)
    p.set_defaults(handler=_cmd_redact)

    p = command(
        "train",
        "Train a model on a labelled file, cross-validate it, and save it with its model card.",
        "  maladmin-nlp train latih.csv -o models/saya.joblib --text-column teks --label-column label\n"
        "  maladmin-nlp train latih.xlsx -o saya.joblib --model logistic_regression --C 2 --char-ngrams 2,5\n"
        "  maladmin-nlp train -o saya.joblib --extra lembar_label.xlsx      # packaged corpus + your labels\n"
        "  maladmin-nlp train latih.csv -o saya.joblib --extra lembar_label.csv --extra-weight 5\n\n"
        "With --extra, a labelling sheet filled by annotators (written by 'maladmin-nlp annotate') is added\n"
        "to the training data, each labelled row counted --extra-weight times; rows with an empty label\n"
        "are left out, an invalid label stops with its row number. DATA may then be left out: the\n"
        "model is trained on the packaged corpus + the sheet. The model card records both sources.",
    )
    p.add_argument(
        "data",
        metavar="DATA",
        nargs="?",
        type=_existing_file,
        help="labelled file (CSV/TSV, JSONL, Excel, Parquet); optional with --extra, "
        "which then trains on the packaged corpus + the sheet",
    )
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to save the model (.joblib)")
    p.add_argument("--text-column", metavar="C", help="column with the complaint text (default: guessed)")
    p.add_argument("--label-column", metavar="C", help="column with the label id (default: guessed)")
    p.add_argument(
        "--cv", type=_positive_int(0), default=5, help="cross-validation folds; 0 skips (default: 5)"
    )
    p.add_argument(
        "--model",
        dest="model_type",
        choices=("linear_svc", "logistic_regression", "complement_nb", "sgd"),
        default="linear_svc",
        help="the linear model (default: linear_svc)",
    )
    p.add_argument("--C", type=_positive_float, default=1.0, help="inverse regularisation (default: 1.0)")
    p.add_argument(
        "--char-ngrams",
        type=_ngram_range,
        default=None,
        metavar="MIN,MAX",
        help="add character n-grams, e.g. 2,5 (default: none)",
    )
    p.add_argument(
        "--word-ngrams",
        type=_ngram_range,
        default=(1, 2),
        metavar="MIN,MAX",
        help="word n-grams (default: 1,2)",
    )
    p.add_argument(
        "--min-df",
        type=_min_df,
        default=1,
        metavar="N",
        help="ignore terms in fewer documents (count) or a smaller fraction (default: 1)",
    )
    p.add_argument(
        "--calibration",
        choices=("sigmoid", "isotonic", "temperature", "none"),
        default="sigmoid",
        help="probability calibration (default: sigmoid)",
    )
    p.add_argument(
        "--custom-labels",
        action="store_true",
        help="allow labels outside the Ombudsman taxonomy (default: unknown labels are refused)",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave out rows of DATA with an empty text or an empty/invalid label instead of stopping",
    )
    group = p.add_argument_group("adding your own labels")
    group.add_argument(
        "--extra",
        metavar="SHEET",
        type=_existing_file,
        help="a filled labelling sheet (.csv or .xlsx from 'maladmin-nlp annotate') to train on as well",
    )
    group.add_argument(
        "--extra-weight",
        type=_positive_int(1),
        metavar="N",
        help="count each labelled row of the sheet N times (default: 3)",
    )
    _input_options(p)
    _common(p)
    p.set_defaults(handler=_cmd_train)

    p = command(
        "evaluate",
        "Score a model on a labelled file: macro-F1, accuracy (with 95%% bootstrap intervals), per-label "
        "figures, confusion matrix.",
        "  maladmin-nlp evaluate models/saya.joblib uji.csv --text-column teks --label-column label\n"
        "  maladmin-nlp evaluate default uji.csv --report laporan_evaluasi.html\n"
        "  maladmin-nlp evaluate models/saya.joblib uji.csv --against default   # is mine better?",
    )
    p.add_argument("model", metavar="MODEL", help="a saved model (.joblib), or 'default' for the shipped one")
    p.add_argument("data", metavar="DATA", type=_existing_file, help="labelled file")
    p.add_argument("--text-column", metavar="C", help="column with the complaint text (default: guessed)")
    p.add_argument("--label-column", metavar="C", help="column with the true label (default: guessed)")
    p.add_argument(
        "--report", metavar="FILE.html", help="also write a self-contained HTML report (needs [plot])"
    )
    p.add_argument(
        "--against",
        metavar="OTHER",
        help="another model (or 'default') to compare with on the same rows: paired bootstrap of the differences",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--skip-invalid", action="store_true", help="leave out rows with an empty text or label")
    _input_options(p)
    _common(p)
    p.set_defaults(handler=_cmd_evaluate)

    p = command(
        "classify",
        "Label one complaint and show why.",
        '  maladmin-nlp classify "Sudah 3 bulan KTP saya belum jadi, petugas minta uang 200rb" --json',
    )
    p.add_argument("text", metavar="TEXT", nargs="+", help="the complaint ('-' reads it from standard input)")
    p.add_argument("--model", metavar="PATH", help="a saved model (default: the shipped one)")
    p.add_argument("--json", action="store_true", help="print the prediction as JSON")
    _common(p)
    p.set_defaults(handler=_cmd_classify)

    p = command(
        "annotate",
        "Pick the complaints of an archive most worth labelling and write them to a labelling sheet.",
        "  maladmin-nlp annotate laporan_2024.csv -o lembar_label.xlsx\n"
        "  maladmin-nlp annotate arsip.jsonl -o lembar_label.csv --n 300 --text-column isi --id-column kode\n"
        "  maladmin-nlp train -o saya.joblib --extra lembar_label.xlsx   # once the sheet is filled\n\n"
        "The sheet has the columns id, text, predicted_label, confidence, label, secondary and note,\n"
        "most useful complaint first: those the model is least sure of, spread over different kinds,\n"
        "each only once. Annotators fill 'label'. An .xlsx sheet has a drop-down of the valid labels\n"
        "and a guide sheet (needs the io extra); a .csv sheet lists the labels in '#' lines at its top.",
    )
    p.add_argument("input", metavar="ARCHIVE", type=_existing_file, help="the unlabelled archive")
    p.add_argument("-o", "--output", required=True, metavar="SHEET", help="the sheet to write: .csv or .xlsx")
    p.add_argument(
        "--n", "-n", type=_positive_int(1), default=200, metavar="N", help="complaints on the sheet (default: 200)"
    )
    p.add_argument("--model", metavar="PATH", help="a saved model (default: the shipped one)")
    p.add_argument("--text-column", metavar="C", help="column with the complaint text (default: guessed)")
    p.add_argument(
        "--id-column",
        metavar="C",
        help="column identifying each row on the sheet (default: guessed, else the row number)",
    )
    _input_options(p)
    _common(p)
    p.set_defaults(handler=_cmd_annotate)

    p = command(
        "adapt",
        "Adapt a model to an unlabelled archive: retrain it with its own most confident labels of it.",
        "  maladmin-nlp adapt laporan_2024.csv -o models/adaptasi.joblib\n"
        "  maladmin-nlp adapt arsip.xlsx -o adaptasi.joblib --text-column uraian --per-class 50\n\n"
        "The model labels the archive; its most confident predictions of each label (at most\n"
        "--per-class, at least --min-confidence) join the packaged corpus as pseudo-labels, and the\n"
        "model is refit on both. Capping per label keeps the training data balanced. No labels are\n"
        "needed; check the adapted model on a few labelled complaints before using it.",
    )
    p.add_argument("input", metavar="ARCHIVE", type=_existing_file, help="the unlabelled archive")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to save the adapted model")
    p.add_argument(
        "--model", metavar="BASE", help="the model to adapt (default: the shipped one, trained on the corpus)"
    )
    p.add_argument("--text-column", metavar="C", help="column with the complaint text (default: guessed)")
    p.add_argument(
        "--per-class",
        type=_positive_int(1),
        default=100,
        metavar="N",
        help="most pseudo-labelled complaints added per label (default: 100)",
    )
    p.add_argument(
        "--min-confidence",
        type=_fraction,
        default=0.6,
        metavar="P",
        help="leave out predictions less confident than this (default: 0.6)",
    )
    _input_options(p)
    _common(p)
    p.set_defaults(handler=_cmd_adapt)

    p = command(
        "info",
        "Show a model's card: versions, labels, parameters, training data and metrics.",
        "  maladmin-nlp info models/saya.joblib",
    )
    p.add_argument("model", metavar="MODEL", nargs="?", help="a saved model (default: the shipped one)")
    p.add_argument("--json", action="store_true", help="print the card as JSON")
    _common(p)
    p.set_defaults(handler=_cmd_info)
    return parser


# --------------------------------------------------------------------------- terminal output
def _err(text: str) -> None:
    print(text, file=sys.stderr)


class _ProgressBar:
    """A one-line progress display on a terminal: rows, rows/s, percentage and ETA."""

    def __init__(self, stream: IO[str], min_interval: float = 0.2) -> None:
        self.stream = stream
        self.min_interval = min_interval
        self._last = 0.0
        self._shown = False

    def __call__(self, progress: Any) -> None:
        now = time.monotonic()
        if now - self._last < self.min_interval:
            return
        self._last = now
        parts = [f"{progress.rows:,} rows", f"{progress.rows_per_second:,.0f} rows/s"]
        fraction = progress.fraction
        if progress.total_rows:
            fraction = min(progress.rows / progress.total_rows, 1.0)
        if fraction is not None:
            filled = int(fraction * 24)
            parts.insert(0, f"[{'#' * filled}{'-' * (24 - filled)}] {fraction:4.0%}")
        eta = progress.eta_seconds
        if eta is not None:
            minutes, seconds = divmod(int(eta), 60)
            hours, minutes = divmod(minutes, 60)
            parts.append(
                f"ETA {hours}:{minutes:02d}:{seconds:02d}" if hours else f"ETA {minutes}:{seconds:02d}"
            )
        self.stream.write("\r" + "  ".join(parts) + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


class _Handler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Log lines as ``maladmin-nlp: ...`` on stderr, clearing the progress bar first."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.bar: _ProgressBar | None = None
        self.setFormatter(_Formatter())

    def emit(self, record: logging.LogRecord) -> None:
        if self.bar is not None:
            self.bar.clear()
        super().emit(record)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        return f"{PROG}: {level}{record.getMessage()}"


# --------------------------------------------------------------------------- commands
def _model_arg(value: str | None) -> str | None:
    """'default' names the shipped model (unless a file of that name exists)."""
    return None if value is None or (value == "default" and not Path(value).exists()) else value


def _write_json(path: str, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _progress(args: argparse.Namespace, handler: _Handler) -> _ProgressBar | None:
    if args.quiet or not sys.stderr.isatty():
        return None
    handler.bar = _ProgressBar(sys.stderr)
    return handler.bar


def _cmd_label(args: argparse.Namespace, handler: _Handler) -> int:
    from .batch import label_file

    if args.engine == "dask":
        return _label_on_dask(args, handler)
    dask_only = [f for f in ("--scheduler", "--workers", "--overwrite") if getattr(args, f[2:])]
    if dask_only:
        raise _UsageError(f"{', '.join(dask_only)} only apply with --engine dask")
    if not Path(args.input).is_file():
        raise _UsageError(f"{args.input} is a pattern: label several files with --engine dask, or one at a time")
    return _run_batch(
        args,
        handler,
        label_file,
        model=args.model,
        id_column=args.id_column,
        jobs=args.jobs,
        chunk_size=args.chunk_size,
        resume=args.resume,
        restart=args.restart,
        output_format=args.output_format,
    )


def _run_batch(args: argparse.Namespace, handler: _Handler, run: Callable[..., Any], **options: Any) -> int:
    """Run a file job (label_file, redact_file, label_files) with the progress bar, then report."""
    bar = _progress(args, handler)
    try:
        summary = run(
            args.input,
            args.output,
            text_column=args.text_column,
            input_format=args.input_format,
            encoding=args.encoding,
            delimiter=args.delimiter,
            progress=bar,
            **options,
        )
    finally:
        if bar is not None:
            bar.clear()
    if not args.quiet:
        _err(summary.to_text())
    if args.summary:
        _write_json(args.summary, summary.to_dict())
    return 0


def _label_on_dask(args: argparse.Namespace, handler: _Handler) -> int:
    from .distributed import label_files

    local_only = [
        flag
        for flag, used in (
            ("--resume", args.resume),
            ("--restart", args.restart),
            ("--id-column", args.id_column),
            ("--jobs", args.jobs != 1),
            ("--chunk-size", args.chunk_size != 2000),
        )
        if used
    ]
    if local_only:
        raise _UsageError(
            f"{', '.join(local_only)} only apply with --engine local; with --engine dask the work is split "
            "by input file (--workers N, or the cluster's workers), and a failed run is rerun with --overwrite"
        )
    return _run_batch(
        args,
        handler,
        label_files,
        model_path=args.model,
        scheduler=args.scheduler,
        workers=args.workers,
        output_format=args.output_format or "parquet",
        overwrite=args.overwrite,
    )


def _cmd_redact(args: argparse.Namespace, handler: _Handler) -> int:
    from .batch import redact_file

    return _run_batch(
        args,
        handler,
        redact_file,
        jobs=args.jobs,
        chunk_size=args.chunk_size,
        resume=args.resume,
        restart=args.restart,
        output_format=args.output_format,
    )


def _cmd_train(args: argparse.Namespace, handler: _Handler) -> int:
    from .batch import DEFAULT_EXTRA_WEIGHT, train_file

    if args.data is None and args.extra is None:
        raise _UsageError("give the labelled file DATA, or a filled labelling sheet with --extra SHEET")
    if args.extra_weight is not None and args.extra is None:
        raise _UsageError("--extra-weight weighs the rows of a labelling sheet: give the sheet with --extra SHEET")
    _, report = train_file(
        args.data,
        args.output,
        extra=args.extra,
        extra_weight=DEFAULT_EXTRA_WEIGHT if args.extra_weight is None else args.extra_weight,
        text_column=args.text_column,
        label_column=args.label_column,
        cv=args.cv,
        custom_labels=args.custom_labels,
        skip_invalid=args.skip_invalid,
        input_format=args.input_format,
        encoding=args.encoding,
        delimiter=args.delimiter,
        model=args.model_type,
        C=args.C,
        char_ngram_range=args.char_ngrams,
        word_ngram_range=args.word_ngrams,
        min_df=args.min_df,
        calibration=None if args.calibration == "none" else args.calibration,
    )
    if report is not None:
        print(f"cross-validation ({args.cv} folds)\n{report.to_text()}")
    return 0


def _cmd_annotate(args: argparse.Namespace, handler: _Handler) -> int:
    from .batch import annotate_file

    path, info = annotate_file(
        args.input,
        args.output,
        model=_model_arg(args.model),
        n=args.n,
        text_column=args.text_column,
        id_column=args.id_column,
        input_format=args.input_format,
        encoding=args.encoding,
        delimiter=args.delimiter,
    )
    if not args.quiet:
        ids = f"ids from column {info['id_column']!r}" if info["id_column"] else "ids are row numbers"
        print(
            f"wrote {info['selected']:,} complaints of {Path(args.input).name} to {path} for labelling "
            f"(chosen from {info['texts'] - info['duplicates']:,} distinct complaints; {ids})\n"
            f"fill the 'label' column, then: {PROG} train -o MODEL --extra {path}"
        )
    return 0


def _cmd_adapt(args: argparse.Namespace, handler: _Handler) -> int:
    from .batch import adapt_file

    path, info = adapt_file(
        args.input,
        args.output,
        model=_model_arg(args.model),
        text_column=args.text_column,
        per_class=args.per_class,
        min_confidence=args.min_confidence,
        input_format=args.input_format,
        encoding=args.encoding,
        delimiter=args.delimiter,
    )
    if not args.quiet:
        per_label = info["per_label"]
        width = max([len(label) for label in per_label] + [5])
        lines = [
            f"adapted to {info['n_archive']:,} complaints of {Path(args.input).name} -> {path}",
            f"added {info['n_pseudo_labelled']:,} pseudo-labelled complaints (at most {args.per_class} per "
            f"label, confidence >= {args.min_confidence:.2f}):",
        ]
        for label, n in sorted(per_label.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {label:<{width}}  {n:,}")
        print("\n".join(lines))
    return 0


def _cmd_evaluate(args: argparse.Namespace, handler: _Handler) -> int:
    from .batch import evaluate_file
    from .evaluation import METRIC_NAMES, bootstrap_difference, bootstrap_intervals, score_predictions

    def score(model: str | None, report: str | None) -> Any:
        return evaluate_file(
            _model_arg(model),
            args.data,
            text_column=args.text_column,
            label_column=args.label_column,
            report=report,
            skip_invalid=args.skip_invalid,
            input_format=args.input_format,
            encoding=args.encoding,
            delimiter=args.delimiter,
        )

    report = score(args.model, args.report)
    intervals = bootstrap_intervals(report.y_true, report.y_pred, labels=report.labels)
    difference = None
    if args.against is not None:
        other = score(args.against, None)
        # both scored over the same labels: the true ones and whatever either model predicted
        labels = list(dict.fromkeys([*report.labels, *other.labels]))
        mine = score_predictions(report.y_true, report.y_pred, labels=labels)
        other = score_predictions(other.y_true, other.y_pred, labels=labels)
        difference = bootstrap_difference(mine.y_true, mine.y_pred, other.y_pred, labels=labels)
    if args.json:
        figures = report.to_dict()
        figures["intervals_95"] = {name: [round(low, 4), round(high, 4)] for name, (low, high) in intervals.items()}
        if difference is not None:
            figures["against"] = {
                "model": args.against,
                **other.to_dict(),
                # this model's figures over the same labels, the ones the differences are taken from
                "this": {name: round(getattr(mine, name), 4) for name in difference},
                "difference": {name: {k: round(v, 4) for k, v in d.items()} for name, d in difference.items()},
            }
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        print(report.to_text())
        print(
            f"\n95% bootstrap intervals (2,000 resamples of the {report.n_samples:,} rows): "
            + ", ".join(f"{METRIC_NAMES[name]} {low:.3f}-{high:.3f}" for name, (low, high) in intervals.items())
        )
        print("\nconfusion matrix (rows: true label, columns: predicted)\n" + report.confusion_markdown())
        if difference is not None:
            print(_difference_text(args.model, args.against, mine, other, difference))
    if args.report:
        logging.getLogger(_LIB_LOGGER).info("wrote the HTML report to %s", args.report)
    return 0


def _difference_text(name: str, other_name: str, report: Any, other: Any, difference: dict[str, Any]) -> str:
    """The paired comparison of two models on the same rows, as a table."""
    from .evaluation import METRIC_NAMES

    width = max(len(v) for v in METRIC_NAMES.values())
    lines = [
        f"\n{name} against {other_name}, on the same {report.n_samples:,} rows "
        "(paired bootstrap, 2,000 resamples)",
        f"  {'':{width}s}  {'this':>6s}  {'other':>6s}  {'difference (95% interval)':>28s}  this higher on",
    ]
    for key, d in difference.items():
        cell = f"{d['difference']:+.3f} ({d['low']:+.3f} to {d['high']:+.3f})"
        lines.append(
            f"  {METRIC_NAMES[key]:{width}s}  {getattr(report, key):6.3f}  {getattr(other, key):6.3f}  "
            f"{cell:>28s}  {d['a_better']:.0%} of resamples"
        )
    lines.append(
        "  An interval that holds 0 means these rows cannot tell the two apart; label more to decide."
    )
    return "\n".join(lines)


def _cmd_classify(args: argparse.Namespace, handler: _Handler) -> int:
    from .batch import _max_chars
    from .persistence import load_model

    text = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    if not text.strip():
        raise _UsageError("the complaint text is empty; pass it in quotes, or '-' to read standard input")
    model = load_model(args.model)
    limit = _max_chars(model)
    if limit is not None and len(text) > limit:
        logging.getLogger(_LIB_LOGGER).warning(
            "the complaint has %s characters; the model read only its first %s", f"{len(text):,}", f"{limit:,}"
        )
    with warnings.catch_warnings():  # the cut was reported above
        warnings.filterwarnings("ignore", message=r".*the model read only the first", category=UserWarning)
        result = model.classify([text])
    prediction = result[0] if isinstance(result, list) else result
    if args.json:
        print(json.dumps(prediction.to_dict(), ensure_ascii=False, indent=2))
        return 0
    others = ", ".join(
        f"{label} ({prediction.scores.get(label, 0.0):.2f})" for label in prediction.other_labels
    )
    evidence = "; ".join(f"{term} ({weight:.2g})" for term, weight in prediction.evidence)
    print(f"label         {prediction.label} — {prediction.label_name}")
    print(f"confidence    {prediction.confidence:.2f}")
    print(f"needs review  {'yes' if prediction.needs_review else 'no'}")
    print(f"evidence      {evidence or '-'}")
    print(f"other labels  {others or '-'}")
    return 0


def _decision_text(params: dict[str, Any]) -> str:
    """How a model's card says it chooses labels, in words (cards written before ``decision``: argmax)."""
    decision = params.get("decision", "argmax")
    if decision == "auto":
        rule = "maladministration_first" if params.get("calibration") is not None else "argmax"
        decision = f"auto: {rule}"
    if decision.endswith("maladministration_first"):
        return f"{decision} (bukan_maladministrasi only with at least half the probability, else the likeliest form)"
    if decision.endswith("argmax"):
        return f"{decision} (the single most probable label)"
    return str(decision)


def _cmd_info(args: argparse.Namespace, handler: _Handler) -> int:
    from .persistence import default_model_path, read_card

    path = Path(args.model) if args.model else default_model_path()
    card = read_card(path)
    if args.json:
        print(json.dumps(card, indent=2, ensure_ascii=False))
        return 0
    versions = card.get("versions", {})
    params = card.get("params", {})
    data = card.get("training_data", {})
    cv = card.get("metrics", {}).get("cross_validation", {})
    lines = [
        f"model         {path}",
        f"created       {card.get('created', '?')}",
        f"versions      maladmin_nlp {versions.get('maladmin_nlp', '?')}, scikit-learn "
        f"{versions.get('scikit-learn', '?')}, python {versions.get('python', '?')}",
        f"taxonomy      version {card.get('taxonomy_version', '?')}, {len(card.get('labels', []))} labels",
        f"labels        {', '.join(card.get('labels', []))}",
        f"model type    {params.get('model', '?')} (C={params.get('C', '?')}, calibration="
        f"{params.get('calibration', '?')}, word n-grams {params.get('word_ngram_range', '?')}, "
        f"char n-grams {params.get('char_ngram_range', '?')})",
        f"decision      {_decision_text(params)}",
    ]
    if data:
        lines.append(
            f"training data {data.get('source', '?')} ({data.get('n_samples', '?')} samples, "
            f"sha256 {str(data.get('sha256', '?'))[:12]})"
        )
    if cv:
        lines.append(
            f"cross-val     macro-F1 {cv.get('macro_f1', '?')}, accuracy {cv.get('accuracy', '?')} "
            f"({cv.get('folds', '?')} folds, {cv.get('n_samples', '?')} samples)"
        )
    lines.append(f"file sha256   {card.get('model_sha256', '?')}")
    if card.get("compact_file"):
        size, digest = card.get("compact_size"), str(card.get("compact_sha256"))[:12]
        detail = f" ({size / 1e6:.1f} MB, sha256 {digest})" if isinstance(size, int) else ""
        lines.append(f"compact form  {card['compact_file']}{detail}: what load_model() returns (no pickle)")
    else:
        lines.append("compact form  none (load_model() unpickles the scikit-learn estimator)")
    print("\n".join(lines))
    return 0


# --------------------------------------------------------------------------- errors and main
class _UsageError(Exception):
    """A usage problem found by a command handler (exit code 2)."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _message(exc: BaseException) -> str:
    from .io import ColumnNotFoundError

    if isinstance(exc, ColumnNotFoundError):
        return exc.describe(f"--{exc.role}-column")
    text = str(exc) or type(exc).__name__
    return (
        text
        if isinstance(exc, (ValueError, OSError, ImportError, RuntimeError, _UsageError))
        else f"{type(exc).__name__}: {text}"
    )


def _exit_code(exc: BaseException) -> int:
    from .io import InputError

    return 2 if isinstance(exc, (InputError, _UsageError)) else 1


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C so that a run stops cleanly and can be resumed."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``maladmin-nlp`` with ``argv`` (default: the process arguments); return the exit code.

    Parameters
    ----------
    argv : sequence of str, default=None

    Returns
    -------
    int
        0 success, 1 failure, 2 usage error, 130 interrupted.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    maladmin-nlp ...
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2

    lib_logger = logging.getLogger(_LIB_LOGGER)
    old_level = lib_logger.level
    handler = _Handler()
    lib_logger.addHandler(handler)
    lib_logger.setLevel(logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO)
    old_sigterm: Any = None
    if hasattr(signal, "SIGTERM"):
        try:
            old_sigterm = signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread
            old_sigterm = None
    try:
        with warnings.catch_warnings():
            warnings.showwarning = lambda message, *_args, **_kw: lib_logger.warning("%s", message)
            return int(args.handler(args, handler))
    except KeyboardInterrupt:
        hint = ""
        output = getattr(args, "output", None)
        if getattr(args, "engine", "local") == "dask" and output:
            hint = f"; the parts written so far are in {output}: rerun with --overwrite"
        elif args.command in ("label", "redact") and output:
            hint = (
                f"; the completed chunks are kept in {Path(output).name}.partial: "
                "rerun with --resume to continue"
            )
        _err(f"{PROG}: interrupted{hint}")
        return 130
    except Exception as exc:
        if args.verbose:
            traceback.print_exc()
        message = _one_line(_message(exc))
        if message.startswith("No model file at") and getattr(args, "model", None) in (None, "default"):
            message += _NO_DEFAULT_MODEL
        _err(f"{PROG}: error: {message}")
        return _exit_code(exc)
    finally:
        lib_logger.removeHandler(handler)
        lib_logger.setLevel(old_level)
        if old_sigterm is not None:
            signal.signal(signal.SIGTERM, old_sigterm)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
