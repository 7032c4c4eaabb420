"""The labelling loop on the command line: annotate an archive, train with the filled sheet, adapt.

Training on the real packaged corpus takes half a minute, so every test that would use it swaps
``maladmin_nlp.datasets.load_corpus`` for a 40-complaint corpus (the conftest training rows).
"""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maladmin_nlp import batch, datasets, load_model
from maladmin_nlp.annotation import SHEET_COLUMNS, write_annotation_sheet
from maladmin_nlp.cli import main
from maladmin_nlp.evaluation import cross_validate
from maladmin_nlp.io import file_sha256
from maladmin_nlp.taxonomy import LABELS

# An archive with repeated complaints (one differing only in case and spacing), an empty row
# and a too-short one, and an id column whose name is guessed.
ARCHIVE_TEXTS = [
    "KTP saya belum jadi, sudah 5 bulan menunggu",
    "Petugas minta uang rokok 150rb supaya berkas diproses",
    "Perawat membentak ibu saya dengan kasar",
    "ktp SAYA belum jadi,   sudah 5 bulan menunggu",
    "Mau tanya jam buka kantor dinas hari Sabtu",
    "Sertifikat tanah belum terbit padahal sudah setahun",
    "",
    "Oknum minta uang pelicin biar cepat katanya",
    "Terima kasih, pelayanannya cepat dan ramah",
    "Pegawai main HP saat melayani antrean panjang",
    "ok",
    "Petugas minta uang rokok 150rb supaya berkas diproses",
    "Izin usaha saya diproses berbulan-bulan tanpa kabar",
    "Pungutan sumbangan wajib di sekolah negeri 2 juta",
]


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@pytest.fixture
def archive(tmp_path: Path, write_csv: Callable[..., Path]) -> Path:
    rows = [[f"L-{i:03d}", "2024-02-01", text] for i, text in enumerate(ARCHIVE_TEXTS, 1)]
    return write_csv(tmp_path / "arsip.csv", ["no_laporan", "tanggal", "isi_laporan"], rows)


@pytest.fixture
def small_corpus(monkeypatch: pytest.MonkeyPatch, training_rows: list[tuple[str, str]]) -> datasets.Corpus:
    """The packaged corpus replaced by the 40 conftest complaints, so that training takes a second."""
    texts, labels = (list(v) for v in zip(*training_rows, strict=True))
    n = len(texts)
    corpus = datasets.Corpus(
        [f"T{i}" for i in range(n)], texts, labels, [[] for _ in range(n)], ["umum"] * n, ["biasa"] * n, [False] * n
    )
    monkeypatch.setattr(datasets, "load_corpus", lambda: corpus)
    return corpus


def _read_sheet(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.reader(line for line in lines if not line.startswith("#")))
    return rows[0], rows[1:]


def _filled_sheet(path: Path, rows: list[tuple[str, str]], *, bad: str | None = None) -> Path:
    """A sheet written by the library and 'filled in' as an annotator would (``bad``: one wrong label)."""
    write_annotation_sheet(path, [text for text, _ in rows], ids=[f"S{i}" for i in range(len(rows))])
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    comments = [line for line in lines if line.startswith("#")]
    table = list(csv.reader(line for line in lines if not line.startswith("#")))
    label_col = table[0].index("label")
    for row, (_, label) in zip(table[1:], rows, strict=True):
        row[label_col] = label
    table[-1][label_col] = "" if bad is None else bad  # the last row is left unlabelled, or mislabelled
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.writelines(comments)
        csv.writer(fh).writerows(table)
    return path


SHEET_ROWS = [
    ("lurah minta amplop agar surat pindah ditandatangani", "permintaan_imbalan"),
    ("akta cerai belum keluar setelah empat bulan", "penundaan_berlarut"),
    ("satpam rumah sakit menghardik pengunjung", "tidak_patut"),
    ("apa syarat membuat NPWP untuk pelajar", "bukan_maladministrasi"),
    ("staf dukcapil tidur di loket", "tidak_patut"),
]


# --------------------------------------------------------------------------- help
@pytest.mark.parametrize("command", ["annotate", "adapt"])
def test_new_commands_have_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "example" in out and f"maladmin-nlp {command} " in out.split("example")[1]


