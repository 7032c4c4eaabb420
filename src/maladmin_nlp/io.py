"""Chunked readers and writers for complaint archives: CSV/TSV, JSONL, Excel and Parquet.

Readers stream: CSV and JSONL with the standard library's :mod:`csv` and :mod:`json`, Excel
(``.xlsx``) with openpyxl's read-only mode and Parquet by record batches with pyarrow, so memory
stays flat however long the archive. Excel and Parquet need the optional extra
``pip install 'maladmin-nlp[io]'``.

Every data row comes out as one :class:`Record`, aligned to the header. Reading problems never
stop a run: a ragged row is padded (or its extra fields are joined back into the free-text column),
bytes that cannot be decoded are replaced by U+FFFD, and a malformed CSV record (a quote never
closed, text after a closing quote, a cell over :data:`CSV_FIELD_LIMIT`) is read from its first
line alone while the lines it had swallowed are read again as rows of their own, so a stray quote
loses no row; the record says what happened, so the caller can keep the row and report it.

Writers append whole chunks to a partial file beside the output and make each chunk durable with
:meth:`TableWriter.checkpoint`; :meth:`TableWriter.commit` moves the finished file into place
with :func:`os.replace`, so an interrupted run never leaves a truncated file that looks complete,
and a resumed run can cut the partial file back to its last checkpoint.

Examples
--------
>>> from maladmin_nlp.io import detect_encoding, guess_text_column, sniff_delimiter
>>> detect_encoding("Pelayanan lambat, caf\\u00e9 tutup".encode("cp1252"))
'cp1252'
>>> sniff_delimiter("no;tanggal;isi_laporan\\n1;2024-01-02;KTP belum jadi, sudah 3 bulan\\n")
';'
>>> guess_text_column(["No", "Tanggal", "Isi Laporan"])
'Isi Laporan'
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as _dt
import decimal
import hashlib
import importlib
import io as _io
import json
import logging
import math
import os
import re
import shutil
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

__all__ = [
    "CSV_FIELD_LIMIT",
    "DELIMITERS",
    "FORMATS",
    "LABEL_COLUMN_CANDIDATES",
    "MISSING",
    "TEXT_COLUMN_CANDIDATES",
    "ColumnNotFoundError",
    "FormatError",
    "InputError",
    "LabelledData",
    "Record",
    "ResumeError",
    "TableReader",
    "TableWriter",
    "cell_text",
    "check_format",
    "detect_encoding",
    "detect_format",
    "file_sha256",
    "find_column",
    "guess_column",
    "guess_text_column",
    "open_table",
    "open_writer",
    "partial_path",
    "read_labelled_file",
    "sniff_delimiter",
]

logger = logging.getLogger(__name__)

FORMATS = ("csv", "tsv", "jsonl", "xlsx", "parquet")
"""File formats read and written (``--format`` / ``output_format`` values)."""

_SUFFIX_FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}

DELIMITERS = ",;\t|"
"""Delimiters recognised by :func:`sniff_delimiter`."""

TEXT_COLUMN_CANDIDATES = (
    "isi_laporan",
    "isi_pengaduan",
    "isi_keluhan",
    "isi_aduan",
    "uraian_laporan",
    "uraian_pengaduan",
    "keluhan",
    "laporan",
    "pengaduan",
    "aduan",
    "uraian",
    "isi",
    "deskripsi",
    "substansi",
    "text",
    "teks",
    "complaint",
    "message",
    "pesan",
    "ulasan",
    "komentar",
)
"""Column names tried, in this order and case-insensitively, when no text column is given."""

LABEL_COLUMN_CANDIDATES = (
    "label",
    "jenis_maladministrasi",
    "dugaan_maladministrasi",
    "maladministrasi",
    "kategori",
    "kelas",
    "category",
    "class",
)
"""Column names tried when no label column is given (training and evaluation data)."""

_SNIFF_CHARS = 64 * 1024
_SNIFFER_CHARS = 4096  # csv.Sniffer's quote regex is quadratic in its input: give it a short sample
_ENCODING_SAMPLE = 1 << 20
_SURROGATES = re.compile("[\udc80-\udcff]")
_XLSX_MAX_ROWS = 1_048_576
_RECOVERY_DEPTH = 2
_SPACE_AFTER_QUOTE = re.compile(r'" +(?=[,;\t|\r\n]|$)')

CSV_FIELD_LIMIT = 32 * 1024 * 1024
"""Longest CSV cell read, in characters (32 Mi; the :mod:`csv` module's own default is 128 Ki).

A longer cell is almost always a quote that is never closed; its row is kept with an ``error``
and reading goes on at the next line. The limit is raised only while a CSV file is being read
(:func:`csv.field_size_limit` is process-wide) and restored when the last reader closes.
"""
_ERROR_EXAMPLES = 10


class _Missing:
    """A JSONL record without this key: written as an empty cell, left out of JSONL output."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Value of a key that a JSONL record lacks (other records have it)."""


# --------------------------------------------------------------------------- errors
class InputError(ValueError):
    """The input file or an argument must change before the command can run (CLI exit code 2)."""


class ColumnNotFoundError(InputError):
    """A column was not found in the input, or no text column could be guessed.

    Attributes
    ----------
    column : str or None
        The name asked for (``None`` when guessing failed).
    columns : list of str
        The columns the file has.
    source : str
        File name, for the message.
    role : str
        ``"text"``, ``"id"`` or ``"label"``: which argument to pass (``text_column``,
        ``--text-column``...).
    """

    def __init__(
        self, column: str | None, columns: Sequence[str], *, source: str, role: str = "text"
    ) -> None:
        self.column = column
        self.columns = list(columns)
        self.source = source
        self.role = role
        super().__init__(self.describe(f"{role}_column="))

    def describe(self, option: str) -> str:
        """The message, telling the user to pass ``option``."""
        have = ", ".join(self.columns) or "(none)"
        if self.column is None:
            return f"no {self.role} column found in {self.source}; columns are: {have} — pass {option}"
        return f"column {self.column!r} not found in {self.source}; columns are: {have} — pass {option}"


class FormatError(InputError):
    """The file format is unknown or not supported for this use."""


class ResumeError(InputError):
    """An interrupted run cannot be resumed as asked (changed input, other options, missing partial file)."""


# --------------------------------------------------------------------------- detection
def detect_format(path: str | os.PathLike[str], *, role: str = "input") -> str:
    """The format of a file, from its extension.

    Parameters
    ----------
    path : str or path-like
    role : {"input", "output"}, default="input"
        Only used in the error message.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    FormatError
        The extension is not one of ``.csv .txt .tsv .tab .jsonl .ndjson .xlsx .xlsm .parquet .pq``.

    Examples
    --------
    >>> detect_format("laporan_2024.CSV"), detect_format("hasil.parquet")
    ('csv', 'parquet')
    """
    suffix = Path(path).suffix.lower()
    try:
        return _SUFFIX_FORMATS[suffix]
    except KeyError:
        raise FormatError(
            f"cannot tell the format of {Path(path).name!r} from its extension; name the {role} "
            f"file .csv, .tsv, .jsonl, .xlsx or .parquet, or pass the format ({', '.join(FORMATS)})"
        ) from None


def check_format(fmt: str) -> str:
    """Validate a format name (``"CSV"``, ``".xlsx"``, ``"excel"`` are accepted) and return it normalised.

    Raises
    ------
    FormatError
        Not one of :data:`FORMATS`.

    Examples
    --------
    >>> check_format(".XLSX"), check_format("excel")
    ('xlsx', 'xlsx')
    """
    fmt = fmt.lower().lstrip(".")
    if fmt == "excel":
        fmt = "xlsx"
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def detect_encoding(source: bytes | str | os.PathLike[str], *, sample_size: int = _ENCODING_SAMPLE) -> str:
    """Guess the text encoding of a CSV file (or of a byte sample of one).

    UTF-16/32 are recognised by their byte-order mark, and UTF-16 without one by its zero bytes
    (every other byte of Latin-script text). Otherwise the sample is decoded strictly as
    UTF-8 (with or without BOM); if that fails, as Windows-1252 (the usual "ANSI" of Indonesian
    Windows and Excel); if that fails too, Latin-1, which decodes any byte (a guess: the text may
    come out garbled, and :func:`open_table` logs a warning).

    Parameters
    ----------
    source : bytes, str or path-like
        The sample itself (``bytes``) or the path of the file.
    sample_size : int, default=1 MiB
        Bytes read from the start of the file.

    Returns
    -------
    str
        ``"utf-8"``, ``"utf-8-sig"`` (UTF-8 with BOM), ``"utf-16"``, ``"utf-16-le"``, ``"utf-16-be"``
        (no BOM), ``"utf-32"``, ``"cp1252"`` or ``"latin-1"``.

    Examples
    --------
    >>> detect_encoding("Kantor kelurahan tutup".encode())
    'utf-8'
    >>> detect_encoding(b"\\xef\\xbb\\xbfisi_laporan")
    'utf-8-sig'
    >>> detect_encoding("petugas bilang \\u2019tunggu\\u2019".encode("cp1252"))
    'cp1252'
    >>> detect_encoding("no,isi_laporan\\n1,KTP belum jadi\\n".encode("utf-16-le"))
    'utf-16-le'
    """
    if isinstance(source, bytes):
        sample, final = source, True
    else:
        with open(source, "rb") as fh:
            sample = fh.read(sample_size)
            final = len(sample) < sample_size
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    no_bom = _utf16_without_bom(sample)
    if no_bom:
        return no_bom
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            codecs.getincrementaldecoder(encoding)(errors="strict").decode(sample, final=final)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not sample.startswith(codecs.BOM_UTF8):
            return "utf-8"
        return encoding
    return "latin-1"


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``-be`` when most even (odd) bytes are zero and the others are not, else None."""
    head = sample[: 64 * 1024]
    n = len(head) // 2
    if n < 4:
        return None
    even, odd = head[0 : 2 * n : 2], head[1 : 2 * n : 2]
    zero_even, zero_odd = even.count(0) / n, odd.count(0) / n
    if zero_odd > 0.6 and zero_even < 0.1:
        encoding = "utf-16-le"
    elif zero_even > 0.6 and zero_odd < 0.1:
        encoding = "utf-16-be"
    else:
        return None
    try:
        codecs.getincrementaldecoder(encoding)(errors="strict").decode(head[: 2 * n], final=False)
    except UnicodeDecodeError:
        return None
    return encoding


def sniff_delimiter(sample: str, *, default: str = ",") -> str:
    """Guess the delimiter of CSV text among ``, ; TAB |``.

    :class:`csv.Sniffer` reads the first 4,096 characters of the sample (its quote-guessing
    regular expression takes time quadratic in its input); its answer is checked against the
    header line (the first line, which names the columns), and the delimiter that line uses most
    wins when they disagree.

    Parameters
    ----------
    sample : str
        The start of the file, decoded.
    default : str, default=","
        Returned when nothing is found (a one-column file).

    Returns
    -------
    str

    Examples
    --------
    >>> sniff_delimiter('no|isi\\n1|"Pungli, katanya uang rokok"\\n')
    '|'
    >>> sniff_delimiter("isi_laporan\\nKTP belum jadi\\n")
    ','
    """
    if len(sample) > _SNIFF_CHARS:
        cut = sample.rfind("\n", 0, _SNIFF_CHARS)
        sample = sample[: cut if cut > 0 else _SNIFF_CHARS]
    header = sample.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    short = sample
    if len(short) > _SNIFFER_CHARS:
        cut = short.rfind("\n", 0, _SNIFFER_CHARS)
        short = short[: cut if cut > 0 else _SNIFFER_CHARS]
    try:
        sniffed: str | None = csv.Sniffer().sniff(short, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed is not None and (counts[sniffed] > 0 or not any(counts.values())):
        return sniffed
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else default


# --------------------------------------------------------------------------- columns
def _norm_name(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", str(name).strip().lower())


def guess_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """The first of ``candidates`` present in ``columns``, ignoring case, spaces and hyphens.

    Parameters
    ----------
    columns : sequence of str
        The file's column names.
    candidates : sequence of str
        Names to try, best first (e.g. :data:`TEXT_COLUMN_CANDIDATES`).

    Returns
    -------
    str or None
        The column name as written in the file.

    Examples
    --------
    >>> guess_column(["ID", "Kategori"], ["label", "kategori"])
    'Kategori'
    """
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(_norm_name(col), col)
    for cand in candidates:
        if cand in by_norm:
            return by_norm[cand]
    return None


def guess_text_column(columns: Sequence[str]) -> str | None:
    """Guess which column holds the complaint text, from :data:`TEXT_COLUMN_CANDIDATES`.

    Examples
    --------
    >>> guess_text_column(["no", "tanggal", "uraian"])
    'uraian'
    >>> guess_text_column(["a", "b"]) is None
    True
    """
    return guess_column(columns, TEXT_COLUMN_CANDIDATES)


def find_column(columns: Sequence[str], name: str, *, source: str = "the input", role: str = "text") -> str:
    """Match a column name given by the user: exactly, else ignoring case and spaces.

    Parameters
    ----------
    columns : sequence of str
    name : str
    source : str, default="the input"
        File name for the error message.
    role : str, default="text"
        What the column is for, for the error message.

    Returns
    -------
    str
        The column name as written in the file.

    Raises
    ------
    ColumnNotFoundError
        No column matches; the message lists the columns.

    Examples
    --------
    >>> find_column(["No", "Isi_Laporan"], "isi_laporan")
    'Isi_Laporan'
    """
    if name in columns:
        return name
    matches = [c for c in columns if _norm_name(c) == _norm_name(name)]
    if len(matches) == 1:
        return matches[0]
    raise ColumnNotFoundError(name, columns, source=source, role=role)


def _unique_names(names: Sequence[Any]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names):
        name = "" if raw is None else str(raw).strip()
        if not name:
            name = f"column_{i + 1}"
        base, k = name, 2
        while name in seen:
            name = f"{base}_{k}"
            k += 1
        if name != (str(raw).strip() if raw is not None else ""):
            logger.warning("column %d is named %r in the output (empty or repeated header)", i + 1, name)
        seen.add(name)
        out.append(name)
    return out


# --------------------------------------------------------------------------- readers
class Record(NamedTuple):
    """One data row of an input file.

    Attributes
    ----------
    number : int
        Data row number, from 1 (the header is not counted).
    values : list
        One value per column (``str`` for CSV; JSON, Excel or Arrow values otherwise;
        :data:`MISSING` for a key a JSONL record lacks).
    problem : str
        What went wrong while reading the row (empty when nothing did).
    undecodable : tuple of int
        Columns whose bytes could not be decoded (replaced by U+FFFD in ``values``).
    """

    number: int
    values: list[Any]
    problem: str = ""
    undecodable: tuple[int, ...] = ()


class TableReader:
    """Base class of the streaming readers; build one with :func:`open_table`.

    Attributes
    ----------
    path : pathlib.Path
    format : str
        One of :data:`FORMATS`.
    columns : list of str
        Column names, in file order (empty or repeated names made unique).
    encoding, delimiter : str or None
        Detected or given, for CSV (``encoding`` also for JSONL).
    total_rows : int or None
        Number of data rows when the format tells it cheaply (Parquet, JSONL, Excel), else None.
    schema : pyarrow.Schema or None
        The Arrow schema of a Parquet input (kept for Parquet output).
    """

    format: str = ""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.columns: list[str] = []
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.total_rows: int | None = None
        self.schema: Any = None

    def records(self, *, extra_into: int | None = None) -> Iterator[Record]:
        """Iterate over the data rows.

        Parameters
        ----------
        extra_into : int, default=None
            For CSV rows with more fields than the header: index of the column that gets the extra
            fields back, joined with the delimiter (the free-text column, where an unquoted
            delimiter is most likely). Default: the last column.
        """
        raise NotImplementedError

    def fraction_read(self) -> float | None:
        """Share of the file read so far (0-1), when known."""
        return None

    def close(self) -> None:
        """Release the file."""

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_field_limit_lock = threading.Lock()
_field_limit_users = 0
_field_limit_saved = 0


def _raise_field_limit() -> None:
    """Raise :func:`csv.field_size_limit` to :data:`CSV_FIELD_LIMIT` while CSV files are read.

    The limit is process-wide: it is raised when the first reader opens and restored by
    :func:`_restore_field_limit` when the last one closes (a counter under a lock, so readers in
    several threads agree).
    """
    global _field_limit_users, _field_limit_saved
    with _field_limit_lock:
        if _field_limit_users == 0:
            _field_limit_saved = csv.field_size_limit()
            csv.field_size_limit(max(CSV_FIELD_LIMIT, _field_limit_saved))
        _field_limit_users += 1


def _restore_field_limit() -> None:
    global _field_limit_users
    with _field_limit_lock:
        _field_limit_users -= 1
        if _field_limit_users == 0:
            csv.field_size_limit(_field_limit_saved)


class _LineTap:
    """The lines of a text stream, remembering those read since :meth:`mark` (one CSV record's)."""

    def __init__(self, lines: Iterator[str], first_line: int = 1) -> None:
        self._lines = lines
        self.taken: list[str] = []
        self.next_line = first_line  # file line number of the next line
        self.record_line = first_line

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        self.next_line += 1
        return line

    def mark(self) -> None:
        self.taken.clear()
        self.record_line = self.next_line


def _lenient_fields(line: str, delimiter: str) -> list[str]:
    """The fields of one line on its own, a quote left open running to the end of the line.

    A line the :mod:`csv` module still refuses (a cell over the field limit) is split at every
    delimiter: its values are kept, if not perfectly.
    """
    line = line.rstrip("\r\n")
    for text in (line, line.replace("\0", "")):  # Python < 3.11 refuses NUL characters
        try:
            return next(csv.reader([text], delimiter=delimiter, strict=False), [])
        except csv.Error:
            continue
    return line.split(delimiter)


def _spaces_after_quotes(lines: list[str], delimiter: str) -> list[str] | None:
    """The one record of ``lines`` if spaces after a closing quote are all that is wrong, else None."""
    text = "".join(lines)
    if '"' not in text:
        return None
    cleaned = _SPACE_AFTER_QUOTE.sub('"', text)
    try:
        records = [r for r in csv.reader(cleaned.splitlines(keepends=True), delimiter=delimiter, strict=True) if r]
    except csv.Error:
        return None
    return records[0] if len(records) == 1 else None


class _CsvReader(TableReader):
    format = "csv"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        tsv: bool = False,
    ) -> None:
        super().__init__(path)
        self.encoding = encoding or detect_encoding(self.path)
        if encoding is None and self.encoding == "latin-1":
            logger.warning(
                "%s is neither UTF-8 nor Windows-1252 text; it is read as Latin-1, which never fails but may "
                "garble the text: pass the file's encoding (--encoding) if labels look wrong",
                self.path.name,
            )
        self.format = "tsv" if tsv else "csv"
        self._size = max(self.path.stat().st_size, 1)
        self._raw: IO[bytes] = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        self._fh = _io.TextIOWrapper(self._raw, encoding=self.encoding, errors="surrogateescape", newline="")
        _raise_field_limit()
        self._limited = True
        try:
            if delimiter is None:
                sample = self._fh.read(_SNIFF_CHARS)
                self._fh.seek(0)
                delimiter = "\t" if tsv else sniff_delimiter(sample)
            self.delimiter = delimiter
            self._tap = _LineTap(iter(self._fh))
            reader = csv.reader(self._tap, delimiter=delimiter, strict=True)
            header = next(reader, None)
            while header == []:
                header = next(reader, None)
        except (csv.Error, UnicodeError) as exc:
            self.close()
            raise ValueError(f"cannot read the header of {self.path.name}: {exc}") from None
        if header is None:
            self.close()
            raise ValueError(f"{self.path.name} is empty: there is no header row naming the columns")
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        header = [_SURROGATES.sub("\ufffd", h) for h in header]
        self.columns = _unique_names(header)

    def _fields(self, tap: _LineTap, depth: int) -> Iterator[tuple[list[str], str]]:
        """Raw fields and a problem, per record.

        Records are parsed strictly. A record the :mod:`csv` module refuses (a quote never closed,
        text after a closing quote, a cell over :data:`CSV_FIELD_LIMIT`) is read again from its
        first line alone, and the lines it had swallowed are read again as records of their own:
        no row is lost to a stray quote. Each line is read at most ``_RECOVERY_DEPTH + 1`` times.
        The one exception: a multi-line cell whose closing quote is followed by spaces is kept whole.
        """
        delim = self.delimiter or ","
        reader = csv.reader(tap, delimiter=delim, strict=True)
        while True:
            tap.mark()
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                taken, line = list(tap.taken), tap.record_line
                if not taken:  # cannot happen: the csv module fails only on characters it has read
                    raise ValueError(f"cannot read {self.path.name} after line {line}: {exc}") from None
                whole = _spaces_after_quotes(taken, delim) if len(taken) > 1 else None
                if whole is not None:
                    yield whole, f"malformed CSV record starting on line {line}: spaces after a closing quote"
                    reader = csv.reader(tap, delimiter=delim, strict=True)
                    continue
                why = str(exc).replace("unexpected end of data", "a quote (\") is never closed")
                problem = f"malformed CSV record starting on line {line}: {why}"
                if len(taken) > 1:
                    problem += (
                        f"; the row was read from line {line} alone, and the {len(taken) - 1} line(s) after it "
                        "as rows of their own: check the quotes of this row"
                    )
                yield _lenient_fields(taken[0], delim), problem
                rest = taken[1:]
                if rest and depth < _RECOVERY_DEPTH:
                    yield from self._fields(_LineTap(iter(rest), line + 1), depth + 1)
                else:
                    for i, extra in enumerate(rest, line + 1):
                        if extra.strip("\r\n"):
                            yield _lenient_fields(extra, delim), f"line {i} was read as a row of its own"
                reader = csv.reader(tap, delimiter=delim, strict=True)  # go on after the bad record
                continue
            if fields:  # a blank line is not a record
                yield fields, ""

    def records(self, *, extra_into: int | None = None) -> Iterator[Record]:
        n = len(self.columns)
        into = n - 1 if extra_into is None else extra_into
        delim = self.delimiter or ","
        check_bytes = self.encoding not in ("latin-1", "iso-8859-1", "latin1")
        for number, (fields, read_problem) in enumerate(self._fields(self._tap, 0), 1):
            problem = read_problem
            if not fields:
                fields = [""] * n
            elif len(fields) < n:
                problem = _join_problems(
                    problem,
                    f"row has {len(fields)} fields but the header has {n}; the missing fields were left empty",
                )
                fields.extend([""] * (n - len(fields)))
            elif len(fields) > n:
                extra = len(fields) - n
                joined = delim.join(fields[into : into + extra + 1])
                fields = [*fields[:into], joined, *fields[into + extra + 1 :]]
                problem = _join_problems(
                    problem,
                    f"row has {n + extra} fields but the header has {n}; the {extra} extra field(s) were "
                    f"joined into {self.columns[into]!r} (an unquoted {_delim_name(delim)}?)",
                )
            bad: tuple[int, ...] = ()
            if check_bytes:
                bad = tuple(i for i, v in enumerate(fields) if _SURROGATES.search(v))
                if bad:
                    for i in bad:
                        fields[i] = _SURROGATES.sub("\ufffd", fields[i])
                    problem = _join_problems(
                        problem,
                        f"bytes not valid in {self.encoding} in "
                        f"{', '.join(repr(self.columns[i]) for i in bad)} were replaced by U+FFFD; "
                        "pass the file's encoding",
                    )
            yield Record(number, fields, problem, bad)

    def fraction_read(self) -> float | None:
        try:
            return min(self._raw.tell() / self._size, 1.0)
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        self._fh.close()
        if self._limited:
            self._limited = False
            _restore_field_limit()


def _delim_name(delim: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(delim, repr(delim))


def _join_problems(*problems: str) -> str:
    return "; ".join(p for p in problems if p)


class _JsonlReader(TableReader):
    format = "jsonl"

    def __init__(self, path: str | os.PathLike[str], *, encoding: str | None = None) -> None:
        super().__init__(path)
        self._encoding: str = encoding or "utf-8"
        self.encoding = self._encoding
        keys: dict[str, None] = {}
        rows = 0
        with open(self.path, "rb") as fh:  # first pass: the union of keys, in first-seen order
            for line in fh:
                if not line.strip():
                    continue
                rows += 1
                obj = self._parse(line, rows == 1)
                if isinstance(obj, dict):
                    keys.update(dict.fromkeys(obj))
        self.total_rows = rows
        self._keys = list(keys)
        self.columns = _unique_names(self._keys)
        self._size = max(self.path.stat().st_size, 1)
        self._fh: IO[bytes] = open(self.path, "rb")  # noqa: SIM115 - closed by close()

    def _parse(self, line: bytes, first: bool) -> Any:
        try:
            text = line.decode(self._encoding)
            if first:
                text = text.lstrip("\ufeff")
            return json.loads(text)
        except (UnicodeDecodeError, ValueError) as exc:
            return exc

    def records(self, *, extra_into: int | None = None) -> Iterator[Record]:
        number = 0
        n = len(self._keys)
        for line in self._fh:
            if not line.strip():
                continue
            number += 1
            obj = self._parse(line, number == 1)
            if isinstance(obj, dict):
                yield Record(number, [obj.get(k, MISSING) for k in self._keys])
            elif isinstance(obj, UnicodeDecodeError):
                yield Record(
                    number, [MISSING] * n, f"line is not valid {self.encoding}; pass the file's encoding"
                )
            elif isinstance(obj, ValueError):
                yield Record(number, [MISSING] * n, f"line is not valid JSON: {obj}")
            else:
                yield Record(number, [MISSING] * n, f"line holds a JSON {type(obj).__name__}, not an object")

    def fraction_read(self) -> float | None:
        try:
            return min(self._fh.tell() / self._size, 1.0)
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        self._fh.close()


def _require(module: str, what: str) -> Any:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.split(".")[0]
        raise ImportError(
            f"{what} needs {package}, which is not installed: pip install 'maladmin-nlp[io]'"
        ) from exc


class _ExcelReader(TableReader):
    format = "xlsx"

    def __init__(self, path: str | os.PathLike[str], *, sheet: str | None = None) -> None:
        super().__init__(path)
        openpyxl = _require("openpyxl", "Reading Excel files")
        self._wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            ws = self._wb[sheet] if sheet else self._wb.worksheets[0]
        except KeyError:
            self._wb.close()
            raise InputError(
                f"{self.path.name} has no sheet {sheet!r}; sheets: {', '.join(self._wb.sheetnames)}"
            ) from None
        self._rows = ws.iter_rows(values_only=True)
        header = next(self._rows, None)
        while header is not None and all(v is None for v in header):
            header = next(self._rows, None)
        if header is None:
            self._wb.close()
            raise ValueError(f"{self.path.name} is empty: its first sheet has no header row")
        header = list(header)
        while header and header[-1] is None:
            header.pop()
        self.columns = _unique_names(header)
        max_row = getattr(ws, "max_row", None)
        self.total_rows = max_row - 1 if isinstance(max_row, int) and max_row > 1 else None
        self._done = 0

    def records(self, *, extra_into: int | None = None) -> Iterator[Record]:
        n = len(self.columns)
        number = 0
        for row in self._rows:
            if all(v is None for v in row):
                continue
            number += 1
            self._done = number
            values = list(row[:n])
            problem = ""
            if len(values) < n:
                values.extend([None] * (n - len(values)))
            extra = [v for v in row[n:] if v is not None]
            if extra:
                problem = f"{len(extra)} cell(s) right of the last named column were left out: " + ", ".join(
                    repr(v) for v in extra[:3]
                )
            yield Record(number, values, problem)

    def fraction_read(self) -> float | None:
        return min(self._done / self.total_rows, 1.0) if self.total_rows else None

    def close(self) -> None:
        self._wb.close()


class _ParquetReader(TableReader):
    format = "parquet"

    def __init__(self, path: str | os.PathLike[str], *, batch_size: int = 2000) -> None:
        super().__init__(path)
        pq = _require("pyarrow.parquet", "Reading Parquet files")
        self._file = pq.ParquetFile(self.path)
        self.schema = self._file.schema_arrow
        self.columns = _unique_names(self.schema.names)
        self.total_rows = int(self._file.metadata.num_rows)
        self._batch_size = batch_size
        self._done = 0

    def records(self, *, extra_into: int | None = None) -> Iterator[Record]:
        number = 0
        for batch in self._file.iter_batches(batch_size=self._batch_size):
            columns = [col.to_pylist() for col in batch.columns]
            for values in zip(*columns, strict=True):
                number += 1
                self._done = number
                yield Record(number, list(values))

    def fraction_read(self) -> float | None:
        return min(self._done / self.total_rows, 1.0) if self.total_rows else None

    def close(self) -> None:
        self._file.close()


def open_table(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    batch_size: int = 2000,
) -> TableReader:
    """Open an archive for streaming, whatever its format.

    Parameters
    ----------
    path : str or path-like
    format : str, default=None
        One of :data:`FORMATS`; by default from the file extension.
    encoding : str, default=None
        Text encoding of a CSV/TSV (default: detected, see :func:`detect_encoding`) or JSONL
        (default UTF-8) file.
    delimiter : str, default=None
        CSV delimiter (default: sniffed, see :func:`sniff_delimiter`; tab for ``.tsv``).
    sheet : str, default=None
        Excel sheet name (default: the first sheet).
    batch_size : int, default=2000
        Rows per Parquet record batch.

    Returns
    -------
    TableReader
        Use it as a context manager; iterate over :meth:`TableReader.records`.

    Raises
    ------
    FileNotFoundError
    FormatError
        Unknown extension and no ``format``.
    ImportError
        Excel or Parquet without the ``io`` extra installed.
    ValueError
        An empty file (no header row).

    Notes
    -----
    The header row names the columns (empty or repeated names become ``column_N`` / ``name_2``).
    Blank CSV lines and empty Excel rows are not records. A JSONL file is read twice: once to
    collect every key (the columns are the union of all records' keys, in first-seen order), then
    record by record.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "laporan.csv"
    >>> _ = path.write_text("no;isi_laporan\\n1;Sertifikat tanah belum terbit\\n", encoding="utf-8")
    >>> with open_table(path) as table:
    ...     table.columns, [r.values for r in table.records()]
    (['no', 'isi_laporan'], [['1', 'Sertifikat tanah belum terbit']])
    """
    path = Path(path)
    fmt = check_format(format) if format else detect_format(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    if fmt in ("csv", "tsv"):
        return _CsvReader(path, encoding=encoding, delimiter=delimiter, tsv=fmt == "tsv")
    if fmt == "jsonl":
        return _JsonlReader(path, encoding=encoding)
    if fmt == "xlsx":
        return _ExcelReader(path, sheet=sheet)
    return _ParquetReader(path, batch_size=batch_size)


# --------------------------------------------------------------------------- writers
def partial_path(path: str | os.PathLike[str]) -> Path:
    """Where the output is built before it is moved into place (``hasil.csv`` -> ``hasil.csv.partial``).

    Examples
    --------
    >>> partial_path("out/hasil.csv").name
    'hasil.csv.partial'
    """
    p = Path(path)
    return p.with_name(p.name + ".partial")


def _json_default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if value is MISSING:
        return None
    return str(value)


def cell_text(value: Any) -> str:
    """How a value is written in a CSV cell.

    Strings are written as they are; missing values as an empty cell; booleans as ``true`` /
    ``false``; nested JSON values as JSON.

    Examples
    --------
    >>> [cell_text(v) for v in ("ya", None, True, 0.25, 7, {"a": 1})]
    ['ya', '', 'true', '0.25', '7', '{"a": 1}']
    """
    if isinstance(value, str):
        return value
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return str(value)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (best effort; not possible on every platform)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class TableWriter:
    """Base class of the chunked writers; build one with :func:`open_writer`.

    Attributes
    ----------
    path : pathlib.Path
        The final output file.
    partial : pathlib.Path
        The partial file (or directory, for Parquet) the rows go to until :meth:`commit`.
    """

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = list(columns)
        self.partial = partial_path(path)

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows (each one value per column)."""
        raise NotImplementedError

    def checkpoint(self) -> int:
        """Make everything written so far durable; return the position to resume from."""
        raise NotImplementedError

    def commit(self) -> None:
        """Finish the file and move it into place atomically."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop writing, leaving the partial file for a later resume."""

    def discard(self) -> None:
        """Stop writing and delete the partial file."""
        self.close()
        _remove(self.partial)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


class _AppendWriter(TableWriter):
    """A byte stream of records appended to ``partial`` (CSV, JSONL, and the Excel spool)."""

    def __init__(self, path: Path, columns: Sequence[str], *, resume_from: int | None) -> None:
        super().__init__(path, columns)
        if resume_from is None:
            self._fh: IO[bytes] = open(self.partial, "wb")  # noqa: SIM115 - closed by close()
            self._fh.write(self._header())
        else:
            if not self.partial.is_file():
                raise ResumeError(
                    f"cannot resume: the partial output {self.partial} is missing; start over (--restart)"
                )
            size = self.partial.stat().st_size
            if size < resume_from:
                raise ResumeError(
                    f"cannot resume: {self.partial} has {size} bytes, fewer than the {resume_from} "
                    "recorded at the last checkpoint; start over (--restart)"
                )
            self._fh = open(self.partial, "r+b")  # noqa: SIM115 - closed by close()
            self._fh.truncate(resume_from)
            self._fh.seek(resume_from)

    def _header(self) -> bytes:
        return b""

    def _encode(self, rows: Sequence[Sequence[Any]]) -> bytes:
        raise NotImplementedError

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        self._fh.write(self._encode(rows))

    def checkpoint(self) -> int:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return self._fh.tell()

    def _finish_partial(self) -> None:
        self.checkpoint()
        self._fh.close()

    def commit(self) -> None:
        self._finish_partial()
        os.replace(self.partial, self.path)
        _fsync_dir(self.path.parent)

    def close(self) -> None:
        if not self._fh.closed:
            with contextlib.suppress(OSError):  # a full disk: what was not checkpointed is cut off on resume
                self._fh.close()


class _DelimitedWriter(_AppendWriter):
    def __init__(
        self, path: Path, columns: Sequence[str], *, delimiter: str, resume_from: int | None
    ) -> None:
        self.delimiter = delimiter
        super().__init__(path, columns, resume_from=resume_from)

    def _encode(self, rows: Sequence[Sequence[Any]]) -> bytes:
        buf = _io.StringIO()
        writer = csv.writer(buf, delimiter=self.delimiter, lineterminator="\n")
        writer.writerows([cell_text(v) for v in row] for row in rows)
        return buf.getvalue().encode("utf-8", errors="surrogateescape")

    def _header(self) -> bytes:
        return self._encode([self.columns])


class _JsonlWriter(_AppendWriter):
    def _encode(self, rows: Sequence[Sequence[Any]]) -> bytes:
        cols = self.columns
        lines = [
            json.dumps(
                {c: v for c, v in zip(cols, row, strict=True) if v is not MISSING},
                ensure_ascii=False,
                default=_json_default,
            )
            for row in rows
        ]
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


class _ExcelWriter(_AppendWriter):
    """Rows are spooled as JSON arrays (appendable, resumable) and become a workbook at commit."""

    def __init__(self, path: Path, columns: Sequence[str], *, resume_from: int | None) -> None:
        self._openpyxl = _require("openpyxl", "Writing Excel files")
        super().__init__(path, columns, resume_from=resume_from)
        self._rows = 0
        if resume_from is not None:
            with open(self.partial, "rb") as fh:
                self._rows = sum(1 for _ in fh)

    def _encode(self, rows: Sequence[Sequence[Any]]) -> bytes:
        return "".join(
            json.dumps([None if v is MISSING else v for v in row], ensure_ascii=False, default=_json_default)
            + "\n"
            for row in rows
        ).encode("utf-8")

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if self._rows + len(rows) >= _XLSX_MAX_ROWS:
            raise ValueError(
                f"an Excel sheet holds at most {_XLSX_MAX_ROWS - 1:,} rows and this output has more; "
                "write .csv, .jsonl or .parquet instead"
            )
        self._rows += len(rows)
        super().write(rows)

    def commit(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        self._finish_partial()
        wb = self._openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("hasil")

        def cell(value: Any) -> Any:
            if isinstance(value, (dict, list)):
                value = json.dumps(value, ensure_ascii=False)
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value.startswith("="):  # text, not a formula
                    c = WriteOnlyCell(ws, value=value)
                    c.data_type = "s"
                    return c
            return value

        ws.append([cell(c) for c in self.columns])
        with open(self.partial, "rb") as fh:
            for line in fh:
                ws.append([cell(v) for v in json.loads(line)])
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            wb.save(tmp)
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)  # a failed save (full disk) leaves no half-written workbook
        _fsync_dir(self.path.parent)
        self.partial.unlink()


_ARROW_TYPES = {"string": "string", "float": "float64", "bool": "bool_", "int": "int64"}


class _ParquetWriter(TableWriter):
    """One Parquet part file per chunk in the ``.partial`` directory, merged at commit."""

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        *,
        types: Sequence[str | None],
        input_schema: Any,
        resume_from: int | None,
    ) -> None:
        super().__init__(path, columns)
        self._pa = _require("pyarrow", "Writing Parquet files")
        self._pq = _require("pyarrow.parquet", "Writing Parquet files")
        pa = self._pa
        fields = []
        for i, name in enumerate(self.columns):
            kind = types[i] if i < len(types) else None
            if kind is None and input_schema is not None and i < len(input_schema):
                fields.append(pa.field(name, input_schema.field(i).type))
            else:
                fields.append(pa.field(name, getattr(pa, _ARROW_TYPES.get(kind or "string", "string"))()))
        self._schema = pa.schema(fields)
        self._as_text = [
            (types[i] if i < len(types) else None) is None and input_schema is None
            for i in range(len(columns))
        ]
        if resume_from is None:
            _remove(self.partial)
            self.partial.mkdir(parents=True)
            self._parts = 0
        else:
            if not self.partial.is_dir():
                raise ResumeError(
                    f"cannot resume: the partial output {self.partial} is missing; start over (--restart)"
                )
            for part in self.partial.iterdir():
                if not part.name.endswith(".parquet") or int(part.name[5:11]) >= resume_from:
                    part.unlink()
            if len(list(self.partial.iterdir())) != resume_from:
                raise ResumeError(
                    f"cannot resume: {self.partial} lacks part files of completed chunks; "
                    "start over (--restart)"
                )
            self._parts = resume_from

    def _part(self, i: int) -> Path:
        return self.partial / f"part-{i:06d}.parquet"

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        pa = self._pa
        arrays = []
        for i, fld in enumerate(self._schema):
            if self._as_text[i]:
                values = [None if v is None or v is MISSING else cell_text(v) for v in (r[i] for r in rows)]
            else:
                values = [None if v is MISSING else v for v in (r[i] for r in rows)]
            arrays.append(pa.array(values, type=fld.type))
        table = pa.Table.from_arrays(arrays, schema=self._schema)
        tmp = self.partial / f"part-{self._parts:06d}.tmp"
        try:
            self._pq.write_table(table, tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self._part(self._parts))
        finally:
            tmp.unlink(missing_ok=True)
        self._parts += 1

    def checkpoint(self) -> int:
        _fsync_dir(self.partial)
        return self._parts

    def commit(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with self._pq.ParquetWriter(tmp, self._schema) as out:
                if self._parts == 0:
                    out.write_table(self._schema.empty_table())
                for i in range(self._parts):
                    out.write_table(self._pq.read_table(self._part(i), schema=self._schema))
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)  # a failed merge (full disk) leaves no half-written file
        _fsync_dir(self.path.parent)
        shutil.rmtree(self.partial, ignore_errors=True)


def open_writer(
    path: str | os.PathLike[str],
    format: str,
    columns: Sequence[str],
    *,
    delimiter: str = ",",
    types: Sequence[str | None] = (),
    input_schema: Any = None,
    resume_from: int | None = None,
) -> TableWriter:
    """Open a chunked, resumable writer for ``path``.

    Rows go to :func:`partial_path` (a file; for Parquet a directory of part files) until
    :meth:`TableWriter.commit` moves the finished output into place.

    Parameters
    ----------
    path : str or path-like
        The final output file.
    format : str
        One of :data:`FORMATS`.
    columns : sequence of str
        Column names, written as the header.
    delimiter : str, default=","
        CSV delimiter (TSV always uses a tab).
    types : sequence of {"string", "float", "bool", "int"} or None
        Column types for Parquet, one per column; ``None`` takes the type from ``input_schema``
        (an input Parquet file), else string.
    input_schema : pyarrow.Schema, default=None
        Schema of a Parquet input, whose columns come first in ``columns``.
    resume_from : int, default=None
        Position returned by :meth:`TableWriter.checkpoint` in an interrupted run: the partial file
        is cut back to it and appended to. ``None`` starts a new partial file.

    Returns
    -------
    TableWriter

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "hasil.csv"
    >>> writer = open_writer(out, "csv", ["no", "label"])
    >>> writer.write([["1", "penundaan_berlarut"]])
    >>> writer.commit()
    >>> out.read_text(encoding="utf-8")
    'no,label\\n1,penundaan_berlarut\\n'
    """
    path = Path(path)
    fmt = check_format(format)
    if fmt in ("csv", "tsv"):
        return _DelimitedWriter(
            path, columns, delimiter="\t" if fmt == "tsv" else delimiter, resume_from=resume_from
        )
    if fmt == "jsonl":
        return _JsonlWriter(path, columns, resume_from=resume_from)
    if fmt == "xlsx":
        return _ExcelWriter(path, columns, resume_from=resume_from)
    return _ParquetWriter(path, columns, types=types, input_schema=input_schema, resume_from=resume_from)


# --------------------------------------------------------------------------- labelled data
def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in blocks.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes(b"")
    >>> file_sha256(p)[:12]
    'e3b0c44298fc'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class LabelledData:
    """Texts and labels read from a labelled file (see :func:`read_labelled_file`).

    Attributes
    ----------
    texts, labels : list of str
    rows : list of int
        Data row number of each item in the file.
    source : str
        The file path.
    sha256 : str
        SHA-256 of the file's bytes.
    text_column, label_column : str
    skipped : list of str
        The first rows left out (with ``skip_invalid=True``), as "row N: reason".
    n_skipped : int
        How many rows were left out.
    """

    texts: list[str]
    labels: list[str]
    rows: list[int]
    source: str
    sha256: str
    text_column: str
    label_column: str
    skipped: list[str] = field(default_factory=list)
    n_skipped: int = 0

    def __len__(self) -> int:
        return len(self.texts)


def read_labelled_file(
    path: str | os.PathLike[str],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    valid_labels: Collection[str] | None = None,
    skip_invalid: bool = False,
) -> LabelledData:
    """Read the texts and labels of a labelled file, checking every row.

    Parameters
    ----------
    path : str or path-like
        CSV/TSV, JSONL, Excel or Parquet (see :func:`open_table`).
    text_column, label_column : str, default=None
        Guessed from :data:`TEXT_COLUMN_CANDIDATES` / :data:`LABEL_COLUMN_CANDIDATES` when not given.
    format, encoding, delimiter : str, default=None
        See :func:`open_table`.
    valid_labels : collection of str, default=None
        Allowed labels (e.g. :data:`maladmin_nlp.LABELS`, which catches typos). ``None`` allows any.
    skip_invalid : bool, default=False
        Leave out rows with an empty text, an empty label or a label not in ``valid_labels``
        (logged, and listed in ``skipped``) instead of raising.

    Returns
    -------
    LabelledData

    Raises
    ------
    ColumnNotFoundError
    ValueError
        Some rows have an empty text or an empty/invalid label; the message names the rows.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "latih.csv"
    >>> _ = p.write_text("teks,label\\nKTP belum jadi,penundaan_berlarut\\n,tidak_patut\\n", encoding="utf-8")
    >>> read_labelled_file(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 1 row of latih.csv cannot be used: row 2: empty text — fix or remove it, or skip ...
    >>> len(read_labelled_file(p, skip_invalid=True))
    1
    """
    src = Path(path)
    texts: list[str] = []
    labels: list[str] = []
    rows: list[int] = []
    bad: list[str] = []
    n_bad = 0
    with open_table(src, format=format, encoding=encoding, delimiter=delimiter) as table:
        tcol = _pick(table.columns, text_column, TEXT_COLUMN_CANDIDATES, source=src.name, role="text")
        lcol = _pick(table.columns, label_column, LABEL_COLUMN_CANDIDATES, source=src.name, role="label")
        ti, li = table.columns.index(tcol), table.columns.index(lcol)
        allowed = set(valid_labels) if valid_labels is not None else None
        for rec in table.records(extra_into=ti):
            text = rec.values[ti]
            label = rec.values[li]
            text = "" if text is None or text is MISSING else str(text)
            label = "" if label is None or label is MISSING else str(label).strip()
            why = ""
            if not text.strip():
                why = "empty text"
            elif ti in rec.undecodable:
                why = f"text has bytes that are not valid {table.encoding}; pass the file's encoding"
            elif not label:
                why = "empty label"
            elif allowed is not None and label not in allowed:
                why = f"unknown label {label!r}"
            if why:
                n_bad += 1
                if len(bad) < _ERROR_EXAMPLES:
                    bad.append(f"row {rec.number}: {why}")
                continue
            texts.append(text)
            labels.append(label)
            rows.append(rec.number)
    if n_bad:
        more = f" (and {n_bad - len(bad)} more)" if n_bad > len(bad) else ""
        listed = "; ".join(bad) + more
        noun = "row" if n_bad == 1 else "rows"
        hint = ""
        if allowed is not None and any("unknown label" in b for b in bad):
            hint = f". Valid labels: {', '.join(sorted(allowed))}"
        if not skip_invalid:
            it = "it" if n_bad == 1 else "them"
            raise ValueError(
                f"{n_bad} {noun} of {src.name} cannot be used: {listed} — fix or remove {it}, "
                f"or skip invalid rows (--skip-invalid){hint}"
            )
        logger.warning("skipped %d %s of %s: %s", n_bad, noun, src.name, listed)
    return LabelledData(
        texts=texts,
        labels=labels,
        rows=rows,
        source=str(src),
        sha256=file_sha256(src),
        text_column=tcol,
        label_column=lcol,
        skipped=bad,
        n_skipped=n_bad,
    )


def _pick(
    columns: Sequence[str], given: str | None, candidates: Sequence[str], *, source: str, role: str
) -> str:
    if given:
        return find_column(columns, given, source=source, role=role)
    guessed = guess_column(columns, candidates)
    if guessed is None:
        raise ColumnNotFoundError(None, columns, source=source, role=role)
    logger.info("using %r as the %s column of %s (guessed)", guessed, role, source)
    return guessed
