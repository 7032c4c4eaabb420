"""Bad input, as a matrix: the shipped default model and the real ``maladmin-nlp label`` command.

Every awkward complaint has one defined outcome: a label, a row-level error (the row kept, with the
reason in ``error``) or a clear exception from the library call — never a crashed batch, never a hang.
The library cases call ``load_model().classify`` / ``.predict``; the command-line cases write real
files (CSV in UTF-8, cp1252, Latin-1, UTF-16 with and without BOM, an unknown encoding; JSONL with
non-text values; NUL bytes; broken quotes; 1 MB and 10 MB complaints) and run ``maladmin-nlp label``
on them with the default model: in subprocesses, started together, and — for the encodings, to
keep the module fast on two cores — through the command's entry function in this process.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maladmin_nlp import ComplaintClassifier, load_model
from maladmin_nlp.batch import OUTPUT_COLUMNS
from maladmin_nlp.cli import main
from maladmin_nlp.normalize import MAX_CHARS
from maladmin_nlp.persistence import default_model_path

pytestmark = [
    pytest.mark.skipif(not default_model_path().exists(), reason="default model not built"),
    # classify warns about texts over MAX_CHARS (tested in test_classifier); here the cut is checked directly
    pytest.mark.filterwarnings("ignore:.*the model read only the first:UserWarning"),
]

CLEAN = "KTP saya belum jadi sudah 3 bulan"
_UNIT = "Sudah 3 bulan KTP saya belum jadi, tiap ke kecamatan disuruh kembali minggu depan.\n"


def _long(n: int, unit: str = _UNIT) -> str:
    """A complaint of exactly ``n`` characters, with line breaks (as pasted documents have)."""
    return (unit * (n // len(unit) + 1))[:n]


# --------------------------------------------------------------------------- the library
LABELLED = {
    "empty": "",
    "whitespace-only": " \t\r\n\u00a0\u3000 ",
    "none": None,
    "nan": float("nan"),
    "numpy-nan": np.float64("nan"),
    "control-characters": "KTP\x00 saya\x01 belum\x07 jadi\x1b sudah\x7f 3 bulan\x0c",
    "zero-width": "K\u200bTP saya\u200c belum\u200d jadi\ufeff sudah 3\u2060 bulan",
    "rtl-override": "\u202eKTP saya belum jadi sudah 3 bulan\u202c \u200fمرحبا\u200e",
    "emoji-only": "😡😡🙏🏽👍🏻🇮🇩",
    "html-js": "<script>alert('x')</script><img src=x onerror=alert(1)><b>Petugas minta uang</b>&nbsp;200rb",
    "english": "The officer at the district office asked me for money before processing my ID card.",
    "chinese": "区办事处的官员在办理我的身份证之前向我索要钱财。",
    "lone-surrogates": "KTP belum jadi \udcff\ud800",
    "replacement-characters": "KTP belum jadi \ufffd\ufffd",
    "digits-only": "1234567890",
    "1mb": _long(1_000_000),
    "10mb": _long(10_000_000),
}
"""Inputs the library labels (a missing or empty text too: it is a valid, empty complaint)."""

REFUSED = {
    "int": (12345, "Document at position 0 is of type int, expected str"),
    "float": (3.5, "Document at position 0 is of type float, expected str"),
    "bytes-cp1252": ("KTP belum jadi, café".encode("cp1252"), "Document at position 0 is of type bytes"),
    "bytes-utf16": ("KTP belum jadi".encode("utf-16"), "Document at position 0 is of type bytes"),
    "dict": ({"isi": "KTP belum jadi"}, "Document at position 0 is of type dict"),
}
"""Inputs the library refuses with a TypeError naming the position and the type."""

SAME_AS_CLEAN = ["control-characters", "zero-width", "rtl-override"]
"""Invisible or control characters between words change nothing: same scores, same evidence."""


@pytest.fixture(scope="module")
def model() -> ComplaintClassifier:
    """The shipped default model, loaded once for the module."""
    return load_model()


def _check_prediction(model: ComplaintClassifier, pred: Any) -> None:
    assert pred.label in model.classes_
    assert 0.0 <= pred.confidence <= 1.0
    assert math.isclose(sum(pred.scores.values()), 1.0, abs_tol=1e-4)
    assert all(isinstance(term, str) and term for term, _ in pred.evidence)


@pytest.mark.parametrize("name", list(LABELLED))
def test_library_labels_awkward_text(model: ComplaintClassifier, name: str) -> None:
    value = LABELLED[name]
    (pred,) = model.classify([value])
    _check_prediction(model, pred)
    assert model.predict([value])[0] == pred.label
    # in a batch, the awkward text neither fails nor disturbs its neighbours
    batch = model.classify(["Petugas minta uang rokok 50rb", value, CLEAN])
    assert batch[1] == pred
    assert batch[0] == model.classify("Petugas minta uang rokok 50rb")
    assert batch[2] == model.classify(CLEAN)


@pytest.mark.parametrize("name", list(REFUSED))
def test_library_refuses_non_text_with_a_clear_type_error(model: ComplaintClassifier, name: str) -> None:
    value, message = REFUSED[name]
    for call in (model.classify, model.predict, model.predict_proba):
        with pytest.raises(TypeError, match=message):
            call([value])
    with pytest.raises(TypeError, match="Document at position 1"):
        model.classify(["KTP belum jadi", value])


def test_library_refuses_a_bare_string_or_bytes_for_a_batch(model: ComplaintClassifier) -> None:
    with pytest.raises(TypeError, match=r"got a single string\. Wrap it in a list"):
        model.predict("KTP belum jadi")
    with pytest.raises(TypeError, match="got a single string"):
        model.classify(b"KTP belum jadi")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", SAME_AS_CLEAN)
def test_invisible_characters_change_nothing(model: ComplaintClassifier, name: str) -> None:
    assert model.classify(LABELLED[name]) == model.classify(CLEAN)


def test_markup_and_script_never_become_evidence(model: ComplaintClassifier) -> None:
    pred = model.classify(LABELLED["html-js"])
    assert pred.label == "permintaan_imbalan"
    terms = " ".join(term for term, _ in pred.evidence)
    for fragment in ("script", "alert", "onerror", "img", "nbsp", "<", ">"):
        assert fragment not in terms, terms


@pytest.mark.parametrize("name", ["1mb", "10mb"])
def test_long_complaint_is_read_up_to_max_chars(model: ComplaintClassifier, name: str) -> None:
    text = LABELLED[name]
    assert model.max_chars == MAX_CHARS == 20_000
    # what lies past the limit is not read: a different tail gives the very same prediction
    other_tail = text[:MAX_CHARS] + _long(len(text) - MAX_CHARS, "Petugas minta uang pelicin 500 ribu. ")
    assert model.classify(text) == model.classify(text[:MAX_CHARS]) == model.classify(other_tail)


def test_classify_command_reports_the_cut(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", LABELLED["1mb"], "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["label"] == "penundaan_berlarut"
    assert captured.err == (
        "maladmin-nlp: warning: the complaint has 1,000,000 characters; the model read only its first 20,000\n"
    )
    assert main(["classify", CLEAN]) == 0
    assert capsys.readouterr().err == ""


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.characters(exclude_categories=()), max_size=400))  # lone surrogates too
def test_classify_never_fails_on_any_text(model: ComplaintClassifier, text: str) -> None:
    pred = model.classify(text)
    _check_prediction(model, pred)
    assert model.classify([text, CLEAN])[0] == pred


@settings(max_examples=75, deadline=None)
@given(noise=st.text(max_size=200))
def test_noise_around_a_complaint_never_breaks_it(model: ComplaintClassifier, noise: str) -> None:
    pred = model.classify(f"{noise} {CLEAN} {noise}")
    _check_prediction(model, pred)


# --------------------------------------------------------------------------- the command line
@contextlib.contextmanager
def _big_csv_fields() -> Iterator[None]:
    old = csv.field_size_limit(64 * 1024 * 1024)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with _big_csv_fields(), open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# Rows of the UTF-8 matrix: (text, expected outcome) — "label", "empty", "invisible" (no visible
# character: unlabelled) or "truncated" (labelled, with the cut reported in ``error``).
CSV_MATRIX = [
    ("Petugas minta uang rokok 50rb biar cepat", "label"),
    ("", "empty"),
    ("   \t  ", "empty"),
    ("\u200b\u200c\u2060\u202e\x07", "invisible"),
    ("12345", "label"),
    ("3.5", "label"),
    ("KTP\x01 saya\x07 belum\x1b jadi\x7f sudah 3 bulan\x0c", "label"),
    ("KTP\x00 saya belum\x00\x00 jadi", "label"),  # NUL bytes inside a quoted UTF-8 cell
    (LABELLED["zero-width"], "label"),
    (LABELLED["rtl-override"], "label"),
    (LABELLED["emoji-only"], "label"),
    (LABELLED["html-js"], "label"),
    (LABELLED["english"], "label"),
    (LABELLED["chinese"], "label"),
    ("Perawat membentak pasien,\nlalu mengusir keluarga", "label"),
    (_long(1_000_000), "truncated"),
    (_long(10_000_000), "truncated"),
    ("Pegawai main HP saat melayani", "label"),
]

# Rows of the JSONL matrix: (raw JSON line, expected outcome, expected error text)
JSONL_MATRIX = [
    ('{"no": 1, "isi": "Petugas minta uang rokok 50rb"}', "label", None),
    ('{"no": 2, "isi": null}', "empty", "empty text"),
    ('{"no": 3, "isi": NaN}', "empty", "empty text"),
    ('{"no": 4, "isi": 12345}', "label", None),
    ('{"no": 5, "isi": 3.5}', "label", None),
    ('{"no": 6, "isi": true}', "label", None),
    ('{"no": 7, "isi": {"teks": "KTP belum jadi"}}', "empty", "text is a JSON object, not a string"),
    ('{"no": 8, "isi": ["KTP", "belum", "jadi"]}', "empty", "text is a JSON array, not a string"),
    ('{"no": 9}', "empty", "empty text"),
    ('{"no": 10, "isi": "KTP belum jadi", ', "empty", "line is not valid JSON"),
    ("[1, 2, 3]", "empty", "line holds a JSON list, not an object"),
    (json.dumps({"no": 12, "isi": LABELLED["emoji-only"]}, ensure_ascii=False), "label", None),
    (json.dumps({"no": 13, "isi": LABELLED["rtl-override"]}), "label", None),
    (json.dumps({"no": 14, "isi": _long(1_000_000)}), "truncated", None),
    (json.dumps({"no": 15, "isi": "\u0000\u0001 KTP belum jadi"}), "label", None),
]

ENCODED_ROWS = [
    ["1", "KTP saya sudah 3 bulan belum jadi, kantin café di sebelah tutup"],
    ["2", "Petugas minta uang rokok 200rb – katanya ‘biaya admin’"],  # cp1252's own characters
    ["3", ""],
    ["4", "Pegawai membentak warga di loket, señor ¿por qué? ½ jam menunggu"],
]
LATIN1_ROWS = [
    *ENCODED_ROWS[:1],
    ["2", "Petugas minta uang rokok 200rb, katanya «biaya admin» ± 5%"],  # Latin-1 = cp1252 here
    *ENCODED_ROWS[2:],
]

BROKEN_QUOTES = (
    "no,isi_laporan,instansi\r\n"
    "1,Petugas minta uang rokok 50 ribu,Samsat\r\n"
    '2,"KTP saya belum jadi" sudah 3 bulan,Dukcapil\r\n'  # text after the closing quote
    "3,Pegawai membentak warga di loket,Kelurahan\r\n"
    '4,"Sertifikat tanah belum terbit setahun,BPN\r\n'  # a quote never closed
    "5,Dokter kasar kepada pasien,RSUD\r\n"
    "6,Minta uang pelicin 200rb,Kecamatan\r\n"
)

UNKNOWN_ENCODING = "役所の職員にお金を要求された。"  # written in Shift-JIS: neither UTF-8 nor cp1252


IN_PROCESS = ("cp1252", "latin-1", "utf-16-bom", "utf-16-le-no-bom", "unknown-encoding")
"""Run through ``main()`` in this process (the subprocess runs cover the same command path)."""


def _encoded_csv(path: Path, encoding: str) -> Path:
    rows = LATIN1_ROWS if encoding == "latin-1" else ENCODED_ROWS
    text = "no,isi_laporan\r\n" + "".join(f'{n},"{t}"\r\n' for n, t in rows)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, start_cli: Callable[..., subprocess.Popen[str]]
) -> dict[str, dict[str, Any]]:
    """Write every input file, run ``maladmin-nlp label`` on each (in parallel), collect the results."""
    d = tmp_path_factory.mktemp("bad_input")
    inputs: dict[str, Path] = {}

    with open(d / "matriks.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["no", "isi_laporan", "catatan"])
        writer.writerows([str(i + 1), text, "x"] for i, (text, _) in enumerate(CSV_MATRIX))
    inputs["matrix-csv"] = d / "matriks.csv"
    (d / "matriks.jsonl").write_text("\n".join(line for line, _, _ in JSONL_MATRIX) + "\n", encoding="utf-8")
    inputs["matrix-jsonl"] = d / "matriks.jsonl"
    inputs["cp1252"] = _encoded_csv(d / "cp1252.csv", "cp1252")
    inputs["latin-1"] = _encoded_csv(d / "latin1.csv", "latin-1")
    inputs["utf-16-bom"] = _encoded_csv(d / "utf16_bom.csv", "utf-16")  # Python writes the BOM
    inputs["utf-16-le-no-bom"] = _encoded_csv(d / "utf16_tanpa_bom.csv", "utf-16-le")
    unknown = f'no,isi_laporan\r\n1,"{UNKNOWN_ENCODING}"\r\n2,KTP belum jadi\r\n'.encode("shift_jis")
    (d / "shift_jis.csv").write_bytes(unknown)
    inputs["unknown-encoding"] = d / "shift_jis.csv"
    (d / "nul.csv").write_bytes(
        b"no,isi_laporan\r\n1,KTP belum\x00 jadi sudah 3 bulan\r\n2\x00,Petugas minta\x00\x00 uang\r\n"
        b"3,\x00\r\n4,Pegawai membentak warga\r\n"
    )
    inputs["nul-bytes"] = d / "nul.csv"
    (d / "kutip_rusak.csv").write_bytes(BROKEN_QUOTES.encode("utf-8"))
    inputs["broken-quotes"] = d / "kutip_rusak.csv"

    procs = {}
    results: dict[str, dict[str, Any]] = {}
    for name, path in inputs.items():
        out = d / f"hasil_{path.stem}{path.suffix}"
        summary = d / f"ringkasan_{name}.json"
        args = ["label", str(path), "-o", str(out), "--summary", str(summary)]
        results[name] = {"input": path, "output": out, "summary_file": summary, "args": args}
        if name not in IN_PROCESS:
            procs[name] = start_cli(*args)
    for name in IN_PROCESS:  # while the subprocesses run
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(results[name]["args"])
        results[name].update(code=code, stdout=stdout.getvalue(), stderr=stderr.getvalue())
    for name, proc in procs.items():
        out_text, err_text = proc.communicate(timeout=600)
        results[name].update(code=proc.returncode, stdout=out_text, stderr=err_text)
    for r in results.values():
        r["summary"] = json.loads(r["summary_file"].read_text(encoding="utf-8")) if r["code"] == 0 else {}
    return results


RUNS = [
    "matrix-csv",
    "matrix-jsonl",
    "cp1252",
    "latin-1",
    "utf-16-bom",
    "utf-16-le-no-bom",
    "unknown-encoding",
    "nul-bytes",
    "broken-quotes",
]


@pytest.mark.parametrize("name", RUNS)
def test_label_command_finishes_every_file(runs: dict[str, dict[str, Any]], name: str) -> None:
    r = runs[name]
    assert r["code"] == 0, r["stderr"]
    assert "Traceback" not in r["stderr"] and r["stdout"] == ""
    assert r["output"].exists() and not r["output"].with_name(r["output"].name + ".partial").exists()
    assert "labelled" in r["stderr"]


def test_matrix_csv_every_row_kept_labelled_or_explained(
    runs: dict[str, dict[str, Any]], model: ComplaintClassifier
) -> None:
    r = runs["matrix-csv"]
    header, rows = _read_csv(r["output"])
    assert header == ["no", "isi_laporan", "catatan", *OUTPUT_COLUMNS]
    assert [row["no"] for row in rows] == [str(i + 1) for i in range(len(CSV_MATRIX))]
    for (text, outcome), row in zip(CSV_MATRIX, rows, strict=True):
        assert row["isi_laporan"] == text and row["catatan"] == "x"  # unchanged, never cut
        if outcome in ("empty", "invisible"):
            why = "empty text" if outcome == "empty" else "empty text (only invisible or control characters)"
            assert row["label"] == "" and row["error"] == why, row
            continue
        assert row["label"] in model.classes_, row
        assert row["label"] == model.classify(text).label
        if outcome == "truncated":
            assert row["error"] == (
                f"text too long: the model read only its first {MAX_CHARS:,} of {len(text):,} characters"
            )
        else:
            assert row["error"] == "", row
    summary = r["summary"]
    assert summary["rows"] == len(CSV_MATRIX)
    assert summary["truncated"] == 2 and summary["unlabelled"] == 3 and summary["errors"] == 5
    assert (
        "maladmin-nlp: warning: texts longer than the 20,000 characters the model reads: 2 in matriks.csv; "
        "each was labelled from its start, and its 'error' cell says so"
    ) in r["stderr"]
    assert "texts too long, labelled from their start: 2" in r["stderr"]


def test_matrix_jsonl_non_text_values_are_row_level_errors(
    runs: dict[str, dict[str, Any]], model: ComplaintClassifier
) -> None:
    r = runs["matrix-jsonl"]
    records = _read_jsonl(r["output"])
    assert len(records) == len(JSONL_MATRIX)
    for (line, outcome, error), rec in zip(JSONL_MATRIX, records, strict=True):
        if outcome == "empty":
            assert rec["label"] is None and error in rec["error"], (line[:60], rec)
        else:
            assert rec["label"] in model.classes_, (line[:60], rec)
            if outcome == "truncated":
                assert rec["error"].startswith("text too long: the model read only its first 20,000 of")
            else:
                assert rec["error"] is None, rec
    assert records[3]["isi"] == 12345 and records[3]["label"] == model.classify("12345").label
    assert r["summary"]["truncated"] == 1


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("cp1252", "cp1252"),
        ("latin-1", "cp1252"),  # these Latin-1 bytes are the same characters in cp1252
        ("utf-16-bom", "utf-16"),
        ("utf-16-le-no-bom", "utf-16-le"),
    ],
)
def test_encodings_are_detected_and_text_survives(
    runs: dict[str, dict[str, Any]], model: ComplaintClassifier, name: str, encoding: str
) -> None:
    r = runs[name]
    assert r["summary"]["encoding"] == encoding
    header, rows = _read_csv(r["output"])
    assert header == ["no", "isi_laporan", *OUTPUT_COLUMNS]
    expected = LATIN1_ROWS if name == "latin-1" else ENCODED_ROWS
    assert [[row["no"], row["isi_laporan"]] for row in rows] == expected
    for (_, text), row in zip(expected, rows, strict=True):
        if text:
            assert row["label"] == model.classify(text).label and row["error"] == ""
        else:
            assert row["label"] == "" and row["error"] == "empty text"


def test_unknown_encoding_is_read_as_latin1_with_a_warning(runs: dict[str, dict[str, Any]]) -> None:
    r = runs["unknown-encoding"]
    assert r["summary"]["encoding"] == "latin-1"
    assert "shift_jis.csv is neither UTF-8 nor Windows-1252 text" in r["stderr"]
    assert "pass the file's encoding (--encoding)" in r["stderr"]
    _, rows = _read_csv(r["output"])
    assert len(rows) == 2 and all(row["label"] for row in rows)
    assert rows[1]["isi_laporan"] == "KTP belum jadi"


def test_nul_bytes_are_kept_and_labelled(runs: dict[str, dict[str, Any]]) -> None:
    _, rows = _read_csv(runs["nul-bytes"]["output"])
    assert [row["no"] for row in rows] == ["1", "2\x00", "3", "4"]
    assert rows[0]["isi_laporan"] == "KTP belum\x00 jadi sudah 3 bulan" and rows[0]["label"]
    assert rows[1]["label"] == "permintaan_imbalan"
    assert rows[2]["label"] == "" and rows[2]["error"] == "empty text (only invisible or control characters)"
    assert rows[3]["label"]


def test_broken_quotes_lose_no_row(runs: dict[str, dict[str, Any]]) -> None:
    _, rows = _read_csv(runs["broken-quotes"]["output"])
    assert [row["no"] for row in rows] == ["1", "2", "3", "4", "5", "6"]
    assert [row["instansi"] for row in rows] == ["Samsat", "Dukcapil", "Kelurahan", "", "RSUD", "Kecamatan"]
    assert rows[1]["isi_laporan"] == "KTP saya belum jadi sudah 3 bulan"
    assert rows[1]["error"] == "malformed CSV record starting on line 3: ',' expected after '\"'"
    assert rows[3]["isi_laporan"] == "Sertifikat tanah belum terbit setahun,BPN"
    assert rows[3]["error"].startswith(
        'malformed CSV record starting on line 5: a quote (") is never closed; the row was read from line 5 '
        "alone, and the 2 line(s) after it as rows of their own: check the quotes of this row"
    )
    assert all(row["label"] for row in rows)
    assert [row["error"] for row in rows if row["no"] in ("1", "3", "5", "6")] == ["", "", "", ""]
    assert runs["broken-quotes"]["summary"]["errors"] == 2