def test_train_help_says_data_is_optional_with_extra(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "[DATA]" in out and "--extra SHEET" in out and "optional with --extra" in out
    assert "maladmin-nlp train -o saya.joblib --extra lembar_label.xlsx" in out


# --------------------------------------------------------------------------- annotate
def test_annotate_writes_a_csv_sheet(archive: Path, model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = archive.with_name("lembar.csv")
    assert main(["annotate", str(archive), "-o", str(sheet), "--n", "6", "--model", str(model_path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("wrote 6 complaints of arsip.csv to") and "--extra" in out
    assert "using column 'no_laporan' of arsip.csv as the row id (guessed" in err

    header, rows = _read_sheet(sheet)
    assert header == list(SHEET_COLUMNS)
    assert len(rows) == 6
    texts = [row[1] for row in rows]
    assert len({_key(t) for t in texts}) == 6  # no complaint twice, even re-cased or re-spaced
    by_id = {f"L-{i:03d}": text for i, text in enumerate(ARCHIVE_TEXTS, 1)}
    assert all(by_id[row[0]] == row[1] for row in rows)  # ids from the guessed id column
    assert all(row[2] in LABELS and 0.0 < float(row[3]) <= 1.0 for row in rows)
    assert all(row[4:] == ["", "", ""] for row in rows)  # left for the annotators
    assert sheet.read_text(encoding="utf-8").startswith("# Isi kolom 'label'")


def test_annotate_ids_are_row_numbers_without_an_id_column(
    tmp_path: Path, model_path: Path, write_csv: Callable[..., Path]
) -> None:
    data = write_csv(tmp_path / "tanpa_id.csv", ["isi"], [[t] for t in ARCHIVE_TEXTS])
    sheet = tmp_path / "lembar.csv"
    assert main(["annotate", str(data), "-o", str(sheet), "--n", "4", "--model", str(model_path), "-q"]) == 0
    _, rows = _read_sheet(sheet)
    assert len(rows) == 4 and all(ARCHIVE_TEXTS[int(row[0]) - 1] == row[1] for row in rows)


def test_annotate_xlsx_has_a_label_drop_down(archive: Path, model_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    sheet = archive.with_name("lembar.xlsx")
    assert main(["annotate", str(archive), "-o", str(sheet), "--n", "5", "--model", str(model_path), "-q"]) == 0
    wb = openpyxl.load_workbook(sheet)
    ws = wb["label"]
    assert [c.value for c in ws[1]] == list(SHEET_COLUMNS) and ws.max_row == 6
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1.startswith("=panduan!")
    assert str(validation.sqref) == "E2:E6"  # the 'label' column of every row
    assert [row[0] for row in wb["panduan"].iter_rows(min_row=2, values_only=True)] == list(LABELS)


def test_annotate_real_command(
    archive: Path, model_path: Path, run_cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    sheet = archive.with_name("lembar_cli.csv")
    proc = run_cli("annotate", archive, "-o", sheet, "-n", "3", "--model", model_path, "--id-column", "no_laporan")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("wrote 3 complaints of arsip.csv") and "Traceback" not in proc.stderr
    header, rows = _read_sheet(sheet)
    assert header == list(SHEET_COLUMNS) and len(rows) == 3


@pytest.mark.parametrize(
    ("extra", "output", "message"),
    [
        ([], "lembar.jsonl", "a labelling sheet is a .csv or .xlsx file; got 'lembar.jsonl'"),
        (["--id-column", "kode"], "lembar.csv", "column 'kode' not found in arsip.csv"),
        (["--text-column", "tanggal", "-n", "0"], "lembar.csv", "must be at least 1, got 0"),
    ],
)
def test_annotate_usage_errors(
    extra: list[str],
    output: str,
    message: str,
    archive: Path,
    model_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["annotate", str(archive), "-o", str(archive.with_name(output)), "--model", str(model_path), *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not archive.with_name(output).exists()


# --------------------------------------------------------------------------- train --extra
def test_train_extra_on_the_corpus(
    tmp_path: Path, small_corpus: datasets.Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _filled_sheet(tmp_path / "lembar.csv", SHEET_ROWS)
    model = tmp_path / "saya.joblib"
    argv = ["train", "-o", str(model), "--extra", str(sheet), "--cv", "2", "--calibration", "none"]
    assert main(argv) == 0
    assert "cross-validation (2 folds)" in capsys.readouterr().out

    data = json.loads(model.with_name("saya.card.json").read_text(encoding="utf-8"))["training_data"]
    assert "lembar.csv" in data["source"] and "packaged corpus" in data["source"]
    corpus_part, sheet_part = data["sources"]
    assert corpus_part["n_samples"] == len(small_corpus) and "packaged corpus" in corpus_part["source"]
    assert sheet_part == {"source": str(sheet), "sha256": file_sha256(sheet), "n_samples": 4, "weight": 3}
    assert data["n_samples"] == 44 and data["n_training_rows"] == 40 + 3 * 4

    assert main(["info", str(model)]) == 0
    assert "lembar.csv" in capsys.readouterr().out
    assert load_model(model).predict(["lurah minta amplop"])[0] == "permintaan_imbalan"


def test_train_data_plus_extra(
    tmp_path: Path, write_csv: Callable[..., Path], training_rows: list[tuple[str, str]]
) -> None:
    data = write_csv(tmp_path / "latih.csv", ["teks", "label"], training_rows)
    sheet = _filled_sheet(tmp_path / "lembar.csv", SHEET_ROWS)
    model = tmp_path / "saya.joblib"
    argv = ["train", str(data), "-o", str(model), "--extra", str(sheet), "--extra-weight", "2", "--cv", "0"]
    assert main([*argv, "--calibration", "none", "-q"]) == 0
    card = json.loads(model.with_name("saya.card.json").read_text(encoding="utf-8"))
    base, extra = card["training_data"]["sources"]
    assert base["source"] == str(data) and base["sha256"] == file_sha256(data) and base["n_samples"] == 40
    assert extra["source"] == str(sheet) and extra["weight"] == 2
    assert card["training_data"]["n_training_rows"] == 40 + 2 * 4


def test_train_extra_with_an_invalid_label_names_the_row(
    tmp_path: Path, small_corpus: datasets.Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _filled_sheet(tmp_path / "lembar.csv", SHEET_ROWS, bad="pungli")
    model = tmp_path / "saya.joblib"
    assert main(["train", "-o", str(model), "--extra", str(sheet), "--cv", "0"]) == 2
    err = capsys.readouterr().err
    n_comments = 1 + len(LABELS)  # the '#' lines; then the header, then 5 rows: the last is line n + 6
    assert f"row {n_comments + 6}: invalid label 'pungli'" in err
    assert err.startswith("maladmin-nlp: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not model.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "-o", "m.joblib"], "give the labelled file DATA, or a filled labelling sheet with --extra"),
        (["train", "{data}", "-o", "m.joblib", "--extra-weight", "2"], "--extra-weight weighs the rows"),
        (["train", "-o", "m.joblib", "--extra", "{empty}"], "has no labelled rows: fill its 'label' column"),
        (["train", "-o", "m.joblib", "--extra", "{data}", "--extra-weight", "0"], "must be at least 1, got 0"),
    ],
)
def test_train_extra_usage_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "latih.csv"
    data.write_text("teks,label\nKTP belum jadi,penundaan_berlarut\npungli,permintaan_imbalan\n", encoding="utf-8")
    empty = _filled_sheet(tmp_path / "kosong.csv", SHEET_ROWS[:1])  # its only row left unlabelled
    argv = [a.replace("{data}", str(data)).replace("{empty}", str(empty)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_repeated_rows_cross_validation_matches_cross_validate_without_repeats(
    training_rows: list[tuple[str, str]],
) -> None:
    texts, labels = (list(v) for v in zip(*training_rows, strict=True))
    params = {"calibration": None}
    ours = batch._cross_validate_repeated(texts, labels, [1] * len(texts), cv=3, params=params)
    from maladmin_nlp import ComplaintClassifier

    assert ours.to_dict() == cross_validate(ComplaintClassifier(**params), texts, labels, cv=3).to_dict()


# --------------------------------------------------------------------------- adapt
def test_adapt_writes_a_model_and_its_card(
    archive: Path, model_path: Path, small_corpus: datasets.Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    out = archive.with_name("adaptasi.joblib")
    argv = ["adapt", str(archive), "-o", str(out), "--model", str(model_path), "--per-class", "2"]
    assert main([*argv, "--min-confidence", "0"]) == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith("adapted to 13 complaints of arsip.csv") and "at most 2 per label" in stdout

    card: dict[str, Any] = json.loads(out.with_name("adaptasi.card.json").read_text(encoding="utf-8"))
    info = card["extra"]
    n = info["n_pseudo_labelled"]
    assert 0 < n <= 2 * 4 and n == sum(info["per_label"].values())
    assert set(info["per_label"]) == set(load_model(model_path).classes_)
    assert info["n_archive"] == 13 and info["per_class"] == 2 and info["min_confidence"] == 0.0
    data = card["training_data"]
    assert data["source"] == f"packaged corpus + {n} pseudo-labelled complaints of {archive}"
    assert data["sha256"] == file_sha256(archive) and data["n_samples"] == len(small_corpus) + n
    assert data["text_column"] == "isi_laporan" and data["rows_skipped"] == 1
    for label, added in info["per_label"].items():
        assert (f"  {label}" in stdout) and f"{added}" in stdout
    assert load_model(out).predict(["KTP belum jadi 4 bulan"])[0] == "penundaan_berlarut"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--min-confidence", "1.5"], "must be between 0 and 1, got '1.5'"),
        (["--per-class", "0"], "must be at least 1, got 0"),
        (["--text-column", "isi"], "column 'isi' not found in arsip.csv; columns are: no_laporan, tanggal"),
    ],
)
def test_adapt_usage_errors(
    extra: list[str], message: str, archive: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = archive.with_name("adaptasi.joblib")
    assert main(["adapt", str(archive), "-o", str(out), "--model", str(model_path), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()
